/**
 * Historical candles for GET /instruments/historical/:token/:interval, built so they agree with the
 * live path (issue 10):
 *
 *  - Before the simulator started (its clock's first session), candles come from a deterministic
 *    synthetic path per (seed, token) — a sum of sinusoids from hours to years plus hashed noise, so
 *    overlapping requests and intervals agree — SCALED so the last session before the start closes
 *    exactly at the instrument's starting previous close: the live quote's `ohlc.close`.
 *  - From the start on, candles are the live prints themselves, recorded as one-minute bars
 *    (`CandleRecorder`) and aggregated to the interval; today's candle is partial, and nothing is
 *    served after the simulator's "now".
 *  - Only regular NSE sessions on the calendar's trading days (core/nse-calendar.ts) have candles:
 *    no weekends, no holidays (like the live market simulator). Day candles are labelled 00:00 IST,
 *    intraday candles start at 09:15 + k·interval like Kite's.
 * The synthetic part is not real data.
 */
import { nseCalendar } from '../core/nse-calendar.js';
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
const MIN_MS = 60_000;
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

/** Regular sessions (open, close epoch ms) whose IST date lies in [fromMs, toMs], oldest first. */
function sessionsBetween(fromMs: number, toMs: number): { open: number; close: number }[] {
  const out: { open: number; close: number }[] = [];
  for (const day of nseCalendar.tradingDays(fromMs, toMs)) {
    const s = nseCalendar.session(day);
    if (s && s.kind === 'regular') out.push({ open: s.open, close: s.close });
  }
  return out;
}

/** The close (epoch ms) of the last regular session that ended at or before `t`. */
export function lastCloseBefore(t: number): number {
  for (let d = t; d > t - 30 * DAY_MS; d -= DAY_MS) {
    const s = nseCalendar.session(d);
    if (s && s.kind === 'regular' && s.close <= t) return s.close;
  }
  throw new Error(`no regular NSE session in the 30 days before ${new Date(t).toISOString()}`);
}

export type Candle = [string, number, number, number, number, number] | [string, number, number, number, number, number, number];

/** One bar in paise (internal); `t` is its start, epoch ms. */
interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  oi: number;
}

export interface SyntheticSpec {
  seed: number;
  token: number;
  tickPaise: number;
  avgDailyVolume: number;
  /** The close of the last session at or before `anchorMs` is exactly this (the live starting previous close). */
  anchorPaise: number;
  /** Candles are generated for sessions that CLOSE at or before this (the simulator's start). */
  anchorMs: number;
  /** Volume 0 (indices). */
  noVolume?: boolean;
  /** The OI column of synthetic bars (derivatives: their starting OI). */
  oi?: number;
}

