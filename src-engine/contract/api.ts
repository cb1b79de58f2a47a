import { z } from 'zod';
import { defineApi } from './api-def.js';
import {
  candleSchema,
  depthSnapshotSchema,
  engineStatusSchema,
  instrumentSchema,
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

const empty = z.object({}).strict();

/**
 * The KiteDesk API: every request the renderer (or any client) can make, and every event stream
 * it can subscribe to. Requests are `domain.verb`, streams `domain.pastTense`.
 */
export const kiteDeskApi = defineApi({
  requests: {
    'engine.getStatus': { input: empty, output: engineStatusSchema },
    'engine.ping': {
      input: z.object({ echo: z.string().max(256).optional() }).strict(),
      output: z.object({ echo: z.string().optional(), serverTime: z.number() }),
    },
    'instruments.list': { input: empty, output: z.array(instrumentSchema) },
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
    /** The newest journalled signals, newest first. */
    'signals.recent': {
      input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(),
      output: z.array(signalSchema),
    },
    /** The day's pre-market scan: date, every scored symbol (rank, score, factors, selected) and what was dropped. */
    'universe.get': { input: empty, output: universeScanSchema },
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
  },
});

export type KiteDeskApi = typeof kiteDeskApi;
