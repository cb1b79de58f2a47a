import type { Output } from '../../src-engine/contract/api-def.js';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import { formatPnlPaise, formatMoneyPaise, pnlTone } from './format.js';

export type Performance = Output<KiteDeskApi, 'performance.get'>;
export type MetricsView = Performance['overall'];

/** "12.34 %" with a real minus sign, or "—" when undefined. */
export function formatPct(x: number | null, digits = 2): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const s = `${Math.abs(x * 100).toFixed(digits)} %`;
  return x < 0 && Math.abs(x * 100) >= 0.5 * 10 ** -digits ? `\u2212${s}` : s;
}

/** "1.23" or "—". */
export function formatRatio(x: number | null, digits = 2): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(digits);
  return x < 0 && Number(s) !== 0 ? `\u2212${s}` : s;
}

/** A holding time or drawdown span: "45 s", "12 min", "2 h 05 min", "3 d 4 h"; "—" when undefined. */
export function formatSpan(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export interface MetricCell {
  key: string;
  label: string;
  text: string;
  tone: '' | 'up' | 'down' | 'flat';
  /** What the figure means (a tooltip), from docs/metrics.md. */
  title: string;
}

const money = (p: number | null): string => (p === null ? '—' : formatPnlPaise(p));

/** The table columns, in order, for one row (the account or a strategy). */
export function metricCells(m: MetricsView): MetricCell[] {
  return [
    { key: 'net', label: 'Net PnL ₹', text: formatPnlPaise(m.netPnlPaise), tone: pnlTone(m.netPnlPaise), title: 'Closed and open PnL after charges' },
    { key: 'return', label: 'Return', text: formatPct(m.netReturn), tone: pnlTone(m.netReturn), title: 'End equity over the equity before the range, minus 1' },
    { key: 'trades', label: 'Trades', text: String(m.trades), tone: '', title: 'Closed round trips' },
    { key: 'win', label: 'Win rate', text: formatPct(m.winRate, 1), tone: '', title: 'Winners (net > 0) over trades' },
    { key: 'pf', label: 'Profit factor', text: formatRatio(m.profitFactor), tone: '', title: 'Σ net of winners ÷ Σ |net| of losers (— without losses)' },
    { key: 'exp', label: 'Expectancy ₹', text: money(m.expectancyPaise), tone: m.expectancyPaise === null ? '' : pnlTone(m.expectancyPaise), title: 'Net PnL per trade' },
    { key: 'avgwin', label: 'Avg win ₹', text: m.avgWinPaise === null ? '—' : formatMoneyPaise(m.avgWinPaise), tone: '', title: 'Mean net PnL of winners' },
    { key: 'avgloss', label: 'Avg loss ₹', text: m.avgLossPaise === null ? '—' : formatMoneyPaise(m.avgLossPaise), tone: '', title: 'Mean |net PnL| of losers' },
    { key: 'dd', label: 'Max DD', text: formatPct(m.maxDrawdown), tone: m.maxDrawdown > 0 ? 'down' : '', title: 'Largest fall from a peak of the equity, as a share of the peak' },
    { key: 'sharpe', label: 'Sharpe', text: formatRatio(m.sharpe), tone: '', title: `Annualised (√252) Sharpe of daily returns over a ${formatPct(m.riskFreeRate, 1)} risk-free rate; — under 2 days` },
    { key: 'charges', label: 'Charges ₹', text: formatMoneyPaise(m.chargesPaise), tone: '', title: 'Brokerage, STT, exchange, SEBI, stamp duty, GST and DP of the closed trades' },
  ];
}

export interface PnlBar {
  strategy: string;
  netPnlPaise: number;
  /** Bar length as a share of the largest |net PnL| (0..100). */
  widthPct: number;
  tone: 'up' | 'down' | 'flat';
}

/** One bar per strategy, longest first by |net PnL|, scaled to the largest. */
export function pnlBars(strategies: Performance['strategies']): PnlBar[] {
  const max = strategies.reduce((a, s) => Math.max(a, Math.abs(s.metrics.netPnlPaise)), 0);
  return [...strategies]
    .sort((a, b) => Math.abs(b.metrics.netPnlPaise) - Math.abs(a.metrics.netPnlPaise) || a.strategy.localeCompare(b.strategy))
    .map((s) => ({
      strategy: s.strategy,
      netPnlPaise: s.metrics.netPnlPaise,
      widthPct: max === 0 ? 0 : (Math.abs(s.metrics.netPnlPaise) / max) * 100,
      tone: pnlTone(s.metrics.netPnlPaise),
    }));
}

/** IST day (YYYY-MM-DD) of an epoch ms. */
export function istDayOf(ms: number): string {
  return new Date(ms + 19_800_000).toISOString().slice(0, 10);
}

export type RangePreset = 'today' | '7d' | '30d' | 'all';

/**
 * The `performance.get` range for a preset: calendar days back from `today`, inclusive. `today` is the
 * engine's trading day (on a weekend or holiday, the session day before it), else the feed time's IST date.
 */
export function presetRange(preset: RangePreset, nowMs: number, tradingDay?: string): { from: string; to: string } {
  const to = tradingDay ?? istDayOf(nowMs);
  const back = { today: 0, '7d': 6, '30d': 29, all: 3650 }[preset];
  return { from: istDayOf(Date.parse(`${to}T12:00:00+05:30`) - back * 86_400_000), to };
}
