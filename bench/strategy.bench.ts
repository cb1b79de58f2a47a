import type { Timeframe } from '../src-engine/contract/schemas.js';
import { Rng } from '../src-engine/core/random.js';
import { MultiTimeframeCandles } from '../src-engine/market/multi-timeframe.js';
import { NIFTY50_SEEDS } from '../src-engine/model/instruments.js';
import type { Tick } from '../src-engine/model/tick.js';
import { BUILTIN_STRATEGIES } from '../src-engine/strategy/builtins/index.js';
import { StrategyRunner } from '../src-engine/strategy/runner.js';
import { QUICK, compare, record } from './harness.js';

/**
 * Strategy engine throughput and latency: ticks of 50 instruments → candles for all 8 timeframes
 * (MultiTimeframeCandles, the engine's own) → bar closes → an 8-strategy ensemble on every
 * instrument (strategies on 1m, 5m and 15m) → order intents, on one core. Baseline: the same ticks
 * through the candle builder only. Then the in-process tick-to-intent latency over the ticks that
 * close a 1-minute bar (process.hrtime.bigint).
 */

const ENSEMBLE: [type: string, tf: Timeframe][] = [
  ['sma_crossover', '1m'],
  ['ema_crossover', '5m'],
  ['rsi_reversion', '1m'],
  ['bollinger_reversion', '5m'],
  ['macd', '15m'],
  ['vwap', '1m'],
  ['supertrend', '5m'],
  ['stoch_rsi', '15m'],
];
const MINUTE = 60_000;

/** The engine's candle builder with the runner listening to its bar closes (or nobody, for the baseline). */
function candles(symbols: string[], runner?: StrategyRunner): MultiTimeframeCandles {
  const mtf = new MultiTimeframeCandles(symbols);
  if (runner) mtf.onBarClosed((symbol, tf, c) => runner.onBarClosed(symbol, tf, c));
  return mtf;
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
    instances: ENSEMBLE.map(([type, timeframe]) => ({ id: type, type, symbols, timeframe })),
    ensemble: { conflict: 'net_out' },
  });
  const counts = { signals: 0, intents: 0 };
  runner.onSignal(() => counts.signals++);
  runner.onIntent(() => counts.intents++);
  return { runner, counts };
}

/** Cycles through the tick array; on wrap-around moves every tick to the next day so time keeps increasing. */
class TickCursor {
  private i = 0;
  private readonly span: number;
  constructor(readonly ticks: Tick[]) {
    this.span = 86_400_000; // the same session times on the next day: every tick stays inside a session
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
  const ticks = makeTicks(QUICK ? 60 : 240); // 4 h × 50 instruments × 1 tick/s = 720 k ticks (1 h with --quick)
  const symbols = [...new Set(ticks.map((t) => t.symbol))];

  const subj = makeRunner(symbols);
  const subjCandles = candles(symbols, subj.runner);
  const subjCursor = new TickCursor(ticks.map((t) => ({ ...t })));
  const baseCandles = candles(symbols);
  const baseCursor = new TickCursor(ticks.map((t) => ({ ...t })));

  const rates = await compare(
    `strategy engine: ticks → all 8 timeframes → ${ENSEMBLE.length}-strategy ensemble → intents, ${symbols.length} instruments`,
    {
      name: `candles + runner (${ENSEMBLE.length} strategies × ${symbols.length} symbols)`,
      unit: 'ticks',
      run: (n) => {
        const r = subj.runner;
        for (let k = 0; k < n; k++) {
          const t = subjCursor.next();
          r.onTick(t);
          subjCandles.onTick(t);
        }
      },
    },
    {
      name: 'the same ticks through the candle builder only',
      unit: 'ticks',
      run: (n) => {
        for (let k = 0; k < n; k++) baseCandles.onTick(baseCursor.next());
      },
    },
    ticks.length,
  );
  console.log(`  (subject: signals ${subj.counts.signals}, intents ${subj.counts.intents} over its rounds)`);

  // latency: fresh pipeline, two passes over the stream, timing only the ticks that close a 1-minute bar
  const lat = makeRunner(symbols);
  const latCandles = candles(symbols, lat.runner);
  const lastMinute = new Map<string, number>();
  const closes = (t: Tick) => {
    const m = t.tsEvent - (t.tsEvent % MINUTE);
    const prev = lastMinute.get(t.symbol);
    lastMinute.set(t.symbol, m);
    return prev !== undefined && prev !== m;
  };
  const cursor = new TickCursor(ticks.map((t) => ({ ...t })));
  const samples = new Float64Array(ticks.length);
  // baseline: the same bar-closing ticks through a candle builder nobody listens to
  const latBase = candles(symbols);
  const baseSamples = new Float64Array(ticks.length);
  let m = 0;
  let intentsInTimed = 0;
  lat.runner.onIntent(() => intentsInTimed++);
  for (let round = 0; round < 2; round++) {
    m = 0;
    intentsInTimed = 0;
    for (let k = 0; k < ticks.length; k++) {
      const t = cursor.next();
      if (closes(t)) {
        const t0 = process.hrtime.bigint();
        lat.runner.onTick(t);
        latCandles.onTick(t); // closes the bar(s) → runner.onBarClosed → ensemble → intents
        samples[m] = Number(process.hrtime.bigint() - t0);
        const t1 = process.hrtime.bigint();
        latBase.onTick(t);
        baseSamples[m++] = Number(process.hrtime.bigint() - t1);
      } else {
        lat.runner.onTick(t);
        latCandles.onTick(t);
        latBase.onTick(t);
      }
    }
  }
  const s = samples.subarray(0, m).sort();
  const q = (p: number) => s[Math.min(m - 1, Math.floor(p * m))]! / 1000;
  const bs = baseSamples.subarray(0, m).sort();
  const baseP99 = bs[Math.min(m - 1, Math.floor(0.99 * m))]! / 1000;
  console.log(
    `  tick-to-intent latency over ${m} bar-closing ticks (${intentsInTimed} intents): p50 ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs, p99.9 ${q(0.999).toFixed(1)} µs, max ${(s[m - 1]! / 1000).toFixed(1)} µs; baseline (candle builder only) p99 ${baseP99.toFixed(1)} µs`,
  );
  record({
    name: 'tick → intent ticks/s',
    subject: `${symbols.length} instruments, 8 timeframes, ${ENSEMBLE.length}-strategy ensemble`,
    value: rates.subject,
    unit: 'ticks/s',
    better: 'higher',
    baseline: { name: 'the same ticks, candle builder only', value: rates.baseline, unit: 'ticks/s' },
  });
  record({
    name: 'tick → intent p99',
    subject: `latency of the ${m} bar-closing ticks`,
    value: q(0.99),
    unit: 'µs',
    better: 'lower',
    baseline: { name: 'the same ticks, candle builder only', value: baseP99, unit: 'µs' },
  });
}
