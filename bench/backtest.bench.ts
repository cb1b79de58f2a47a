import type { CandleSeries } from '../src-engine/kite-sim/csv-replay.js';
import { runBacktest } from '../src-engine/backtest/backtest.js';
import { dataOf, generatedSeries, smaConfig } from '../src-engine/backtest/testing.js';
import { QUICK, record, type FigureName } from './harness.js';

/**
 * Backtest throughput in bar-events/s (one bar of one symbol = one event) through the full kernel path:
 * replay client in bar mode (one event a bar, its 4 prints) → candles → strategy (SMA 10/30 on 1m) →
 * ensemble → sizing → risk → order manager → paper broker (next-open fills) → charges → ledger, for 1 and
 * for 50 symbols, on one core. Baseline, measured in the same run: a plain loop over the same bars
 * (running SMAs, the same crossover rule, positions and PnL in plain numbers, no kernel). Rates per wall
 * second and per CPU second of this process (process.cpuUsage): on a shared, loaded machine the CPU rate
 * is the steadier one. The measured rounds run after full-size warm-up runs of 300,000 bars in all (at
 * least two; the JIT needs a few hundred thousand bars to settle, whatever the number of symbols); the
 * first, cold run's CPU rate is printed too.
 */

function plainLoop(series: readonly CandleSeries[]): number {
  let pnl = 0;
  for (const s of series) {
    const c = s.candles;
    let f = 0;
    let sl = 0;
    let pf = NaN;
    let ps = NaN;
    let long = false;
    let entry = 0;
    let pending = 0;
    for (let i = 0; i < c.length; i++) {
      const bar = c[i]!;
      if (pending !== 0) {
        if (pending > 0) {
          long = true;
          entry = bar.openPaise;
        } else {
          long = false;
          pnl += bar.openPaise - entry;
        }
        pending = 0;
      }
      f += bar.closePaise - (i >= 10 ? c[i - 10]!.closePaise : 0);
      sl += bar.closePaise - (i >= 30 ? c[i - 30]!.closePaise : 0);
      const fa = i >= 9 ? f / 10 : NaN;
      const sa = i >= 29 ? sl / 30 : NaN;
      if (pf <= ps && fa > sa && !long) pending = 1;
      else if (pf >= ps && fa < sa && long) pending = -1;
      pf = fa;
      ps = sa;
    }
  }
  return pnl;
}

/** Bars each case runs before it is measured (at least two runs; see measure()). */
const WARMUP_BARS = 300_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0));

function measure(label: string, figure: FigureName, series: CandleSeries[], rounds: number): void {
  const bars = series.reduce((a, s) => a + s.candles.length, 0);
  const cfg = smaConfig(
    series.map((s) => s.symbol),
    10,
    30,
  );
  cfg.profile.trading.charges = true;
  cfg.profile.trading.product = 'MIS';
  cfg.profile.trading.risk.maxOpenPositions = 1000;
  const data = dataOf(...series);
  let sink = 0;
  const base: number[] = [];
  const subj: number[] = [];
  const subjCpu: number[] = [];
  let fills = 0;
  // warm-up: full runs until WARMUP_BARS bars went through (the first one's CPU rate is the cold figure).
  // By bars, not by runs: V8 settles after a few hundred thousand bars whatever their symbols, and two
  // runs of the 1-symbol case (45,000 bars) measured it half-compiled, at about half the 50-symbol rate.
  const cold0 = process.cpuUsage();
  runBacktest(cfg, data);
  const coldCpu = process.cpuUsage(cold0);
  const cold = bars / ((coldCpu.user + coldCpu.system) / 1e6);
  for (let warm = bars; warm < (QUICK ? 2 * bars : WARMUP_BARS); warm += bars) runBacktest(cfg, data);
  for (let r = 0; r < rounds; r++) {
    let t0 = process.hrtime.bigint();
    for (let k = 0; k < 20; k++) sink += plainLoop(series);
    base.push((20 * bars) / (Number(process.hrtime.bigint() - t0) / 1e9));
    t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const res = runBacktest(cfg, data);
    subj.push(bars / (Number(process.hrtime.bigint() - t0) / 1e9));
    const cu = process.cpuUsage(c0);
    subjCpu.push(bars / ((cu.user + cu.system) / 1e6));
    fills = res.counts.fills;
  }
  const b = median(base);
  const s = median(subj);
  console.log(`\nBacktest, ${label}: ${bars} one-minute bars, SMA 10/30, MIS, charges on, ${fills} fills`);
  console.log(`  baseline  ${'plain loop (SMA crossover, next-open PnL)'.padEnd(48)} ${fmt(b).padStart(9)} bar-events/s${sink === 0.5 ? '' : ''}`);
  console.log(`  subject   ${'runBacktest: feed → strategy → risk → OMS → fills → charges → ledger'.padEnd(48)} ${fmt(s).padStart(9)} bar-events/s   (${((s / b) * 100).toFixed(2)} % of baseline); ${fmt(median(subjCpu))} per CPU second (first, cold run: ${fmt(cold)} per CPU second)`);
  record({
    name: figure,
    subject: `runBacktest, SMA 10/30, ${bars} bars`,
    value: s,
    unit: 'bar-events/s',
    better: 'higher',
    baseline: { name: 'plain loop, same bars and rule', value: b, unit: 'bar-events/s' },
  });
}

export function backtestBench(): void {
  const rounds = QUICK ? 1 : 3;
  measure('1 symbol', 'backtest bar-events/s, 1 symbol', [generatedSeries('S0', '2025-01-06', QUICK ? 10 : 60, 1)], rounds);
  measure(
    '50 symbols',
    'backtest bar-events/s, 50 symbols',
    Array.from({ length: 50 }, (_, i) => generatedSeries(`S${i}`, '2025-01-06', QUICK ? 1 : 3, i + 1, 50_000 + 1000 * i)),
    rounds,
  );
}
