import { useEffect, useRef, useState } from 'react';
import { optionPayoffSchema, type OptionPayoffDto } from '../../src-engine/contract/options-schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatPaise } from '../format/format.js';

/** Real ms between two snapshots while the tab is open. */
const POLL_MS = 1000;
const W = 760;
const H = 165;
const PAD = 22;

/**
 * The payoff tab (issue 14): PnL of the open F&O positions of an underlying against its price, at expiry
 * (intrinsic) and today (Black-76 at each option's IV), from `options.payoff`; the spot marked. An SVG
 * line chart; polls once a second.
 */
export function PayoffPanel() {
  const [data, setData] = useState<OptionPayoffDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);

  useEffect(() => {
    let alive = true;
    const load = async () => {
      if (inFlight.current) return;
      inFlight.current = true;
      try {
        const v = optionPayoffSchema.parse(await client.call('options.payoff', { points: 81 }, { timeoutMs: 10_000 }));
        if (alive) {
          setData(v);
          setError(null);
        }
      } catch (e) {
        if (alive) setError(describeError(e).message);
      } finally {
        inFlight.current = false;
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);

  if (!data) return <div className="panel-empty" data-testid="payoff-panel" data-ready="false">{error ?? 'Loading payoff…'}</div>;
  const pts = data.points;
  const xs = pts.map((p) => p.underlyingPaise);
  const ys = pts.flatMap((p) => [p.expiryPnlPaise, p.todayPnlPaise]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let y0 = Math.min(0, ...ys);
  let y1 = Math.max(0, ...ys);
  if (y1 === y0) {
    y0 -= 1;
    y1 += 1;
  }
  const sx = (x: number) => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD - ((y - y0) / (y1 - y0)) * (H - 2 * PAD);
  const line = (f: (p: (typeof pts)[number]) => number) => pts.map((p) => `${sx(p.underlyingPaise).toFixed(1)},${sy(f(p)).toFixed(1)}`).join(' ');
  return (
    <div className="payoff-panel" style={{ overflow: 'auto', padding: '2px 8px' }} data-testid="payoff-panel" data-ready="true" data-positions={data.positions.length} data-underlying={data.underlying}>
      <div className="payoff-head">
        <strong>{data.underlying}</strong> payoff — {data.index} {formatPaise(data.spotPaise)} ·{' '}
        {data.positions.length === 0 ? 'no open F&O position' : data.positions.map((p) => `${p.qty > 0 ? '+' : ''}${p.qty} ${p.symbol} @ ${formatPaise(p.avgPricePaise)}`).join(', ')}
        {error && <span className="payoff-error"> ({error})</span>}
      </div>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="payoff at expiry and today" data-testid="payoff-chart">
        <line x1={PAD} x2={W - PAD} y1={sy(0)} y2={sy(0)} stroke="#888" strokeDasharray="4 3" />
        <line x1={sx(data.spotPaise)} x2={sx(data.spotPaise)} y1={PAD / 2} y2={H - PAD} stroke="#aaa" data-testid="payoff-spot" />
        <polyline fill="none" stroke="#2f81f7" strokeWidth={2} points={line((p) => p.expiryPnlPaise)} data-testid="payoff-expiry" />
        <polyline fill="none" stroke="#f0883e" strokeWidth={2} points={line((p) => p.todayPnlPaise)} data-testid="payoff-today" />
        <text x={PAD} y={H - 12} fontSize={11} fill="currentColor">{formatPaise(x0)}</text>
        <text x={W - PAD} y={H - 12} fontSize={11} fill="currentColor" textAnchor="end">{formatPaise(x1)}</text>
        <text x={PAD + 4} y={sy(y1) + 10} fontSize={11} fill="currentColor">{formatPaise(y1)}</text>
        <text x={PAD + 4} y={sy(y0) - 2} fontSize={11} fill="currentColor">{formatPaise(y0)}</text>
        <text x={W - PAD} y={PAD / 2} fontSize={11} fill="#2f81f7" textAnchor="end">at expiry</text>
        <text x={W - PAD} y={PAD / 2 + 14} fontSize={11} fill="#f0883e" textAnchor="end">today</text>
      </svg>
    </div>
  );
}
