import { useEffect } from 'react';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { useAppStore } from '../state/store.js';
import { universeRows, universeSummary } from '../state/universe.js';

/**
 * The day's pre-market universe, collapsible, under the watchlist: symbol, scan rank and score.
 * Loaded (universe.get) on every (re)connect; the engine plans it once at start.
 * Test hooks: section `data-testid="universe-panel"` (`data-date`, `data-state`), rows
 * `data-testid="universe-row"` with `data-symbol`, `data-rank`, `data-selected`.
 */
export function UniversePanel() {
  const scan = useAppStore((s) => s.universe);
  const connected = useAppStore((s) => s.connection.state === 'open');
  useEffect(() => {
    if (!connected) return;
    let live = true;
    client.call('universe.get', {}).then(
      (u) => {
        if (live) useAppStore.getState().setUniverse(u);
      },
      (e: unknown) => {
        if (live && !(e instanceof Error && 'code' in e && e.code === 'DISCONNECTED')) useAppStore.getState().pushError(describeError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [connected]);
  const rows = universeRows(scan);
  return (
    <details className="universe-panel" data-testid="universe-panel" data-date={scan?.date ?? ''} data-state={scan?.state ?? 'none'} open>
      <summary className="panel-title">
        Universe <span className="muted">{universeSummary(scan)}</span>
      </summary>
      <div className="wl-scroll" style={{ maxHeight: 260 }}>
        <table className="wl-table">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">Rank</th>
              <th className="num">Score</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.symbol} data-testid="universe-row" data-symbol={r.symbol} data-rank={r.rank} data-selected={r.selected} className={r.selected ? undefined : 'muted'}>
                <td className="wl-symbol">{r.symbol}</td>
                <td className="num">{r.rank > 0 ? r.rank : '—'}</td>
                <td className="num">{r.rank > 0 ? r.scorePct : '—'}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={3}>{scan?.state === 'failed' ? 'Pre-market scan failed.' : connected ? 'No universe yet.' : 'Waiting for the engine…'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </details>
  );
}
