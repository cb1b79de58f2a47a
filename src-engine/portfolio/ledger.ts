import type { Clock } from '../core/clock.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { mulDivFloor, mulDivRound } from '../core/money.js';
import type { TradingDay } from '../core/trading-day.js';
import type { Exchange, Fill, OrderRequest, Product } from '../model/order.js';
import type { RiskAccountView } from '../risk/risk-engine.js';

/**
 * The ledger: positions, cash and PnL in integer paise (never a float), average-cost method.
 *
 * Positions are kept per (strategy, symbol); the account-level net per symbol is the sum over
 * strategies. Each position keeps its cost basis as a signed integer TOTAL (Σ signed qty × price:
 * positive for a long, negative for a short) and the entry charges it carries, never an average.
 * Closing q of Q takes basis × q / Q (mulDivFloor) and leaves the remainder on the position, so a
 * full close uses up the exact basis; entry charges are split the same way.
 *
 *   cash       = capital − Σ buys qty × price + Σ sells qty × price − Σ all charges
 *   realised   = Σ closed trades' netPnl (gross − entry-charge share − exit charges)
 *   unrealised = Σ positions (signed qty × mark − cost basis − carried entry charges)
 *   equity     = capital + realised + unrealised = cash + Σ signed qty × mark        (exactly)
 *
 * A fill marks its symbol at the fill price unless a newer mark exists (a fill is a trade print),
 * so every open position always has a mark.
 *
 * `applyFill` and `mark` are O(number of strategies holding that symbol) — never a scan over all
 * positions — and `mark` allocates nothing (equity curves are typed-array rings). The ledger does
 * not de-duplicate fills: feed each fillId once (the order manager owns de-duplication).
 *
 * THE DAY (day PnL, day peak, per-symbol day PnL, trades today). With a `tradingDay` service (the
 * kernel always passes one) the ledger takes the roll from it: the day restarts at 00:00 IST of each
 * trading day even when no mark or fill comes (an after-market order before the first tick sees a
 * fresh day), a weekend or holiday belongs to the trading day before it, and a ledger rebuilt from
 * earlier days' fills starts on the service's day. Events still roll it when their trading day is
 * later than the ledger's (a replay, or an event ahead of the service); `rollTo` is idempotent, so the
 * two never roll one day twice. Without a service the day is the IST date of the latest event.
 * `rollDay` restarts the day unconditionally.
 */

/** A fill with the charges (brokerage, STT, exchange, GST, stamp, SEBI) it cost, in paise. */
export type LedgerFill = Fill & { chargesPaise: number };

/**
 * A margin MODEL — not Kite's SPAN/exposure calculation. Required margin on the part of an order
 * that opens or increases the account-level position (the part that reduces it needs none) is
 * ceil(qty × price × bps / 10000), where bps is:
 *  - F&O (NFO, BFO), any product: `fnoMarginBps` of notional (default 1500 = 15 %);
 *  - MIS (cash): `misMarginBps` (default 2000 = 1/5, i.e. 5× leverage on equity);
 *  - CNC (and NRML on a cash exchange): `cncMarginBps` (default 10000 = 1×, fully paid).
 * Margin in use = Σ over symbols with an account-level net position of ceil(|net| × mark × bps / 10000)
 * (bps of the symbol's product: the product of the last fill that increased it). Available =
 * equity − in use (negative means a shortfall).
 */
export interface MarginModel {
  cncMarginBps: number;
  misMarginBps: number;
  fnoMarginBps: number;
}

export const DEFAULT_MARGIN_MODEL: Readonly<MarginModel> = Object.freeze({ cncMarginBps: 10_000, misMarginBps: 2_000, fnoMarginBps: 1_500 });