/** Synthetic bars of `minutes` (0 = day) for the regular sessions in [from, to] that closed by spec.anchorMs. */
function syntheticBars(r: SyntheticSpec, minutes: number, from: number, to: number): Bar[] {
  const phases = PERIODS_MS.map((_, j) => 2 * Math.PI * hash01(r.seed, r.token, j + 101));
  const raw = (t: number): number => {
    let x = 0;
    for (let j = 0; j < PERIODS_MS.length; j++) x += AMPLITUDES[j]! * Math.sin((2 * Math.PI * t) / PERIODS_MS[j]! + phases[j]!);
    return Math.exp(x);
  };
  const anchorClose = lastCloseBefore(r.anchorMs);
  const scale = r.anchorPaise / raw(anchorClose);
  // a session's close is exact (no noise), so the anchored close equals anchorPaise after snapping
  const priceAt = (t: number, close: number) => scale * raw(t) * (t === close ? 1 : 1 + 0.002 * (hash01(r.seed, r.token, Math.floor(t / 1000)) - 0.5));
  const tick = Math.max(1, r.tickPaise);
  const snap = (p: number) => Math.max(tick, Math.round(p / tick) * tick);
  const out: Bar[] = [];
  const emit = (label: number, start: number, end: number, close: number, volFraction: number) => {
    const samples = 6;
    const ps: number[] = [];
    for (let k = 0; k <= samples; k++) ps.push(priceAt(k === samples ? end : start + ((end - start) * k) / samples, close));
    const o = snap(ps[0]!);
    const c = snap(ps[samples]!);
    const noise = Math.exp(0.6 * (hash01(r.seed ^ 7, r.token, Math.floor(start / MIN_MS)) - 0.5));
    out.push({
      t: label,
      o,
      h: Math.max(o, c, snap(Math.max(...ps))),
      l: Math.min(o, c, snap(Math.min(...ps))),
      c,
      v: r.noVolume ? 0 : Math.max(1, Math.round(r.avgDailyVolume * volFraction * noise)),
      oi: r.oi ?? 0,
    });
  };
  const end = Math.min(to, anchorClose);
  for (const { open, close } of sessionsBetween(from - DAY_MS, end)) {
    if (close > anchorClose) break;
    if (minutes === 0) {
      const label = open - (9 * 60 + 15) * MIN_MS; // 00:00 IST, like Kite's day candles
      if (label <= to && close >= from) emit(label, open, close, close, 1);
      continue;
    }
    const step = minutes * MIN_MS;
    for (let b = open; b < close; b += step) {
      if (b < from || b > to) continue;
      const e = Math.min(close, b + step);
      emit(b, b, e, close, (e - b) / (close - open));
    }
  }
  return out;
}

/** Minute bars of the live prints, per token (the simulator's own history since it started). */
export class CandleRecorder {
  private readonly bars = new Map<number, Bar[]>();
  /** Minute bars older than this are dropped (Kite serves minute candles for at most 60 days per request anyway). */
  constructor(private readonly keepMs = 120 * DAY_MS) {}

  /** One print of `token`: price (paise), quantity, time; `oi` after it. */
  record(token: number, pricePaise: number, qty: number, ts: number, oi = 0): void {
    const t = Math.floor(ts / MIN_MS) * MIN_MS;
    let arr = this.bars.get(token);
    if (!arr) this.bars.set(token, (arr = []));
    const last = arr[arr.length - 1];
    if (last && last.t === t) {
      last.h = Math.max(last.h, pricePaise);
      last.l = Math.min(last.l, pricePaise);
      last.c = pricePaise;
      last.v += qty;
      last.oi = oi;
      return;
    }
    if (last && t < last.t) return; // out of order: ignored (the market's time never goes back)
    arr.push({ t, o: pricePaise, h: pricePaise, l: pricePaise, c: pricePaise, v: qty, oi });
    if (arr.length % 1024 === 0) {
      const cut = arr.findIndex((b) => b.t >= t - this.keepMs);
      if (cut > 0) arr.splice(0, cut);
    }
  }

  /** The recorded minute bars of `token` in [from, to]. */
  minutes(token: number, from: number, to: number): readonly Bar[] {
    const arr = this.bars.get(token) ?? [];
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]!.t < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Bar[] = [];
    for (let i = lo; i < arr.length && arr[i]!.t <= to; i++) out.push(arr[i]!);
    return out;
  }
}

/** Aggregates minute bars into `minutes`-bars aligned to the session open (0 = one bar per IST day labelled 00:00). */
function aggregate(bars: readonly Bar[], minutes: number): Bar[] {
  const out: Bar[] = [];
  for (const b of bars) {
    const s = nseCalendar.session(b.t);
    const open = s ? s.open : b.t;
    const label = minutes === 0 ? open - (9 * 60 + 15) * MIN_MS : open + Math.floor((b.t - open) / (minutes * MIN_MS)) * minutes * MIN_MS;
    const last = out[out.length - 1];
    if (last && last.t === label) {
      last.h = Math.max(last.h, b.h);
      last.l = Math.min(last.l, b.l);
      last.c = b.c;
      last.v += b.v;
      last.oi = b.oi;
    } else out.push({ ...b, t: label });
  }
  return out;
}

