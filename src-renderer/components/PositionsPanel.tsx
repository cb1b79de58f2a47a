import { Fragment, useCallback, useState } from 'react';
import type { ChargesBreakdownDto, PositionDto } from '../../src-engine/contract/trading-schemas.js';
import { client } from '../engine/connection.js';
import { formatCount, formatMoneyPaise, formatPaise, formatPnlPaise, pnlTone } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { errorText, orderCharges, squareOff, squareOffProblems, sumCharges } from '../state/trading-actions.js';
import { positionRows, positionTotals } from '../state/positions.js';
import { useTradingStore } from '../state/trading-store.js';
import { ChargesInline } from './AccountStrip.js';
import { InlineError, Modal } from './Modal.js';

const keyOf = (p: Pick<PositionDto, 'strategy' | 'symbol'>) => `${p.strategy}|${p.symbol}`;

function Pnl({ paise }: { paise: number }) {
  return <td className={`num ${pnlTone(paise)}`}>{formatPnlPaise(paise)}</td>;
}

type ChargesState = { key: string; loading: boolean; breakdown: ChargesBreakdownDto | null; orders: number; error: string | null };

/**
 * Positions (open first): symbol, strategy, qty, average, mark, unrealised, realised, net and charges,
 * all net of charges. A row click shows its charges by component (the sum over today's orders of
 * that strategy and symbol); Square off per row and for everything.
 */
