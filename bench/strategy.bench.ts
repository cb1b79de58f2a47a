import { Rng } from '../src-engine/core/random.js';
import type { Bar } from '../src-engine/indicators/indicator.js';
import { NIFTY50_SEEDS } from '../src-engine/model/instruments.js';
import type { Tick } from '../src-engine/model/tick.js';
import { BUILTIN_STRATEGIES } from '../src-engine/strategy/builtins/index.js';
import { StrategyRunner } from '../src-engine/strategy/runner.js';
import { compare } from './harness.js';

/**
 * Strategy engine throughput and latency: ticks of 50 instruments → 1-minute bar closes (a plain
 * minute bucketer, standing in for the multi-timeframe candle builder) → an 8-strategy ensemble on
 * every instrument → order intents, on one core. Baseline: the same ticks through the bucketer only.
 * Then the in-process tick-to-intent latency over the ticks that close a bar (process.hrtime.bigint).
 */

const ENSEMBLE_TYPES = ['sma_crossover', 'ema_crossover', 'rsi_reversion', 'bollinger_reversion', 'macd', 'vwap', 'supertrend', 'stoch_rsi'];
const MINUTE = 60_000;

interface Bucket {
  symbol: string;
  minute: number;
  bar: Bar;
}

/** A minute bucketer: folds ticks into the current minute's OHLCV; returns the closed bar when a tick opens the next minute. */
class MinuteBucketer {
  private readonly buckets = new Map<string, Bucket>();
  /** Reused for every closed bar (the runner copies what it keeps). */
  readonly closed: Bar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0 };

  /** Would this tick close the symbol's current bar? */
  closes(t: Tick): boolean {
    const b = this.buckets.get(t.symbol);
    return b !== undefined && b.minute !== t.tsEvent - (t.tsEvent % MINUTE);
  }

  /** Folds the tick; returns `closed` filled with the finished bar, or undefined. */
  push(t: Tick): Bar | undefined {
    const minute = t.tsEvent - (t.tsEvent % MINUTE);
    const p = t.lastPaise;
    let b = this.buckets.get(t.symbol);
    if (b === undefined) {
      b = { symbol: t.symbol, minute, bar: { t: minute, o: p, h: p, l: p, c: p, v: t.lastQty } };
      this.buckets.set(t.symbol, b);
      return undefined;
    }
    const bar = b.bar;
    if (minute === b.minute) {
      if (p > bar.h) bar.h = p;
      if (p < bar.l) bar.l = p;
      bar.c = p;
      bar.v += t.lastQty;
      return undefined;
    }
    const out = this.closed;
    out.t = bar.t;
    out.o = bar.o;
    out.h = bar.h;
    out.l = bar.l;
    out.c = bar.c;
    out.v = bar.v;
    b.minute = minute;
    bar.t = minute;
    bar.o = bar.h = bar.l = bar.c = p;
    bar.v = t.lastQty;
    return out;
  }
}

/** 50 instruments, one tick each per simulated second (60 per minute bar), trending random walks that switch drift. */
function makeTicks(minutes: number): Tick[] {
  const rng = new Rng(11);
  const seeds = NIFTY50_SEEDS.slice(0, 50);
  const price = seeds.map((s) => s.basePaise);
  const drift = seeds.map(() => 0);
  const vol = seeds.map(() => 0);
  const ticks: Tick[] = [];
  let ts = Date.parse('2026-11-20T09:15:00+05:30');
  for (let sec = 0; sec < minutes * 60; sec++, ts += 1000) {
    for (let i = 0; i < seeds.length; i++) {
      if (sec % 600 === 0) drift[i] = (rng.uniform() - 0.5) * 0.0004;
      const p = price[i]!;
      const next = Math.max(5, Math.round((p * (1 + drift[i]! + rng.normal() * 0.0004)) / 5) * 5);
      price[i] = next;
      const q = 1 + Math.floor(rng.uniform() * 100);
      vol[i]! += q;
      ticks.push({ symbol: seeds[i]!.symbol, lastPaise: next, lastQty: q, volume: vol[i]!, tsEvent: ts + i });
    }
  }
  return ticks;
}

