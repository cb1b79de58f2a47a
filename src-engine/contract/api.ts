import { z } from 'zod';
import { defineApi } from './api-def.js';
import {
  candleSchema,
  engineStatusSchema,
  instrumentSchema,
  quoteSchema,
  symbolSchema,
  timeframeSchema,
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
  },
});

export type KiteDeskApi = typeof kiteDeskApi;