export interface LedgerOptions {
  capitalPaise: number;
  /** Default time for rollDay() without an argument. */
  clock?: Clock | undefined;
  /** The trading-day service: the ledger rolls on its roll, and events map to its trading days. */
  tradingDay?: TradingDay | undefined;
  /** Equity curves get a point at most once per this interval from marks (plus one per fill). Default 60 000. */
  curveIntervalMs?: number | undefined;
  /** Points kept per equity curve (oldest dropped). Default 10 000. */
  curveMaxPoints?: number | undefined;
  /** Closed trades kept for closedTrades() (oldest dropped; the per-strategy statistics are kept whole). Default 100 000. */
  maxClosedTrades?: number | undefined;
  margin?: Partial<MarginModel> | undefined;
  /**
   * F&O margin of a position (portfolio/fno-margin.ts paperFnoMargin): paise to hold `signedQty` of an NFO/BFO
   * symbol at `pricePaise`, or undefined to use `fnoMarginBps` of notional. Replaces the flat F&O rate where
   * it answers (long options = premium, short options on the underlying's notional).
   */
  fnoMargin?: ((symbol: string, signedQty: number, pricePaise: number) => number | undefined) | undefined;
}

export interface ClosedTrade {
  strategy: string;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  /** Cost basis share of the closed part (what was paid for a long, received for a short). */
  entryValuePaise: number;
  /** qty × exit price. */
  exitValuePaise: number;
  grossPnlPaise: number;
  /** Entry-charge share + exit charges of the closing fill (its pro-rata share when the fill also opened). */
  chargesPaise: number;
  netPnlPaise: number;
  openedAt: number;
  closedAt: number;
}

/** What sizing needs from a strategy's closed trades (kept whole, even when the trade list is trimmed). */
export interface ClosedTradeStats {
  trades: number;
  /** netPnl > 0 */
  wins: number;
  /** netPnl < 0 (breakevens count in `trades` only) */
  losses: number;
  /** Σ netPnl of winners (≥ 0). */
  sumWinPaise: number;
  /** Σ −netPnl of losers (≥ 0). */
  sumLossPaise: number;
}

export interface PositionSnapshot {
  strategy: string;
  symbol: string;
  /** Signed: + long, − short. */
  qty: number;
  /** |cost basis| / |qty|, rounded — display only (0 when flat). */
  avgPricePaise: number;
  /** Signed cost basis (negative for a short). */
  costBasisPaise: number;
  markPaise: number;
  unrealisedPaise: number;
  /** Σ net PnL of this position's closed parts. */
  realisedPaise: number;
  /** All charges paid on this (strategy, symbol). */
  chargesPaise: number;
  /** Entry charges still carried by the open quantity. */
  entryChargesPaise: number;
  /** When the open quantity was opened from flat (0 when flat). */
  openedAt: number;
}

export interface StrategySnapshot {
  strategy: string;
  realisedPaise: number;
  unrealisedPaise: number;
  chargesPaise: number;
  dayPnlPaise: number;
  trades: number;
  wins: number;
  losses: number;
}

export interface LedgerSnapshot {
  capitalPaise: number;
  cashPaise: number;
  equityPaise: number;
  realisedPaise: number;
  unrealisedPaise: number;
  chargesPaise: number;
  dayPnlPaise: number;
  dayPeakEquityPaise: number;
  /** Open positions and those that traded today. */
  positions: PositionSnapshot[];
  strategies: StrategySnapshot[];
}

/** Overall: equity. Per strategy: its cumulative net PnL (realised + unrealised; strategies have no capital of their own). */
export interface CurvePoint {
  ts: number;
  valuePaise: number;
}

/** The order fields the margin model reads. */
export type MarginOrder = Pick<OrderRequest, 'symbol' | 'exchange' | 'side' | 'qty' | 'product'>;

const DAY_MS = 86_400_000;
const MAX = Number.MAX_SAFE_INTEGER;

/** IST day number of an epoch-ms instant (no allocation, unlike istDay()). */
const istDayNum = (ts: number): number => Math.floor((ts + IST_OFFSET_MS) / DAY_MS);

/** a × b, throwing unless the product is a safe integer (inputs are already integers). */
function mul(a: number, b: number): number {
  const r = a * b;
  if (r > MAX || r < -MAX) throw new RangeError(`ledger: ${a} × ${b} is outside the safe integer range`);
  return r;
}

