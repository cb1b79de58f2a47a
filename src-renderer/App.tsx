/**
 * KiteDesk renderer root.
 *
 * Test hooks (the end-to-end tests rely on exactly these; keep them):
 * - chart container: `data-testid="chart"`, `data-symbol="<SYMBOL>"` (the symbol shown), `data-tf` (the
 *   timeframe shown: 1m, 3m, 5m, 15m, 30m, 60m or day) and
 *   `data-candle-count="<n>"` (candles currently in the chart's series, updated live).
 *   Indicators, legend, markers and price lines: see the hooks listed in components/Chart.tsx.
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
 *
 * Trading (money is integer paise in every data attribute):
 * - account strip (under the status bar): `data-testid="account-strip"` with `data-ready` (true once
 *   the portfolio arrived), `data-mode` (paper|shadow|live|backtest), `data-equity-paise`,
 *   `data-day-pnl-paise` (net; both absent before the portfolio); `data-testid="mode-badge"`.
 *   Charges: button `data-testid="charges-button"` opens the popover table
 *   `data-testid="charges-breakdown"` (`data-total-paise`; rows `data-component="brokeragePaise"` …).
 * - risk: `data-testid="risk-state"` with `data-ready`, `data-halted`, `data-kill-switch` (true|false);
 *   badges `halted-badge` / `kill-switch-badge` (reason in the text). Buttons `halt-button` (opens
 *   `halt-dialog`: input `halt-reason`, button `halt-confirm`), `resume-button` (direct), and
 *   `kill-switch-button` (`data-engaged`; opens `kill-switch-dialog`: engaging has checkbox
 *   `kill-switch-square-off` and input `kill-switch-reason`; both engage and release confirm with
 *   `kill-switch-confirm`). A refused request shows `risk-error` in the dialog (resume: the banner).
 *   Halt/Resume/Kill are always rendered, disabled when not applicable.
 * - order ticket (for the selected symbol, left of the trading tabs): `data-testid="order-ticket"`
 *   (`data-symbol`); `ticket-side-buy`, `ticket-side-sell` (aria-pressed), input `ticket-qty`, select
 *   `ticket-type` (MARKET|LIMIT|SL|SL-M), inputs `ticket-price`, `ticket-trigger` in rupees (disabled
 *   when the type has none), selects `ticket-product` (MIS|CNC|NRML), `ticket-validity` (DAY|IOC),
 *   checkbox `ticket-amo`, button `ticket-submit` (`data-retry="true"` when it will resend the
 *   unanswered order with the same client id). Result `ticket-result` with `data-action`
 *   (ALLOW|REDUCE|BLOCK|HALT_SESSION, or ERROR when the request failed / the form is invalid),
 *   `data-rule`, `data-code` (error code), `data-client-id`, `data-order-ids` (comma-separated).
 * - trading tabs under the chart: `data-testid="trading-panel"` (`data-tab`); tab buttons
 *   `tab-positions` (default), `tab-orders`, `tab-trades`, `tab-risk`, `tab-equity`. Only the active
 *   tab is in the DOM: click its tab first.
 *   - positions: `positions-panel` (`data-count`, `data-open`); rows `position-row` with
 *     `data-symbol`, `data-strategy`, `data-qty` (signed); a row click toggles `position-charges`
 *     (breakdown table `position-charges-breakdown`); per row `position-square-off`; `square-off-all`
 *     opens `square-off-all-dialog` confirmed by `square-off-all-confirm`; errors `positions-error`.
 *   - orders: `orders-panel` (`data-count`, `data-open`), checkbox `orders-open-only`; rows
 *     `order-row` with `data-order-id`, `data-client-id`, `data-status`, `data-symbol`; cells
 *     `order-status` (message in the title); open orders have `order-cancel`; open LIMIT/SL/SL-M have
 *     `order-modify` → inputs `order-price-input` / `order-trigger-input` (rupees; Enter saves),
 *     `order-modify-save`, `order-modify-cancel`. Refusals (e.g. CONFLICT) show in `orders-error`.
 *   - trades: `trades-panel` (`data-count`); rows `trade-row` with `data-fill-id`, `data-order-id`,
 *     `data-symbol`.
 *   - risk log: `risk-log` (`data-count`); rows `risk-row` with `data-id`, `data-action`,
 *     `data-rule` (empty when none), `data-client-id`, newest first.
 *   - equity: `equity-panel` with `data-points` (points in the chart now; 0 while loading or empty),
 *     `data-series` (`account`, or the strategy id whose cumulative net PnL is shown) and `data-ready`
 *     (true once this series' first answer arrived), `data-last-t` (epoch ms of the newest loaded
 *     point, empty without points); select `equity-series` (option "Account" has
 *     the value "", then one option per strategy id of the portfolio); `equity-current` and
 *     `equity-drawdown` (the day's max drawdown) with `data-paise`; `equity-empty` when no points are
 *     shown; errors `equity-error`.
 * - signals and strategies panels stay where they were, always rendered (below the trading row).
 * - panes and compact mode: see components/Workspace.tsx (`workspace` with `data-layout`, `pane-*`,
 *   `sep-*`) and the status bar's `layout-toggle`. Compact hides depth, signals and strategies.
 * - keyboard shortcuts (state/shortcuts.ts): `?` opens `shortcuts-help`; Shift+C opens `cancel-all-dialog`
 *   (`cancel-all-count` with `data-count`, `cancel-all-confirm`).
 * - user strategy files waiting for approval: components/StrategyApprovals.tsx (`strategy-approvals`).
 */
import { AccountStrip } from './components/AccountStrip.js';
import { ErrorBanner } from './components/ErrorBanner.js';
import { Shortcuts } from './components/Shortcuts.js';
import { StatusBar } from './components/StatusBar.js';
import { StrategyApprovals } from './components/StrategyApprovals.js';
import { Workspace } from './components/Workspace.js';

export function App() {
  return (
    <div className="app">
      <StatusBar />
      <AccountStrip />
      <ErrorBanner />
      <StrategyApprovals />
      <Workspace />
      <Shortcuts />
    </div>
  );
}
