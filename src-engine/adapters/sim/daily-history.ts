/**
 * Synthetic daily candles for the simulator's instruments: the history the pre-market scanner
 * ranks on in simulator mode. SIMULATED — NOT MARKET DATA.
 *
 * For each seed, `days` trading days (NSE calendar: weekends and exchange holidays skipped) ending
 * on the trading day before `asOf`. The walk runs backwards from the seed's base price, so the last
 * close is exactly the simulator's first previous close (`basePaise`) and the chart and the scan
 * agree. Each symbol draws its own annual volatility (15–45 %) and drift (±40 % a year) from an Rng
 * seeded by (seed, symbol), so a symbol's history does not depend on which other symbols are asked
 * for. Prices are integer paise on the 5-paise grid with l ≤ min(o, c) ≤ max(o, c) ≤ h; bars are
 * stamped 00:00 IST of their date, like Kite's `day` candles.
 *
 * On a live Kite feed the same step takes Kite historical `day` candles instead (GET
 * /instruments/historical/:token/day over the same window) — not wired yet.
 */
import { istTime, nseCalendar, type IsoDay } from '../../core/nse-calendar.js';
import { Rng } from '../../core/random.js';
import type { Bar } from '../../indicators/indicator.js';
import type { SimInstrumentSeed } from '../../model/instruments.js';

export interface DailyHistoryOptions {
  /** The trading day being planned; history ends on the trading day before it. */
  asOf: IsoDay;
  /** PRNG seed (the feed's). */
  seed: number;
  /** Trading days of history per symbol. Default 260 (about a year). */
  days?: number;
}

const TICK = 5;
const MIN_PRICE_PAISE = 100;

/** FNV-1a of the symbol, folded with the seed: one independent stream per (seed, symbol). */
function symbolSeed(seed: number, symbol: string): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) >>> 0);
  for (let i = 0; i < symbol.length; i++) {
    h ^= symbol.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const snapDown = (p: number): number => Math.max(TICK, Math.floor(p / TICK) * TICK);
const snapUp = (p: number): number => Math.max(TICK, Math.ceil(p / TICK) * TICK);
const snap = (p: number): number => Math.max(TICK, Math.round(p / TICK) * TICK);

/** The trading days (ascending) of the `days` sessions before `asOf`. */
export function historyDays(asOf: IsoDay, days: number): IsoDay[] {
  if (!Number.isSafeInteger(days) || days < 1) throw new RangeError(`historyDays: days must be an integer ≥ 1, got ${days}`);
  const out: IsoDay[] = [];
  let d = nseCalendar.previousTradingDay(asOf);
  for (let i = 0; i < days; i++) {
    out.push(d);
    if (i + 1 < days) d = nseCalendar.previousTradingDay(d);
  }
  return out.reverse();
}

/** Daily bars (integer paise) per seed symbol; see the module comment. Deterministic. */
export function syntheticDailyHistory(seeds: readonly SimInstrumentSeed[], opts: DailyHistoryOptions): Map<string, Bar[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf)) throw new RangeError(`syntheticDailyHistory: asOf must be YYYY-MM-DD, got ${JSON.stringify(opts.asOf)}`);
  const days = historyDays(opts.asOf, opts.days ?? 260);
  const out = new Map<string, Bar[]>();
  for (const s of seeds) {
    const rng = new Rng(symbolSeed(opts.seed, s.symbol));
    const annualVol = 0.15 + 0.3 * rng.uniform();
    const annualDrift = (rng.uniform() * 2 - 1) * 0.4;
    const dayVol = annualVol / Math.sqrt(250);
    const dayDrift = annualDrift / 250 - (dayVol * dayVol) / 2;
    // Closes, walked backwards from the base price (the last close is basePaise).
    const closes = new Array<number>(days.length);
    let c = Math.max(MIN_PRICE_PAISE, s.basePaise);
    for (let i = days.length - 1; i >= 0; i--) {
      closes[i] = c;
      c = Math.max(MIN_PRICE_PAISE, c / Math.exp(dayDrift + dayVol * rng.normal()));
    }
    let prevClose = c;
    const bars: Bar[] = days.map((day, i) => {
      // o/h/l/c are snapped to the 5-paise grid; h and l are widened outwards so they still bound o and c.
      const close = snap(closes[i]!);
      const open = snap(prevClose * Math.exp(0.25 * dayVol * rng.normal()));
      const hi = Math.max(open, close) * Math.exp(Math.abs(rng.normal()) * 0.5 * dayVol);
      const lo = Math.min(open, close) * Math.exp(-Math.abs(rng.normal()) * 0.5 * dayVol);
      const volume = Math.max(1, Math.round(s.avgDailyVolume * Math.exp(0.35 * rng.normal() - 0.06125)));
      prevClose = closes[i]!;
      return { t: istTime(day, '00:00'), o: open, h: Math.max(snapUp(hi), open, close), l: Math.min(snapDown(lo), open, close), c: close, v: volume };
    });
    out.set(s.symbol, bars);
  }
  return out;
}