/** ceil(e × bps / 10000) for 0 ≤ e ≤ MAX_SAFE and 0 ≤ bps ≤ 10000, exactly, without BigInt (mark path). */
function bpsCeil(e: number, bps: number): number {
  const lo = e % 10_000;
  const hi = (e - lo) / 10_000;
  // lo × bps < 1e8 is exact; when it is not a multiple of 10000 the quotient is ≥ 1e-4 from an integer
  return hi * bps + Math.ceil((lo * bps) / 10_000);
}

function checkInt(v: number, what: string, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`ledger: ${what} must be a safe integer ≥ ${min}, got ${String(v)}`);
}

function checkBps(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > 10_000) throw new RangeError(`ledger: margin ${what} must be an integer 0..10000, got ${String(v)}`);
}

/** A bounded (ts, value) ring on typed arrays: pushing allocates nothing. A push at (or before) the last ts replaces its value. */
class CurveRing {
  private readonly ts: Float64Array;
  private readonly val: Float64Array;
  private head = 0;
  private size = 0;

  constructor(private readonly cap: number) {
    this.ts = new Float64Array(cap);
    this.val = new Float64Array(cap);
  }

  push(ts: number, value: number): void {
    if (this.size > 0) {
      const last = (this.head + this.size - 1) % this.cap;
      // at the last ts, or before it (a fill stamped with an exchange time older than the last mark sample:
      // found by fuzzing, performance.get then refused the curve as out of time order): the newest value
      // replaces the last point, so the curve stays in time order
      if (this.ts[last]! >= ts) {
        this.val[last] = value;
        return;
      }
    }
    if (this.size < this.cap) {
      const i = (this.head + this.size) % this.cap;
      this.ts[i] = ts;
      this.val[i] = value;
      this.size++;
    } else {
      this.ts[this.head] = ts;
      this.val[this.head] = value;
      this.head = (this.head + 1) % this.cap;
    }
  }

  toArray(): CurvePoint[] {
    const out: CurvePoint[] = new Array<CurvePoint>(this.size);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.cap;
      out[k] = { ts: this.ts[i]!, valuePaise: this.val[i]! };
    }
    return out;
  }
}

class StrategyState {
  realised = 0;
  unreal = 0;
  charges = 0;
  /** Σ |qty| × mark over its positions. */
  exposure = 0;
  dayBase = 0;
  trades = 0;
  wins = 0;
  losses = 0;
  sumWin = 0;
  sumLoss = 0;
  openCount = 0;
  readonly positions = new Map<string, Position>();
  readonly curve: CurveRing;
  constructor(
    readonly id: string,
    curvePoints: number,
  ) {
    this.curve = new CurveRing(curvePoints);
  }
}

class SymbolState {
  netQty = 0;
  basis = 0;
  entryCharges = 0;
  realised = 0;
  mark = 0;
  markTs = -Infinity;
  unreal = 0;
  /** |netQty| × mark */
  exposure = 0;
  margin = 0;
  marginBps = 10_000;
  dayBase = 0;
  tradesToday = 0;
  /** Every (strategy) position ever held in this symbol; small (one per strategy). */
  readonly positions: Position[] = [];
  constructor(
    readonly symbol: string,
    public exchange: Exchange,
  ) {}
}

class Position {
  qty = 0;
  basis = 0;
  entryCharges = 0;
  realised = 0;
  charges = 0;
  unreal = 0;
  exposure = 0;
  openedAt = 0;
  lastFillDay = -Infinity;
  constructor(
    readonly strat: StrategyState,
    readonly sym: SymbolState,
  ) {}
}

/** The ledger is the account view the risk engine reads (RiskAccountView). */
export class Ledger implements RiskAccountView {
  readonly capitalPaise: number;
  readonly margin: Readonly<MarginModel>;
  private readonly clock: Clock | undefined;
  private readonly days: TradingDay | undefined;
  private readonly offRoll: (() => void) | undefined;
  private readonly curveIntervalMs: number;
  private readonly curvePoints: number;
  private readonly maxClosedTrades: number;

