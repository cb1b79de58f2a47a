/**
 * Synthetic historical candles for GET /instruments/historical/:token/:interval. The price is a
 * deterministic function of time per (seed, token) — a sum of sinusoids from hours to years plus
 * hashed noise — so overlapping requests and different intervals agree with each other. Not real data.
 */
import { isWeekendIst, istSessionBounds } from '../core/ist.js';
import { istCandleString, KiteApiError } from './kite-json.js';

export const INTERVAL_MINUTES: Readonly<Record<string, number>> = Object.freeze({
  minute: 1,
  '3minute': 3,
  '5minute': 5,
  '10minute': 10,
  '15minute': 15,
  '30minute': 30,
  '60minute': 60,
  day: 0,
});

/** Max days per request (forum folklore, kite-protocol.md §2.11). */
export const MAX_DAYS: Readonly<Record<string, number>> = Object.freeze({
  minute: 60,
  '3minute': 100,
  '5minute': 100,
  '10minute': 100,
  '15minute': 200,
  '30minute': 200,
  '60minute': 400,
  day: 2000,
});

const DAY_MS = 86_400_000;
const PERIODS_MS = [3_600_000, 6 * 3_600_000, 3 * DAY_MS, 20 * DAY_MS, 90 * DAY_MS, 400 * DAY_MS];
const AMPLITUDES = [0.002, 0.004, 0.015, 0.04, 0.08, 0.15];

/** A 32-bit integer hash → [0, 1). */
function hash01(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35) ^ Math.imul(c | 0, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

export interface HistoricalRequest {
  seed: number;
  token: number;
  basePaise: number;
  tickPaise: number;
  avgDailyVolume: number;
  interval: string;
  from: number;
  to: number;
  oi: boolean;
}

export type Candle = [string, number, number, number, number, number] | [string, number, number, number, number, number, number];

export function candles(r: HistoricalRequest): Candle[] {
  const minutes = INTERVAL_MINUTES[r.interval];
  if (minutes === undefined) throw new KiteApiError('InputException', 'invalid interval');
  if (!(r.from <= r.to)) throw new KiteApiError('InputException', 'invalid from/to: from must not be after to');
  const maxDays = MAX_DAYS[r.interval]!;
  if (r.to - r.from > maxDays * DAY_MS) throw new KiteApiError('InputException', `interval exceeds max limit: ${maxDays} days`);

  const phases = PERIODS_MS.map((_, j) => 2 * Math.PI * hash01(r.seed, r.token, j + 101));
  const priceAt = (t: number): number => {
    let x = 0;
    for (let j = 0; j < PERIODS_MS.length; j++) x += AMPLITUDES[j]! * Math.sin((2 * Math.PI * t) / PERIODS_MS[j]! + phases[j]!);
    return r.basePaise * Math.exp(x);
  };
  const snap = (p: number) => Math.max(r.tickPaise, Math.round(p / r.tickPaise) * r.tickPaise);
  const out: Candle[] = [];
  const emit = (label: number, start: number, end: number, volFraction: number) => {
    const samples = 6;
    const ps: number[] = [];
    for (let k = 0; k <= samples; k++) {
      const t = start + ((end - start) * k) / samples;
      ps.push(priceAt(t) * (1 + 0.002 * (hash01(r.seed, r.token, Math.floor(t / 1000)) - 0.5)));
    }
    const open = snap(ps[0]!);
    const close = snap(ps[samples]!);
    const high = Math.max(open, close, snap(Math.max(...ps)));
    const low = Math.min(open, close, snap(Math.min(...ps)));
    const noise = Math.exp(0.6 * (hash01(r.seed ^ 7, r.token, Math.floor(start / 60_000)) - 0.5));
    const volume = Math.max(1, Math.round(r.avgDailyVolume * volFraction * noise));
    const row: Candle = [istCandleString(label), open / 100, high / 100, low / 100, close / 100, volume];
    out.push(r.oi ? [...row, 0] : row);
  };

  // walk the IST days of [from, to]
  for (let day = istSessionBounds(r.from).open; day <= r.to + DAY_MS; day += DAY_MS) {
    if (isWeekendIst(day)) continue;
    const { open, close } = istSessionBounds(day);
    if (minutes === 0) {
      const label = open - (9 * 60 + 15) * 60_000; // 00:00 IST, like Kite's day candles
      if (label >= r.from - 0 && label <= r.to) emit(label, open, close, 1);
      else if (label < r.from && open >= r.from && open <= r.to) emit(label, open, close, 1);
      continue;
    }
    const step = minutes * 60_000;
    for (let s = open; s < close; s += step) {
      if (s < r.from || s > r.to) continue;
      const e = Math.min(close, s + step);
      emit(s, s, e, (e - s) / (close - open));
    }
  }
  return out;
}
