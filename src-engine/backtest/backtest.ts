/**
 * The backtester: the kernel (runtime/engine.ts) on history. The data go through the replay data
 * client (runtime/replay-feed.ts, the one market-data port) on a simulated clock (the data's own time,
 * advanced one bar interval per step), and everything after it is the paper kernel's: market data and
 * candles, the same strategies, ensemble, sizing, risk engine, order manager, paper broker (fill model),
 * charges and ledger. Only the journal is lighter (in memory, read once at the end) and the trading
 * service runs as mode 'backtest'.
 *
 * `runBacktest(config, data, opts)` is pure and deterministic: no wall clock, no files, no randomness
 * beyond the replay's fixed seed; config and data are plain objects, so it runs as well in a worker.
 * Same inputs → the same result, field for field.
 *
 * Fill rules (docs/backtest.md): each bar is replayed as 4 prints (open at the bar's start, the nearer
 * extreme, the other extreme, close, at start + k/4 of the bar), and a strategy's signal comes when the
 * bar closes. Bars of 1 minute or shorter go through the port's bar capability (ReplayFeed `bars`: one
 * event a bar, the candle built whole, the prints handed to trading and strategies without Tick
 * objects); longer bars (5-minute, daily) are replayed as those 4 ticks. Both give the same candles,
 * prices and times.
 *  - `next_open` (default): MARKET orders fill on the symbol's next trade print (paper marketFill
 *    'next_tick'), which is the next bar's open, plus the slippage;
 *  - `this_close`: they fill at once at the last price, the closing bar's close, plus the slippage;
 *  - `next_tick`: as next_open (on tick data, the next tick).
 * Session hours, the calendar, the day roll (unfilled DAY orders expire) and the MIS square-off apply
 * as live: a signal at 15:30 is refused (market closed); an order waiting for a next print that only
 * comes the next day expires at the roll.
 */
import { z } from 'zod';
import { parseDocument } from 'yaml';
import type { Clock } from '../core/clock.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import type { CandleSeries } from '../kite-sim/csv-replay.js';
import { computeMetrics, drawdownCurve, type DrawdownPoint, type Metrics } from '../portfolio/metrics.js';
import type { CurvePoint } from '../portfolio/ledger.js';
import type { JournalFill } from '../persistence/trading-repo.js';
import { ConfigError, parseRunProfile, runProfileSchema, type RunProfile } from '../runtime/config.js';
import { Engine } from '../runtime/engine.js';
import type { LogFn } from '../runtime/logger.js';
import { ReplayFeed, type InstrumentOverride } from '../runtime/replay-feed.js';
import { MemoryTradingStore } from '../runtime/trading.js';
import { BUILTIN_STRATEGIES } from '../strategy/builtins/index.js';
import { timeframesOf } from '../strategy/runner.js';
import type { StrategyDefinition } from '../strategy/strategy.js';
import { TIMEFRAMES, type Timeframe } from '../contract/schemas.js';
import type { BacktestData, BarTime, InputFile } from './data.js';
import { syntheticOptions, syntheticOptionsSchema, type SyntheticOptionsInfo } from './synthetic-options.js';

export const FILL_RULES = ['next_open', 'this_close', 'next_tick'] as const;
export type FillRule = (typeof FILL_RULES)[number];

/** The `backtest:` section of a backtest config file (the rest of the file is a run profile). */
export const backtestSectionSchema = z.strictObject({
  /** Candle files or directories; `symbol` names the rows' symbol (default: the file name or its symbol column). */
  data: z.array(z.strictObject({ path: z.string().min(1), symbol: z.string().min(1).optional() })).default([]),
  /** Declared time of a row within its bar: start (Kite) or end (the vendor 1-minute files). */
  barTime: z.enum(['start', 'end']).default('start'),
  /** IST days `YYYY-MM-DD`, inclusive. */
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  fill: z.enum(FILL_RULES).default('next_open'),
  /** Exits: none (strategy signals only; the MIS square-off still applies) or the profile's trading.exits. */
  exits: z.enum(['none', 'profile']).default('profile'),
  /** Annual risk-free rate for Sharpe and Sortino (a fraction). */
  riskFreeRate: z.number().min(0).max(1).default(0),
  /** An equity-curve point at most this often (plus each day's last), ms. */
  curveIntervalMs: z.number().int().min(60_000).max(86_400_000).default(900_000),
  /** Tick and lot sizes of symbols not in the instrument master (default equity, ₹0.05, lot 1). */
  instruments: z.record(z.string(), z.strictObject({ tickSize: z.number().positive().max(10_000).optional(), lotSize: z.number().int().positive().max(1e6).optional() })).default({}),
  /** Synthetic option candles derived from an index's history (backtest/synthetic-options.ts; the report says so). */
  options: syntheticOptionsSchema.optional(),
});
export type BacktestSection = z.output<typeof backtestSectionSchema>;

