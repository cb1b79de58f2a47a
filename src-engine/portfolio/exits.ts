import { z } from 'zod';
import { type NseCalendar, nseCalendar } from '../core/nse-calendar.js';
import { snapToTick } from '../core/prices.js';
import type { Fill, OrderSide, Product } from '../model/order.js';

/**
 * Exit management per (strategy, symbol) position. When a position opens it is ARMED with:
 *  - stop-loss   at entry ∓ atrMultipleStop × ATR    (long: below, short: above; default 2; 0 = off)
 *  - take-profit at entry ± atrMultipleTarget × ATR  (default 4; 0 = off)
 *  - trailing stop `trailingBps` from the peak (long) / trough (short) price seen since entry
 *    (default 100 = 1 %; 0 = off). It starts at entry and only ever tightens.
 *  - time exit `maxHoldMs` after the position opened (optional).
 *  - MIS square-off `squareOffBeforeMs` (default 5 min) before the calendar session's `misSquareOff`
 *    (session of the day the position opened), for MIS positions.
 * All levels are snapped to the instrument's tick. No ATR (warm-up) → no stop-loss/take-profit.
 *
 * `onPrice` returns at most one exit request per armed position (first match in the order stop_loss,
 * trailing_stop, take_profit, time_exit, mis_squareoff), for the full quantity, and then the
 * position is IN FLIGHT: nothing more fires for it until the position goes flat (cleared), flips
 * (re-armed), or `release()` is called because the exit order ended without closing it.
 *
 * Feed `onPositionChanged` after every fill with the ledger's new signed qty and average price:
 * flat → cleared; opened/flipped → armed; increased → stop/target re-computed from the new average
 * (trailing extreme, open time and in-flight state kept); decreased → quantity updated only.
 */

export const exitConfigSchema = z.strictObject({
  atrMultipleStop: z.number().min(0).max(100).default(2),
  atrMultipleTarget: z.number().min(0).max(100).default(4),
  trailingBps: z.number().int().min(0).max(9_999).default(100),
  maxHoldMs: z.number().int().positive().optional(),
  squareOffBeforeMs: z.number().int().min(0).max(6 * 3_600_000).default(300_000),
});
export type ExitConfig = z.output<typeof exitConfigSchema>;
export type ExitConfigInput = z.input<typeof exitConfigSchema>;

export type ExitReason = 'stop_loss' | 'take_profit' | 'trailing_stop' | 'time_exit' | 'mis_squareoff';

export interface ExitRequest {
  strategy: string;
  symbol: string;
  /** Closes the position: SELL for a long, BUY for a short. */
  side: OrderSide;
  /** The full open quantity (units). */
  qty: number;
  reason: ExitReason;
  /** The level that was crossed (stop/target/trail), or the snapped price for time-based exits. */
  triggerPaise: number;
  product: Product;
  ts: number;
}

export interface PositionChange {
  strategy: string;
  symbol: string;
  /** Signed quantity after the change (0 = flat). */
  qty: number;
  /** Average entry price after the change, paise. */
  avgPricePaise: number;
  product: Product;
  tickSizePaise: number;
  ts: number;
  /** ATR of the symbol in paise (may be fractional); undefined/NaN while warming up. */
  atrPaise?: number | undefined;
}

/** The armed levels of a position (for display and tests). */
export interface ArmedExits {
  strategy: string;
  symbol: string;
  qty: number;
  entryPaise: number;
  stopPaise: number | undefined;
  targetPaise: number | undefined;
  trailPaise: number | undefined;
  /** Peak (long) / trough (short) since entry. */
  extremePaise: number;
  openedAt: number;
  /** Time-exit deadline (epoch ms), if any. */
  timeExitAt: number | undefined;
  /** MIS square-off cut-off (epoch ms), MIS positions only. */
  misCutoffAt: number | undefined;
  inFlight: boolean;
}

class ExitState {
  qty = 0;
  entry = 0;
  stop = NaN;
  target = NaN;
  trail = NaN;
  extreme = 0;
  openedAt = 0;
  timeExitAt = Infinity;
  misCutoffAt = Infinity;
  inFlight = false;
  lastPrice = 0;
  tick = 1;
  product: Product = 'CNC';
  constructor(
    readonly strategy: string,
    readonly symbol: string,
    readonly cfg: ExitConfig,
  ) {}
}

const NONE: readonly ExitRequest[] = Object.freeze([]);
const IST_OFFSET_MS_EXITS = 19_800_000;