  private cash: number;
  private realised = 0;
  private unreal = 0;
  private charges = 0;
  private gross = 0;
  private marginUsed = 0;
  private openSymbols = 0;
  private openPositions = 0;
  private day = -Infinity;
  private dayStart: number;
  private dayPeak: number;
  private peak: number;
  private lastSampleTs = -Infinity;
  private readonly curve: CurveRing;
  private readonly strategies = new Map<string, StrategyState>();
  private readonly symbols = new Map<string, SymbolState>();
  private readonly ordersToday = new Set<string>();
  private trades: ClosedTrade[] = [];
  private readonly fnoMargin: LedgerOptions['fnoMargin'];
  private tradesStart = 0;

  constructor(opts: LedgerOptions) {
    checkInt(opts.capitalPaise, 'capitalPaise', 0);
    this.capitalPaise = opts.capitalPaise;
    this.clock = opts.clock;
    this.days = opts.tradingDay;
    this.curveIntervalMs = opts.curveIntervalMs ?? 60_000;
    this.curvePoints = opts.curveMaxPoints ?? 10_000;
    this.maxClosedTrades = opts.maxClosedTrades ?? 100_000;
    checkInt(this.curveIntervalMs, 'curveIntervalMs', 0);
    checkInt(this.curvePoints, 'curveMaxPoints', 1);
    checkInt(this.maxClosedTrades, 'maxClosedTrades', 0);
    const m = { ...DEFAULT_MARGIN_MODEL, ...opts.margin };
    checkBps(m.cncMarginBps, 'cncMarginBps');
    checkBps(m.misMarginBps, 'misMarginBps');
    checkBps(m.fnoMarginBps, 'fnoMarginBps');
    this.margin = Object.freeze(m);
    this.fnoMargin = opts.fnoMargin;
    this.cash = opts.capitalPaise;
    this.dayStart = opts.capitalPaise;
    this.dayPeak = opts.capitalPaise;
    this.peak = opts.capitalPaise;
    this.curve = new CurveRing(this.curvePoints);
    this.offRoll = this.days?.onRoll((r) => this.rollTo(r.startMs));
  }

  /** Stops taking the trading-day service's roll (a ledger that is being dropped); events still roll it. */
  dispose(): void {
    this.offRoll?.();
  }

  /**
   * A ledger rebuilt by replaying `fills` in order (e.g. after a restart). Marks are not replayed. With
   * a trading-day service it then starts on the service's day (yesterday's fills are not today's PnL).
   */
  static restore(capitalPaise: number, fills: readonly LedgerFill[], opts: Omit<LedgerOptions, 'capitalPaise'> = {}): Ledger {
    const l = new Ledger({ ...opts, capitalPaise });
    for (const f of fills) l.applyFill(f);
    if (opts.tradingDay) l.rollTo(opts.tradingDay.todayStartMs());
    return l;
  }

  // ---------------------------------------------------------------- events

