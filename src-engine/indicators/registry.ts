import { trendFactories } from './factories-trend.js';
import { volatilityFactories } from './factories-volatility.js';
import type { Indicator, IndicatorFactory } from './indicator.js';

export const INDICATORS: Readonly<Record<string, IndicatorFactory>> = { ...trendFactories, ...volatilityFactories };

/** `macd:12:26:9` → a MACD indicator. Errors name the spec and what is wrong with it. */
export function createIndicator(spec: string): Indicator {
  const [name, ...rest] = spec.trim().split(':');
  const factory = name ? INDICATORS[name.toLowerCase()] : undefined;
  if (!factory) throw new RangeError(`unknown indicator "${name ?? ''}" in "${spec}"; known: ${Object.keys(INDICATORS).sort().join(', ')}`);
  const params = rest.map((p) => {
    const n = Number(p);
    if (p.trim() === '' || !Number.isFinite(n)) throw new RangeError(`indicator "${spec}": parameter "${p}" is not a number`);
    return n;
  });
  return factory(params);
}
