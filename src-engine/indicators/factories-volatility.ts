import { Adx } from './adx.js';
import { Atr } from './atr.js';
import type { IndicatorFactory } from './indicator.js';
import { Mfi } from './mfi.js';
import { Natr } from './natr.js';
import { Obv } from './obv.js';
import { Psar } from './psar.js';
import { SuperTrend } from './supertrend.js';
import { TrueRange } from './trange.js';
import { Vwap } from './vwap.js';

/** Fills in defaults and checks the count: `atr` → [14], `atr:14:3` → RangeError. */
function withDefaults(name: string, params: readonly number[], defaults: readonly number[]): number[] {
  if (params.length > defaults.length) {
    throw new RangeError(`${name}: takes at most ${defaults.length} parameter(s) (${defaults.join(':') || 'none'} by default), got ${params.length}`);
  }
  return defaults.map((d, i) => params[i] ?? d);
}

/**
 * Range, volume and trend-following indicators. Parameters may be left off for the usual defaults:
 * atr/natr/adx/mfi 14, supertrend 10:3, psar 0.02:0.2.
 */
export const volatilityFactories: Record<string, IndicatorFactory> = {
  trange: (p) => (withDefaults('trange', p, []), new TrueRange()),
  atr: (p) => new Atr(withDefaults('atr', p, [14])[0]!),
  natr: (p) => new Natr(withDefaults('natr', p, [14])[0]!),
  adx: (p) => new Adx(withDefaults('adx', p, [14])[0]!),
  vwap: (p) => (withDefaults('vwap', p, []), new Vwap()),
  supertrend: (p) => {
    const [n, mult] = withDefaults('supertrend', p, [10, 3]);
    return new SuperTrend(n!, mult!);
  },
  obv: (p) => (withDefaults('obv', p, []), new Obv()),
  mfi: (p) => new Mfi(withDefaults('mfi', p, [14])[0]!),
  psar: (p) => {
    const [accel, max] = withDefaults('psar', p, [0.02, 0.2]);
    return new Psar(accel!, max!);
  },
};
