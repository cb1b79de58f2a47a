import { useState } from 'react';
import { client } from '../engine/connection.js';
import { saveStrategyEnabled } from '../state/sync.js';
import { useAppStore } from '../state/store.js';

/** Strategy instances: type, timeframe, symbols, an on/off toggle and the last error. */
export function StrategiesPanel() {
  const strategies = useAppStore((s) => s.strategies);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const toggle = async (id: string, enabled: boolean) => {
    setBusy(id);
    setError(await saveStrategyEnabled(client, id, enabled));
    setBusy(null);
  };

  return (
    <section className="bottom-panel strategies-panel" data-testid="strategies-panel">
      <div className="panel-title">
        Strategies <span className="muted">{strategies ? strategies.filter((s) => s.running).length : 0}/{strategies?.length ?? 0} running</span>
      </div>
      {error && (
        <div className="wl-error" role="alert">
          {error}
          <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      <div className="panel-scroll">
        <table className="grid-table">
          <tbody>
            {(strategies ?? []).map((s) => (
              <tr
                key={s.id}
                data-testid="strategy-row"
                data-id={s.id}
                data-enabled={s.enabled}
                data-running={s.running}
                className={s.error ? 'has-error' : undefined}
              >
                <td className="toggle-cell">
                  <input
                    type="checkbox"
                    checked={s.enabled}
                    disabled={!connected || busy === s.id}
                    aria-label={`${s.enabled ? 'Disable' : 'Enable'} ${s.id}`}
                    onChange={(e) => void toggle(s.id, e.target.checked)}
                  />
                </td>
                <td className="wl-symbol" title={JSON.stringify(s.params)}>
                  {s.id}
                </td>
                <td className="muted">
                  {s.type} · {s.timeframe}
                </td>
                <td className="muted symbols" title={s.symbols.join(', ')}>
                  {s.symbols.length} sym
                </td>
                <td className={s.error ? 'down reason' : 'muted reason'} title={s.error ? `${s.error.hook} ${s.error.symbol}: ${s.error.message}` : undefined}>
                  {s.error ? `${s.error.hook}${s.error.symbol ? ` ${s.error.symbol}` : ''}: ${s.error.message}` : s.running ? 'running' : 'off'}
                </td>
              </tr>
            ))}
            {strategies !== null && strategies.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={5}>No strategy instances (add them under strategies: in the run profile).</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
