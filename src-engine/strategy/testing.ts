import type { Bar } from '../indicators/indicator.js';
import { StrategyRunner, type StrategyErrorReport } from './runner.js';
import { timeframeMs, type Signal, type StrategyDefinition, type StrategyTimeframe } from './strategy.js';

/**
 * Helpers for strategy tests: hand-built bar series and a one-instance run. Not used by the engine.
 */

/** Closes from a start value and segments of [bars, change per bar]. */
export function path(start: number, ...segments: [number, number][]): number[] {
  const out: number[] = [];
  let x = start;
  for (const [n, d] of segments) {
    for (let i = 0; i < n; i++) {
      x += d;
      out.push(x);
    }
  }
  return out;
}

/** `n` closes alternating between `a` and `b`. */
export function zigzag(n: number, a: number, b: number): number[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
}

/** 2024-01-01 (a Monday) 09:15 IST. */
export const T0 = Date.parse('2024-01-01T09:15:00+05:30');

/** Start times of `n` consecutive intraday bars of `minutes`, 09:15–15:30 IST each weekday-agnostic day. */
export function sessionTimes(n: number, minutes: number, start = T0): number[] {
  const perDay = Math.floor(375 / minutes);
  return Array.from({ length: n }, (_, i) => start + Math.floor(i / perDay) * 86_400_000 + (i % perDay) * minutes * 60_000);
}

/** Bars from closes: open = previous close, high/low = body ± `spread`, volume 1000. */
export function barsFrom(closes: readonly number[], times: readonly number[] | StrategyTimeframe = '15m', spread = 0.2): Bar[] {
  const ts = typeof times === 'string' ? closes.map((_, i) => T0 + i * timeframeMs(times)) : times;
  return closes.map((c, i) => {
    const o = i === 0 ? c : closes[i - 1]!;
    return { t: ts[i]!, o, h: Math.max(o, c) + spread, l: Math.min(o, c) - spread, c, v: 1000 };
  });
}

export interface RunResult {
  signals: Signal[];
  errors: StrategyErrorReport[];
  runner: StrategyRunner;
}

/** Runs one instance of `def` over `bars` on `timeframe` (default the definition's primary). */
export function runOne(def: StrategyDefinition, bars: readonly Bar[], params: Record<string, unknown> = {}, timeframe?: StrategyTimeframe): RunResult {
  const tf = timeframe ?? def.timeframes[0];
  const runner = new StrategyRunner({ definitions: [def], instances: [{ id: 'under-test', type: def.type, params, symbols: ['TEST'], timeframe: tf }] });
  const signals: Signal[] = [];
  const errors: StrategyErrorReport[] = [];
  runner.onSignal((s) => signals.push(s));
  runner.onError((e) => errors.push(e));
  for (const b of bars) runner.onBarClosed('TEST', tf, b);
  return { signals, errors, runner };
}

/** Bar index (into `bars`) at which each signal fired, with its side. */
export function sidesAt(signals: readonly Signal[], bars: readonly Bar[]): [number, 'BUY' | 'SELL'][] {
  return signals.map((s) => [bars.findIndex((b) => b.t === s.barTime), s.side]);
}
