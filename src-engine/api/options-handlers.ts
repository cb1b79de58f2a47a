import type { Handlers } from '../contract/api-def.js';
import type { KiteDeskApi } from '../contract/api.js';
import { ErrorCode, RpcError } from '../contract/errors.js';
import type { optionsRequests } from '../contract/options-schemas.js';
import { computeChain } from '../fno/chain.js';
import { INDEX_FNO } from '../fno/specs.js';
import { fnoContractOf } from '../portfolio/fno-margin.js';
import { payoffCurve } from '../portfolio/fno-payoff.js';
import type { Engine } from '../runtime/engine.js';

type OptionsRequestHandlers = Pick<Handlers<KiteDeskApi>, keyof typeof optionsRequests>;

/** The option-chain request (spread into createHandlers): the feed's chain source through fno/chain.ts. */
export function createOptionsHandlers(engine: Engine): OptionsRequestHandlers {
  return {
    'orders.preview': async (input) => engine.trading.previewOrder(input),
    'options.payoff': async ({ underlying, rangePct, points }) => {
      const open = engine.trading.portfolio().positions.filter((p) => p.qty !== 0 && fnoContractOf(p.symbol) !== null);
      const u = underlying ?? (open.length > 0 ? fnoContractOf(open[0]!.symbol)!.name : 'NIFTY');
      const index = fnoContractOf(open.find((p) => fnoContractOf(p.symbol)!.name === u)?.symbol ?? '')?.underlyingSymbol ?? INDEX_FNO[u]?.index ?? u;
      const spot = engine.market.quote(index)?.lastPaise;
      if (spot === undefined || spot <= 0) throw new RpcError(ErrorCode.UNAVAILABLE, `no price of ${index} yet`);
      const mine = open.filter((p) => fnoContractOf(p.symbol)!.name === u);
      const now = engine.feed.now();
      const pts = payoffCurve(
        mine.map((p) => ({ symbol: p.symbol, qty: p.qty, avgPricePaise: p.avgPricePaise, markPaise: p.markPaise })),
        { spotPaise: spot, now, rangePct, points },
      );
      return {
        underlying: u,
        index,
        now,
        spotPaise: spot,
        positions: mine.map((p) => ({ strategy: p.strategy, symbol: p.symbol, qty: p.qty, avgPricePaise: p.avgPricePaise, markPaise: p.markPaise })),
        points: pts,
      };
    },
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
      const { spotPaise: spot, states } = await src.load(u, e, strikes);
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
