import type { RiskDecisionDto } from '../../src-engine/contract/trading-schemas.js';
import { formatCount, formatIstTime } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { useTradingStore } from '../state/trading-store.js';

const actionTone: Record<RiskDecisionDto['action'], string> = { ALLOW: 'up', REDUCE: 'warn', BLOCK: 'down', HALT_SESSION: 'down' };

/** The numbers behind a decision, for the row's tooltip: "dayPnl=-1200 · limit=-5000". */
function numbersText(d: RiskDecisionDto): string {
  const parts = Object.entries(d.numbers).map(([k, v]) => `${k}=${v}`);
  if (d.slices && d.slices.length > 1) parts.push(`slices=${d.slices.join('+')}`);
  return parts.join(' · ');
}

/** The risk.decided stream, newest first: time, action, rule, symbol, side, qty, strategy/source and message. */
export function RiskLog() {
  const decisions = useTradingStore((s) => s.decisions);
  const connected = useAppStore((s) => s.connection.state === 'open');
  return (
    <div className="tab-body" data-testid="risk-log" data-count={decisions.length}>
      <div className="panel-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              <th>Time IST</th>
              <th>Action</th>
              <th>Rule</th>
              <th>Symbol</th>
              <th>Side</th>
              <th className="num">Qty</th>
              <th>Strategy</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {decisions.map((d) => (
              <tr key={d.id} data-testid="risk-row" data-id={d.id} data-action={d.action} data-rule={d.rule ?? ''} data-client-id={d.clientId} title={numbersText(d)}>
                <td className="num-l">{formatIstTime(d.ts)}</td>
                <td className={`side ${actionTone[d.action]}`}>{d.action}</td>
                <td>{d.rule ?? ''}</td>
                <td className="wl-symbol">{d.symbol}</td>
                <td className={d.side === 'BUY' ? 'up' : 'down'}>{d.side}</td>
                <td className="num">
                  {formatCount(d.qty)}
                  {d.action === 'REDUCE' && d.reducedQty !== undefined ? ` → ${formatCount(d.reducedQty)}` : ''}
                </td>
                <td className="muted">
                  {d.strategy}
                  {d.source !== 'strategy' ? ` · ${d.source}` : ''}
                </td>
                <td className="reason" title={d.message}>
                  {d.message ?? ''}
                </td>
              </tr>
            ))}
            {decisions.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={8}>{connected ? 'No risk decisions yet.' : 'Waiting for the engine…'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
