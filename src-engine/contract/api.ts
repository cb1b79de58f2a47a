import { strategyApproveInputSchema, userStrategyFilesSchema } from './strategy-file-schemas.js';
import { z } from 'zod';
import { defineApi } from './api-def.js';
import { ensembleInfoSchema } from './ensemble-schemas.js';
import { healthSchema } from './health-schemas.js';
import {
  candleSchema,
  depthSnapshotSchema,
  engineStatusSchema,
  instrumentSchema,
  kiteSessionStatusSchema,
  quoteSchema,
  signalSchema,
  strategiesListSchema,
  strategyInstanceIdSchema,
  strategyInstanceInfoSchema,
  symbolSchema,
  timeframeSchema,
  universeScanSchema,
  watchlistSchema,
} from './schemas.js';
import {
  chargesBreakdownSchema,
  equityPointSchema,
  istDaySchema,
  fillDtoSchema,
  liveRequestSchema,
  manualOrderSchema,
  orderDtoSchema,
  orderTypeSchema,
  performanceSchema,
  placeResultSchema,
  portfolioSchema,
  riskDecisionDtoSchema,
  riskStatusSchema,
} from './trading-schemas.js';
import { kiteLoginStartSchema, kiteSettingsInfoSchema, kiteSettingsInputSchema } from './kite-credentials.js';
import { chartRequests, chartTopics } from './chart-schemas.js';
import { modeRequests, modeTopics } from './mode-schemas.js';
import { recordsRequests } from './records.js';
import { instrumentSearchRequests } from './instrument-search.js';
import { backtestRequests, backtestTopics } from './backtest-schemas.js';
import { optionsRequests } from './options-schemas.js';

const empty = z.object({}).strict();

/**
 * The KiteDesk API: every request the renderer (or any client) can make, and every event stream
 * it can subscribe to. Requests are `domain.verb`, streams `domain.pastTense`.
 */
