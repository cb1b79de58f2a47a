/**
 * The risk engine: every order — derived from a strategy intent, typed by a person, or sent to exit —
 * gets a decision here before it can reach any broker.
 *
 * RULE ORDER (fixed; the first rule that fails decides, except REDUCE, which carries a smaller qty on
 * through the later rules):
 *
 *   1. kill_switch            BLOCK unless source 'killswitch' AND the order only reduces a position
 *   2. halted                 BLOCK unless the order only reduces a position
 *   3. max_daily_loss         profile limit → HALT_SESSION (trips the breaker); strategy override → BLOCK
 *   4. max_drawdown           same
 *   5. shape                  BLOCK: clientId, enums, qty positive integer, price/trigger present iff the
 *                             type uses them (positive integers), SL trigger on the right side of price
 *   6. unknown_instrument     BLOCK: no instrument, other exchange, or bad instrument data; product not
 *                             allowed for the instrument (CNC is cash equity only, NRML F&O only) → shape
 *   6b. holdings              BLOCK: a CNC (delivery) SELL of more than the account holds — delivery short
 *                             selling is not allowed (Kite refuses it for insufficient holdings)
 *   7. lot_size               BLOCK: qty not a multiple of lotSize (also catches value typed as qty)
 *   8. tick_size              BLOCK: price / trigger not a multiple of tickSizePaise
 *   9. market_hours           BLOCK: 'regular' outside the session, 'amo' inside it
 *  10. stale_data             BLOCK: no last price, or (regular orders) last tick older than staleAfterMs
 *  11. price_band             BLOCK: LIMIT/SL price or SL/SL-M trigger outside ±priceBandBps of the LTP
 *  12. max_qty                REDUCE / BLOCK (see below)
 *  13. max_order_value        REDUCE / BLOCK: qty × max(price, trigger, LTP)
 *  14. max_open_positions     BLOCK, only for an order in a symbol with no open position
 *  14b. max_exposure          BLOCK: gross exposure after the order (Σ |net| × last price of the account's
 *                             positions + the net notional of EXTERNAL positions at Kite, see
 *                             setExternalPositions) above maxGrossExposurePaise; the message says when
 *                             the external positions are what pushes it over
 *  15. max_trades_per_symbol  BLOCK
 *  16. symbol_loss            BLOCK: the symbol's day PnL ≤ −perSymbolMaxLossPaise
 *  17. margin                 REDUCE / BLOCK
 *  18. freeze_qty             above the freeze qty: ALLOW/REDUCE with `slices` (freeze 'split') or BLOCK;
 *                             BLOCK when more than MAX_FREEZE_SLICES (10) slices would be needed
 *  19. rate_per_second        BLOCK (account-wide counters over orders actually sent: recordSent());
 *                             not a reduce-only 'exit' / 'squareoff' / 'killswitch' order (they queue at
 *                             the live order pacer instead, docs/trading.md "Order pace"), but they count
 *  20. rate_per_minute        BLOCK (the same exemption)
 *  21. rate_per_day           BLOCK (the whole split must fit in today's budget)
 *
 * REDUCE vs BLOCK: max_qty, max_order_value and margin REDUCE to the largest whole-lot qty that fits,
 * but only for machine orders (source 'strategy', 'exit', 'squareoff', 'killswitch'). A person's order
 * (source 'manual') is BLOCKED instead: a fat finger (₹50,000 typed as 50,000 shares) must be retyped,
 * never silently resized. Every other rule BLOCKs. When nothing fits (largest lot multiple is 0) the
 * rule BLOCKs. A REDUCE names the last rule that cut the qty; its `numbers` hold `requestedQty`.
 *
 * REDUCE-ONLY orders — the order's side is opposite to the account's net position in the symbol and
 * qty ≤ |position| (account.positionQty(symbol)) — skip rules 2–4 and 14–17 (14b included) so a halted session can
 * always flatten. The source alone does not make an order reduce-only: an 'exit' that would open or
 * flip a position is a new position and is treated as one. Reduce-only MARKET orders also skip the
 * freshness part of stale_data (a kill switch must flatten when the feed is down); they still use the
 * last known price, if any, for max_order_value.
 *
 * PER-STRATEGY limits apply by `req.strategy`. The session circuit breaker always uses the profile
 * limits; a strategy's tighter loss/drawdown limits BLOCK that strategy's orders without halting.
 *
 * HALT / KILL SWITCH: a halt blocks new orders (reduce-only ones pass) until resume(by). A DAILY halt
 * (`haltUntil: 'day-end'`: the circuit breaker's daily-loss and drawdown trips, or halt(reason,
 * { until: 'day-end' })) also ends at the next trading day's roll. Any other halt (halt(reason): a
 * person, or the engine for a reason that is not about today's numbers) stays across day rolls and
 * restarts until a person resumes. The kill switch blocks everything but killswitch square-offs,
 * survives restarts and day rolls, and is cleared only by disengageKillSwitch(by). All of it persists
 * through the RiskStateStore; a stored halt without `haltUntil` (older versions) is daily when its
 * reason names the breaker (`max_daily_loss: …`, `max_drawdown: …`), else it stays until resumed.
 *
 * THE DAY comes from the trading-day service (core/trading-day.ts; the kernel passes the shared one,
 * otherwise the engine makes its own on its clock): the roll happens at 00:00 IST of each trading day,
 * weekends and holidays belong to the trading day before them, and every decision, evaluate() and
 * state() syncs with it first, so the ledger it reads (RiskAccountView: day PnL, day peak) has rolled
 * before a daily number is judged, and a daily halt of an earlier trading day ends then (lazily: the
 * engine subscribes to nothing, so one that is no longer read never writes). The rate_per_day counter
 * counts orders per IST date.
 *
 * PERFORMANCE: check() allocates nothing on ALLOW (a shared frozen decision) beyond the slices array
 * of a split; non-ALLOW decisions allocate the decision, its message and numbers. No zod here.
 */
import type { Clock } from '../core/clock.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { formatRupees } from '../core/money.js';
import { type TradingWindow, dayNumber, isoDayOf, nseCalendar } from '../core/nse-calendar.js';
import { TradingDay } from '../core/trading-day.js';
import { CLIENT_ID_RE, type OrderRequest, type TradableInstrument } from '../model/order.js';
import { type RiskConfig, type RiskLimits, resolveLimits } from './config.js';

