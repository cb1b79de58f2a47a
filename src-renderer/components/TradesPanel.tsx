import { formatCount, formatIstTime, formatMoneyPaise, formatPaise } from '../format/format.js';
import { useAppStore } from '../state/store.js';
import { useTradingStore } from '../state/trading-store.js';

/** Fills, newest first: time, symbol, side, qty, price, charges, product, strategy and the order. */
export function TradesPanel() {
  const fills = useTradingStore((s) => s.fills);
  const ordersLoaded = useTradingStore((s) => s.orders !== null);
  const connected = useAppStore((s) => s.connection.state === 'open');
  let chargesPaise = 0;
  for (const f of fills) chargesPaise += f.chargesPaise;
  return (
    <div className="tab-body" data-testid="trades-panel" data-count={fills.length}>
      <div className="panel-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              <th>Time IST</th>
              <th>Symbol</th>
              <th>Side</th>
              <th className="num">Qty</th>
              <th className="num">Price ₹</th>
              <th className="num">Value ₹</th>
              <th className="num">Charges ₹</th>
              <th>Product</th>
              <th>Strategy</th>
              <th>Order</th>
            </tr>
          </thead>
          <tbody>
            {fills.map((f) => (
              <tr key={f.fillId} data-testid="trade-row" data-fill-id={f.fillId} data-order-id={f.orderId} data-symbol={f.symbol}>
                <td className="num-l">{formatIstTime(f.tsEvent)}</td>
                <td className="wl-symbol">{f.symbol}</td>
                <td className={f.side === 'BUY' ? 'up side' : 'down side'}>{f.side}</td>
                <td className="num">{formatCount(f.qty)}</td>
                <td className="num">{formatPaise(f.pricePaise)}</td>
                <td className="num muted">{formatMoneyPaise(f.qty * f.pricePaise)}</td>
                <td className="num">{formatMoneyPaise(f.chargesPaise)}</td>
                <td className="muted">{f.product}</td>
                <td className="muted">{f.strategy}</td>
                <td className="muted" title={`fill ${f.fillId} · client ${f.clientId}`}>
                  {f.orderId}
                </td>
              </tr>
            ))}
            {fills.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={10}>{ordersLoaded ? 'No trades today.' : connected ? 'Loading trades…' : 'Waiting for the engine…'}</td>
              </tr>
            )}
          </tbody>
          {fills.length > 0 && (
            <tfoot>
              <tr className="totals-row">
                <td colSpan={6} className="muted">
                  {fills.length} fill{fills.length === 1 ? '' : 's'}
                </td>
                <td className="num">{formatMoneyPaise(chargesPaise)}</td>
                <td colSpan={3} />
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </div>
  );
}
