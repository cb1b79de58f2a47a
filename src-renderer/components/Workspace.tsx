import { Group, Panel, Separator, useDefaultLayout } from 'react-resizable-panels';
import { LAYOUT_GROUPS, toggledMode, useCompact, useLayoutStore, useWindowWidth } from '../state/layout.js';
import { Chart } from './Chart.js';
import { DepthPanel } from './DepthPanel.js';
import { OrderTicket } from './OrderTicket.js';
import { SignalsPanel } from './SignalsPanel.js';
import { StrategiesPanel } from './StrategiesPanel.js';
import { TradingPanel } from './TradingPanel.js';
import { Watchlist } from './Watchlist.js';

/**
 * The panes of the workspace, resizable by their separators (drag, or focus one and use the arrow keys,
 * Home/End) with the sizes remembered per group (state/layout.ts). Full layout: watchlist | (chart |
 * depth) / trading row / signals+strategies. Compact layout (small screens, or the status bar's toggle):
 * chart / trading row / watchlist stacked in one column; depth, signals and strategies are hidden.
 *
 * Test hooks: `data-testid="workspace"` with `data-layout="full|compact"`; panes `pane-watchlist`,
 * `pane-main`, `pane-chart`, `pane-depth`, `pane-trading`, `pane-bottom` (full) and `pane-chart`,
 * `pane-trading`, `pane-watchlist` (compact); separators `sep-watchlist`, `sep-depth`, `sep-trading`,
 * `sep-bottom` (full) and `sep-compact-trading`, `sep-compact-watchlist` (compact).
 */
export function Workspace() {
  return useCompact() ? <CompactWorkspace /> : <FullWorkspace />;
}

/**
 * The library's panel body scrolls (overflow auto) by default; the panes' components scroll their own
 * lists, and popovers (the charges breakdown, the Export menu) must show past a pane's edge as they did
 * before the panes were resizable.
 */
const VISIBLE = { overflow: 'visible' } as const;

/**
 * The library's group hides its overflow, which leaves it a scroll container: content wider than a pane
 * (the trading tabs' bar, a Backtest form) let focusing a field scroll the whole column sideways under the
 * watchlist. Clipped instead, a group can never scroll; the panes' contents shrink or scroll themselves.
 */
const CLIP = { overflow: 'clip' } as const;

function persisted(id: string) {
  // onlySaveAfterUserInteractions: a window resize that squeezes a pane to its minimum is not a choice
  return useDefaultLayout({ id, onlySaveAfterUserInteractions: true });
}

function FullWorkspace() {
  const ws = persisted(LAYOUT_GROUPS.workspace);
  const col = persisted(LAYOUT_GROUPS.mainColumn);
  const row = persisted(LAYOUT_GROUPS.chartRow);
  return (
    <main className="workspace" data-testid="workspace" data-layout="full">
      <Group id={LAYOUT_GROUPS.workspace} orientation="horizontal" className="pane-group" style={CLIP} {...ws}>
        <Panel style={VISIBLE} id="pane-watchlist" className="pane" defaultSize="390px" minSize="220px" maxSize="50%" groupResizeBehavior="preserve-pixel-size">
          <Watchlist />
        </Panel>
        <Separator id="sep-watchlist" className="pane-sep pane-sep-v" />
        <Panel style={VISIBLE} id="pane-main" className="pane" minSize="40%">
          <Group id={LAYOUT_GROUPS.mainColumn} orientation="vertical" className="pane-group" style={CLIP} {...col}>
            <Panel style={VISIBLE} id="pane-chart-row" className="pane" minSize="160px">
              <Group id={LAYOUT_GROUPS.chartRow} orientation="horizontal" className="pane-group" style={CLIP} {...row}>
                <Panel style={VISIBLE} id="pane-chart" className="pane" minSize="40%">
                  <Chart />
                </Panel>
                <Separator id="sep-depth" className="pane-sep pane-sep-v" />
                <Panel style={VISIBLE} id="pane-depth" className="pane" defaultSize="230px" minSize="160px" maxSize="45%" groupResizeBehavior="preserve-pixel-size">
                  <DepthPanel />
                </Panel>
              </Group>
            </Panel>
            <Separator id="sep-trading" className="pane-sep pane-sep-h" />
            <Panel style={VISIBLE} id="pane-trading" className="pane trading-row" defaultSize="230px" minSize="120px" groupResizeBehavior="preserve-pixel-size">
              <OrderTicket />
              <TradingPanel />
            </Panel>
            <Separator id="sep-bottom" className="pane-sep pane-sep-h" />
            <Panel style={VISIBLE} id="pane-bottom" className="pane bottom-panels" defaultSize="150px" minSize="60px" groupResizeBehavior="preserve-pixel-size">
              <SignalsPanel />
              <StrategiesPanel />
            </Panel>
          </Group>
        </Panel>
      </Group>
    </main>
  );
}

function CompactWorkspace() {
  const layout = persisted(LAYOUT_GROUPS.compact);
  return (
    <main className="workspace compact" data-testid="workspace" data-layout="compact">
      <Group id={LAYOUT_GROUPS.compact} orientation="vertical" className="pane-group" style={CLIP} {...layout}>
        <Panel style={VISIBLE} id="pane-chart" className="pane" minSize="160px">
          <Chart />
        </Panel>
        <Separator id="sep-compact-trading" className="pane-sep pane-sep-h" />
        <Panel style={VISIBLE} id="pane-trading" className="pane trading-row" defaultSize="40%" minSize="120px">
          <OrderTicket />
          <TradingPanel />
        </Panel>
        <Separator id="sep-compact-watchlist" className="pane-sep pane-sep-h" />
        <Panel style={VISIBLE} id="pane-watchlist" className="pane" defaultSize="20%" minSize="60px">
          <Watchlist />
        </Panel>
      </Group>
    </main>
  );
}

/** The status bar's compact/full toggle (`data-testid="layout-toggle"`, `aria-pressed` = compact now, `data-mode` = auto|full|compact). */
export function LayoutToggle() {
  const mode = useLayoutStore((s) => s.mode);
  const setMode = useLayoutStore((s) => s.setMode);
  const width = useWindowWidth();
  const compact = useCompact();
  return (
    <button
      type="button"
      className="layout-toggle"
      data-testid="layout-toggle"
      data-mode={mode}
      aria-pressed={compact}
      title={`${compact ? 'Compact' : 'Full'} layout (${mode === 'auto' ? 'automatic for this window width' : 'chosen'}); click for ${compact ? 'full' : 'compact'}`}
      onClick={() => setMode(toggledMode(mode, width))}
    >
      {compact ? 'compact' : 'full'}
    </button>
  );
}
