import './mode.css';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { LIVE_CONFIRMATION, type LiveSummary, type ModeState, type Preflight } from '../../src-engine/contract/mode-schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatPaise } from '../format/format.js';
import { useTradingStore } from '../state/trading-store.js';
import { InlineError, Modal } from './Modal.js';

/**
 * PAPER / SHADOW / LIVE in the status bar, always visible; going live is one click that opens the
 * confirmation (account, funds, risk limits, the strategies that will trade, the static-IP note, the
 * preflight with each check's reason) where the person types LIVE; back to paper is one click. An
 * alarm (the static-IP rejection, a reconciliation halt, the session ending) and "live was on before
 * the restart" show beside the badge.
 *
 * Test hooks: `mode-badge` (`data-mode`), buttons `go-live`, `back-to-paper`, `mode-shadow`,
 * `mode-paper`; `mode-alarm`, `mode-live-was-on`, `mode-reconciliation` (`data-state`); dialog
 * `live-dialog` with `live-account`, `live-funds`, `live-risk`, `live-strategies`, `live-static-ip`,
 * `live-preflight` (items `data-check`, `data-ok`), input `live-confirm-input`, button
 * `live-confirm-button`, error `live-error`.
 */

/** After a switch the order list and risk log belong to the new mode: fetch them again. */
async function reloadTradingViews(): Promise<void> {
  const t = useTradingStore.getState();
  const [orders, decisions] = await Promise.all([client.call('orders.list', {}), client.call('risk.decisions', { limit: 100 })]);
  t.ordersSnapshot(orders);
  t.decisionsSnapshot(decisions);
}

function PreflightList({ preflight }: { preflight: Preflight }) {
  return (
    <ul className="live-preflight" data-testid="live-preflight" data-ok={String(preflight.ok)}>
      {preflight.checks.map((c) => (
        <li key={c.id} data-check={c.id} data-ok={String(c.ok)} className={c.ok ? 'ok' : 'bad'}>
          <span className="live-check-mark">{c.ok ? '✓' : '✗'}</span> <b>{c.id}</b>: {c.reason}
        </li>
      ))}
    </ul>
  );
}