function makeRunner(symbols: string[]): { runner: StrategyRunner; counts: { signals: number; intents: number } } {
  const runner = new StrategyRunner({
    definitions: BUILTIN_STRATEGIES,
    instances: ENSEMBLE_TYPES.map((type) => ({ id: type, type, symbols, timeframe: '1m' })),
    ensemble: { conflict: 'net_out' },
  });
  const counts = { signals: 0, intents: 0 };
  runner.onSignal(() => counts.signals++);
  runner.onIntent(() => counts.intents++);
  return { runner, counts };
}

/** Cycles through the tick array; on wrap-around shifts every tick's time forward so minutes keep increasing. */
class TickCursor {
  private i = 0;
  private readonly span: number;
  constructor(readonly ticks: Tick[]) {
    this.span = ticks[ticks.length - 1]!.tsEvent - ticks[0]!.tsEvent + 3_600_000;
  }
  next(): Tick {
    if (this.i === this.ticks.length) {
      this.i = 0;
      for (const t of this.ticks) t.tsEvent += this.span;
    }
    return this.ticks[this.i++]!;
  }
}

export async function strategyBench(): Promise<void> {
  const ticks = makeTicks(240); // 4 h × 50 instruments × 1 tick/s = 720 k ticks
  const symbols = [...new Set(ticks.map((t) => t.symbol))];

  const subj = makeRunner(symbols);
  const subjBuckets = new MinuteBucketer();
  const subjCursor = new TickCursor(ticks.map((t) => ({ ...t })));
  const baseBuckets = new MinuteBucketer();
  const baseCursor = new TickCursor(ticks.map((t) => ({ ...t })));
  let baseBars = 0;

  await compare(
    `strategy engine: ticks → 1-minute bars → ${ENSEMBLE_TYPES.length}-strategy ensemble → intents, ${symbols.length} instruments`,
    {
      name: `runner.onTick + bucketer + onBarClosed (${ENSEMBLE_TYPES.length} × ${symbols.length} units)`,
      unit: 'ticks',
      run: (n) => {
        const r = subj.runner;
        for (let k = 0; k < n; k++) {
          const t = subjCursor.next();
          r.onTick(t);
          const bar = subjBuckets.push(t);
          if (bar !== undefined) r.onBarClosed(t.symbol, '1m', bar);
        }
      },
    },
    {
      name: 'the same ticks through the minute bucketer only',
      unit: 'ticks',
      run: (n) => {
        for (let k = 0; k < n; k++) if (baseBuckets.push(baseCursor.next()) !== undefined) baseBars++;
      },
    },
    ticks.length,
  );
  console.log(`  (baseline closed ${baseBars} bars; subject: signals ${subj.counts.signals}, intents ${subj.counts.intents} over the subject's rounds)`);

  // latency: fresh runner, one pass over 2 × the stream, timing only the ticks that close a bar
  const lat = makeRunner(symbols);
  const buckets = new MinuteBucketer();
  const cursor = new TickCursor(ticks.map((t) => ({ ...t })));
  const samples = new Float64Array(ticks.length);
  let m = 0;
  let intentsInTimed = 0;
  lat.runner.onIntent(() => intentsInTimed++);
  for (let round = 0; round < 2; round++) {
    m = 0;
    intentsInTimed = 0;
    for (let k = 0; k < ticks.length; k++) {
      const t = cursor.next();
      if (buckets.closes(t)) {
        const t0 = process.hrtime.bigint();
        lat.runner.onTick(t);
        const bar = buckets.push(t)!;
        lat.runner.onBarClosed(t.symbol, '1m', bar);
        samples[m++] = Number(process.hrtime.bigint() - t0);
      } else {
        lat.runner.onTick(t);
        buckets.push(t);
      }
    }
  }
  const s = samples.subarray(0, m).sort();
  const q = (p: number) => s[Math.min(m - 1, Math.floor(p * m))]! / 1000;
  console.log(
    `  tick-to-intent latency over ${m} bar-closing ticks (${intentsInTimed} intents): p50 ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs, p99.9 ${q(0.999).toFixed(1)} µs, max ${(s[m - 1]! / 1000).toFixed(1)} µs`,
  );
}
