import type { Handlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { optionsRequests } from '../contract/options-schemas.js';
import { computeChain } from '../fno/chain.js';
import { INDEX_FNO } from '../fno/specs.js';
import type { Engine } from '../runtime/engine.js';

type OptionsRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof optionsRequests>;

/** The option-chain request (spread into createHandlers): the feed's chain source through fno/chain.ts. */
export function createOptionsHandlers(engine: Engine): OptionsRequestHandlers {
  return {
    'options.chain': async ({ underlying, expiry, strikes, rate }) => {
      const src = engine.optionChainSource();
      if (!src) throw new RpcError(ErrorCode.UNAVAILABLE, `the ${engine.status().feed} feed has no option chain now (the built-in simulator has one; on Kite it needs a session and the day's instrument dump)`);
      const names = src.underlyings();
      const u = underlying ?? names[0]!;
      if (!names.includes(u)) throw new RpcError(ErrorCode.NOT_FOUND, `no options for ${u} on this feed (underlyings: ${names.join(', ')})`, { underlying: u });
      const now = src.now();
      const expiries = src.expiries(u, now);
      if (expiries.length === 0) throw new RpcError(ErrorCode.NOT_FOUND, `${u}: no live option expiry (the listed ones have expired: restart to list new ones)`, { underlying: u });
      const e = expiry ?? expiries[0]!;
      if (!expiries.includes(e)) throw new RpcError(ErrorCode.NOT_FOUND, `${u}: ${e} is not a live expiry (live: ${expiries.join(', ')})`, { underlying: u, expiry: e });
      const { spotPaise: spot, states } = await src.load(u, e);
      if (spot === undefined) throw new RpcError(ErrorCode.UNAVAILABLE, `${u}: no index level yet`);
      if (states.length === 0) throw new RpcError(ErrorCode.NOT_FOUND, `${u}: no options listed for ${e}`);
      const c = computeChain({ expiry: e, now, spotPaise: spot, rate, contracts: states, strikesEachSide: strikes });
      const spec = INDEX_FNO[u]!;
      return {
        underlyings: names,
        underlying: u,
        index: spec.index,
        expiry: e,
        expiries,
        futures: src.futures(u, now),
        lotSize: spec.lot,
        now,
        spotPaise: spot,
        forwardPaise: c.forwardPaise,
        atmStrikePaise: c.atmStrikePaise,
        daysToExpiry: c.t * 365,
        rate,
        pcr: c.pcr,
        maxPainPaise: c.maxPainPaise,
        totals: c.totals,
        rows: c.rows,
      };
    },
  };
}