  applyFill(f: LedgerFill): void {
    checkInt(f.qty, 'fill qty', 1);
    checkInt(f.pricePaise, 'fill price', 0);
    checkInt(f.chargesPaise, 'fill charges', 0);
    if (f.side !== 'BUY' && f.side !== 'SELL') throw new RangeError(`ledger: fill side must be BUY or SELL, got ${String(f.side)}`);
    if (!Number.isFinite(f.tsEvent)) throw new RangeError(`ledger: fill tsEvent must be finite, got ${String(f.tsEvent)}`);
    this.maybeRoll(f.tsEvent);

    const ts = f.tsEvent;
    const price = f.pricePaise;
    const qty = f.qty;
    const ch = f.chargesPaise;
    const strat = this.strategyState(f.strategy);
    const sym = this.symbolState(f.symbol, f.exchange);
    let pos = strat.positions.get(f.symbol);
    if (pos === undefined) {
      pos = new Position(strat, sym);
      strat.positions.set(f.symbol, pos);
      sym.positions.push(pos);
    }

    const value = mul(qty, price);
    this.cash += f.side === 'BUY' ? -value : value;
    this.cash -= ch;
    this.charges += ch;
    strat.charges += ch;
    pos.charges += ch;

    const dir = f.side === 'BUY' ? 1 : -1;
    const prevNet = sym.netQty;
    if (pos.qty === 0 || Math.sign(pos.qty) === dir) {
      // open or add
      if (pos.qty === 0) {
        pos.openedAt = ts;
        strat.openCount++;
        this.openPositions++;
      }
      this.addToPosition(pos, dir * qty, dir * value, ch);
    } else {
      const absQ = Math.abs(pos.qty);
      const closeQty = Math.min(qty, absQ);
      const openQty = qty - closeQty;
      const exitCharges = openQty > 0 ? mulDivFloor(ch, closeQty, qty) : ch;
      const basisPart = mulDivFloor(pos.basis, closeQty, absQ);
      const chargePart = mulDivFloor(pos.entryCharges, closeQty, absQ);
      const long = pos.qty > 0;
      pos.basis -= basisPart;
      pos.entryCharges -= chargePart;
      sym.basis -= basisPart;
      sym.entryCharges -= chargePart;
      pos.qty += dir * closeQty;
      sym.netQty += dir * closeQty;

      const entryValue = long ? basisPart : -basisPart;
      const exitValue = openQty > 0 ? mul(closeQty, price) : value;
      const gross = long ? exitValue - entryValue : entryValue - exitValue;
      const tradeCharges = chargePart + exitCharges;
      const net = gross - tradeCharges;
      this.realised += net;
      pos.realised += net;
      strat.realised += net;
      sym.realised += net;
      strat.trades++;
      if (net > 0) {
        strat.wins++;
        strat.sumWin += net;
      } else if (net < 0) {
        strat.losses++;
        strat.sumLoss -= net;
      }
      this.pushTrade({
        strategy: strat.id,
        symbol: sym.symbol,
        side: long ? 'long' : 'short',
        qty: closeQty,
        entryValuePaise: entryValue,
        exitValuePaise: exitValue,
        grossPnlPaise: gross,
        chargesPaise: tradeCharges,
        netPnlPaise: net,
        openedAt: pos.openedAt,
        closedAt: ts,
      });
      if (pos.qty === 0) {
        pos.openedAt = 0;
        if (openQty > 0) {
          pos.openedAt = ts;
          this.addToPosition(pos, dir * openQty, dir * mul(openQty, price), ch - exitCharges);
        } else {
          strat.openCount--;
          this.openPositions--;
        }
      }
    }
    if (prevNet === 0 && sym.netQty !== 0) this.openSymbols++;
    else if (prevNet !== 0 && sym.netQty === 0) this.openSymbols--;
    // the margin rate follows the product that increased the account-level position
    if (Math.abs(sym.netQty) > Math.abs(prevNet) || Math.sign(sym.netQty) !== Math.sign(prevNet)) {
      sym.exchange = f.exchange;
      sym.marginBps = this.marginBpsOf(f.exchange, f.product);
    }

    pos.lastFillDay = this.day;
    if (!this.ordersToday.has(f.orderId)) {
      this.ordersToday.add(f.orderId);
      sym.tradesToday++;
    }
    if (ts >= sym.markTs) {
      sym.mark = price;
      sym.markTs = ts;
    }
    this.revalue(sym);
    const eq = this.equityPaise();
    this.curve.push(ts, eq);
    strat.curve.push(ts, strat.realised + strat.unreal);
  }

  /** Mark-to-market. O(strategies holding the symbol); no allocation. Older marks (ts < last) are ignored. */
  mark(symbol: string, pricePaise: number, ts: number): void {
    if (!Number.isSafeInteger(pricePaise) || pricePaise < 0) throw new RangeError(`ledger: mark price must be a safe integer ≥ 0, got ${String(pricePaise)}`);
    this.maybeRoll(ts);
    const sym = this.symbols.get(symbol);
    if (sym !== undefined && ts >= sym.markTs) {
      sym.mark = pricePaise;
      sym.markTs = ts;
      this.revalue(sym);
    }
    if (ts - this.lastSampleTs >= this.curveIntervalMs) this.sampleCurves(ts);
  }

