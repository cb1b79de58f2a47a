/**
 * Performance metrics of a run: the one module behind the app's Performance tab and the backtester's
 * report. Inputs are the ledger's own records (closed trades and an equity curve, money in integer
 * paise); money outputs stay integer paise, ratios are plain numbers. The formulas, with their
 * conventions (trading days per year, the risk-free rate, what a day is), are in docs/metrics.md, and
 * the tests recompute each one independently.
 *
 * A strategy has no capital of its own: its metrics take the account capital as the base and its
 * cumulative net PnL on top (equity = capital + PnL), so its returns are contributions to the account.
 */
import { IST_OFFSET_MS } from '../core/ist.js';
import type { ClosedTrade, CurvePoint } from './ledger.js';

/** IST calendar day number (the same day as core/nse-calendar.ts istDay, without a date string). */
const istDayNum = (ts: number): number => Math.floor((ts + IST_OFFSET_MS) / 86_400_000);

/** NSE trades about 248–252 days a year; we annualise with 252, the common convention (docs/metrics.md). */
export const TRADING_DAYS_PER_YEAR = 252;
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.25;

export interface MetricsInput {
  /** Starting equity (the account capital) in paise; > 0. */
  capitalPaise: number;
  /** Closed round trips, any order. */
  trades: readonly Pick<ClosedTrade, 'grossPnlPaise' | 'chargesPaise' | 'netPnlPaise' | 'entryValuePaise' | 'exitValuePaise' | 'openedAt' | 'closedAt'>[];
  /** Equity over time, ascending `ts` (the ledger's curve, or capital + a strategy's cumulative PnL). */
  equity: readonly CurvePoint[];
  /** Annual risk-free rate as a fraction (0.065 = 6.5 %); default 0. Stated in every report. */
  riskFreeRate?: number;
  /** The period measured (default: the first and last equity points). */
  from?: number;
  to?: number;
}

export interface Metrics {
  capitalPaise: number;
  endEquityPaise: number;
  netPnlPaise: number;
  grossPnlPaise: number;
  chargesPaise: number;
  /** (end − capital) / capital */
  netReturn: number;
  /** (end + charges − capital) / capital: the return before charges. */
  grossReturn: number;
  /** Compound annual growth over calendar time; null for a period under one day. */
  cagr: number | null;
  /** Annualised Sharpe of daily returns over the risk-free rate; null with < 2 days or no variance. */
  sharpe: number | null;
  /** Annualised Sortino (downside deviation of daily excess returns); null with < 2 days or no downside. */
  sortino: number | null;
  riskFreeRate: number;
  /** Daily returns measured: IST days of the equity curve (the first against the capital). */
  days: number;
  /** Largest peak-to-trough fall of the equity curve, as a fraction of the peak, and in paise. */
  maxDrawdown: number;
  maxDrawdownPaise: number;
  /** Longest time under a previous peak (ms), until recovery or the end of the period. */
  maxDrawdownDurationMs: number;
  /** CAGR / maxDrawdown; null when either is missing or the drawdown is 0. */
  calmar: number | null;
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades; null without trades. Breakevens count as trades, neither win nor loss. */
  winRate: number | null;
  /** Σ winning net PnL / Σ |losing net PnL|; null without losses. */
  profitFactor: number | null;
  /** Net PnL per trade (paise, rounded); null without trades. */
  expectancyPaise: number | null;
  /** Mean net PnL of winners and mean |net PnL| of losers (paise, rounded); null when none. */
  avgWinPaise: number | null;
  avgLossPaise: number | null;
  /** Share of the period with at least one trade open (0..1). */
  exposure: number;
  /** Mean closedAt − openedAt (ms); null without trades. */
  avgHoldingMs: number | null;
  /** Σ entry value + exit value of the closed trades (paise). */
  turnoverPaise: number;
}

export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
}

