import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChargesBreakdownDto, RiskStatus } from '../../src-engine/contract/trading-schemas.js';
import { client } from '../engine/connection.js';
import { formatIstTime, formatMoneyPaise, formatPnlPaise, pnlTone } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { CHARGE_COMPONENTS, errorText, haltTrading, resumeTrading, setKillSwitch } from '../state/trading-actions.js';
import { useTradingStore } from '../state/trading-store.js';
import { InlineError, Modal } from './Modal.js';

function Figure({ label, paise, signed, testId }: { label: string; paise: number | undefined; signed?: boolean; testId?: string }) {
  const tone = signed && paise !== undefined ? pnlTone(paise) : '';
  return (
    <span className="acct-figure" data-testid={testId}>
      <span className="status-label">{label}</span>
      <span className={`acct-value ${tone}`}>{paise === undefined ? '—' : signed ? formatPnlPaise(paise) : formatMoneyPaise(paise)}</span>
    </span>
  );
}

/** The charges popover: every component of the day's charges (sum over all fills). */
export function ChargesTable({ charges, testId }: { charges: ChargesBreakdownDto; testId: string }) {
  return (
    <table className="grid-table charges-table" data-testid={testId} data-total-paise={charges.totalPaise}>
      <tbody>
        {CHARGE_COMPONENTS.map(({ key, label }) => (
          <tr key={key} data-component={key}>
            <td>{label}</td>
            <td className="num">{formatMoneyPaise(charges[key])}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td>Total</td>
          <td className="num">{formatMoneyPaise(charges.totalPaise)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The same breakdown on one line (the positions tab's detail row). */
export function ChargesInline({ charges, testId }: { charges: ChargesBreakdownDto; testId: string }) {
  return (
    <span className="charges-inline" data-testid={testId} data-total-paise={charges.totalPaise}>
      {CHARGE_COMPONENTS.map(({ key, label }) => (
        <span key={key} data-component={key}>
          <span className="muted">{label}</span> {formatMoneyPaise(charges[key])}
        </span>
      ))}
      <span className="charges-inline-total">
        <span className="muted">Total</span> {formatMoneyPaise(charges.totalPaise)}
      </span>
    </span>
  );
}

function ChargesButton({ charges, totalPaise }: { charges: ChargesBreakdownDto | undefined; totalPaise: number | undefined }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <span className="acct-figure charges-anchor" ref={ref}>
      <button
        type="button"
        className="acct-link"
        data-testid="charges-button"
        aria-expanded={open}
        disabled={charges === undefined}
        title="Charges by component"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="status-label">charges</span>
        <span className="acct-value">{totalPaise === undefined ? '—' : formatMoneyPaise(totalPaise)}</span>
      </button>
      {open && charges && (
        <div className="popover" role="dialog" aria-label="Charges breakdown">
          <div className="popover-title">Charges today ₹</div>
          <ChargesTable charges={charges} testId="charges-breakdown" />
        </div>
      )}
    </span>
  );
}

/** "loss 1,234.00 / 5,000.00": how close the day's loss is to its limit (day PnL and the limit are ≤ 0 in the contract). */
function lossText(dayPnlPaise: number, limitPaise: number): string {
  return `${formatMoneyPaise(Math.abs(Math.min(0, dayPnlPaise)))} / ${formatMoneyPaise(Math.abs(limitPaise))}`;
}

/** "dd 600.00 / 20,000.00": the fall from the day's peak and the fall that trips the breaker (both ≥ 0). */
function drawdownText(drawdownPaise: number, limitPaise: number): string {
  return `${formatMoneyPaise(Math.max(0, drawdownPaise))} / ${formatMoneyPaise(Math.max(0, limitPaise))}`;
}

function RiskBadges({ risk }: { risk: RiskStatus | null }) {
  if (risk === null) return <span className="badge badge-muted">risk —</span>;
  const when = (ts: number | undefined) => (ts === undefined ? '' : ` since ${formatIstTime(ts)} IST`);
  return (
    <>
      {risk.killSwitch && (
        <span className="badge badge-bad" data-testid="kill-switch-badge" title={`${risk.killReason ?? 'kill switch on'}${when(risk.killedAt)}`}>
          KILL SWITCH{risk.killReason ? `: ${risk.killReason}` : ''}
        </span>
      )}
      {risk.halted && (
        <span
          className="badge badge-warn"
          data-testid="halted-badge"
          title={`${risk.haltReason ?? 'halted'}${when(risk.haltedAt)}${risk.haltUntil === 'day-end' ? '; ends at the next trading day' : risk.haltUntil === 'resume' ? '; until resumed' : ''}`}
        >
          HALTED{risk.haltReason ? `: ${risk.haltReason}` : ''}
        </span>
      )}
      {!risk.killSwitch && !risk.halted && <span className="badge badge-ok">TRADING</span>}
      <span
        className="acct-risk-figures muted"
        title={`day loss ${lossText(risk.dayPnlPaise, risk.dailyLossLimitPaise)} (limit) · drawdown ${drawdownText(risk.drawdownPaise, risk.drawdownLimitPaise)} (limit) · open positions ${risk.openPositions} of ${risk.maxOpenPositions}`}
      >
        loss {lossText(risk.dayPnlPaise, risk.dailyLossLimitPaise)} · dd {drawdownText(risk.drawdownPaise, risk.drawdownLimitPaise)} · pos {risk.openPositions}/
        {risk.maxOpenPositions}
        {(risk.maxGrossExposurePaise !== undefined || (risk.externalExposurePaise ?? 0) > 0) && (
          <span
            data-testid="risk-exposure"
            data-external={risk.externalExposurePaise ?? 0}
            title="Gross exposure: our positions plus external positions at Kite (not placed by the app; never traded by strategies), against the cap"
          >
            {' '}
            · exp {formatMoneyPaise((risk.grossExposurePaise ?? 0) + (risk.externalExposurePaise ?? 0))}
            {risk.maxGrossExposurePaise !== undefined ? ` / ${formatMoneyPaise(risk.maxGrossExposurePaise)}` : ''}
            {(risk.externalExposurePaise ?? 0) > 0 ? ` (ext ${formatMoneyPaise(risk.externalExposurePaise!)})` : ''}
          </span>
        )}
      </span>
    </>
  );
}

type Dialog = null | 'halt' | 'kill-on' | 'kill-off';

/**
 * The account strip under the status bar: mode, equity, day PnL (net), realised, unrealised, charges
 * (with a breakdown popover), the risk state and the halt / resume / kill-switch controls.
 */
export function AccountStrip() {
  const portfolio = useTradingStore((s) => s.portfolio);
  const risk = useTradingStore((s) => s.risk);
  const statusMode = useAppStore((s) => s.status?.mode);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [alsoSquareOff, setAlsoSquareOff] = useState(false);
  const close = useCallback(() => setDialog(null), []);

  const mode = portfolio?.mode ?? statusMode;
  const run = async (action: () => Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>) => {
    setBusy(true);
    const r = await action();
    setBusy(false);
    if (r.ok) {
      setError(null);
      setDialog(null);
    } else if (dialog === null) {
      // Resume has no dialog to show it in: the banner says why
      useAppStore.getState().pushError(r.error);
    } else {
      setError(errorText(r.error));
    }
  };
  const open = (d: Dialog) => {
    setReason('');
    setAlsoSquareOff(false);
    setError(null);
    setDialog(d);
  };
  const onHalt = (e: FormEvent) => {
    e.preventDefault();
    const why = reason.trim();
    if (why) void run(() => haltTrading(client, why));
  };
  const onKill = (e: FormEvent) => {
    e.preventDefault();
    const why = reason.trim();
    void run(() => setKillSwitch(client, dialog === 'kill-on' ? { engaged: true, squareOff: alsoSquareOff, ...(why ? { reason: why } : {}) } : { engaged: false }));
  };

  return (
    <div
      className="account-strip"
      data-testid="account-strip"
      data-ready={portfolio !== null}
      data-mode={mode ?? ''}
      data-equity-paise={portfolio?.equityPaise}
      data-day-pnl-paise={portfolio?.dayPnlPaise}
    >
      <span className={`mode-badge mode-${mode ?? 'none'}`} data-testid="mode-badge" title="trading mode">
        {mode ? mode.toUpperCase() : '—'}
      </span>
      <Figure label="equity" paise={portfolio?.equityPaise} />
      <Figure label="day pnl" paise={portfolio?.dayPnlPaise} signed testId="day-pnl" />
      <Figure label="realised" paise={portfolio?.realisedPaise} signed />
      <Figure label="unrealised" paise={portfolio?.unrealisedPaise} signed />
      <ChargesButton charges={portfolio?.charges} totalPaise={portfolio?.chargesPaise} />
      <span className="status-spacer" />
      <span
        className="acct-risk"
        data-testid="risk-state"
        data-ready={risk !== null}
        data-halted={risk?.halted ?? false}
        data-kill-switch={risk?.killSwitch ?? false}
      >
        <RiskBadges risk={risk} />
      </span>
      <button type="button" className="acct-button" data-testid="halt-button" disabled={!connected || busy || risk === null || risk.halted} onClick={() => open('halt')}>
        Halt
      </button>
      <button
        type="button"
        className="acct-button"
        data-testid="resume-button"
        disabled={!connected || busy || risk === null || !risk.halted}
        onClick={() => void run(() => resumeTrading(client))}
      >
        Resume
      </button>
      <button
        type="button"
        className={`acct-button ${risk?.killSwitch ? 'acct-button-release' : 'acct-button-danger'}`}
        data-testid="kill-switch-button"
        data-engaged={risk?.killSwitch ?? false}
        disabled={!connected || busy || risk === null}
        onClick={() => open(risk?.killSwitch ? 'kill-off' : 'kill-on')}
      >
        {risk?.killSwitch ? 'Release kill switch' : 'Kill switch'}
      </button>

      {dialog === 'halt' && (
        <Modal title="Halt new orders" testId="halt-dialog" onClose={close}>
          <form onSubmit={onHalt}>
            <p className="muted">New orders are refused until you resume; exits still pass.</p>
            <label className="modal-field">
              Reason
              <input data-testid="halt-reason" value={reason} maxLength={200} autoFocus onChange={(e) => setReason(e.target.value)} />
            </label>
            <InlineError text={error} testId="risk-error" onDismiss={() => setError(null)} />
            <div className="modal-buttons">
              <button type="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" className="btn-warn" data-testid="halt-confirm" disabled={busy || reason.trim() === ''}>
                Halt
              </button>
            </div>
          </form>
        </Modal>
      )}
      {(dialog === 'kill-on' || dialog === 'kill-off') && (
        <Modal title={dialog === 'kill-on' ? 'Engage the kill switch' : 'Release the kill switch'} testId="kill-switch-dialog" onClose={close} danger>
          <form onSubmit={onKill}>
            {dialog === 'kill-on' ? (
              <>
                <p>
                  Blocks <b>every</b> new order and cancels every open order. It stays on across restarts until you release it.
                </p>
                <label className="modal-check">
                  <input type="checkbox" data-testid="kill-switch-square-off" checked={alsoSquareOff} onChange={(e) => setAlsoSquareOff(e.target.checked)} />
                  Also square off all open positions at market
                </label>
                <label className="modal-field">
                  Reason (optional)
                  <input data-testid="kill-switch-reason" value={reason} maxLength={200} autoFocus onChange={(e) => setReason(e.target.value)} />
                </label>
              </>
            ) : (
              <p>
                New orders will pass risk again{risk?.halted ? ' (trading stays halted until you resume)' : ''}. Release the kill switch
                {risk?.killReason ? ` (${risk.killReason})` : ''}?
              </p>
            )}
            <InlineError text={error} testId="risk-error" onDismiss={() => setError(null)} />
            <div className="modal-buttons">
              <button type="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" className={dialog === 'kill-on' ? 'btn-danger' : 'btn-warn'} data-testid="kill-switch-confirm" disabled={busy} autoFocus={dialog === 'kill-off'}>
                {dialog === 'kill-on' ? (alsoSquareOff ? 'Kill and square off' : 'Kill') : 'Release'}
              </button>
            </div>
          </form>
        </Modal>
      )}
    </div>
  );
}
