import { useState } from 'react';
import type { LiveSlippage } from '../../src-engine/contract/mode-schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { direction, formatIstTime, formatPaise, formatPnlPaise } from '../format/format.js';
import { useFollowPortfolio } from '../state/use-follow-portfolio.js';
import { errorText } from '../state/trading-actions.js';
import { InlineError } from './Modal.js';

/** Adverse-positive paise → the tone a person reads: a cost is red, a saving green. */
const tone = (adverse: number | undefined): string => (adverse === undefined ? 'flat' : direction(-adverse));
const bpsText = (b: number | undefined): string => (b === undefined ? '—' : `${b > 0 ? '+' : b < 0 ? '\u2212' : ''}${Math.abs(b).toFixed(2)}`);
const paiseText = (p: number | undefined): string => (p === undefined ? '—' : formatPaise(p));

/**
 * Live vs paper slippage (`live.slippage`): each live order's real Kite fill against what the paper
 * model would have filled when it was sent, per strategy and per order (newest first). Positive = worse
 * than the model (a cost, red). Shown once there is a live order; reloaded with the portfolio.
 */
export function LiveSlippagePanel() {
  const [rep, setRep] = useState<LiveSlippage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useFollowPortfolio(
    'live-slippage',
    () => client.call('live.slippage', { limit: 50 }),
    (r) => {
      setRep(r);
      setError(null);
    },
    (e) => setError(errorText(describeError(e))),
  );
  if (rep === null && error === null) return null;
  const orders = rep?.orders ?? [];
  return (
    <div className="performance-chart-box live-slippage" data-testid="live-slippage" data-orders={orders.length}>
      <div className="muted" title="Each live order's Kite fill against what the paper fill model would have filled when it was sent (on the depth and last price seen then). Positive = Kite filled worse than the model.">
        Live slippage: Kite vs the paper model
      </div>
      <InlineError testId="live-slippage-error" text={error} onDismiss={() => setError(null)} />
      {orders.length === 0 ? (
        <div className="muted">No live order yet.</div>
      ) : (
        <>
          <table className="grid-table" data-testid="live-slippage-strategies">
            <thead>
              <tr>
                <th>Strategy</th>
                <th className="num">Orders</th>
                <th className="num">Paired</th>
                <th className="num">Qty</th>
                <th className="num" title="Σ (real − model) × qty, adverse-positive">Cost ₹</th>
                <th className="num" title="Cost over the model notional, basis points">bps</th>
              </tr>
            </thead>
            <tbody>
              {rep!.strategies.map((a) => (
                <tr key={a.strategy} data-testid={`slip-strategy-${a.strategy === '*' ? 'all' : a.strategy}`} data-cost={a.costPaise} data-bps={a.bps}>
                  <td>{a.strategy === '*' ? 'All live orders' : a.strategy}</td>
                  <td className="num">{a.orders}</td>
                  <td className="num">{a.paired}</td>
                  <td className="num">{a.filledQty}</td>
                  <td className={`num ${tone(a.costPaise)}`}>{formatPnlPaise(a.costPaise)}</td>
                  <td className={`num ${tone(a.costPaise)}`}>{bpsText(a.bps)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="grid-table" data-testid="live-slippage-orders">
            <thead>
              <tr>
                <th>Time</th>
                <th>Strategy</th>
                <th>Symbol</th>
                <th>Side</th>
                <th className="num">Qty</th>
                <th title="What the model was based on: depth, last price, resting limit/stop, none">Model</th>
                <th className="num">Model ₹</th>
                <th className="num">Kite ₹</th>
                <th className="num" title="Per unit, adverse-positive (paise)">Diff p</th>
                <th className="num">bps</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.orderId} data-testid="slip-order" data-client-id={o.clientId} data-diff={o.diffPaise ?? ''} data-side={o.side}>
                  <td>{formatIstTime(o.ts)}</td>
                  <td>{o.strategy}</td>
                  <td>{o.symbol}</td>
                  <td className={`side ${o.side === 'BUY' ? 'up' : 'down'}`}>{o.side}</td>
                  <td className="num">
                    {o.filledQty}/{o.qty}
                  </td>
                  <td>{o.basis}</td>
                  <td className="num">{paiseText(o.modelPricePaise)}</td>
                  <td className="num">{paiseText(o.realPricePaise)}</td>
                  <td className={`num ${tone(o.diffPaise)}`}>{o.diffPaise === undefined ? '—' : `${o.diffPaise > 0 ? '+' : o.diffPaise < 0 ? '\u2212' : ''}${Math.abs(o.diffPaise)}`}</td>
                  <td className={`num ${tone(o.diffPaise)}`}>{bpsText(o.bps)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
