/**
 * Walk-forward windows: in-sample (IS) spans where parameters are chosen, each followed by an
 * out-of-sample (OOS) span where the chosen point is measured. Rolling: the IS span has a fixed
 * length and slides by the OOS length. Anchored: every IS span starts at the beginning and grows by
 * the OOS length. OOS spans never overlap and tile the period after the first IS span; a last OOS
 * shorter than asked is dropped. The IS−OOS gap of the chosen metric is the overfitting tell.
 */
import type { EvalWindow } from './evaluator.js';
import type { ParamPoint } from './space.js';

export type WalkForwardMode = 'rolling' | 'anchored';

export interface WalkForwardWindow {
  index: number;
  inSample: EvalWindow;
  outOfSample: EvalWindow;
}

export class WalkForwardError extends Error {
  override readonly name = 'WalkForwardError';
}

export const DAY_MS = 86_400_000;

/** `90`, `90d` (days) or `12w` (weeks) → ms. */
export function parseSpan(s: string, what: string): number {
  const m = /^(\d+)\s*([dw]?)$/.exec(s.trim());
  const n = m ? Number(m[1]) * (m[2] === 'w' ? 7 : 1) : NaN;
  if (!m || n < 1) throw new WalkForwardError(`${what}: expected a length in days like 90d or weeks like 12w, got ${JSON.stringify(s)}`);
  return n * DAY_MS;
}

export function walkForwardWindows(range: EvalWindow, mode: WalkForwardMode, isMs: number, oosMs: number): WalkForwardWindow[] {
  if (!(isMs > 0 && oosMs > 0)) throw new WalkForwardError('in-sample and out-of-sample lengths must be > 0');
  if (!(range.to > range.from)) throw new WalkForwardError('the data covers no time');
  const out: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const oosFrom = range.from + isMs + k * oosMs;
    const oosTo = oosFrom + oosMs;
    if (oosTo > range.to) break;
    out.push({ index: k, inSample: { from: mode === 'rolling' ? oosFrom - isMs : range.from, to: oosFrom }, outOfSample: { from: oosFrom, to: oosTo } });
  }
  if (out.length === 0) {
    const days = (ms: number) => `${Math.round(ms / DAY_MS)} d`;
    throw new WalkForwardError(`the data spans ${days(range.to - range.from)}: too short for one in-sample (${days(isMs)}) + out-of-sample (${days(oosMs)}) window`);
  }
  return out;
}

export interface WindowOutcome {
  window: WalkForwardWindow;
  /** The point chosen in-sample (undefined when no point had a usable value there). */
  chosen?: { index: number; params: ParamPoint };
  inSampleValue: number | null;
  outOfSampleValue: number | null;
  /** IS − OOS (for a minimised metric OOS − IS), so a positive gap is always "worse out of sample". */
  gap: number | null;
}

export interface GapSummary {
  windows: number;
  meanInSample: number | null;
  meanOutOfSample: number | null;
  meanGap: number | null;
}

const mean = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

export function gapOf(is: number | null, oos: number | null, direction: 'max' | 'min'): number | null {
  if (is === null || oos === null) return null;
  return direction === 'max' ? is - oos : oos - is;
}

export function summariseGaps(rows: readonly WindowOutcome[]): GapSummary {
  return { windows: rows.length, meanInSample: mean(rows.map((r) => r.inSampleValue)), meanOutOfSample: mean(rows.map((r) => r.outOfSampleValue)), meanGap: mean(rows.map((r) => r.gap)) };
}

/**
 * The out-of-sample equity curves chained into one: each window's curve is scaled so it starts where
 * the previous one ended (returns compound), starting at `basePaise`.
 */
export function stitchEquity(curves: readonly { ts: number; valuePaise: number }[][], basePaise: number): { ts: number; valuePaise: number }[] {
  const out: { ts: number; valuePaise: number }[] = [];
  let level = basePaise;
  for (const c of curves) {
    if (c.length === 0) continue;
    const start = c[0]!.valuePaise;
    if (!(start > 0)) continue;
    const k = level / start;
    for (const p of c) out.push({ ts: p.ts, valuePaise: Math.round(p.valuePaise * k) });
    level = out.at(-1)!.valuePaise;
  }
  return out;
}