export interface BacktestConfig {
  profile: RunProfile;
  backtest: BacktestSection;
}

/** A backtest config file: a run profile (configs/*.yaml) with an optional `backtest:` section. */
export function parseBacktestConfig(text: string, file = '<config>'): BacktestConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return { profile: parseRunProfile(text, file), backtest: backtestSectionSchema.parse({}) }; // parseRunProfile reports the YAML error
  const js = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (js === null || typeof js !== 'object' || Array.isArray(js)) throw new ConfigError(file, 'a backtest config is a mapping (a run profile with an optional backtest: section)');
  const { backtest, ...rest } = js;
  const r = backtestSectionSchema.safeParse(backtest ?? {});
  if (!r.success) throw new ConfigError(file, `invalid backtest section:\n  ${r.error.issues.map((i) => `backtest.${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  const p = runProfileSchema.safeParse(rest);
  if (!p.success) throw new ConfigError(file, `invalid run profile:\n  ${p.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n  ')}`);
  return { profile: p.data, backtest: r.data };
}

export interface BacktestTrade {
  strategy: string;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryTime: number;
  /** Average entry price, paise (may be fractional for a position built in several fills). */
  entryPricePaise: number;
  exitTime: number;
  exitPricePaise: number;
  grossPnlPaise: number;
  chargesPaise: number;
  netPnlPaise: number;
}

export interface BacktestFill {
  orderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  product: string;
  strategy: string;
  qty: number;
  pricePaise: number;
  tsEvent: number;
  chargesPaise: number;
}

export interface BacktestResult {
  /** The fill rule, exits and risk-free rate used, and the profile's strategies and trading section as run. */
  settings: { fill: FillRule; exits: 'none' | 'profile'; barTime: BarTime; riskFreeRate: number; capitalPaise: number; strategies: RunProfile['strategies']; trading: RunProfile['trading']; ensemble: RunProfile['ensemble'] };
  period: { from: number; to: number };
  symbols: { symbol: string; bars: number; firstBar: number; lastBar: number; tickSizePaise: number; lotSize: number }[];
  metrics: Metrics;
  trades: BacktestTrade[];
  fills: BacktestFill[];
  openPositions: { strategy: string; symbol: string; qty: number; avgPricePaise: number; markPaise: number; unrealisedPaise: number }[];
  equity: CurvePoint[];
  drawdown: DrawdownPoint[];
  counts: { bars: number; ticks: number; steps: number; signals: number; orders: number; rejected: number; fills: number; blocked: number };
  /** The risk engine's refusals (BLOCK / REDUCE / HALT_SESSION; the first 1000) and the broker's rejections, by time. */
  refusals: { ts: number; symbol: string; side: string; qty: number; strategy: string; what: string; rule: string; message: string }[];
  /** Close prices per symbol, at most `pricePoints` points each (the report's price chart). */
  prices: { symbol: string; t: number[]; c: number[] }[];
  warnings: string[];
  /** Present when option prices were derived (backtest.options): the model and its parameters, stated as synthetic. */
  syntheticOptions?: SyntheticOptionsInfo;
}

export interface BacktestOptions {
  /** Progress: bar time replayed so far and in all (ms of bar time), at most ~200 calls. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels between steps (throws the signal's reason). */
  signal?: AbortSignal;
  log?: LogFn;
  /** Close points kept per symbol for the price chart (default 2000). */
  pricePoints?: number;
  /**
   * Strategy types besides the built-ins (user strategy files, loaded by the caller: the CLI's
   * --strategies-dir, the app's worker after the approval check). A built-in type is refused.
   */
  strategies?: readonly StrategyDefinition[];
}

/** The profile's instances (and fno instances) whose type is neither built in nor among `extra`: a clear error. */
function checkStrategyTypes(profile: RunProfile, extra: readonly StrategyDefinition[]): void {
  const builtin = new Set(BUILTIN_STRATEGIES.map((d) => d.type));
  const known = new Set(builtin);
  for (const d of extra) {
    if (builtin.has(d.type)) throw new ConfigError('backtest', `strategy type "${d.type}" is built in; a user strategy must use another type`);
    if (known.has(d.type)) throw new ConfigError('backtest', `strategy type "${d.type}" is defined twice`);
    known.add(d.type);
  }
  const unknown = [...profile.strategies, ...(profile.fno?.strategies ?? [])].filter((s) => s.enabled && !known.has(s.type));
  if (unknown.length > 0) {
    const list = unknown.map((s) => `${s.id} (type "${s.type}")`).join(', ');
    throw new ConfigError('backtest', `no definition for strategy ${list}: not built in and no user strategy file loaded for this run defines it (the CLI: --strategies-dir DIR; the app: an approved file in <dataDir>/strategies)`);
  }
}

/**
 * The candle timeframes the run reads: 1m (the store's base; the exits' ATR) and every strategy instance's
 * (its primary and its definition's others, F&O instances too). Market data builds only these; the other
 * timeframes only a chart would read (live builds all eight).
 */
export function candleTimeframes(profile: RunProfile, extra: readonly StrategyDefinition[]): Timeframe[] {
  const defs = new Map([...BUILTIN_STRATEGIES, ...extra].map((d) => [d.type, d]));
  const tfs = new Set<Timeframe>(['1m']);
  for (const s of [...profile.strategies, ...(profile.fno?.strategies ?? [])]) {
    const def = defs.get(s.type);
    if (def === undefined) continue; // a disabled instance of an unloaded type: never built
    for (const tf of timeframesOf({ timeframe: (s.timeframe as Timeframe | undefined) ?? def.timeframes[0]! }, def)) tfs.add(tf);
  }
  return TIMEFRAMES.filter((tf) => tfs.has(tf));
}

/** The profile as the backtest runs it: the section's exits, stale-quote limits that fit bar data. */
function backtestProfile(cfg: BacktestConfig, maxBarMs: number): RunProfile {
  const p = structuredClone(cfg.profile);
  const t = p.trading;
  if (cfg.backtest.exits === 'none') {
    t.exits = { default: { ...t.exits.default, atrMultipleStop: 0, atrMultipleTarget: 0, trailingBps: 0 } };
    delete (t.exits.default as { maxHoldMs?: number }).maxHoldMs;
  }
  t.paper.marketFill = cfg.backtest.fill === 'this_close' ? 'last' : 'next_tick';
  // a bar is 4 prints: the last one is up to a quarter bar old when the bar closes
  const stale = Math.min(3_600_000, Math.max(2 * maxBarMs, t.paper.staleAfterMs));
  t.paper.staleAfterMs = stale;
  t.risk.staleAfterMs = Math.max(t.risk.staleAfterMs, stale);
  return p;
}

/** IST calendar day number (cheap: the equity sampler asks once a step). */
const dayNum = (ts: number): number => Math.floor((ts + IST_OFFSET_MS) / 86_400_000);

function barMs(s: CandleSeries): number {
  if (s.interval === 'day') return 22_500_000;
  if (typeof s.interval === 'number' && s.interval > 0) return s.interval;
  const c = s.candles[0]!;
  return c.end - c.start;
}

/** Runs one backtest. See the file comment. */
export function runBacktest(config: BacktestConfig, data: BacktestData, opts: BacktestOptions = {}): BacktestResult {
  const syn = config.backtest.options ? syntheticOptions(data, config.backtest.options, config.profile) : undefined;
  const series = syn ? [...data.series, ...syn.series] : data.series;
  if (series.length === 0) throw new RangeError('runBacktest: no data series');
  const warnings = [...data.warnings, ...(syn?.warnings ?? [])];
  const step = Math.min(...series.map(barMs));
  const maxBar = Math.max(...series.map(barMs));
  const profile = backtestProfile(config, maxBar);
  checkStrategyTypes(profile, opts.strategies ?? []);
  const overrides = new Map<string, InstrumentOverride>(syn?.instruments);
  for (const s of series) {
    if (overrides.has(s.symbol)) continue; // a synthetic option contract, declared by synthetic-options.ts
    const d = config.backtest.instruments[s.symbol];
    overrides.set(s.symbol, { tickSizePaise: d?.tickSize !== undefined ? Math.round(d.tickSize * 100) : 5, lotSize: d?.lotSize ?? 1 });
    if (!d) warnings.push(`${s.symbol}: not in an instrument master here; traded as equity with tick ₹0.05 and lot 1 (declare backtest.instruments.${s.symbol} to change)`);
  }
  const known = new Set(series.map((s) => s.symbol));
  for (const inst of profile.strategies) {
    const missing = inst.symbols.filter((s) => !known.has(s));
    if (missing.length > 0) warnings.push(`strategy ${inst.id}: no data for ${missing.join(', ')} (not traded)`);
  }

  // whole bars when every bar lies inside one 1-minute bucket (what the candle store's bar path takes)
  let wholeBars = true;
  for (const s of series) {
    const c = s.candles;
    for (let i = 0; i < c.length && wholeBars; i++) wholeBars = Math.floor(c[i]!.start / 60_000) === Math.floor((c[i]!.end - 1) / 60_000);
  }
  const feed = new ReplayFeed({ series, speed: 1, seed: 1, backfillMinutes: 0, noise: 0, tickIntervalMs: 7 * 86_400_000, baseSeeds: [], instrumentOverrides: overrides, bars: wholeBars });
  const clock: Clock = { now: () => feed.now() };
  // the light journal: orders as the order manager's records, no per-transition rows (read once, at the end)
  const store = new MemoryTradingStore(1000, true, true);
  let signals = 0;
  const engine = new Engine({
    profile,
    watchlist: { get: () => [], set: () => {} },
    feed,
    clock,
    autoStart: false,
    tradingMode: 'backtest',
    fixedTradingConfig: true,
    candleTimeframes: candleTimeframes(profile, opts.strategies ?? []),
    trading: store,
    dailyHistory: () => new Map(),
    signals: {
      append: (s) => ({ id: ++signals, ...s }),
      recent: () => [],
    },
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.strategies?.length ? { strategyDefinitions: opts.strategies } : {}),
  });
  const trading = engine.trading;
  // the backtest's one service (its mode never switches): read directly, not through the kernel's mode facade
  const ledger = engine.modes.current.ledger;
  // every risk refusal as it happens (the light journal keeps only the newest decisions)
  const refusals: BacktestResult['refusals'] = [];
  let blocked = 0;
  trading.onDecided((d) => {
    if (d.action === 'ALLOW') return;
    blocked++;
    if (refusals.length < 1000) refusals.push({ ts: d.ts, symbol: d.symbol, side: d.side, qty: d.qty, strategy: d.strategy, what: d.action, rule: d.rule ?? '', message: d.message ?? '' });
  });

  let ticks = 0;
  let bars = 0;
  for (const s of series) bars += s.candles.length;
  feed.onTick(() => void ticks++);
  feed.onBar?.((b) => void (ticks += b.printPaise.length));

  // the equity curve: one point per curveIntervalMs of bar time, and each day's last
  const equity: CurvePoint[] = [];
  const every = config.backtest.curveIntervalMs;
  // the step's point is kept as numbers until it is needed (no object a step)
  let pendingTs = NaN;
  let pendingValue = 0;
  let lastKept = -Infinity;
  const sample = (ts: number) => {
    const value = ledger.equityPaise();
    if (!Number.isNaN(pendingTs) && dayNum(pendingTs) !== dayNum(ts) && pendingTs !== lastKept) equity.push({ ts: pendingTs, valuePaise: pendingValue });
    if (ts - lastKept >= every) {
      equity.push({ ts, valuePaise: value });
      lastKept = ts;
      pendingTs = NaN;
    } else {
      pendingTs = ts;
      pendingValue = value;
    }
  };

  const first = Math.min(...series.map((s) => s.candles[0]!.start));
  const last = Math.max(...series.map((s) => s.candles.at(-1)!.end));
  // progress in bar time actually replayed (gaps are skipped): the sum of the merged bar stretches
  const total = feed.replay.spanMs;
  let done = 0;
  let steps = 0;
  const reportEvery = Math.max(step, Math.floor(total / 200));
  let nextReport = reportEvery;
  opts.onProgress?.(0, total);
  try {
    while (!feed.replay.done) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('backtest cancelled');
      feed.advance(step);
      steps++;
      done += step;
      sample(feed.now());
      if (done >= nextReport) {
        nextReport += reportEvery;
        opts.onProgress?.(Math.min(done, total), total);
      }
    }
  } finally {
    engine.stop();
  }
  if (!Number.isNaN(pendingTs) && pendingTs !== lastKept) equity.push({ ts: pendingTs, valuePaise: pendingValue });
  opts.onProgress?.(total, total);

  const fills: BacktestFill[] = store.fills().map((f: JournalFill) => ({
    orderId: f.orderId,
    symbol: f.symbol,
    side: f.side,
    product: f.product,
    strategy: f.strategy,
    qty: f.qty,
    pricePaise: f.pricePaise,
    tsEvent: f.tsEvent,
    chargesPaise: f.chargesPaise,
  }));
  const closed = trading.ledger.closedTrades();
  const trades: BacktestTrade[] = closed.map((t) => ({
    strategy: t.strategy,
    symbol: t.symbol,
    side: t.side,
    qty: t.qty,
    entryTime: t.openedAt,
    entryPricePaise: t.entryValuePaise / t.qty,
    exitTime: t.closedAt,
    exitPricePaise: t.exitValuePaise / t.qty,
    grossPnlPaise: t.grossPnlPaise,
    chargesPaise: t.chargesPaise,
    netPnlPaise: t.netPnlPaise,
  }));
  const capitalPaise = profile.trading.capital * 100;
  const metrics = computeMetrics({ capitalPaise, trades: closed, equity, riskFreeRate: config.backtest.riskFreeRate, from: first, to: last });
  const snap = trading.ledger.snapshot();
  const orders = store.orders();
  for (const o of orders) {
    if (o.order.status !== 'REJECTED' || refusals.length >= 2000) continue;
    const x = o.order;
    refusals.push({ ts: x.tsUpdate, symbol: x.symbol, side: x.side, qty: x.qty, strategy: x.strategy, what: 'REJECTED', rule: 'broker', message: x.statusMessage ?? '' });
  }
  refusals.sort((a, b) => a.ts - b.ts);
  const maxPts = opts.pricePoints ?? 2000;
  const instruments = new Map(engine.instruments.map((i) => [i.symbol, i]));
  return {
    settings: {
      fill: config.backtest.fill,
      exits: config.backtest.exits,
      barTime: config.backtest.barTime,
      riskFreeRate: config.backtest.riskFreeRate,
      capitalPaise,
      strategies: profile.strategies,
      trading: profile.trading,
      ensemble: profile.ensemble,
    },
    period: { from: first, to: last },
    symbols: series.map((s) => ({
      symbol: s.symbol,
      bars: s.candles.length,
      firstBar: s.candles[0]!.start,
      lastBar: s.candles.at(-1)!.start,
      tickSizePaise: instruments.get(s.symbol)?.tickSizePaise ?? 5,
      lotSize: instruments.get(s.symbol)?.lotSize ?? 1,
    })),
    metrics,
    trades,
    fills,
    openPositions: snap.positions
      .filter((p) => p.qty !== 0)
      .map((p) => ({ strategy: p.strategy, symbol: p.symbol, qty: p.qty, avgPricePaise: p.avgPricePaise, markPaise: p.markPaise, unrealisedPaise: p.unrealisedPaise })),
    equity,
    drawdown: drawdownCurve(equity, capitalPaise),
    counts: { bars, ticks, steps, signals, orders: orders.length, rejected: orders.filter((o) => o.order.status === 'REJECTED').length, fills: fills.length, blocked },
    refusals,
    prices: series.map((s) => {
      const n = s.candles.length;
      const stride = Math.max(1, Math.ceil(n / maxPts));
      const t: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < n; i += stride) {
        const k = Math.min(n - 1, i + stride - 1);
        t.push(s.candles[k]!.end);
        c.push(s.candles[k]!.closePaise);
      }
      return { symbol: s.symbol, t, c };
    }),
    warnings,
    ...(syn ? { syntheticOptions: syn.info } : {}),
  };
}

/** Inputs as the report states them: every file with its SHA-256 and row count. */
export type BacktestInputs = InputFile[];
