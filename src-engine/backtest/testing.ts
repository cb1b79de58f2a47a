/**
 * Test helpers of the backtester: generated 1-minute candles and a plain, independent re-computation of
 * a long-only SMA crossover (qty 1, no charges, no slippage, fill at the next bar's open) to compare
 * the kernel's trades with.
 */
import { IST_OFFSET_MS } from '../core/ist.js';
import { Rng } from '../core/random.js';
import type { Candle, CandleSeries } from '../kite-sim/csv-replay.js';
import { runProfileSchema } from '../runtime/config.js';
import { backtestSectionSchema, type BacktestConfig } from './backtest.js';
import type { BacktestData } from './data.js';

const DAY_MS = 86_400_000;

/** A random walk of 1-minute bars, 09:15–15:30 IST on the weekdays from `startDay` (YYYY-MM-DD), `days` of them. */
export function generatedSeries(symbol: string, startDay: string, days: number, seed = 7, startPaise = 100_000): CandleSeries {
  const rng = new Rng(seed);
  const candles: Candle[] = [];
  let px = startPaise;
  let d = Date.parse(`${startDay}T00:00:00Z`);
  let made = 0;
  let line = 2;
  while (made < days) {
    const wd = new Date(d).getUTCDay();
    if (wd !== 0 && wd !== 6) {
      const open = d - IST_OFFSET_MS + (9 * 60 + 15) * 60_000;
      for (let m = 0; m < 375; m++) {
        // a trending walk: long enough runs for crossovers, tick-sized prices
        const o = px;
        const c = Math.max(500, o + Math.round(rng.normal() * 8) * 5);
        const h = Math.max(o, c) + Math.round(Math.abs(rng.normal()) * 2) * 5;
        const l = Math.min(o, c) - Math.round(Math.abs(rng.normal()) * 2) * 5;
        const start = open + m * 60_000;
        candles.push({ start, end: start + 60_000, openPaise: o, highPaise: h, lowPaise: l, closePaise: c, volume: 100 + Math.floor(rng.uniform() * 1000), line: line++ });
        px = c + Math.round(rng.normal() * 2) * 5;
        if (px < 500) px = 500;
      }
      made++;
    }
    d += DAY_MS;
  }
  return { symbol, file: `generated:${symbol}`, interval: 60_000, candles };
}

/** Kite's candle CSV layout (row time = bar start, the IST offset written out). */
export function kiteCsv(s: CandleSeries): string {
  const iso = (ms: number) => new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ') + '+05:30';
  const px = (p: number) => (p / 100).toFixed(2);
  return ['datetime,open,high,low,close,volume,oi', ...s.candles.map((c) => `${iso(c.start)},${px(c.openPaise)},${px(c.highPaise)},${px(c.lowPaise)},${px(c.closePaise)},${c.volume},0`)].join('\n') + '\n';
}

export function dataOf(...series: CandleSeries[]): BacktestData {
  return { series, files: series.map((s) => ({ path: s.file, symbol: s.symbol, sha256: '', rows: s.candles.length })), warnings: [] };
}

/** The "Done when" setup: SMA fast/slow on 1m, long only through CNC, qty 1, no charges, no slippage, exits none, next open. */
export function smaConfig(symbols: string[], fast: number, slow: number, fill: 'next_open' | 'this_close' = 'next_open'): BacktestConfig {
  return {
    profile: runProfileSchema.parse({
      strategies: [{ id: 'sma', type: 'sma_crossover', params: { fast, slow }, symbols, timeframe: '1m' }],
      // the plain strategy has no daily trade cap: the risk engine's 20 a day is lifted (everything else stays)
      trading: { product: 'CNC', charges: false, sizing: { default: { mode: 'fixed_qty', qty: 1 } }, paper: { slippage: { ticks: 0 } }, risk: { maxTradesPerSymbolPerDay: 100_000 } },
    }),
    backtest: backtestSectionSchema.parse({ fill, exits: 'none' }),
  };
}

export interface PlainTrade {
  entryTime: number;
  entryPaise: number;
  exitTime: number;
  exitPaise: number;
}

const SESSION_CLOSE_MIN = 15 * 60 + 30;
const istMinute = (ms: number) => Math.floor((((ms + IST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 60_000);
const istDayNum = (ms: number) => Math.floor((ms + IST_OFFSET_MS) / DAY_MS);

/**
 * The plain re-computation: SMA(fast) and SMA(slow) of the closes; a cross at bar i (fast crosses above:
 * buy when flat; below: sell when long) is an order when bar i closes; it fills at the open of bar i+1
 * when the market was open at that close (before 15:30) and bar i+1 is on the same day (an unfilled
 * order expires at the day's end). Trades still open at the end are not closed trades.
 */
export function plainSmaCrossover(candles: readonly Candle[], fast: number, slow: number): PlainTrade[] {
  const closes = candles.map((c) => c.closePaise);
  const sma = (n: number, i: number) => {
    if (i + 1 < n) return NaN;
    let s = 0;
    for (let k = i - n + 1; k <= i; k++) s += closes[k]!;
    return s / n;
  };
  const out: PlainTrade[] = [];
  let long = false;
  let entry: { t: number; p: number } | undefined;
  let pf = NaN;
  let ps = NaN;
  for (let i = 0; i < candles.length; i++) {
    const f = sma(fast, i);
    const s = sma(slow, i);
    const up = pf <= ps && f > s;
    const down = pf >= ps && f < s;
    pf = f;
    ps = s;
    if (!up && !down) continue;
    if ((up && long) || (down && !long)) continue;
    const bar = candles[i]!;
    const next = candles[i + 1];
    const closeMin = istMinute(bar.end);
    if (closeMin >= SESSION_CLOSE_MIN || next === undefined || istDayNum(next.start) !== istDayNum(bar.start)) continue;
    if (up) {
      long = true;
      entry = { t: next.start, p: next.openPaise };
    } else {
      long = false;
      out.push({ entryTime: entry!.t, entryPaise: entry!.p, exitTime: next.start, exitPaise: next.openPaise });
    }
  }
  return out;
}

/**
 * A user strategy file with the SMA crossover written out by hand (its own running sums, no engine
 * indicator): BUY when the fast mean crosses above the slow one, SELL when below.
 */
export const USER_SMA_SOURCE = `
export default (sdk) => ({
  type: 'user_sma',
  description: 'SMA crossover written in a user file',
  params: sdk.z.strictObject({ fast: sdk.z.number().int().min(1).default(10), slow: sdk.z.number().int().min(2).default(30) }),
  timeframes: ['1m', '5m', '15m'],
  // no warm-up gate: the file keeps its own closes from the first bar (the built-in's indicators do too)
  warmup: 0,
  create(ctx) {
    const closes = [];
    let pf = NaN;
    let ps = NaN;
    const mean = (n) => (closes.length < n ? NaN : closes.slice(-n).reduce((a, b) => a + b, 0) / n);
    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        closes.push(bar.c);
        if (closes.length > 1000) closes.splice(0, closes.length - 1000);
        const f = mean(ctx.params.fast);
        const s = mean(ctx.params.slow);
        let side;
        if (pf <= ps && f > s) side = 'BUY';
        else if (pf >= ps && f < s) side = 'SELL';
        pf = f;
        ps = s;
        if (side) ctx.emit({ side, confidence: sdk.clamp01(0.5 + (50 * Math.abs(f - s)) / Math.abs(s)), reason: 'user sma ' + side });
      },
    };
  },
});
`;