export interface HistoryInstrument {
  token: number;
  tickPaise: number;
  avgDailyVolume: number;
  /** The starting previous close (the live quote's ohlc.close on the first day). */
  basePaise: number;
  tradable?: boolean;
  /** Starting OI (derivatives). */
  oi?: number;
}

export interface HistoryRequest {
  interval: string;
  from: number;
  to: number;
  oi: boolean;
}

/** GET /instruments/historical: synthetic history anchored to the start + the recorded live bars, up to now. */
export class SimHistory {
  constructor(
    private readonly o: {
      seed: number;
      /** The simulator's first simulated instant: synthetic candles end at the last close before it. */
      startMs: number;
      recorder: CandleRecorder;
      now: () => number;
      /** OI at the start (derivatives), the OI column of synthetic bars. */
      startOi?: (token: number) => number | undefined;
      /**
       * Real bars before the start (a replay of real candles: csv-replay.ts), with their length in minutes
       * (0 = daily bars). When given, they replace the synthetic path for the intervals they can make.
       */
      realBefore?: (token: number) => { minutes: number; bars: readonly { start: number; openPaise: number; highPaise: number; lowPaise: number; closePaise: number; volume: number }[] } | undefined;
    },
  ) {}

  candles(inst: HistoryInstrument, r: HistoryRequest): Candle[] {
    const minutes = INTERVAL_MINUTES[r.interval];
    if (minutes === undefined) throw new KiteApiError('InputException', 'invalid interval');
    if (!(r.from <= r.to)) throw new KiteApiError('InputException', 'invalid from/to: from must not be after to');
    const maxDays = MAX_DAYS[r.interval]!;
    if (r.to - r.from > maxDays * DAY_MS) throw new KiteApiError('InputException', `interval exceeds max limit: ${maxDays} days`);
    const now = this.o.now();
    const to = Math.min(r.to, now);
    if (to < r.from) return [];
    const real = this.o.realBefore?.(inst.token);
    const usable = real !== undefined && real.bars.length > 0 && (minutes === 0 || (real.minutes > 0 && minutes % real.minutes === 0));
    const inRange = (b: Bar) => (minutes === 0 ? b.t <= to && b.t + DAY_MS > r.from : b.t >= r.from && b.t <= to);
    const synthetic = usable
      ? aggregate(
          real.bars
            .filter((b) => b.start >= r.from - DAY_MS && b.start <= to)
            .map((b) => ({ t: b.start, o: b.openPaise, h: b.highPaise, l: b.lowPaise, c: b.closePaise, v: b.volume, oi: 0 })),
          minutes,
        ).filter(inRange)
      : syntheticBars(
          {
            seed: this.o.seed,
            token: inst.token,
            tickPaise: inst.tickPaise,
            avgDailyVolume: inst.avgDailyVolume,
            anchorPaise: inst.basePaise,
            anchorMs: this.o.startMs,
            noVolume: inst.tradable === false,
            oi: inst.oi ?? this.o.startOi?.(inst.token) ?? 0,
          },
          minutes,
          r.from,
          to,
        );
    // live bars: for day candles take whole days, then keep the labels inside [from, to]
    const liveFrom = minutes === 0 ? r.from - DAY_MS : r.from;
    const live = aggregate(this.o.recorder.minutes(inst.token, Math.max(liveFrom, lastCloseBefore(this.o.startMs)), to), minutes).filter((b) =>
      minutes === 0 ? b.t <= to && b.t + DAY_MS > r.from : b.t >= r.from && b.t <= to,
    );
    const lastSynthetic = synthetic[synthetic.length - 1]?.t ?? -Infinity;
    const rows = [...synthetic, ...live.filter((b) => b.t > lastSynthetic)];
    return rows.map((b) => {
      const row: Candle = [istCandleString(b.t), b.o / 100, b.h / 100, b.l / 100, b.c / 100, b.v];
      return r.oi ? [...row, b.oi] : row;
    });
  }
}