function parseExitConfig(input: unknown, what: string): ExitConfig {
  const r = exitConfigSchema.safeParse(input);
  if (!r.success) throw new RangeError(`${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface ExitManagerOptions {
  /** Default exit config. */
  config?: ExitConfigInput | undefined;
  /** Per-strategy overrides (whole configs, defaults filled in). */
  byStrategy?: Record<string, ExitConfigInput> | undefined;
  calendar?: NseCalendar | undefined;
}

export class ExitManager {
  readonly defaultConfig: ExitConfig;
  private readonly byStrategy = new Map<string, ExitConfig>();
  private readonly calendar: NseCalendar;
  /** symbol → states of the strategies holding it (small). */
  private readonly states = new Map<string, ExitState[]>();

  constructor(opts: ExitManagerOptions = {}) {
    this.defaultConfig = parseExitConfig(opts.config ?? {}, 'exit config');
    for (const [id, c] of Object.entries(opts.byStrategy ?? {})) this.byStrategy.set(id, parseExitConfig(c, `exit config ${id}`));
    this.calendar = opts.calendar ?? nseCalendar;
  }

  configFor(strategy: string): ExitConfig {
    return this.byStrategy.get(strategy) ?? this.defaultConfig;
  }

  /** Arms, re-arms, updates or clears the exits of one position (call after every fill). */
  onPositionChanged(c: PositionChange): void {
    if (!Number.isSafeInteger(c.qty)) throw new RangeError(`exits: qty must be a safe integer, got ${String(c.qty)}`);
    let list = this.states.get(c.symbol);
    let st = list?.find((s) => s.strategy === c.strategy);
    if (c.qty === 0) {
      if (st !== undefined) {
        list!.splice(list!.indexOf(st), 1);
        if (list!.length === 0) this.states.delete(c.symbol);
      }
      return;
    }
    if (!Number.isSafeInteger(c.avgPricePaise) || c.avgPricePaise <= 0) throw new RangeError(`exits: avgPricePaise must be a positive integer, got ${String(c.avgPricePaise)}`);
    const fresh = st === undefined || Math.sign(st.qty) !== Math.sign(c.qty);
    if (st === undefined) {
      st = new ExitState(c.strategy, c.symbol, this.configFor(c.strategy));
      if (list === undefined) {
        list = [];
        this.states.set(c.symbol, list);
      }
      list.push(st);
    }
    const increased = Math.abs(c.qty) > Math.abs(st.qty);
    st.tick = c.tickSizePaise;
    if (fresh) {
      st.qty = c.qty;
      st.product = c.product;
      st.openedAt = c.ts;
      st.inFlight = false;
      st.extreme = c.avgPricePaise;
      st.lastPrice = c.avgPricePaise;
      st.trail = NaN;
      st.timeExitAt = st.cfg.maxHoldMs !== undefined ? c.ts + st.cfg.maxHoldMs : Infinity;
      st.misCutoffAt = c.product === 'MIS' ? this.misCutoff(c.ts, st.cfg) : Infinity;
      this.setLevels(st, c.avgPricePaise, c.atrPaise);
      this.updateTrail(st);
    } else {
      st.qty = c.qty;
      if (increased) this.setLevels(st, c.avgPricePaise, c.atrPaise);
    }
  }

  /**
   * Convenience after `ledger.applyFill(f)`: reads the strategy's new qty and average price from the
   * ledger (or any view with these two methods) and calls onPositionChanged.
   */
  onFill(
    f: Fill,
    positions: { positionQty(symbol: string, strategy: string): number; avgPricePaise(symbol: string, strategy: string): number },
    tickSizePaise: number,
    atrPaise?: number,
  ): void {
    this.onPositionChanged({
      strategy: f.strategy,
      symbol: f.symbol,
      qty: positions.positionQty(f.symbol, f.strategy),
      avgPricePaise: positions.avgPricePaise(f.symbol, f.strategy),
      product: f.product,
      tickSizePaise,
      ts: f.tsEvent,
      atrPaise,
    });
  }

  /** The exit order of a position ended (cancelled/rejected/expired) without closing it: let its exits fire again. */
  release(strategy: string, symbol: string): void {
    const st = this.states.get(symbol)?.find((s) => s.strategy === strategy);
    if (st !== undefined) st.inFlight = false;
  }

  /**
   * A price for `symbol`: updates trailing extremes and returns the exits that fire now (each armed
   * position fires at most once). Allocates only when something fires.
   */
  onPrice(symbol: string, pricePaise: number, ts: number): readonly ExitRequest[] {
    const list = this.states.get(symbol);
    if (list === undefined) return NONE;
    let out: ExitRequest[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      st.lastPrice = pricePaise;
      if (st.inFlight) continue;
      const long = st.qty > 0;
      if (long ? pricePaise > st.extreme : pricePaise < st.extreme) {
        st.extreme = pricePaise;
        this.updateTrail(st);
      }
      const r = this.check(st, pricePaise, ts);
      if (r !== undefined) (out ??= []).push(r);
    }
    return out ?? NONE;
  }

  /** True when a position of `symbol` is armed (onPrice may exit it). */
  watching(symbol: string): boolean {
    const list = this.states.get(symbol);
    return list !== undefined && list.length > 0;
  }

  /** Time-based exits (time_exit, mis_squareoff) for every armed position at its last price — call on a timer so quiet symbols exit too. */
  onTime(ts: number): readonly ExitRequest[] {
    let out: ExitRequest[] | undefined;
    for (const list of this.states.values()) {
      for (const st of list) {
        if (st.inFlight) continue;
        const reason: ExitReason | undefined = ts >= st.timeExitAt ? 'time_exit' : ts >= st.misCutoffAt ? 'mis_squareoff' : undefined;
        if (reason !== undefined) (out ??= []).push(this.fire(st, reason, snapToTick(st.lastPrice, st.tick), ts));
      }
    }
    return out ?? NONE;
  }

  armed(strategy: string, symbol: string): ArmedExits | undefined {
    const st = this.states.get(symbol)?.find((s) => s.strategy === strategy);
    if (st === undefined) return undefined;
    const opt = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);
    const fin = (v: number): number | undefined => (Number.isFinite(v) ? v : undefined);
    return {
      strategy,
      symbol,
      qty: st.qty,
      entryPaise: st.entry,
      stopPaise: opt(st.stop),
      targetPaise: opt(st.target),
      trailPaise: opt(st.trail),
      extremePaise: st.extreme,
      openedAt: st.openedAt,
      timeExitAt: fin(st.timeExitAt),
      misCutoffAt: fin(st.misCutoffAt),
      inFlight: st.inFlight,
    };
  }

  private check(st: ExitState, p: number, ts: number): ExitRequest | undefined {
    const long = st.qty > 0;
    if (!Number.isNaN(st.stop) && (long ? p <= st.stop : p >= st.stop)) return this.fire(st, 'stop_loss', st.stop, ts);
    if (!Number.isNaN(st.trail) && (long ? p <= st.trail : p >= st.trail)) return this.fire(st, 'trailing_stop', st.trail, ts);
    if (!Number.isNaN(st.target) && (long ? p >= st.target : p <= st.target)) return this.fire(st, 'take_profit', st.target, ts);
    if (ts >= st.timeExitAt) return this.fire(st, 'time_exit', snapToTick(p, st.tick), ts);
    if (ts >= st.misCutoffAt) return this.fire(st, 'mis_squareoff', snapToTick(p, st.tick), ts);
    return undefined;
  }

  private fire(st: ExitState, reason: ExitReason, triggerPaise: number, ts: number): ExitRequest {
    st.inFlight = true;
    return {
      strategy: st.strategy,
      symbol: st.symbol,
      side: st.qty > 0 ? 'SELL' : 'BUY',
      qty: Math.abs(st.qty),
      reason,
      triggerPaise,
      product: st.product,
      ts,
    };
  }

  private setLevels(st: ExitState, entry: number, atr: number | undefined): void {
    st.entry = entry;
    const dir = st.qty > 0 ? 1 : -1;
    const ok = atr !== undefined && Number.isFinite(atr) && atr > 0;
    const stop = ok && st.cfg.atrMultipleStop > 0 ? snapToTick(entry - dir * st.cfg.atrMultipleStop * atr, st.tick) : NaN;
    const target = ok && st.cfg.atrMultipleTarget > 0 ? snapToTick(entry + dir * st.cfg.atrMultipleTarget * atr, st.tick) : NaN;
    st.stop = stop > 0 ? stop : NaN;
    st.target = target > 0 ? target : NaN;
  }

  /** Trailing level from the extreme; only ever tightens (up for a long, down for a short). */
  private updateTrail(st: ExitState): void {
    const bps = st.cfg.trailingBps;
    if (bps <= 0) return;
    const long = st.qty > 0;
    const lvl = snapToTick((st.extreme * (long ? 10_000 - bps : 10_000 + bps)) / 10_000, st.tick);
    if (Number.isNaN(st.trail) || (long ? lvl > st.trail : lvl < st.trail)) st.trail = lvl;
  }

  private misCutoff(ts: number, cfg: ExitConfig): number {
    // cached per IST day: positions open many times a day, the session does not change
    const day = Math.floor((ts + IST_OFFSET_MS_EXITS) / 86_400_000);
    if (day !== this.cutoffDay) {
      const s = this.calendar.session(ts) ?? this.calendar.currentOrNextSession(ts);
      this.cutoffDay = day;
      this.cutoffSquareOff = s.misSquareOff;
    }
    return this.cutoffSquareOff - cfg.squareOffBeforeMs;
  }
  private cutoffDay = NaN;
  private cutoffSquareOff = 0;
}
