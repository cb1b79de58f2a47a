import type { Candle } from '../contract/schemas.js';
import type { Tick } from '../model/tick.js';

const MINUTE_MS = 60_000;
const DEFAULT_CAPACITY = 2000;

/**
 * 1-minute candles of one symbol, kept in a fixed-capacity ring buffer (oldest evicted first).
 *
 * - Start-labelled like Kite's historical API: a candle's `t` is tsEvent floored to the minute.
 * - Volume comes from deltas of the tick's cumulative day volume. The first tick seen, and the first
 *   tick after a reset (cumulative volume going DOWN = a new day), contribute their lastQty.
 * - Minutes with no ticks produce no candle.
 * - Ignored (and counted in ignoredTicks): a tick from an older minute than the current candle, and an
 *   exact duplicate of the previous accepted tick (same tsEvent, price and cumulative volume).
 *   Ignored ticks do not touch any state.
 */
export class CandleSeries {
  private readonly ring: (Candle | undefined)[];
  /** Index of the newest candle in `ring`. */
  private head = -1;
  private count = 0;
  private ignored = 0;
  private prevTs = Number.NaN;
  private prevPrice = Number.NaN;
  private prevVolume: number | undefined;

  constructor(
    readonly symbol: string,
    readonly capacity: number = DEFAULT_CAPACITY,
  ) {
    if (typeof symbol !== 'string' || symbol.length === 0) throw new RangeError('CandleSeries: symbol must be a non-empty string');
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new RangeError(`CandleSeries(${symbol}): capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.ring = new Array<Candle | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get ignoredTicks(): number {
    return this.ignored;
  }

  /** Applies a tick; returns (a copy of) the candle it created or updated, or undefined if ignored. */
  onTick(t: Tick): Candle | undefined {
    this.validate(t);
    if (t.tsEvent === this.prevTs && t.lastPaise === this.prevPrice && t.volume === this.prevVolume) {
      this.ignored++;
      return undefined;
    }
    const minute = Math.floor(t.tsEvent / MINUTE_MS) * MINUTE_MS;
    let current = this.head >= 0 ? this.ring[this.head] : undefined;
    if (current !== undefined && minute < current.t) {
      this.ignored++;
      return undefined;
    }

    const delta = this.prevVolume === undefined || t.volume < this.prevVolume ? t.lastQty : t.volume - this.prevVolume;
    this.prevTs = t.tsEvent;
    this.prevPrice = t.lastPaise;
    this.prevVolume = t.volume;

    if (current === undefined || minute > current.t) {
      current = { symbol: this.symbol, tf: '1m', t: minute, o: t.lastPaise, h: t.lastPaise, l: t.lastPaise, c: t.lastPaise, v: delta };
      this.head = (this.head + 1) % this.capacity;
      this.ring[this.head] = current;
      if (this.count < this.capacity) this.count++;
    } else {
      if (t.lastPaise > current.h) current.h = t.lastPaise;
      if (t.lastPaise < current.l) current.l = t.lastPaise;
      current.c = t.lastPaise;
      current.v += delta;
    }
    return { ...current };
  }

  /** The newest `limit` candles (copies), oldest → newest. */
  last(limit: number): Candle[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`CandleSeries(${this.symbol}).last: limit must be a non-negative integer, got ${String(limit)}`);
    }
    const n = Math.min(limit, this.count);
    const out: Candle[] = new Array<Candle>(n);
    for (let k = 0; k < n; k++) {
      const idx = (this.head - (n - 1 - k) + this.capacity) % this.capacity;
      out[k] = { ...this.ring[idx]! };
    }
    return out;
  }

  private validate(t: Tick): void {
    const bad = (what: string, v: unknown): never => {
      throw new RangeError(`CandleSeries(${this.symbol}): tick at tsEvent ${String(t.tsEvent)} has ${what}, got ${String(v)}`);
    };
    if (t.symbol !== this.symbol) bad('the wrong symbol', t.symbol);
    if (!Number.isSafeInteger(t.tsEvent) || t.tsEvent < 0) bad('a tsEvent that is not a non-negative integer epoch ms', t.tsEvent);
    if (!Number.isSafeInteger(t.lastPaise) || t.lastPaise <= 0) bad('a lastPaise that is not a positive integer', t.lastPaise);
    if (!Number.isSafeInteger(t.lastQty) || t.lastQty < 0) bad('a lastQty that is not a non-negative integer', t.lastQty);
    if (!Number.isSafeInteger(t.volume) || t.volume < 0) bad('a volume that is not a non-negative integer', t.volume);
  }
}