/** Every rule, in evaluation order. */
export const RISK_RULES = [
  'kill_switch',
  'halted',
  'max_daily_loss',
  'max_drawdown',
  'shape',
  'unknown_instrument',
  'holdings',
  'lot_size',
  'tick_size',
  'market_hours',
  'stale_data',
  'price_band',
  'max_qty',
  'max_order_value',
  'max_open_positions',
  'max_exposure',
  'max_trades_per_symbol',
  'symbol_loss',
  'margin',
  'freeze_qty',
  'rate_per_second',
  'rate_per_minute',
  'rate_per_day',
] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** Rules that may REDUCE (machine orders only); all others BLOCK or HALT. */
export const REDUCING_RULES: readonly RiskRule[] = ['max_qty', 'max_order_value', 'margin'];

export interface RiskAccountView {
  dayStartEquityPaise(): number;
  equityPaise(): number;
  dayPeakEquityPaise(): number;
  dayPnlPaise(): number;
  openPositionCount(): number;
  /** Signed net quantity (units); without `strategy` the account's net position. */
  positionQty(symbol: string, strategy?: string): number;
  symbolDayPnlPaise(symbol: string): number;
  tradesToday(symbol: string): number;
  marginAvailablePaise(): number;
  marginRequiredPaise(req: OrderRequest, pricePaise: number): number;
  /** Σ over symbols |account net qty| × mark (the ledger's); without it the exposure cap counts 0 for the account. */
  grossExposurePaise?(): number;
}

/**
 * A position at the broker that the app did not make (live reconciliation's `external` kind): never
 * traded by strategies, never in the ledger, but counted in the gross exposure cap.
 */
export interface ExternalPosition {
  symbol: string;
  exchange: string;
  product: string;
  /** Signed net quantity at the broker. */
  qty: number;
  /** The broker's last price, paise (used when the feed has no price for the symbol). */
  lastPricePaise?: number;
}

export interface RiskMarketView {
  lastPricePaise(symbol: string): number | undefined;
  lastTickAt(symbol: string): number | undefined;
  instrument(symbol: string): TradableInstrument | undefined;
}

export interface RiskState {
  halted: boolean;
  haltReason?: string;
  haltedAt?: number;
  killSwitch: boolean;
  killReason?: string;
  killedAt?: number;
  /** The trading day (YYYY-MM-DD, IST) the halt was made on; a 'day-end' halt ends when a later trading day begins. */
  haltedDay?: string;
  /** 'day-end': ends at the next trading day's roll (the circuit breaker); 'resume': only a person lifts it. */
  haltUntil?: 'day-end' | 'resume';
  /** Who last resumed a halted session, and when. */
  resumedBy?: string;
  resumedAt?: number;
  /** Who last cleared the kill switch, and when. */
  killClearedBy?: string;
  killClearedAt?: number;
}

export interface RiskStateStore {
  load(): RiskState | undefined;
  save(s: RiskState): void;
}

export type RiskDecision =
  | { action: 'ALLOW'; slices?: number[] /* freeze split */ }
  | { action: 'REDUCE'; qty: number; slices?: number[]; rule: RiskRule; message: string; numbers: Record<string, number> }
  | { action: 'BLOCK'; rule: RiskRule; message: string; numbers: Record<string, number> }
  | { action: 'HALT_SESSION'; rule: RiskRule; message: string; numbers: Record<string, number> };

export type HaltDecision = Extract<RiskDecision, { action: 'HALT_SESSION' }>;
export type ReduceDecision = Extract<RiskDecision, { action: 'REDUCE' }>;

/**
 * Called for every decision: from check() with the request, from evaluate() (a breaker trip without an
 * order) with `req` undefined. `at` is the clock time. Use {@link decisionRecord} to journal it.
 * Listeners run synchronously inside check(): keep them cheap (push to a queue).
 */
export type RiskDecisionListener = (decision: RiskDecision, req: OrderRequest | undefined, at: number) => void;
export type RiskStateListener = (state: Readonly<RiskState>) => void;

export interface RiskEngineOptions {
  config: RiskConfig;
  account: RiskAccountView;
  market: RiskMarketView;
  clock: Clock;
  state?: RiskStateStore;
  /** The trading-day service (the day roll). Default: one of its own on `clock` and the NSE calendar. */
  tradingDay?: TradingDay;
  /** Default: the NSE calendar (continuous trading, holidays and special sessions included). */
  isMarketOpen?: (ms: number) => boolean;
  /** Listener or state-store failures (they never fail a decision). Default console.error. */
  onError?: (err: unknown, where: string) => void;
}

const ALLOW: RiskDecision = Object.freeze({ action: 'ALLOW' as const });

const DAY_MS = 86_400_000;
const istDayNum = (ms: number): number => Math.floor((ms + IST_OFFSET_MS) / DAY_MS);

const EXCHANGES = new Set(['NSE', 'BSE', 'NFO', 'BFO']);
const SOURCES = new Set(['strategy', 'manual', 'exit', 'squareoff', 'killswitch']);
const PRODUCTS = new Set(['CNC', 'MIS', 'NRML']);

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const rs = (p: number): string => (Number.isSafeInteger(p) ? `₹${formatRupees(p)}` : String(p));
const BIG_SAFE = Number.MAX_SAFE_INTEGER;

/** Sign of a × 10000 − base × bps, exactly (BigInt only when a product leaves the safe range). */
function cmpBps(a: number, base: number, bps: number): number {
  const l = a * 10_000;
  const r = base * bps;
  if ((Math.abs(l) <= BIG_SAFE && Math.abs(r) <= BIG_SAFE) || !Number.isSafeInteger(a) || !Number.isSafeInteger(base)) return l === r ? 0 : l > r ? 1 : -1;
  const d = BigInt(a) * 10_000n - BigInt(base) * BigInt(bps);
  return d === 0n ? 0 : d > 0n ? 1 : -1;
}

