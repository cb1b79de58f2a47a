import { formatIstTime, formatPaise } from '../format/format.js';
import { useAppStore } from '../state/store.js';

/** Latest strategy signals, newest first: time (IST), symbol, strategy, side, confidence, price, reason. */
export function SignalsPanel() {
  const signals = useAppStore((s) => s.signals);
  const connected = useAppStore((s) => s.connection.state === 'open');
  return (
    <section className="bottom-panel signals-panel" data-testid="signals-panel" data-count={signals.length}>
      <div className="panel-title">
        Signals <span className="muted">{signals.length}</span>
      </div>
      <div className="panel-scroll">
        <table className="grid-table">
          <thead>
            <tr>
              <th>Time IST</th>
              <th>Symbol</th>
              <th>Strategy</th>
              <th>Side</th>
              <th className="num">Conf</th>
              <th className="num">Price ₹</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {signals.map((s) => (
              <tr key={s.id} data-testid="signal-row" data-id={s.id} data-side={s.side}>
                <td className="num-l">{formatIstTime(s.ts)}</td>
                <td className="wl-symbol">{s.symbol}</td>
                <td title={s.type}>{s.strategy}</td>
                <td className={s.side === 'BUY' ? 'up side' : 'down side'}>{s.side}</td>
                <td className="num">{Math.round(s.confidence * 100)}%</td>
                <td className="num">{formatPaise(s.pricePaise)}</td>
                <td className="reason" title={s.reason}>
                  {s.reason}
                </td>
              </tr>
            ))}
            {signals.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={7}>{connected ? 'No signals yet: strategies warm up on the first bars.' : 'Waiting for the engine…'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
