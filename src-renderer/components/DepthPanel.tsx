import { useLayoutEffect, useRef } from 'react';
import { formatCount, formatPaise } from '../format/format.js';
import { depthView, useDepthStore, type DepthRow } from '../state/depth.js';

/** The quantity bar: its width is set through the CSSOM (el.style.width), never an inline style attribute (CSP). */
function DepthBar({ fraction }: { fraction: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (ref.current) ref.current.style.width = `${(fraction * 100).toFixed(1)}%`;
  }, [fraction]);
  return <div className="depth-bar" ref={ref} />;
}

function Row({ r }: { r: DepthRow }) {
  return (
    <tr className={`depth-row depth-${r.side}`} data-testid="depth-row" data-side={r.side} data-level={r.level}>
      <td className="num depth-price">
        <DepthBar fraction={r.fraction} />
        <span>{r.pricePaise === null ? '—' : formatPaise(r.pricePaise)}</span>
      </td>
      <td className="num">{r.pricePaise === null ? '' : formatCount(r.quantity)}</td>
      <td className="num">{r.pricePaise === null ? '' : r.orders}</td>
    </tr>
  );
}

/**
 * Market depth (order book) of the selected symbol: 5 asks (best at the bottom) over 5 bids (best at
 * the top), price, quantity and orders, with a bar proportional to the quantity.
 */
export function DepthPanel() {
  const symbol = useDepthStore((s) => s.symbol);
  const depth = useDepthStore((s) => s.depth);
  const v = depthView(depth);
  return (
    <section className="depth-panel" data-testid="depth-panel" data-symbol={symbol ?? ''} data-ready={depth !== null}>
      <div className="panel-title">
        Depth <span className="muted">{symbol ?? ''}</span>
      </div>
      <table className="grid-table depth-table">
        <thead>
          <tr>
            <th className="num">Price ₹</th>
            <th className="num">Qty</th>
            <th className="num">Ord</th>
          </tr>
        </thead>
        <tbody>
          {v.sell.map((r) => (
            <Row key={`s${r.level}`} r={r} />
          ))}
          <tr className="depth-spread">
            <td colSpan={3}>{v.spreadPaise === null ? (depth === null ? 'Waiting for depth…' : '') : `spread ${formatPaise(v.spreadPaise)}`}</td>
          </tr>
          {v.buy.map((r) => (
            <Row key={`b${r.level}`} r={r} />
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td className="num up">{formatCount(v.totalBuy)}</td>
            <td colSpan={2} className="num down">
              {formatCount(v.totalSell)}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
