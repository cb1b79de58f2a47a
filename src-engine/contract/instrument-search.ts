import { z } from 'zod';

/**
 * The watchlist's add box (issue 11): search over the instrument master — Kite's day dump under the Kite
 * feed (NSE, BSE, NFO, BFO, indices), the engine's own instruments otherwise (the simulator's). Ranked:
 * exact symbol first, then symbol prefix, then name prefix / contains; bounded by `limit`.
 */
export const SEARCH_EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'INDICES'] as const;

export const instrumentHitSchema = z.object({
  /** Kite's tradingsymbol (an index name may have spaces: NIFTY 50). */
  symbol: z.string(),
  exchange: z.string(),
  name: z.string(),
  /** EQ, FUT, CE, PE, or INDEX (a price only). */
  type: z.enum(['EQ', 'FUT', 'CE', 'PE', 'INDEX']),
  /** F&O expiry (IST day), null otherwise. */
  expiry: z.string().nullable(),
  /** Option strike, paise; 0 otherwise. */
  strikePaise: z.number().int().nonnegative(),
  lotSize: z.number().int().nonnegative(),
  tickSizePaise: z.number().int().nonnegative(),
  /** Kite's instrument token; null on the simulator feed's own list. */
  token: z.number().int().nullable(),
  /** Already one of the engine's instruments (quotes, charts, orders). */
  known: z.boolean(),
  /** Can go on the watchlist now (known, or an NSE equity the Kite feed can add and subscribe at run time). */
  addable: z.boolean(),
});
export type InstrumentHit = z.infer<typeof instrumentHitSchema>;

export const instrumentSearchRequests = {
  /** Search the instrument master for the watchlist's add box (see above). `source` says which list answered. */
  'instruments.search': {
    input: z
      .object({
        query: z.string().trim().min(1).max(64),
        exchanges: z.array(z.enum(SEARCH_EXCHANGES)).min(1).max(SEARCH_EXCHANGES.length).optional(),
        limit: z.number().int().min(1).max(50).default(20),
      })
      .strict(),
    output: z.object({ source: z.enum(['kite', 'engine']), hits: z.array(instrumentHitSchema) }),
  },
} as const;