  /**
   * Starts the trading day of `ts` if it is later than the ledger's; true if it rolled. Idempotent: the
   * trading-day service and the events of the new day may both ask.
   */
  rollTo(ts: number): boolean {
    if (!Number.isFinite(ts)) throw new RangeError(`ledger: rollTo needs a finite time, got ${String(ts)}`);
    const d = this.dayNum(ts);
    if (!(d > this.day)) return false;
    this.rollDay(ts);
    return true;
  }

  /** The ledger's trading day as an IST day number (-Infinity before the first event or roll). */
  dayNumber(): number {
    return this.day;
  }

  /** Starts a new trading day unconditionally: day PnL, day peak, per-symbol day PnL and trades-today restart. */
  rollDay(ts?: number): void {
    const t = ts ?? this.clock?.now() ?? this.days?.todayStartMs() ?? Date.now();
    this.day = this.dayNum(t);
    const eq = this.equityPaise();
    this.dayStart = eq;
    this.dayPeak = eq;
    for (const s of this.symbols.values()) {
      s.dayBase = s.realised + s.unreal;
      s.tradesToday = 0;
    }
    for (const s of this.strategies.values()) s.dayBase = s.realised + s.unreal;
    this.ordersToday.clear();
  }

  // ---------------------------------------------------------------- risk view