function LiveDialog({ onClose }: { onClose: () => void }) {
  const [summary, setSummary] = useState<LiveSummary | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Preflight | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let gone = false;
    client.call('mode.liveSummary', {}).then(
      (s) => !gone && setSummary(s),
      (e: unknown) => !gone && setError(describeError(e).message),
    );
    return () => {
      gone = true;
    };
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    client.call('mode.set', { mode: 'live', confirm: typed }).then(
      (r) => {
        setBusy(false);
        if (r.ok) onClose();
        else {
          setError(r.message);
          if (r.preflight) setRefusal(r.preflight);
        }
      },
      (err: unknown) => {
        setBusy(false);
        setError(describeError(err).message);
      },
    );
  };
  const preflight = refusal ?? summary?.preflight;
  return (
    <Modal title="Go live: real orders at Kite" testId="live-dialog" onClose={onClose} danger>
      <form onSubmit={submit} className="live-form">
        {summary === null && error === null && <p>Running the live preflight…</p>}
        {summary && (
          <dl className="live-facts">
            <dt>Account</dt>
            <dd data-testid="live-account">{summary.userId ?? '—'}</dd>
            <dt>Funds</dt>
            <dd data-testid="live-funds">{summary.fundsPaise !== undefined ? `₹${formatPaise(summary.fundsPaise)}` : 'unreadable'}</dd>
            <dt>Risk limits</dt>
            <dd data-testid="live-risk">
              daily loss {formatPaise(summary.risk.dailyLossLimitPaise)} · drawdown {formatPaise(summary.risk.drawdownLimitPaise)} · max {summary.risk.maxOpenPositions} positions ·
              max order {formatPaise(summary.risk.maxOrderValuePaise)} · capital {formatPaise(summary.risk.capitalPaise)}
            </dd>
            <dt>Strategies</dt>
            <dd data-testid="live-strategies">
              {summary.strategies.length === 0 ? 'none enabled' : summary.strategies.map((s) => `${s.id} (${s.type}: ${s.symbols.join(', ')})`).join('; ')}
              {summary.autoTrade ? '' : ' — autoTrade is off: they journal only'}
            </dd>
          </dl>
        )}
        {summary && (
          <p className="live-static-ip" data-testid="live-static-ip">
            {summary.staticIpNote}
          </p>
        )}
        {preflight && <PreflightList preflight={preflight} />}
        <label className="modal-field">
          Type {LIVE_CONFIRMATION} to place real orders
          <input data-testid="live-confirm-input" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
        </label>
        <InlineError text={error} testId="live-error" onDismiss={() => setError(null)} />
        <div className="modal-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-danger" data-testid="live-confirm-button" disabled={busy || typed !== LIVE_CONFIRMATION}>
            Go live
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function ModeSwitch() {
  const [state, setState] = useState<ModeState | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seenMode = useRef<string | undefined>(undefined);
  useEffect(() => {
    // any switch (by a person here, another window, or the engine itself when the Kite session ends)
    // makes the order list and risk log the new mode's
    const onState = (s: ModeState) => {
      if (seenMode.current !== undefined && seenMode.current !== s.mode) void reloadTradingViews().catch(() => undefined);
      seenMode.current = s.mode;
      setState(s);
    };
    const sub = client.subscribe('mode.changed', {}, { snapshot: onState, delta: onState, error: (e) => setError(describeError(e).message) });
    return () => sub.close();
  }, []);
  const close = useCallback(() => setOpen(false), []);
  const switchTo = (mode: 'paper' | 'shadow') => {
    setError(null);
    client.call('mode.set', { mode }).then(
      (r) => {
        if (!r.ok) setError(r.message);
      },
      (e: unknown) => setError(describeError(e).message),
    );
  };
  const mode = state?.mode;
  const rec = state?.reconciliation;
  return (
    <>
      <span className={`status-item mode-item${mode ? ` mode-${mode}` : ''}`}>
        <span className="status-label">mode</span>
        <span className="mode-badge" data-testid="mode-badge" data-mode={mode ?? ''}>
          {mode ? mode.toUpperCase() : '—'}
        </span>
      </span>
      {mode === 'live' ? (
        <button type="button" className="btn-small mode-button" data-testid="back-to-paper" onClick={() => switchTo('paper')}>
          Back to paper
        </button>
      ) : (
        <>
          {mode && (
            <button type="button" className="btn-small mode-button" data-testid={mode === 'paper' ? 'mode-shadow' : 'mode-paper'} onClick={() => switchTo(mode === 'paper' ? 'shadow' : 'paper')}>
              {mode === 'paper' ? 'Shadow' : 'Paper'}
            </button>
          )}
          <button
            type="button"
            className="btn-small mode-button mode-go-live"
            data-testid="go-live"
            disabled={!state}
            title={state && !state.liveAvailable ? 'log in to Kite first (the preflight will say what is missing)' : 'opens the live confirmation'}
            onClick={() => setOpen(true)}
          >
            Go live…
          </button>
        </>
      )}
      {mode === 'live' && rec && (
        <span className={`status-item mode-rec tone-${rec.state === 'clean' ? 'ok' : rec.state === 'mismatch' ? 'warn' : 'bad'}`} data-testid="mode-reconciliation" data-state={rec.state} title={rec.message ?? ''}>
          <span className="status-label">recon</span>
          <span className="status-value">{rec.state}</span>
        </span>
      )}
      {state?.alarm && (
        <span className="mode-alarm" data-testid="mode-alarm" title={state.alarm}>
          {state.alarm}
        </span>
      )}
      {state?.liveWasOn && !state.alarm && (
        <span className="mode-alarm mode-note" data-testid="mode-live-was-on" title={state.liveWasOn.note}>
          {state.liveWasOn.note}
        </span>
      )}
      {error && (
        <span className="mode-alarm" data-testid="mode-error" title={error} onClick={() => setError(null)}>
          {error}
        </span>
      )}
      {open && <LiveDialog onClose={close} />}
    </>
  );
}
