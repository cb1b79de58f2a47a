/**
 * KiteDesk renderer root.
 *
 * Test hooks (the end-to-end tests rely on exactly these; keep them):
 * - chart container: `data-testid="chart"`, `data-symbol="<SYMBOL>"` (the symbol shown), `data-tf` (the
 *   timeframe shown: 1m, 3m, 5m, 15m, 30m, 60m or day) and
 *   `data-candle-count="<n>"` (candles currently in the chart's series, updated live).
 * - timeframe picker buttons: `data-testid="tf-<tf>"` (tf-1m … tf-60m, tf-day); clicking re-subscribes.
 * - watchlist rows: `data-testid="watchlist-row"` with `data-symbol="<SYMBOL>"`; clicking selects.
 * - status bar: `data-testid="status-bar"` with `data-connection="connecting|open|closed"` and
 *   `data-ticks-per-sec="<number>"` (the engine's last reported ticks per second, 0 before it).
 * - signals panel: `data-testid="signals-panel"` (`data-count`), rows `data-testid="signal-row"` with
 *   `data-id` (journal id) and `data-side` (BUY|SELL), newest first.
 * - strategies panel: `data-testid="strategies-panel"`, rows `data-testid="strategy-row"` with
 *   `data-id`, `data-enabled`, `data-running`; the row's checkbox toggles the instance.
 * - depth panel (right of the chart): `data-testid="depth-panel"` with `data-symbol`, `data-ready`
 *   (true once a snapshot arrived); always 10 rows `data-testid="depth-row"` with `data-side`
 *   (sell|buy) and `data-level` (0 = best).
 * - universe section (under the watchlist, collapsible): rows `data-testid="universe-row"`.
 */
import { Chart } from './components/Chart.js';
import { DepthPanel } from './components/DepthPanel.js';
import { ErrorBanner } from './components/ErrorBanner.js';
import { SignalsPanel } from './components/SignalsPanel.js';
import { StrategiesPanel } from './components/StrategiesPanel.js';
import { StatusBar } from './components/StatusBar.js';
import { Watchlist } from './components/Watchlist.js';

export function App() {
  return (
    <div className="app">
      <StatusBar />
      <ErrorBanner />
      <main className="workspace">
        <Watchlist />
        <div className="main-column">
          <div className="chart-row">
            <Chart />
            <DepthPanel />
          </div>
          <div className="bottom-panels">
            <SignalsPanel />
            <StrategiesPanel />
          </div>
        </div>
      </main>
    </div>
  );
}
