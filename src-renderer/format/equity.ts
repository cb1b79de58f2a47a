import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import type { Output } from '../../src-engine/contract/api-def.js';

/** One sampled point of `portfolio.equityCurve`: epoch ms and integer paise (equity, or a strategy's cumulative net PnL). */
export type EquityPoint = Output<KiteDeskApi, 'portfolio.equityCurve'>[number];

/** Chart-library-free line point: UTC seconds and rupees; structurally compatible with lightweight-charts' line data. */
export interface LinePoint {
  time: number;
  value: number;
}

const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;

/** The IST calendar day of an epoch-ms instant as a day number (days since 1970-01-01 IST). */
export function istDayNumber(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
}

/**
 * Curve points (paise, epoch ms, oldest first) → chart points (rupees, UTC seconds), strictly
 * ascending as the chart requires: several samples within one second (a fill and a mark) keep the
 * last; a point older than the one before it is dropped.
 */
export function toEquityLine(points: readonly EquityPoint[]): LinePoint[] {
  const out: LinePoint[] = [];
  for (const p of points) {
    const time = Math.floor(p.t / 1000);
    const value = p.equityPaise / 100;
    const last = out[out.length - 1];
    if (last === undefined || time > last.time) out.push({ time, value });
    else if (time === last.time) out[out.length - 1] = { time, value };
  }
  return out;
}

export interface DayDrawdown {
  /** The largest fall from a running peak to a later point, in paise (≥ 0; 0 when the curve never fell). */
  drawdownPaise: number;
  /** The peak that fall started from, and the low it reached (both null without points). */
  peakPaise: number | null;
  troughPaise: number | null;
  /** Points of that IST day the figure was taken over. */
  points: number;
}

/**
 * The day's maximum drawdown from loaded curve points: over the points on the IST day of the newest
 * point, the largest (running peak − value). Integer paise throughout.
 */
export function dayMaxDrawdown(points: readonly EquityPoint[]): DayDrawdown {
  const newest = points[points.length - 1];
  if (newest === undefined) return { drawdownPaise: 0, peakPaise: null, troughPaise: null, points: 0 };
  const day = istDayNumber(newest.t);
  let peak: number | null = null;
  let best = 0;
  let bestPeak: number | null = null;
  let bestTrough: number | null = null;
  let n = 0;
  for (const p of points) {
    if (istDayNumber(p.t) !== day) continue;
    n++;
    if (peak === null || p.equityPaise > peak) peak = p.equityPaise;
    const dd = peak - p.equityPaise;
    if (bestPeak === null || dd > best) {
      best = dd;
      bestPeak = peak;
      bestTrough = p.equityPaise;
    }
  }
  return { drawdownPaise: best, peakPaise: bestPeak, troughPaise: bestTrough, points: n };
}

/** The newest point's value in paise, or null without points. */
export function currentValuePaise(points: readonly EquityPoint[]): number | null {
  return points[points.length - 1]?.equityPaise ?? null;
}

/** What the series select offers: the account, then each strategy id (sorted; the current choice kept even if it left the portfolio). */
export function equitySeriesOptions(strategies: readonly { strategy: string }[], selected: string | null): { value: string | null; label: string }[] {
  const ids = new Set(strategies.map((s) => s.strategy));
  if (selected !== null) ids.add(selected);
  return [{ value: null, label: 'Account' }, ...[...ids].sort().map((id) => ({ value: id, label: id }))];
}