export function computeMetrics(input: MetricsInput): Metrics {
  const { capitalPaise, trades, equity } = input;
  if (!Number.isSafeInteger(capitalPaise) || capitalPaise <= 0) throw new MetricsInputError(`capitalPaise must be a positive whole number of paise, got ${capitalPaise}`);
  for (let i = 1; i < equity.length; i++) {
    if (equity[i]!.ts < equity[i - 1]!.ts) throw new MetricsInputError(`equity curve is not in time order at point ${i} (${equity[i]!.ts} < ${equity[i - 1]!.ts})`);
  }
  const rf = input.riskFreeRate ?? 0;
  if (!Number.isFinite(rf) || rf <= -1) throw new MetricsInputError(`riskFreeRate must be a fraction above -1, got ${rf}`);

  // --- trades
  let gross = 0, charges = 0, net = 0, wins = 0, losses = 0, sumWin = 0, sumLoss = 0, turnover = 0, holding = 0;
  for (const t of trades) {
    gross += t.grossPnlPaise;
    charges += t.chargesPaise;
    net += t.netPnlPaise;
    turnover += Math.abs(t.entryValuePaise) + Math.abs(t.exitValuePaise);
    holding += t.closedAt - t.openedAt;
    if (t.netPnlPaise > 0) {
      wins++;
      sumWin += t.netPnlPaise;
    } else if (t.netPnlPaise < 0) {
      losses++;
      sumLoss -= t.netPnlPaise;
    }
  }
  const n = trades.length;

  // --- period and equity
  const from = input.from ?? equity[0]?.ts ?? 0;
  const to = input.to ?? equity.at(-1)?.ts ?? from;
  const end = equity.at(-1)?.valuePaise ?? capitalPaise + net;
  const netReturn = (end - capitalPaise) / capitalPaise;
  const grossReturn = (end + charges - capitalPaise) / capitalPaise;
  const elapsedDays = (to - from) / DAY_MS;
  const cagr = elapsedDays >= 1 && end > 0 ? Math.pow(end / capitalPaise, YEAR_DAYS / elapsedDays) - 1 : null;

  // --- daily returns: the last equity of each IST day against the previous day's (the first against capital)
  const daily: number[] = [];
  let prev = capitalPaise;
  for (let i = 0; i < equity.length; i++) {
    const p = equity[i]!;
    const next = equity[i + 1];
    if (next && istDayNum(next.ts) === istDayNum(p.ts)) continue; // not the day's last point
    daily.push(p.valuePaise / prev - 1);
    prev = p.valuePaise;
  }
  const rfDaily = Math.pow(1 + rf, 1 / TRADING_DAYS_PER_YEAR) - 1;
  const excess = daily.map((r) => r - rfDaily);
  const mean = excess.length ? excess.reduce((a, b) => a + b, 0) / excess.length : 0;
  let sharpe: number | null = null;
  let sortino: number | null = null;
  if (excess.length >= 2) {
    const variance = excess.reduce((a, r) => a + (r - mean) ** 2, 0) / (excess.length - 1);
    if (variance > 0) sharpe = (mean / Math.sqrt(variance)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
    const downside = excess.reduce((a, r) => a + (r < 0 ? r * r : 0), 0) / excess.length;
    if (downside > 0) sortino = (mean / Math.sqrt(downside)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
  }

  // --- drawdown over every point (capital is the first peak); under water from the peak's time to recovery
  let peak = capitalPaise, peakTs = from, maxDd = 0, maxDdPaise = 0, maxUnder = 0;
  let underSince: number | null = null;
  for (const p of equity) {
    if (p.valuePaise >= peak) {
      if (underSince !== null) maxUnder = Math.max(maxUnder, p.ts - underSince);
      underSince = null;
      peak = p.valuePaise;
      peakTs = p.ts;
      continue;
    }
    underSince ??= peakTs;
    const dd = (peak - p.valuePaise) / peak;
    if (dd > maxDd) {
      maxDd = dd;
      maxDdPaise = peak - p.valuePaise;
    }
  }
  if (underSince !== null) maxUnder = Math.max(maxUnder, to - underSince);

  // --- exposure: the union of [openedAt, closedAt] within the period
  const spans = trades.map((t) => [Math.max(t.openedAt, from), Math.min(t.closedAt, to)] as const).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let covered = 0, curA = -Infinity, curB = -Infinity;
  for (const [a, b] of spans) {
    if (a > curB) {
      if (curB > curA) covered += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) curB = b;
  }
  if (curB > curA) covered += curB - curA;
  const exposure = to > from ? covered / (to - from) : 0;

  return {
    capitalPaise,
    endEquityPaise: end,
    netPnlPaise: net,
    grossPnlPaise: gross,
    chargesPaise: charges,
    netReturn,
    grossReturn,
    cagr,
    sharpe,
    sortino,
    riskFreeRate: rf,
    days: daily.length,
    maxDrawdown: maxDd,
    maxDrawdownPaise: maxDdPaise,
    maxDrawdownDurationMs: maxUnder,
    calmar: cagr !== null && maxDd > 0 ? cagr / maxDd : null,
    trades: n,
    wins,
    losses,
    winRate: n ? wins / n : null,
    profitFactor: sumLoss > 0 ? sumWin / sumLoss : null,
    expectancyPaise: n ? Math.round(net / n) : null,
    avgWinPaise: wins ? Math.round(sumWin / wins) : null,
    avgLossPaise: losses ? Math.round(sumLoss / losses) : null,
    exposure,
    avgHoldingMs: n ? holding / n : null,
    turnoverPaise: turnover,
  };
}

export interface DrawdownPoint {
  ts: number;
  /** Peak so far − equity (≥ 0), paise. */
  drawdownPaise: number;
  /** As a fraction of the peak so far. */
  drawdown: number;
}

/** The drawdown under the running peak at each equity point, the base being the first peak (docs/metrics.md). */
export function drawdownCurve(equity: readonly CurvePoint[], basePaise: number): DrawdownPoint[] {
  let peak = basePaise;
  return equity.map((p) => {
    if (p.valuePaise > peak) peak = p.valuePaise;
    const dd = peak - p.valuePaise;
    return { ts: p.ts, drawdownPaise: dd, drawdown: peak > 0 ? dd / peak : 0 };
  });
}

export interface RangeInput {
  /** The account capital: the base when nothing precedes the range. */
  capitalPaise: number;
  trades: MetricsInput['trades'];
  /** The whole curve, ascending. */
  equity: readonly CurvePoint[];
  /** Inclusive bounds in epoch ms. */
  from: number;
  to: number;
  riskFreeRate?: number;
}

/**
 * Metrics of a time range: trades closed inside it, equity points inside it, measured against the
 * equity just before the range (the capital when the range starts before the first point).
 */
export function rangeMetrics(r: RangeInput): { metrics: Metrics; equity: CurvePoint[]; drawdown: DrawdownPoint[]; basePaise: number } {
  let base = r.capitalPaise;
  const inside: CurvePoint[] = [];
  for (const p of r.equity) {
    if (p.ts < r.from) base = p.valuePaise;
    else if (p.ts <= r.to) inside.push(p);
  }
  if (base <= 0) base = r.capitalPaise; // an account wiped out before the range: measure against the capital
  const trades = r.trades.filter((t) => t.closedAt >= r.from && t.closedAt <= r.to);
  // the period starts at the first thing seen inside the range (an equity point or a trade's opening)
  let start = inside[0]?.ts ?? r.to;
  for (const t of trades) if (t.openedAt < start) start = t.openedAt;
  const metrics = computeMetrics({
    capitalPaise: base,
    trades,
    equity: inside,
    from: Math.max(r.from, Math.min(start, r.to)),
    to: inside.at(-1)?.ts ?? r.to,
    ...(r.riskFreeRate !== undefined ? { riskFreeRate: r.riskFreeRate } : {}),
  });
  return { metrics, equity: inside, drawdown: drawdownCurve(inside, base), basePaise: base };
}
