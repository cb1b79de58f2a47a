import { useEffect, useState } from 'react';
import { browserNotifications, useNotificationStore, watchNotifications } from '../state/notifications.js';
import { useAppStore } from '../state/store.js';
import { isOpenOrder } from '../state/trading.js';
import { useTradingStore } from '../state/trading-store.js';
import { EquityPanel } from './EquityPanel.js';
import { BacktestPanel } from './BacktestPanel.js';
import { ExportMenu } from './ExportMenu.js';
import { OrdersPanel } from './OrdersPanel.js';
import { HealthPanel } from './HealthPanel.js';
import { NotificationsPanel } from './NotificationsPanel.js';
import { OptionChain } from './OptionChain.js';
import { PayoffPanel } from './PayoffPanel.js';
import { PerformancePanel } from './PerformancePanel.js';
import { PositionsPanel } from './PositionsPanel.js';
import { RiskLog } from './RiskLog.js';
import { TradesPanel } from './TradesPanel.js';

export type TradingTab = 'positions' | 'orders' | 'trades' | 'risk' | 'equity' | 'performance' | 'options' | 'payoff' | 'health' | 'alerts' | 'backtest';

/** Positions, orders, trades, the risk log, the equity curve, performance, the option chain, health and alerts as tabs under the chart; only the active tab is rendered. */
export function TradingPanel() {
  const [tab, setTab] = useState<TradingTab>('positions');
  const openPositions = useTradingStore((s) => s.portfolio?.positions.filter((p) => p.qty !== 0).length ?? 0);
  const openOrders = useTradingStore((s) => s.orders?.filter(isOpenOrder).length ?? 0);
  const fills = useTradingStore((s) => s.fills.length);
  const blocked = useTradingStore((s) => s.decisions.filter((d) => d.action === 'BLOCK' || d.action === 'HALT_SESSION').length);
  const unread = useNotificationStore((s) => s.unread);

  // notifications follow the streams for as long as the trading panel is on screen (always)
  useEffect(() => watchNotifications({ trading: useTradingStore, app: useAppStore, desktop: browserNotifications }), []);

  const tabs: { id: TradingTab; label: string; badge: string }[] = [
    { id: 'positions', label: 'Positions', badge: String(openPositions) },
    { id: 'orders', label: 'Orders', badge: String(openOrders) },
    { id: 'trades', label: 'Trades', badge: String(fills) },
    { id: 'risk', label: 'Risk log', badge: blocked > 0 ? `${blocked} blocked` : '' },
    { id: 'equity', label: 'Equity', badge: '' },
    { id: 'performance', label: 'Performance', badge: '' },
    { id: 'options', label: 'Option chain', badge: '' },
    { id: 'payoff', label: 'Payoff', badge: '' },
    { id: 'health', label: 'Health', badge: '' },
    { id: 'alerts', label: 'Alerts', badge: tab === 'alerts' || unread === 0 ? '' : String(unread) },
    { id: 'backtest', label: 'Backtest', badge: '' },
  ];

  return (
    <section className="bottom-panel trading-panel" data-testid="trading-panel" data-tab={tab}>
      <div className="tab-bar" role="tablist">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className={`tab-button${tab === t.id ? ' active' : ''}`}
            data-testid={`tab-${t.id}`}
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {t.badge !== '' && <span className={`tab-badge${t.id === 'risk' || t.id === 'alerts' ? ' tab-badge-bad' : ''}`} data-testid={`tab-badge-${t.id}`}>{t.badge}</span>}
          </button>
        ))}
        <ExportMenu />
      </div>
      {tab === 'positions' && <PositionsPanel />}
      {tab === 'orders' && <OrdersPanel />}
      {tab === 'trades' && <TradesPanel />}
      {tab === 'risk' && <RiskLog />}
      {tab === 'equity' && <EquityPanel />}
      {tab === 'performance' && <PerformancePanel />}
      {tab === 'options' && <OptionChain />}
      {tab === 'payoff' && <PayoffPanel />}
      {tab === 'health' && <HealthPanel />}
      {tab === 'alerts' && <NotificationsPanel />}
      {tab === 'backtest' && <BacktestPanel />}
    </section>
  );
}