export function PositionsPanel() {
  const portfolio = useTradingStore((s) => s.portfolio);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);
  const [charges, setCharges] = useState<ChargesState | null>(null);
  const closeConfirm = useCallback(() => setConfirmAll(false), []);

  const rows = positionRows(portfolio?.positions ?? []);
  const totals = positionTotals(rows);
  const open = rows.filter((p) => p.qty !== 0).length;

  const doSquareOff = async (key: string, target: { symbol?: string; strategy?: string }) => {
    setBusy(key);
    const r = await squareOff(client, target);
    setBusy(null);
    setError(r.ok ? squareOffProblems(r.value) : errorText(r.error));
    if (r.ok) setConfirmAll(false);
  };

  const showCharges = async (p: PositionDto) => {
    const key = keyOf(p);
    if (charges?.key === key) {
      setCharges(null);
      return;
    }
    // the orders behind this position today; the breakdown is their charges summed by component
    const orders = (useTradingStore.getState().orders ?? []).filter((o) => o.symbol === p.symbol && o.strategy === p.strategy && o.filledQty > 0);
    setCharges({ key, loading: orders.length > 0, breakdown: null, orders: orders.length, error: null });
    if (orders.length === 0) return;
    const answers = await Promise.all(orders.map((o) => orderCharges(client, o.orderId)));
    const failed = answers.find((a) => !a.ok);
    setCharges((c) =>
      c?.key !== key
        ? c
        : failed && !failed.ok
          ? { ...c, loading: false, error: errorText(failed.error) }
          : { ...c, loading: false, breakdown: sumCharges(answers.flatMap((a) => (a.ok ? [a.value] : []))) },
    );
  };

  return (
    <div className="tab-body" data-testid="positions-panel" data-count={rows.length} data-open={open}>
      <div className="tab-toolbar">
        <span className="muted">
          {open} open · {rows.length - open} closed
        </span>
        <span className="status-spacer" />
        <button
          type="button"
          className="btn-small btn-danger"
          data-testid="square-off-all"
          disabled={!connected || open === 0 || busy !== null}
          onClick={() => setConfirmAll(true)}
        >
          Square off all
        </button>
      </div>
      <InlineError text={error} testId="positions-error" onDismiss={() => setError(null)} />
      <div className="panel-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Strategy</th>
              <th className="num">Qty</th>
              <th className="num">Avg ₹</th>
              <th className="num">LTP ₹</th>
              <th className="num">Unrealised</th>
              <th className="num">Realised</th>
              <th className="num">Net</th>
              <th className="num">Charges</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => {
              const key = keyOf(p);
              const shown = charges?.key === key ? charges : null;
              return (
                <Fragment key={key}>
                  <tr
                    data-testid="position-row"
                    data-symbol={p.symbol}
                    data-strategy={p.strategy}
                    data-qty={p.qty}
                    className={`clickable${p.qty === 0 ? ' closed-row' : ''}${shown ? ' expanded' : ''}`}
                    title="Click for this position's charges"
                    onClick={() => void showCharges(p)}
                  >
                    <td className="wl-symbol">{p.symbol}</td>
                    <td className="muted">{p.strategy}</td>
                    <td className={`num ${p.qty > 0 ? 'up' : p.qty < 0 ? 'down' : 'flat'}`}>{formatCount(p.qty)}</td>
                    <td className="num">{p.qty === 0 ? '—' : formatPaise(p.avgPricePaise)}</td>
                    <td className="num">{formatPaise(p.markPaise)}</td>
                    <Pnl paise={p.unrealisedPaise} />
                    <Pnl paise={p.realisedPaise} />
                    <Pnl paise={p.netPaise} />
                    <td className="num muted">{formatMoneyPaise(p.chargesPaise)}</td>
                    <td className="row-actions">
                      {p.qty !== 0 && (
                        <button
                          type="button"
                          className="btn-small"
                          data-testid="position-square-off"
                          disabled={!connected || busy !== null}
                          onClick={(e) => {
                            e.stopPropagation();
                            void doSquareOff(key, { symbol: p.symbol, strategy: p.strategy });
                          }}
                        >
                          {busy === key ? '…' : 'Square off'}
                        </button>
                      )}
                    </td>
                  </tr>
                  {shown && (
                    <tr className="detail-row" data-testid="position-charges" data-symbol={p.symbol}>
                      <td colSpan={10}>
                        {shown.loading ? (
                          <span className="muted">Loading charges…</span>
                        ) : shown.error ? (
                          <span className="down">{shown.error}</span>
                        ) : shown.breakdown ? (
                          <div className="detail-charges">
                            <span className="muted nowrap">
                              Charges ₹ ({shown.orders} order{shown.orders === 1 ? '' : 's'} today)
                            </span>
                            <ChargesInline charges={shown.breakdown} testId="position-charges-breakdown" />
                          </div>
                        ) : (
                          <span className="muted">No filled orders today; charges carried: ₹{formatMoneyPaise(p.chargesPaise)}</span>
                        )}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
            {rows.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={10}>{portfolio === null ? (connected ? 'Loading portfolio…' : 'Waiting for the engine…') : 'No positions today.'}</td>
              </tr>
            )}
          </tbody>
          {rows.length > 0 && (
            <tfoot>
              <tr className="totals-row">
                <td colSpan={5} className="muted">
                  Total
                </td>
                <Pnl paise={totals.unrealisedPaise} />
                <Pnl paise={totals.realisedPaise} />
                <Pnl paise={totals.netPaise} />
                <td className="num muted">{formatMoneyPaise(totals.chargesPaise)}</td>
                <td />
              </tr>
            </tfoot>
          )}
        </table>
      </div>
      {confirmAll && (
        <Modal title="Square off all positions" testId="square-off-all-dialog" onClose={closeConfirm} danger>
          <p>
            Close all {open} open position{open === 1 ? '' : 's'} at market? Each exit passes risk as a reduce-only order.
          </p>
          <InlineError text={error} testId="positions-error" onDismiss={() => setError(null)} />
          <div className="modal-buttons">
            <button type="button" onClick={closeConfirm}>
              Cancel
            </button>
            <button
              type="button"
              className="btn-danger"
              data-testid="square-off-all-confirm"
              autoFocus
              disabled={busy !== null}
              onClick={() => void doSquareOff('*', {})}
            >
              Square off all
            </button>
          </div>
        </Modal>
      )}
    </div>
  );
}