export const kiteDeskApi = defineApi({
  requests: {
    'engine.getStatus': { input: empty, output: engineStatusSchema },
    /** The Health tab: engine, feed, order-rate use against the caps, process memory and event-loop delay, journal size, the last problems. */
    'engine.health': { input: empty, output: healthSchema },
    'engine.ping': {
      input: z.object({ echo: z.string().max(256).optional() }).strict(),
      output: z.object({ echo: z.string().optional(), serverTime: z.number() }),
    },
    'instruments.list': { input: empty, output: z.array(instrumentSchema) },
    /** The watchlist's add box: the instrument master searched, ranked and bounded (instrument-search.ts). */
    ...instrumentSearchRequests,
    'watchlist.get': { input: empty, output: watchlistSchema },
    'watchlist.set': { input: watchlistSchema.strict(), output: watchlistSchema },
    'quotes.get': {
      input: z.object({ symbols: z.array(symbolSchema).min(1).max(500) }).strict(),
      output: z.array(quoteSchema),
    },
    'candles.get': {
      input: z
        .object({ symbol: symbolSchema, tf: timeframeSchema.default('1m'), limit: z.number().int().min(1).max(5000).default(500) })
        .strict(),
      output: z.array(candleSchema),
    },
    /** The latest market depth (5 levels a side) of a symbol, or null before its first snapshot. */
    'depth.get': { input: z.object({ symbol: symbolSchema }).strict(), output: depthSnapshotSchema.nullable() },
    /** Strategy instances (config, running, last error) and the types the engine knows (with params JSON Schemas). */
    'strategies.list': { input: empty, output: strategiesListSchema },
    /** Switch an instance on (rebuilt, warmed from stored bars, error cleared) or off; persisted. */
    'strategies.setEnabled': {
      input: z.object({ id: strategyInstanceIdSchema, enabled: z.boolean() }).strict(),
      output: strategyInstanceInfoSchema,
    },
    /**
     * Replace an instance's params (keys left out take the type's defaults); validated by the type's
     * schema (INVALID_INPUT with `details.issues[].path` like `params.fast`), persisted, rebuilt.
     */
    'strategies.setParams': {
      input: z.object({ id: strategyInstanceIdSchema, params: z.record(z.string(), z.unknown()) }).strict(),
      output: strategyInstanceInfoSchema,
    },
    /**
     * Add an instance of a registered type (built-in or a loaded user strategy) at the end of the run
     * order; persisted. NOT_FOUND for an unknown type or symbol; INVALID_INPUT with
     * `details.issues[].path` for bad params (`params.fast`) or an id already in use (`id`).
     */
    'strategies.add': {
      input: z
        .object({
          id: strategyInstanceIdSchema,
          type: z.string().min(1).max(64),
          params: z.record(z.string(), z.unknown()).optional(),
          symbols: z.array(symbolSchema).min(1).max(500),
          timeframe: timeframeSchema.optional(),
          weight: z.number().min(0).max(100).optional(),
          enabled: z.boolean().optional(),
        })
        .strict(),
      output: strategyInstanceInfoSchema,
    },
    /** Remove an instance (stopped; persisted). NOT_FOUND for an unknown id. Answers its last state with `removed: true`. */
    'strategies.remove': { input: z.object({ id: strategyInstanceIdSchema }).strict(), output: strategyInstanceInfoSchema },
    /** User strategy files: loaded, refused (not the user's, writable by others) or waiting for approval of their content. */
    'strategies.files': { input: empty, output: userStrategyFilesSchema },
    /** Approve a new or changed user strategy file's exact content (its sha256 as shown); it loads now. INVALID_INPUT if it changed since. */
    'strategies.approve': { input: strategyApproveInputSchema, output: userStrategyFilesSchema },
    /** The ensemble's settings in force (thresholds, conflict modes), the person's changes and the form's JSON Schema. */
    'ensemble.get': { input: empty, output: ensembleInfoSchema },
    /**
     * Replace the person's changes to the ensemble's settings (keys left out take the run profile's
     * values); validated by the engine (INVALID_INPUT with `details.issues[].path` like
     * `settings.buyThreshold`; sellThreshold must stay ≤ buyThreshold), persisted, in force from the
     * next vote.
     */
    'ensemble.set': {
      input: z.object({ settings: z.record(z.string(), z.unknown()) }).strict(),
      output: ensembleInfoSchema,
    },
    /** The newest journalled signals, newest first. */
    'signals.recent': {
      input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
      output: z.array(signalSchema),
    },
    /** The day's pre-market scan: date, every scored symbol (rank, score, factors, selected) and what was dropped. */
    'universe.get': { input: empty, output: universeScanSchema },
    /**
     * A person's order: risk decides (ALLOW, REDUCE, BLOCK, HALT_SESSION, journalled), then the order
     * manager places it with the broker of the current mode. A BLOCK answers normally with no orders
     * (the decision names the rule); the same `clientId` again answers the first order, never a second.
     */
    'orders.place': { input: manualOrderSchema, output: placeResultSchema },
    /** Change a resting order (Kite allows 25 modifications). NOT_FOUND for an unknown id; CONFLICT when it is no longer open. */
    'orders.modify': {
      input: z
        .object({
          orderId: z.string().min(1).max(64),
          qty: z.number().int().positive().max(10_000_000).optional(),
          pricePaise: z.number().int().positive().safe().optional(),
          triggerPaise: z.number().int().positive().safe().optional(),
          orderType: orderTypeSchema.optional(),
        })
        .strict(),
      output: orderDtoSchema,
    },
    'orders.cancel': { input: z.object({ orderId: z.string().min(1).max(64) }).strict(), output: orderDtoSchema },
    /** Today's orders of the current mode, newest first. */
    'orders.list': { input: empty, output: z.array(orderDtoSchema) },
    /** An order's charges by component (the breakdown behind every net figure). */
    'orders.charges': { input: z.object({ orderId: z.string().min(1).max(64) }).strict(), output: chargesBreakdownSchema },
    /** Shadow mode: the Kite requests (place, modify, cancel) this order would have sent live, oldest first; [] for other orders. */
    'orders.liveParams': { input: z.object({ orderId: z.string().min(1).max(64) }).strict(), output: z.array(liveRequestSchema) },
    /** Fills, newest first. */
    'trades.list': { input: z.object({ limit: z.number().int().min(1).max(5000).default(500) }).strict(), output: z.array(fillDtoSchema) },
    /** Cash, equity, positions and PnL (net of charges) overall and per strategy, marked to the last tick. */
    'portfolio.get': { input: empty, output: portfolioSchema },
    /** Sampled equity, overall or of one strategy, oldest first. */
    'portfolio.equityCurve': { input: z.object({ strategy: z.string().max(64).optional() }).strict(), output: z.array(equityPointSchema) },
    /**
     * Performance over IST days `from`..`to` (default today by the feed clock; `to` defaults to `from`):
     * overall and per strategy, with the equity and drawdown behind it (formulas: docs/metrics.md).
     */
    'performance.get': {
      input: z.object({ from: istDaySchema.optional(), to: istDaySchema.optional(), riskFreeRate: z.number().min(0).max(1).optional() }).strict(),
      output: performanceSchema,
    },
    /**
     * Close open positions at market (all, or one symbol / strategy); each exit passes risk as a
     * reduce-only order. Working orders of the positions being closed are cancelled first; other orders stay.
     */
    'positions.squareOff': {
      input: z.object({ symbol: z.string().max(32).optional(), strategy: z.string().max(64).optional() }).strict(),
      output: z.array(placeResultSchema),
    },
    'risk.get': { input: empty, output: riskStatusSchema },
    /** Stop new orders (exits still pass) until `risk.resume`. */
    'risk.halt': { input: z.object({ reason: z.string().min(1).max(200) }).strict(), output: riskStatusSchema },
    'risk.resume': { input: empty, output: riskStatusSchema },
    /**
     * The global kill switch: blocks every new order, cancels every open order and optionally squares
     * off; it stays on across restarts until a person turns it off here. `confirm: true` is required.
     */
    'risk.setKillSwitch': {
      input: z
        .object({ engaged: z.boolean(), squareOff: z.boolean().default(false), reason: z.string().max(200).optional(), confirm: z.literal(true) })
        .strict(),
      output: riskStatusSchema,
    },
    /** Kite credentials as the keychain holds them, secret-free: masked api key, whether a secret is stored, the redirect URL to register. */
    'kiteSettings.get': { input: empty, output: kiteSettingsInfoSchema },
    /** Store api key, api secret (write-only) and redirect URL in the OS keychain; UNAVAILABLE without one (never plain text). */
    'kiteSettings.set': { input: kiteSettingsInputSchema, output: kiteSettingsInfoSchema },
    /** Delete every stored Kite entry (credentials and session) and log out; the environment still overrides. */
    'kiteSettings.clear': { input: empty, output: kiteSettingsInfoSchema },
    /** The Kite session: state, user id, expiry (06:00 IST); never a token. */
    'kiteSession.get': { input: empty, output: kiteSessionStatusSchema },
    /** Start a Kite login: the desktop app opens its login window; in the browser, navigate to the answered URL. */
    'kiteSession.login': { input: empty, output: kiteLoginStartSchema },
    /** End the session and forget the token everywhere (engine memory and the keychain). */
    'kiteSession.logout': { input: empty, output: kiteSessionStatusSchema },
    /** The newest risk decisions, newest first. */
    'risk.decisions': { input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(), output: z.array(riskDecisionDtoSchema) },
    /** Indicators, older candles, markers and position levels of the chart (chart-schemas.ts). */
    ...chartRequests,
    /** Paper / shadow / live, the live preflight and confirmation, the mode journal (mode-schemas.ts). */
    ...modeRequests,
    /** The journal as CSV for a range of IST days (records.ts, docs/exports.md). */
    ...recordsRequests,
    /** Backtests from the app: run, progress, cancel, past runs, report (backtest-schemas.ts, docs/backtest.md). */
    ...backtestRequests,
    /** The option chain of an underlying and expiry (options-schemas.ts, docs/options.md). */
    ...optionsRequests,
  },
  topics: {
    'engine.statusChanged': { params: empty, snapshot: engineStatusSchema, delta: engineStatusSchema },
    'quotes.updated': {
      params: z.object({ symbols: z.array(symbolSchema).min(1).max(500) }).strict(),
      snapshot: z.array(quoteSchema),
      delta: quoteSchema,
    },
    'candles.updated': {
      params: z
        .object({ symbol: symbolSchema, tf: timeframeSchema.default('1m'), limit: z.number().int().min(1).max(5000).default(500) })
        .strict(),
      snapshot: z.array(candleSchema),
      /** The candle that changed: the forming one, or a new one (compare `t`). */
      delta: candleSchema,
    },
    /** Snapshot: the symbol's latest depth or null; then each new depth snapshot (coalesced: latest wins). */
    'depth.updated': { params: z.object({ symbol: symbolSchema }).strict(), snapshot: depthSnapshotSchema.nullable(), delta: depthSnapshotSchema },
    /** Snapshot: the newest `limit` signals, newest first; then each new signal as it fires. */
    'signals.emitted': {
      params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
      snapshot: z.array(signalSchema),
      delta: signalSchema,
    },
    /** Snapshot: as `strategies.list`; then each instance that changed (enabled, params, error, added; removed ones with `removed: true`). */
    'strategies.changed': { params: empty, snapshot: strategiesListSchema, delta: strategyInstanceInfoSchema },
    /** Snapshot: the user strategy files (as `strategies.files`); then the whole list again on every change. */
    'strategies.filesChanged': { params: empty, snapshot: userStrategyFilesSchema, delta: userStrategyFilesSchema },
    /** Snapshot: today's orders, newest first; then each order as it changes (coalesced per order). */
    'orders.updated': { params: empty, snapshot: z.array(orderDtoSchema), delta: orderDtoSchema },
    /** Snapshot and deltas: the whole portfolio (coalesced: the latest wins). */
    'portfolio.updated': { params: empty, snapshot: portfolioSchema, delta: portfolioSchema },
    /** Snapshot: the newest `limit` risk decisions; then each decision as it is made. */
    'risk.decided': {
      params: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
      snapshot: z.array(riskDecisionDtoSchema),
      delta: riskDecisionDtoSchema,
    },
    'risk.statusChanged': { params: empty, snapshot: riskStatusSchema, delta: riskStatusSchema },
    ...chartTopics,
    ...modeTopics,
    ...backtestTopics,
  },
});

export type KiteDeskApi = typeof kiteDeskApi;