  equityPaise(): number {
    return this.capitalPaise + this.realised + this.unreal;
  }
  cashPaise(): number {
    return this.cash;
  }
  realisedPaise(): number {
    return this.realised;
  }
  unrealisedPaise(): number {
    return this.unreal;
  }
  dayStartEquityPaise(): number {
    return this.dayStart;
  }
  dayPeakEquityPaise(): number {
    return this.dayPeak;
  }
  dayPnlPaise(): number {
    return this.equityPaise() - this.dayStart;
  }
  /** Today's peak equity − equity (≥ 0). */
  drawdownPaise(): number {
    return this.dayPeak - this.equityPaise();
  }
  /** All-time peak equity (since construction). */
  peakEquityPaise(): number {
    return this.peak;
  }
  /** Symbols with a non-zero account-level net position. */
  openPositionCount(): number {
    return this.openSymbols;
  }
  /** (strategy, symbol) positions with a non-zero quantity. */
  openStrategyPositionCount(strategy?: string): number {
    if (strategy === undefined) return this.openPositions;
    return this.strategies.get(strategy)?.openCount ?? 0;
  }
  /** Signed net quantity: the strategy's, or the account's when no strategy is given. */
  positionQty(symbol: string, strategy?: string): number {
    if (strategy === undefined) return this.symbols.get(symbol)?.netQty ?? 0;
    return this.strategies.get(strategy)?.positions.get(symbol)?.qty ?? 0;
  }
  /**
   * True when marking `symbol` at any price changes no account or strategy figure (no position of any
   * strategy is open or carries unrealised PnL or exposure, and the symbol's own figures are at their
   * flat values): only its mark, mark time and the curve sampling by time would move.
   */
  flatIn(symbol: string): boolean {
    const sym = this.symbols.get(symbol);
    if (sym === undefined) return true;
    if (sym.netQty !== 0 || sym.exposure !== 0 || sym.margin !== 0 || sym.unreal !== -sym.basis - sym.entryCharges) return false;
    if (this.fnoMargin !== undefined && (sym.exchange === 'NFO' || sym.exchange === 'BFO')) return false;
    const ps = sym.positions;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      if (p.qty !== 0 || p.unreal !== 0 || p.exposure !== 0) return false;
    }
    return true;
  }
  /** A strategy position's |cost basis| / |qty| rounded (0 when flat) — for display and exit arming. */
  avgPricePaise(symbol: string, strategy: string): number {
    const p = this.strategies.get(strategy)?.positions.get(symbol);
    return p === undefined || p.qty === 0 ? 0 : mulDivRound(Math.abs(p.basis), 1, Math.abs(p.qty));
  }
  /** The symbol's last mark (or fill price); undefined before its first fill. */
  markPaise(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.mark;
  }
  /** Account-level PnL of the symbol since the day started. */
  symbolDayPnlPaise(symbol: string): number {
    const s = this.symbols.get(symbol);
    return s === undefined ? 0 : s.realised + s.unreal - s.dayBase;
  }
  /** Distinct orders of the symbol with a fill today. */
  tradesToday(symbol: string): number {
    return this.symbols.get(symbol)?.tradesToday ?? 0;
  }
  /** Σ over symbols |account net qty| × mark. */
  grossExposurePaise(): number {
    return this.gross;
  }
  /** Σ over the strategy's positions |qty| × mark. */
  strategyExposurePaise(strategy: string): number {
    return this.strategies.get(strategy)?.exposure ?? 0;
  }
  strategyStats(strategy: string): ClosedTradeStats {
    const s = this.strategies.get(strategy);
    if (s === undefined) return { trades: 0, wins: 0, losses: 0, sumWinPaise: 0, sumLossPaise: 0 };
    return { trades: s.trades, wins: s.wins, losses: s.losses, sumWinPaise: s.sumWin, sumLossPaise: s.sumLoss };
  }

  /** Margin held by open positions under the {@link MarginModel}. */
  marginUsedPaise(): number {
    return this.marginUsed;
  }
  /** equity − margin in use (negative = shortfall). A model, not Kite's SPAN. */
  marginAvailablePaise(): number {
    return this.equityPaise() - this.marginUsed;
  }
  /** Margin an order would need under the {@link MarginModel}: only its part that opens/increases the account position. */
  marginRequiredPaise(req: MarginOrder, pricePaise: number): number {
    checkInt(req.qty, 'order qty', 0);
    checkInt(pricePaise, 'order price', 0);
    const net = this.symbols.get(req.symbol)?.netQty ?? 0;
    if (this.fnoMargin !== undefined && (req.exchange === 'NFO' || req.exchange === 'BFO')) {
      // the position after the order against the position now, both at the order's price
      const now = this.fnoMargin(req.symbol, net, pricePaise);
      const after = this.fnoMargin(req.symbol, net + (req.side === 'BUY' ? req.qty : -req.qty), pricePaise);
      if (now !== undefined && after !== undefined) return Math.max(0, after - now);
    }
    const reducing = (req.side === 'BUY' && net < 0) || (req.side === 'SELL' && net > 0) ? Math.min(req.qty, Math.abs(net)) : 0;
    return bpsCeil(mul(req.qty - reducing, pricePaise), this.marginBpsOf(req.exchange, req.product));
  }

  // ---------------------------------------------------------------- reports

  snapshot(): LedgerSnapshot {
    const positions: PositionSnapshot[] = [];
    for (const s of this.strategies.values()) {
      for (const p of s.positions.values()) {
        if (p.qty === 0 && p.lastFillDay !== this.day) continue;
        positions.push({
          strategy: s.id,
          symbol: p.sym.symbol,
          qty: p.qty,
          avgPricePaise: p.qty === 0 ? 0 : mulDivRound(Math.abs(p.basis), 1, Math.abs(p.qty)),
          costBasisPaise: p.basis,
          markPaise: p.sym.mark,
          unrealisedPaise: p.unreal,
          realisedPaise: p.realised,
          chargesPaise: p.charges,
          entryChargesPaise: p.entryCharges,
          openedAt: p.openedAt,
        });
      }
    }
    const strategies: StrategySnapshot[] = [];
    for (const s of this.strategies.values()) {
      strategies.push({
        strategy: s.id,
        realisedPaise: s.realised,
        unrealisedPaise: s.unreal,
        chargesPaise: s.charges,
        dayPnlPaise: s.realised + s.unreal - s.dayBase,
        trades: s.trades,
        wins: s.wins,
        losses: s.losses,
      });
    }
    return {
      capitalPaise: this.capitalPaise,
      cashPaise: this.cash,
      equityPaise: this.equityPaise(),
      realisedPaise: this.realised,
      unrealisedPaise: this.unreal,
      chargesPaise: this.charges,
      dayPnlPaise: this.dayPnlPaise(),
      dayPeakEquityPaise: this.dayPeak,
      positions,
      strategies,
    };
  }

  /** Closed trades, oldest first (the last `maxClosedTrades`), optionally of one strategy. */
  closedTrades(strategy?: string): ClosedTrade[] {
    const out: ClosedTrade[] = [];
    for (let i = this.tradesStart; i < this.trades.length; i++) {
      const t = this.trades[i]!;
      if (strategy === undefined || t.strategy === strategy) out.push({ ...t });
    }
    return out;
  }

  /** Overall: equity points. Per strategy: cumulative net PnL points. Oldest first, bounded. */
  equityCurve(strategy?: string): CurvePoint[] {
    if (strategy === undefined) return this.curve.toArray();
    return this.strategies.get(strategy)?.curve.toArray() ?? [];
  }

  // ---------------------------------------------------------------- internals

  private strategyState(id: string): StrategyState {
    let s = this.strategies.get(id);
    if (s === undefined) {
      s = new StrategyState(id, this.curvePoints);
      this.strategies.set(id, s);
    }
    return s;
  }

  private symbolState(symbol: string, exchange: Exchange): SymbolState {
    let s = this.symbols.get(symbol);
    if (s === undefined) {
      s = new SymbolState(symbol, exchange);
      this.symbols.set(symbol, s);
    }
    return s;
  }

  private addToPosition(pos: Position, signedQty: number, signedValue: number, entryCharges: number): void {
    pos.qty += signedQty;
    pos.basis += signedValue;
    pos.entryCharges += entryCharges;
    pos.sym.netQty += signedQty;
    pos.sym.basis += signedValue;
    pos.sym.entryCharges += entryCharges;
  }

  /** Re-values the symbol's positions at its mark and folds the deltas into the totals. */
  private revalue(sym: SymbolState): void {
    const m = sym.mark;
    const ps = sym.positions;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      if (p.qty === 0 && p.unreal === 0 && p.exposure === 0) continue;
      const u = mul(p.qty, m) - p.basis - p.entryCharges;
      const e = mul(Math.abs(p.qty), m);
      p.strat.unreal += u - p.unreal;
      p.strat.exposure += e - p.exposure;
      p.unreal = u;
      p.exposure = e;
    }
    const u = mul(sym.netQty, m) - sym.basis - sym.entryCharges;
    const e = mul(Math.abs(sym.netQty), m);
    const mg = this.fnoMargin !== undefined && (sym.exchange === 'NFO' || sym.exchange === 'BFO') ? (this.fnoMargin(sym.symbol, sym.netQty, m) ?? bpsCeil(e, sym.marginBps)) : bpsCeil(e, sym.marginBps);
    this.unreal += u - sym.unreal;
    this.gross += e - sym.exposure;
    this.marginUsed += mg - sym.margin;
    sym.unreal = u;
    sym.exposure = e;
    sym.margin = mg;
    const eq = this.equityPaise();
    if (eq > this.dayPeak) this.dayPeak = eq;
    if (eq > this.peak) this.peak = eq;
  }

  /** The trading day of an instant: the service's (weekends and holidays map to the day before), else the IST date. */
  private dayNum(ts: number): number {
    return this.days === undefined ? istDayNum(ts) : this.days.dayNumAt(ts);
  }

  private maybeRoll(ts: number): void {
    const d = this.dayNum(ts);
    if (d > this.day) {
      if (this.day === -Infinity) this.day = d;
      else this.rollDay(ts);
    }
  }

  private sampleCurves(ts: number): void {
    this.lastSampleTs = ts;
    this.curve.push(ts, this.equityPaise());
    for (const s of this.strategies.values()) s.curve.push(ts, s.realised + s.unreal);
  }

  private pushTrade(t: ClosedTrade): void {
    this.trades.push(t);
    if (this.trades.length - this.tradesStart > this.maxClosedTrades) {
      this.tradesStart++;
      if (this.tradesStart > 1024 && this.tradesStart * 2 > this.trades.length) {
        this.trades = this.trades.slice(this.tradesStart);
        this.tradesStart = 0;
      }
    }
  }

  private marginBpsOf(exchange: Exchange, product: Product): number {
    if (exchange === 'NFO' || exchange === 'BFO') return this.margin.fnoMarginBps;
    return product === 'MIS' ? this.margin.misMarginBps : this.margin.cncMarginBps;
  }
}