/** Shows a field value in a message whatever its type. */
function show(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

/** floor(a / b) for positive safe integers with a + b ≤ 2^53, exactly. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q > 0 && q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/** At most this many freeze slices per order: Kite's autoslice limit (kite.trade "Autoslice": up to 10 slices). */
export const MAX_FREEZE_SLICES = 10;

/** `lots` whole lots spread over `n` slices as evenly as possible, each ≤ ceil(lots / n) lots. */
function splitLots(qty: number, lot: number, maxSlice: number): number[] {
  const lots = qty / lot;
  const n = Math.ceil(qty / maxSlice);
  const per = Math.floor(lots / n);
  const extra = lots - per * n;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = (i < extra ? per + 1 : per) * lot;
  return out;
}

/**
 * One decision, flat, as journalled and streamed (the contract's RiskDecisionDto without its journal
 * id). A breaker trip from evaluate() has no order: its order fields are '' and qty 0.
 */
export interface RiskDecisionRecord {
  ts: number;
  clientId: string;
  symbol: string;
  side: string;
  qty: number;
  strategy: string;
  source: string;
  action: RiskDecision['action'];
  rule?: RiskRule;
  message?: string;
  /** REDUCE: the quantity allowed. */
  reducedQty?: number;
  /** Freeze split: the slice quantities. */
  slices?: number[];
  numbers: Record<string, number>;
}

/** Flattens a decision and its request for the journal and the UI stream. */
export function decisionRecord(decision: RiskDecision, req: OrderRequest | undefined, ts: number): RiskDecisionRecord {
  const r: RiskDecisionRecord = {
    ts,
    clientId: req ? show2(req.clientId) : '',
    symbol: req ? show2(req.symbol) : '',
    side: req ? show2(req.side) : '',
    qty: req ? num(req.qty) : 0,
    strategy: req ? show2(req.strategy) : '',
    source: req ? show2(req.source) : '',
    action: decision.action,
    numbers: decision.action === 'ALLOW' ? {} : { ...decision.numbers },
  };
  if (decision.action !== 'ALLOW') {
    r.rule = decision.rule;
    r.message = decision.message;
  }
  if (decision.action === 'REDUCE') r.reducedQty = decision.qty;
  if ((decision.action === 'ALLOW' || decision.action === 'REDUCE') && decision.slices) r.slices = [...decision.slices];
  return r;
}

/** Halt / kill-switch state with the numbers a status view shows (the contract's RiskStatus). */
export interface RiskStatusView extends RiskState {
  dayPnlPaise: number;
  /** The day PnL at which the breaker trips (negative). */
  dailyLossLimitPaise: number;
  /** Fall from the day's peak equity (≥ 0). */
  drawdownPaise: number;
  /** The fall at which the breaker trips (> 0). */
  drawdownLimitPaise: number;
  openPositions: number;
  maxOpenPositions: number;
  /** Σ |net| × mark of the account's positions (0 without the account's figure). */
  grossExposurePaise: number;
  /** The net notional of the external positions at the broker (setExternalPositions). */
  externalExposurePaise: number;
  /** The profile's gross exposure cap (undefined: none). */
  maxGrossExposurePaise: number | undefined;
}

const show2 = (v: unknown): string => (typeof v === 'string' ? v : String(v));

/** Non-waiting order counter over a rolling window: the last `cap` send times in a ring. */
class WindowCounter {
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;
  constructor(
    readonly cap: number,
    readonly windowMs: number,
  ) {
    this.ring = new Float64Array(cap);
  }
  record(ts: number): void {
    this.ring[this.head] = ts;
    this.head = (this.head + 1) % this.cap;
    if (this.filled < this.cap) this.filled++;
  }
  /** 0 when another order may be sent at `now`, else ms until the oldest counted send leaves the window. */
  waitMs(now: number): number {
    if (this.filled < this.cap) return 0;
    const oldest = this.ring[this.head]!; // when full, head points at the oldest entry
    const wait = oldest + this.windowMs - now;
    return wait > 0 ? wait : 0;
  }
  /** Sends inside the window ending at `now`. */
  used(now: number): number {
    let n = 0;
    for (let i = 0; i < this.filled; i++) if (this.ring[i]! > now - this.windowMs) n++;
    return n;
  }
}

export class RiskEngine {
  private readonly config: RiskConfig;
  private readonly account: RiskAccountView;
  private readonly market: RiskMarketView;
  private readonly clock: Clock;
  private readonly days: TradingDay;
  private readonly store: RiskStateStore | undefined;
  private readonly isOpen: (ms: number) => boolean;
  private readonly onError: (err: unknown, where: string) => void;
  private readonly profile: RiskLimits;
  private readonly byStrategy = new Map<string, RiskLimits>();
  private readonly perSecond: WindowCounter;
  private readonly perMinute: WindowCounter;
  private dayNum = -1;
  private dayCount = 0;
  private st: RiskState;
  /** IST day number of st.haltedDay for a 'day-end' halt (NaN when not halted, or halted until resumed). */
  private haltedDayNum = NaN;
  private readonly decisionListeners: RiskDecisionListener[] = [];
  private readonly stateListeners: RiskStateListener[] = [];
  /** Reused request for margin re-quotes at a reduced qty (no allocation per REDUCE step). */
  private readonly scratch = {} as OrderRequest;
  private sessDay = NaN;
  private sessWindows: readonly TradingWindow[] = [];
  private external: readonly ExternalPosition[] = [];

  constructor(opts: RiskEngineOptions) {
    this.config = opts.config;
    this.account = opts.account;
    this.market = opts.market;
    this.clock = opts.clock;
    this.days = opts.tradingDay ?? new TradingDay({ clock: opts.clock });
    this.store = opts.state;
    this.onError = opts.onError ?? ((err, where) => console.error(`risk: ${where}:`, err));
    this.isOpen = opts.isMarketOpen ?? ((ms) => this.calendarOpen(ms));
    this.profile = resolveLimits(this.config);
    for (const [id, o] of Object.entries(this.config.strategies ?? {})) this.byStrategy.set(id, resolveLimits(this.config, o));
    this.perSecond = new WindowCounter(this.config.rate.perSecond, 1000);
    this.perMinute = new WindowCounter(this.config.rate.perMinute, 60_000);
    this.st = { halted: false, killSwitch: false };
    let loaded: RiskState | undefined;
    try {
      loaded = this.store?.load();
    } catch (err) {
      // An unreadable state could hide an engaged kill switch: fail safe.
      this.onError(err, 'state load failed; engaging the kill switch');
      loaded = { halted: false, killSwitch: true, killReason: 'risk state could not be loaded', killedAt: this.clock.now() };
    }
    if (loaded) {
      this.st = { ...loaded, halted: loaded.halted === true, killSwitch: loaded.killSwitch === true };
      if (this.st.halted) {
        const until = loaded.haltUntil === 'day-end' || loaded.haltUntil === 'resume' ? loaded.haltUntil : legacyHaltUntil(loaded.haltReason);
        this.st.haltUntil = until;
        if (until === 'day-end') this.haltedDayNum = this.haltDayNumOf(this.st);
      }
    }
    // a daily halt from an earlier trading day (a restart) ends now
    this.syncDay(this.clock.now());
  }

  /**
   * The positions at the broker the app did not make (live reconciliation, every round): replaces the
   * previous list. Counted in max_exposure at the feed's last price (else the broker's).
   */
  setExternalPositions(list: readonly ExternalPosition[]): void {
    this.external = list.filter((p) => Number.isSafeInteger(p.qty) && p.qty !== 0).map((p) => ({ ...p }));
  }

  externalPositions(): readonly ExternalPosition[] {
    return this.external;
  }

  /** Σ |qty| × price of the external positions, paise (feed price first, else the broker's; 0 when neither). */
  externalExposurePaise(): number {
    let e = 0;
    for (const p of this.external) {
      const ltp = this.market.lastPricePaise(p.symbol);
      const px = isPosInt(ltp) ? ltp : isPosInt(p.lastPricePaise) ? p.lastPricePaise : 0;
      e += Math.abs(p.qty) * px;
    }
    return e;
  }

  /** The limits in force for a strategy instance id. */
  limitsFor(strategy: string): Readonly<RiskLimits> {
    return this.byStrategy.get(strategy) ?? this.profile;
  }

  /** A copy of the halt / kill-switch state (after syncing with the trading day). */
  state(): Readonly<RiskState> {
    this.syncDay(this.clock.now());
    return { ...this.st };
  }

  /** state() plus the profile's loss / drawdown / positions numbers, for status views. */
  status(): RiskStatusView {
    const st = this.state();
    const lim = this.profile;
    const start = this.account.dayStartEquityPaise();
    const base = start > 0 ? start : lim.capitalPaise;
    let lossLimit = Math.ceil((base * lim.maxDailyLossBps) / 10_000);
    if (lim.maxDailyLossPaise !== undefined && lim.maxDailyLossPaise < lossLimit) lossLimit = lim.maxDailyLossPaise;
    const peak = this.account.dayPeakEquityPaise();
    const dd = peak - this.account.equityPaise();
    return {
      ...st,
      dayPnlPaise: this.account.dayPnlPaise(),
      dailyLossLimitPaise: -lossLimit,
      drawdownPaise: dd > 0 ? dd : 0,
      drawdownLimitPaise: peak > 0 ? Math.ceil((peak * lim.maxDrawdownBps) / 10_000) : 0,
      openPositions: this.account.openPositionCount(),
      maxOpenPositions: lim.maxOpenPositions,
      grossExposurePaise: this.account.grossExposurePaise?.() ?? 0,
      externalExposurePaise: this.externalExposurePaise(),
      maxGrossExposurePaise: lim.maxGrossExposurePaise,
    };
  }

  onDecision(listener: RiskDecisionListener): () => void {
    this.decisionListeners.push(listener);
    return () => {
      const i = this.decisionListeners.indexOf(listener);
      if (i >= 0) this.decisionListeners.splice(i, 1);
    };
  }

  onStateChange(listener: RiskStateListener): () => void {
    this.stateListeners.push(listener);
    return () => {
      const i = this.stateListeners.indexOf(listener);
      if (i >= 0) this.stateListeners.splice(i, 1);
    };
  }

  /** Count `count` orders sent to the broker at `ts` (call after an order — or each slice — is submitted). */
  recordSent(ts: number = this.clock.now(), count = 1): void {
    if (!Number.isFinite(ts) || !Number.isSafeInteger(count) || count < 1) throw new RangeError(`recordSent: need a finite ts and a positive integer count, got ${ts}, ${count}`);
    for (let i = 0; i < count; i++) {
      this.perSecond.record(ts);
      this.perMinute.record(ts);
    }
    const d = istDayNum(ts);
    if (d !== this.dayNum) {
      if (d < this.dayNum) return; // a late record from yesterday does not reset today's count
      this.dayNum = d;
      this.dayCount = 0;
    }
    this.dayCount += count;
  }

  /** Orders counted by the rate caps at the clock's now. */
  rateUsage(): { lastSecond: number; lastMinute: number; today: number } {
    const now = this.clock.now();
    return { lastSecond: this.perSecond.used(now), lastMinute: this.perMinute.used(now), today: istDayNum(now) === this.dayNum ? this.dayCount : 0 };
  }

  /**
   * Halts the session (blocks all but position-reducing orders). By default until a person resumes,
   * across day rolls and restarts; `until: 'day-end'` also ends it at the next trading day's roll.
   */
  halt(reason: string, opts: { until?: 'day-end' | 'resume' } = {}): void {
    const now = this.clock.now();
    this.syncDay(now);
    this.trip(reason, now, opts.until ?? 'resume');
  }

  /** Clears a halt. `by` names the person. If a loss limit is still breached the next order or evaluate() trips again. */
  resume(by: string): void {
    if (typeof by !== 'string' || by.trim() === '') throw new RangeError('resume: `by` must name the person resuming');
    const now = this.clock.now();
    this.st = { killSwitch: this.st.killSwitch, ...this.killFields(), halted: false, resumedBy: by, resumedAt: now };
    this.haltedDayNum = NaN;
    this.changed();
  }

  /** Engages the kill switch: only killswitch square-offs pass until a person disengages it. Survives restarts and day rolls. */
  engageKillSwitch(reason: string): void {
    this.st = { ...this.st, killSwitch: true, killReason: reason, killedAt: this.clock.now() };
    delete this.st.killClearedBy;
    delete this.st.killClearedAt;
    this.changed();
  }

  disengageKillSwitch(by: string): void {
    if (typeof by !== 'string' || by.trim() === '') throw new RangeError('disengageKillSwitch: `by` must name the person');
    const s: RiskState = { ...this.st, killSwitch: false, killClearedBy: by, killClearedAt: this.clock.now() };
    delete s.killReason;
    delete s.killedAt;
    this.st = s;
    this.changed();
  }

  /**
   * Checks the session circuit breaker (profile daily loss and drawdown) without an order — call it on
   * every mark/PnL update. Returns the HALT decision when it trips now, else undefined.
   */
  evaluate(): HaltDecision | undefined {
    const now = this.clock.now();
    this.syncDay(now);
    if (this.st.halted) return undefined;
    const d = this.breaker(this.profile, true, now);
    if (d) this.emit(d, undefined, now);
    return d as HaltDecision | undefined;
  }

  /** Alias of evaluate() for mark-to-market callers. */
  onMark(): HaltDecision | undefined {
    return this.evaluate();
  }

  /** The decision for one order. See the rule order at the top of this file. */
  check(req: OrderRequest): RiskDecision {
    const now = this.clock.now();
    const d = this.decide(req, now);
    if (this.decisionListeners.length > 0) this.emit(d, req, now);
    return d;
  }

  // ---------------------------------------------------------------------------------------------

  private decide(req: OrderRequest, now: number): RiskDecision {
    const symbol = req.symbol;
    const symOk = typeof symbol === 'string' && symbol.length > 0;
    const qty = req.qty;
    const posRaw = symOk ? this.account.positionQty(symbol) : 0;
    const pos = Number.isFinite(posRaw) ? posRaw : 0;
    const reduceOnly =
      isPosInt(qty) && ((req.side === 'SELL' && pos > 0 && qty <= pos) || (req.side === 'BUY' && pos < 0 && qty <= -pos));
    const manual = req.source === 'manual';
    const lim = this.byStrategy.get(req.strategy) ?? this.profile;
    // the day first: a daily halt of an earlier day ends, and the account's day numbers have rolled
    this.syncDay(now);

    // 1–2. kill switch, halt
    if (this.st.killSwitch && !(req.source === 'killswitch' && reduceOnly)) {
      return block('kill_switch', `kill switch engaged${this.st.killReason ? ` (${this.st.killReason})` : ''}: only killswitch square-offs that reduce a position pass`, {
        positionQty: num(pos),
        qty: num(qty),
        killedAt: this.st.killedAt ?? NaN,
      });
    }
    if (this.st.halted && !reduceOnly) {
      return block('halted', `session halted${this.st.haltReason ? ` (${this.st.haltReason})` : ''}: only orders that reduce a position pass until resumed`, {
        positionQty: num(pos),
        qty: num(qty),
        haltedAt: this.st.haltedAt ?? NaN,
      });
    }

    // 3–4. daily loss, drawdown
    if (!reduceOnly) {
      const b = this.breaker(this.profile, true, now) ?? (lim !== this.profile ? this.breaker(lim, false, now) : undefined);
      if (b) return b;
    }

    // 5. shape
    const shape = this.shapeError(req);
    if (shape) return shape;
    const q0 = qty;
    const price = req.pricePaise;
    const trigger = req.triggerPaise;
    const type = req.orderType;

    // 6. instrument
    const inst = this.market.instrument(symbol);
    if (!inst) return block('unknown_instrument', `unknown instrument ${symbol}`, { qty: q0 });
    if (inst.exchange !== req.exchange) {
      return block('unknown_instrument', `${symbol} trades on ${inst.exchange}, not ${req.exchange}`, { qty: q0 });
    }
    const lot = inst.lotSize;
    const tick = inst.tickSizePaise;
    const freezeQty = inst.freezeQty;
    if (!isPosInt(lot) || !isPosInt(tick) || (freezeQty !== undefined && !isPosInt(freezeQty))) {
      return block('unknown_instrument', `instrument data for ${symbol} is invalid (lotSize ${lot}, tickSizePaise ${tick}, freezeQty ${freezeQty})`, {
        lotSize: num(lot),
        tickSizePaise: num(tick),
        freezeQty: freezeQty === undefined ? NaN : num(freezeQty),
      });
    }

    // product: CNC is delivery of cash equity; NRML is for F&O (Kite refuses the other pairings)
    if ((req.product === 'CNC' && inst.kind !== 'equity') || (req.product === 'NRML' && inst.kind === 'equity')) {
      return block('shape', `product ${req.product} is not allowed for ${symbol} (a ${inst.kind}): use ${inst.kind === 'equity' ? 'CNC or MIS' : 'NRML or MIS'}`, { qty: q0 });
    }

    // 6b. delivery sells need holdings
    if (req.product === 'CNC' && req.side === 'SELL') {
      const held = this.account.positionQty(symbol);
      if (q0 > (held > 0 ? held : 0)) {
        return block('holdings', `CNC sell of ${q0} ${symbol} but only ${held > 0 ? held : 0} held: delivery short selling is not allowed (use MIS for an intraday short)`, {
          qty: q0,
          held: held > 0 ? held : 0,
        });
      }
    }

    // 7. lot size
    if (q0 % lot !== 0) {
      return block(
        'lot_size',
        lot > 1
          ? `qty ${q0} is not a whole number of lots of ${lot} (quantity is in units: ${Math.floor(q0 / lot)} lots = ${Math.floor(q0 / lot) * lot})`
          : `qty ${q0} is not a multiple of the lot size ${lot}`,
        { qty: q0, lotSize: lot },
      );
    }

    // 8. tick size
    if (price !== undefined && price % tick !== 0) {
      return block('tick_size', `price ${rs(price)} is not a multiple of the tick ${rs(tick)}`, { pricePaise: price, tickSizePaise: tick });
    }
    if (trigger !== undefined && trigger % tick !== 0) {
      return block('tick_size', `trigger ${rs(trigger)} is not a multiple of the tick ${rs(tick)}`, { triggerPaise: trigger, tickSizePaise: tick });
    }

    // 9. market hours
    const amo = req.variety === 'amo';
    if (lim.marketHours) {
      const open = this.isOpen(now);
      if (!amo && !open) return block('market_hours', `market closed: a regular order cannot be placed now (use variety 'amo')`, { now, open: 0 });
      if (amo && open) return block('market_hours', `market open: an AMO order can only be placed outside the session`, { now, open: 1 });
    }

    // 10. stale data
    const ltpRaw = this.market.lastPricePaise(symbol);
    const ltp = isPosInt(ltpRaw) ? ltpRaw : undefined;
    const exitMarket = reduceOnly && type === 'MARKET';
    if (ltp === undefined) {
      if (!exitMarket) return block('stale_data', `no last price for ${symbol}`, { lastPricePaise: num(ltpRaw) });
    } else if (!amo && !exitMarket) {
      const at = this.market.lastTickAt(symbol);
      const age = at === undefined || !Number.isFinite(at) ? Infinity : now - at;
      if (age > lim.staleAfterMs) {
        return block('stale_data', `last tick for ${symbol} is ${age === Infinity ? 'missing' : `${age} ms old`} (limit ${lim.staleAfterMs} ms)`, {
          ageMs: age,
          staleAfterMs: lim.staleAfterMs,
          lastTickAt: at === undefined ? NaN : num(at),
          now,
        });
      }
    }

    // 11. price band
    if (ltp !== undefined) {
      if (price !== undefined && cmpBps(Math.abs(price - ltp), ltp, lim.priceBandBps) > 0) {
        return this.bandBlock('price', price, ltp, lim.priceBandBps);
      }
      if (trigger !== undefined && cmpBps(Math.abs(trigger - ltp), ltp, lim.priceBandBps) > 0) {
        return this.bandBlock('trigger', trigger, ltp, lim.priceBandBps);
      }
    }

    // 12–13. max qty, max order value (REDUCE for machine orders)
    let q = q0;
    let reduced: ReduceDecision | undefined;
    if (q > lim.maxQty) {
      const fit = Math.floor(lim.maxQty / lot) * lot;
      if (manual || fit === 0) {
        return block('max_qty', `qty ${q} is above the maximum ${lim.maxQty} per order${lot > 1 ? ` (lot ${lot})` : ''}`, { qty: q, maxQty: lim.maxQty, lotSize: lot });
      }
      reduced = { action: 'REDUCE', qty: fit, rule: 'max_qty', message: `qty ${q} cut to ${fit}: maximum ${lim.maxQty} per order`, numbers: { requestedQty: q0, qty: fit, maxQty: lim.maxQty, lotSize: lot } };
      q = fit;
    }
    let ref = ltp ?? 0;
    if (price !== undefined && price > ref) ref = price;
    if (trigger !== undefined && trigger > ref) ref = trigger;
    if (ref > 0) {
      const maxByValue = floorDiv(lim.maxOrderValuePaise, ref);
      if (q > maxByValue) {
        const fit = Math.floor(maxByValue / lot) * lot;
        const numbers = { requestedQty: q0, qty: q, valuePaise: q * ref, refPricePaise: ref, maxOrderValuePaise: lim.maxOrderValuePaise, lotSize: lot };
        if (manual || fit === 0) {
          return block('max_order_value', `order value ${rs(q * ref)} (${q} × ${rs(ref)}) is above the maximum ${rs(lim.maxOrderValuePaise)}`, numbers);
        }
        numbers.qty = fit;
        reduced = { action: 'REDUCE', qty: fit, rule: 'max_order_value', message: `qty ${q} cut to ${fit}: value ${rs(q * ref)} is above the maximum ${rs(lim.maxOrderValuePaise)}`, numbers };
        q = fit;
      }
    }

    if (!reduceOnly) {
      // 14. open positions (only an order that would open a position)
      if (pos === 0) {
        const open = this.account.openPositionCount();
        if (open >= lim.maxOpenPositions) {
          return block('max_open_positions', `${open} positions open (maximum ${lim.maxOpenPositions}): no new position in ${symbol}`, {
            openPositions: open,
            maxOpenPositions: lim.maxOpenPositions,
          });
        }
      }
      // 14b. gross exposure, external positions at the broker included
      if (lim.maxGrossExposurePaise !== undefined) {
        const x = this.exposureBlock(lim.maxGrossExposurePaise, symbol, req.side, q, pos, ltp, ref);
        if (x) return x;
      }
      // 15. trades per symbol
      const trades = this.account.tradesToday(symbol);
      if (trades >= lim.maxTradesPerSymbolPerDay) {
        return block('max_trades_per_symbol', `${trades} trades in ${symbol} today (maximum ${lim.maxTradesPerSymbolPerDay})`, {
          tradesToday: trades,
          maxTradesPerSymbolPerDay: lim.maxTradesPerSymbolPerDay,
        });
      }
      // 16. symbol loss
      if (lim.perSymbolMaxLossPaise !== undefined) {
        const spnl = this.account.symbolDayPnlPaise(symbol);
        if (spnl <= -lim.perSymbolMaxLossPaise) {
          return block('symbol_loss', `${symbol} lost ${rs(-spnl)} today (limit ${rs(lim.perSymbolMaxLossPaise)}): only orders that reduce the position pass`, {
            symbolDayPnlPaise: spnl,
            perSymbolMaxLossPaise: lim.perSymbolMaxLossPaise,
          });
        }
      }
      // 17. margin
      if (lim.checkMargin) {
        const avail = this.account.marginAvailablePaise();
        const need = this.requiredAt(req, q, ref);
        if (!(need <= avail)) {
          const m = this.marginReduce(req, q, ref, lot, manual, avail, need);
          if (m.action !== 'REDUCE') return m;
          reduced = m;
          q = m.qty;
        }
      }
    }

    // 18. freeze qty
    let slices: number[] | undefined;
    if (freezeQty !== undefined && q > freezeQty) {
      const maxSlice = Math.floor(freezeQty / lot) * lot;
      if (lim.freeze === 'block' || maxSlice === 0) {
        return block(
          'freeze_qty',
          maxSlice === 0
            ? `freeze qty ${freezeQty} is smaller than one lot of ${lot}`
            : `qty ${q} is above the exchange freeze qty ${freezeQty} (freeze: 'block')`,
          { qty: q, freezeQty, lotSize: lot },
        );
      }
      if (Math.ceil(q / maxSlice) > MAX_FREEZE_SLICES) {
        // Kite's autoslice sends at most 10 slices of one order (a larger order is refused there)
        return block(
          'freeze_qty',
          `qty ${q} needs ${Math.ceil(q / maxSlice)} slices of at most ${maxSlice} (freeze qty ${freezeQty}); at most ${MAX_FREEZE_SLICES} slices per order, i.e. ${MAX_FREEZE_SLICES * maxSlice}`,
          { qty: q, freezeQty, lotSize: lot, maxSlices: MAX_FREEZE_SLICES },
        );
      }
      slices = splitLots(q, lot, maxSlice);
    }

    // 19–21. rate caps (orders actually sent); a flatten of many positions is not cut at the per-second/minute caps
    const exiting = reduceOnly && (req.source === 'exit' || req.source === 'squareoff' || req.source === 'killswitch');
    const w1 = exiting ? 0 : this.perSecond.waitMs(now);
    if (w1 > 0) {
      return block('rate_per_second', `${this.perSecond.cap} orders sent in the last second (cap ${this.perSecond.cap}/s); retry in ${w1} ms`, {
        perSecond: this.perSecond.cap,
        retryInMs: w1,
      });
    }
    const w2 = exiting ? 0 : this.perMinute.waitMs(now);
    if (w2 > 0) {
      return block('rate_per_minute', `${this.perMinute.cap} orders sent in the last minute (cap ${this.perMinute.cap}/min); retry in ${w2} ms`, {
        perMinute: this.perMinute.cap,
        retryInMs: w2,
      });
    }
    const today = istDayNum(now) === this.dayNum ? this.dayCount : 0;
    const need = slices ? slices.length : 1;
    if (today + need > this.config.rate.perDay) {
      return block('rate_per_day', `${today} orders sent today; ${need} more would pass the cap of ${this.config.rate.perDay}/day`, {
        sentToday: today,
        ordersNeeded: need,
        perDay: this.config.rate.perDay,
      });
    }

    if (reduced) {
      if (slices) reduced.slices = slices;
      return reduced;
    }
    return slices ? { action: 'ALLOW', slices } : ALLOW;
  }

  private shapeError(req: OrderRequest): RiskDecision | undefined {
    const { qty, pricePaise: price, triggerPaise: trigger, orderType: type } = req;
    if (typeof req.clientId !== 'string' || !CLIENT_ID_RE.test(req.clientId)) {
      return block('shape', `clientId ${show(req.clientId)} must be 1–20 letters or digits`, { clientIdLength: typeof req.clientId === 'string' ? req.clientId.length : NaN });
    }
    if (typeof req.symbol !== 'string' || req.symbol.length === 0) return block('shape', 'symbol is missing', {});
    if (!EXCHANGES.has(req.exchange)) return block('shape', `exchange ${show(req.exchange)} is not NSE, BSE, NFO or BFO`, {});
    if (req.side !== 'BUY' && req.side !== 'SELL') return block('shape', `side ${show(req.side)} is not BUY or SELL`, {});
    if (type !== 'MARKET' && type !== 'LIMIT' && type !== 'SL' && type !== 'SL-M') {
      return block('shape', `orderType ${show(type)} is not MARKET, LIMIT, SL or SL-M`, {});
    }
    if (!PRODUCTS.has(req.product)) return block('shape', `product ${show(req.product)} is not CNC, MIS or NRML`, {});
    if (req.validity !== 'DAY' && req.validity !== 'IOC') return block('shape', `validity ${show(req.validity)} is not DAY or IOC`, {});
    if (req.variety !== 'regular' && req.variety !== 'amo') return block('shape', `variety ${show(req.variety)} is not regular or amo`, {});
    if (!SOURCES.has(req.source)) return block('shape', `source ${show(req.source)} is not a known order source`, {});
    if (typeof req.strategy !== 'string' || req.strategy.length === 0) return block('shape', 'strategy is missing', {});
    if (!isPosInt(qty)) return block('shape', `qty ${String(qty)} must be a positive integer`, { qty: num(qty) });
    const needsPrice = type === 'LIMIT' || type === 'SL';
    const needsTrigger = type === 'SL' || type === 'SL-M';
    if (needsPrice ? !isPosInt(price) : price !== undefined) {
      return block('shape', needsPrice ? `${type} order needs pricePaise as a positive integer, got ${String(price)}` : `${type} order must not carry pricePaise (got ${String(price)})`, {
        pricePaise: num(price),
      });
    }
    if (needsTrigger ? !isPosInt(trigger) : trigger !== undefined) {
      return block(
        'shape',
        needsTrigger ? `${type} order needs triggerPaise as a positive integer, got ${String(trigger)}` : `${type} order must not carry triggerPaise (got ${String(trigger)})`,
        { triggerPaise: num(trigger) },
      );
    }
    if (type === 'SL') {
      const p = price as number;
      const t = trigger as number;
      if (req.side === 'BUY' ? t > p : t < p) {
        return block('shape', `SL ${req.side}: trigger ${rs(t)} must be ${req.side === 'BUY' ? 'at or below' : 'at or above'} the price ${rs(p)}`, { pricePaise: p, triggerPaise: t });
      }
    }
    return undefined;
  }

  /** max_exposure: the account's gross exposure after the order plus the external positions, against the cap. */
  private exposureBlock(cap: number, symbol: string, side: OrderRequest['side'], q: number, pos: number, ltp: number | undefined, ref: number): RiskDecision | undefined {
    const gRaw = this.account.grossExposurePaise?.() ?? 0;
    const gross = Number.isFinite(gRaw) && gRaw > 0 ? gRaw : 0;
    const after = pos + (side === 'BUY' ? q : -q);
    const mark = ltp ?? ref;
    const ours = Math.max(0, gross - Math.abs(pos) * mark) + Math.abs(after) * (ref > 0 ? ref : mark);
    const ext = this.externalExposurePaise();
    if (ours + ext <= cap) return undefined;
    const numbers = { grossExposurePaise: gross, afterOrderPaise: ours, externalExposurePaise: ext, totalPaise: ours + ext, maxGrossExposurePaise: cap, qty: q };
    if (ext > 0 && ours <= cap) {
      const names = this.external.slice(0, 5).map((p) => `${p.exchange}:${p.symbol} ${p.product} ${p.qty}`).join(', ');
      return block(
        'max_exposure',
        `gross exposure after this order would be ${rs(ours + ext)} (ours ${rs(ours)} + ${rs(ext)} of external positions at Kite not placed by the app: ${names}${this.external.length > 5 ? ', …' : ''}), above the maximum ${rs(cap)}: blocked because of the external positions`,
        numbers,
      );
    }
    return block(
      'max_exposure',
      `gross exposure after this order would be ${rs(ours + ext)} (ours ${rs(ours)}${ext > 0 ? ` + ${rs(ext)} external at Kite` : ''}), above the maximum ${rs(cap)}: no more exposure in ${symbol}`,
      numbers,
    );
  }

  private bandBlock(what: 'price' | 'trigger', p: number, ltp: number, bandBps: number): RiskDecision {
    const width = Math.floor((ltp * bandBps) / 10_000);
    return block('price_band', `${what} ${rs(p)} is outside ±${bandBps / 100} % of the last price ${rs(ltp)} (${rs(ltp - width)}–${rs(ltp + width)})`, {
      [`${what}Paise`]: p,
      lastPricePaise: ltp,
      bandBps,
      lowPaise: ltp - width,
      highPaise: ltp + width,
    });
  }

  /** The largest whole-lot qty below `q` whose margin fits (machine orders), else a margin BLOCK. */
  private marginReduce(req: OrderRequest, q: number, ref: number, lot: number, manual: boolean, avail: number, need0: number): RiskDecision {
    const numbers: Record<string, number> = { requestedQty: num(req.qty), qty: q, marginRequiredPaise: need0, marginAvailablePaise: avail, lotSize: lot };
    const blockIt = () => block('margin', `margin required ${rs(need0)} for ${q} is above the available ${rs(avail)}`, numbers);
    if (manual || !(avail > 0) || !Number.isFinite(need0)) return blockIt();
    const fits = (n: number) => n <= avail; // NaN never fits
    // In lots: `hi` does not fit, `lo` fits (0 = nothing). Margin is assumed to grow with qty.
    let hi = q / lot;
    let lo = 0;
    let loNeed = 0;
    let cand = q;
    let need = need0;
    // proportional guesses first (exact for a margin proportional to qty), then bisection
    for (let i = 0; i < 8; i++) {
      let g = Math.floor(Math.floor(cand * (avail / need)) / lot);
      if (!(g < hi)) g = hi - 1;
      if (!(g > lo)) break;
      const n = this.requiredAt(req, g * lot, ref);
      if (fits(n)) {
        lo = g;
        loNeed = n;
        break;
      }
      hi = g;
      cand = g * lot;
      need = n;
      if (!Number.isFinite(n) || n <= 0) break;
    }
    if (lo > 0 && lo + 1 < hi) {
      const n = this.requiredAt(req, (lo + 1) * lot, ref);
      if (fits(n)) {
        lo++;
        loNeed = n;
      } else hi = lo + 1;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const n = this.requiredAt(req, mid * lot, ref);
      if (fits(n)) {
        lo = mid;
        loNeed = n;
      } else hi = mid;
    }
    if (lo === 0) return blockIt();
    const reducedQty = lo * lot;
    numbers.qty = reducedQty;
    numbers.reducedMarginRequiredPaise = loNeed;
    return { action: 'REDUCE', qty: reducedQty, rule: 'margin', message: `qty ${q} cut to ${reducedQty}: margin required ${rs(need0)} is above the available ${rs(avail)}`, numbers };
  }

  private requiredAt(req: OrderRequest, qty: number, ref: number): number {
    if (qty === req.qty) return this.account.marginRequiredPaise(req, ref);
    Object.assign(this.scratch, req);
    this.scratch.qty = qty;
    return this.account.marginRequiredPaise(this.scratch, ref);
  }

  /**
   * Daily loss / drawdown against `lim`. With `session` a breach trips the circuit breaker and returns
   * HALT_SESSION; otherwise (a strategy's tighter limit) it returns a BLOCK.
   */
  private breaker(lim: RiskLimits, session: boolean, now: number): RiskDecision | undefined {
    const pnl = this.account.dayPnlPaise();
    if (pnl < 0) {
      const loss = -pnl;
      const start = this.account.dayStartEquityPaise();
      const base = start > 0 ? start : lim.capitalPaise;
      const absHit = lim.maxDailyLossPaise !== undefined && loss >= lim.maxDailyLossPaise;
      if (absHit || cmpBps(loss, base, lim.maxDailyLossBps) >= 0) {
        const limitPaise = Math.ceil((base * lim.maxDailyLossBps) / 10_000);
        const numbers: Record<string, number> = { dayPnlPaise: pnl, dayStartEquityPaise: start, basePaise: base, maxDailyLossBps: lim.maxDailyLossBps, limitPaise };
        if (lim.maxDailyLossPaise !== undefined) numbers.maxDailyLossPaise = lim.maxDailyLossPaise;
        const what = absHit
          ? `day loss ${rs(loss)} reached the limit ${rs(lim.maxDailyLossPaise!)}`
          : `day loss ${rs(loss)} reached ${lim.maxDailyLossBps / 100} % of ${rs(base)} (${rs(limitPaise)})`;
        return this.breach('max_daily_loss', what, numbers, session, now);
      }
    }
    const peak = this.account.dayPeakEquityPaise();
    if (peak > 0) {
      const eq = this.account.equityPaise();
      const dd = peak - eq;
      if (dd > 0 && cmpBps(dd, peak, lim.maxDrawdownBps) >= 0) {
        const numbers = { dayPeakEquityPaise: peak, equityPaise: eq, drawdownPaise: dd, maxDrawdownBps: lim.maxDrawdownBps };
        return this.breach('max_drawdown', `drawdown ${rs(dd)} from the day's peak ${rs(peak)} reached ${lim.maxDrawdownBps / 100} %`, numbers, session, now);
      }
    }
    return undefined;
  }

  private breach(rule: RiskRule, what: string, numbers: Record<string, number>, session: boolean, now: number): RiskDecision {
    if (!session) return block(rule, `${what} (strategy limit): new orders of this strategy are blocked`, numbers);
    this.trip(`${rule}: ${what}`, now, 'day-end');
    return { action: 'HALT_SESSION', rule, message: `circuit breaker: ${what}; session halted, only position-reducing orders pass`, numbers: finite(numbers) };
  }

  private trip(reason: string, now: number, until: 'day-end' | 'resume'): void {
    const day = this.days.todayNum();
    this.st = { ...this.st, halted: true, haltReason: reason, haltedAt: now, haltedDay: isoDayOf(day), haltUntil: until };
    this.haltedDayNum = until === 'day-end' ? day : NaN;
    this.changed();
  }

  /**
   * Syncs the trading day (which rolls the ledger with it) and ends a daily halt of an earlier day.
   * Lazily, on every read, not from a roll listener: a risk engine nobody reads any more (a mode's
   * service the kernel switched away from) never writes its stale state to the shared store.
   */
  private syncDay(now: number): void {
    this.days.sync(now);
    if (this.st.halted) this.endDailyHalt(this.days.todayNum());
  }

  /** A 'day-end' halt made on a trading day before `today` ends; other halts and the kill switch never roll. */
  private endDailyHalt(today: number): void {
    if (!this.st.halted || !(this.haltedDayNum < today)) return;
    this.st = { killSwitch: this.st.killSwitch, ...this.killFields(), halted: false };
    this.haltedDayNum = NaN;
    this.changed();
  }

  private haltDayNumOf(s: RiskState): number {
    if (s.haltedDay) {
      try {
        return dayNumber(s.haltedDay);
      } catch {
        // fall through
      }
    }
    if (typeof s.haltedAt === 'number' && Number.isFinite(s.haltedAt)) return this.days.dayNumAt(s.haltedAt);
    // A halt of unknown date stays until a person resumes... or at least until today ends.
    return this.days.todayNum();
  }

  private killFields(): Partial<RiskState> {
    const s = this.st;
    const out: Partial<RiskState> = {};
    if (s.killReason !== undefined) out.killReason = s.killReason;
    if (s.killedAt !== undefined) out.killedAt = s.killedAt;
    if (s.killClearedBy !== undefined) out.killClearedBy = s.killClearedBy;
    if (s.killClearedAt !== undefined) out.killClearedAt = s.killClearedAt;
    return out;
  }

  private changed(): void {
    if (this.store) {
      try {
        this.store.save({ ...this.st });
      } catch (err) {
        this.onError(err, 'state save failed');
      }
    }
    for (const l of [...this.stateListeners]) {
      try {
        l({ ...this.st });
      } catch (err) {
        this.onError(err, 'state listener failed');
      }
    }
  }

  private emit(d: RiskDecision, req: OrderRequest | undefined, at: number): void {
    const ls = this.decisionListeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i]!(d, req, at);
      } catch (err) {
        this.onError(err, 'decision listener failed');
      }
    }
  }

  /** Market open per the NSE calendar, with the day's windows cached (no allocation per call). */
  private calendarOpen(ms: number): boolean {
    if (!Number.isFinite(ms)) return false;
    const d = istDayNum(ms);
    if (d !== this.sessDay) {
      this.sessDay = d;
      this.sessWindows = nseCalendar.session(ms)?.windows ?? [];
    }
    const w = this.sessWindows;
    for (let i = 0; i < w.length; i++) if (ms >= w[i]!.start && ms < w[i]!.end) return true;
    return false;
  }
}

/** A stored halt from before `haltUntil` existed: daily when the circuit breaker made it, else until resumed. */
function legacyHaltUntil(reason: string | undefined): 'day-end' | 'resume' {
  return typeof reason === 'string' && /^(max_daily_loss|max_drawdown): /.test(reason) ? 'day-end' : 'resume';
}

/** Drops NaN / ±Infinity (unknown values) so `numbers` always serialises as finite JSON numbers. */
function finite(numbers: Record<string, number>): Record<string, number> {
  for (const k of Object.keys(numbers)) if (!Number.isFinite(numbers[k])) delete numbers[k];
  return numbers;
}

function block(rule: RiskRule, message: string, numbers: Record<string, number>): RiskDecision {
  return { action: 'BLOCK', rule, message, numbers: finite(numbers) };
}
