import { z } from 'zod';
import { STRATEGY_TIMEFRAMES, type StrategyDefinition, type StrategyTimeframe } from './strategy.js';

/**
 * A strategy instance as configured (YAML profile, UI, API): one definition with its params, run
 * on a list of symbols. Unknown keys are errors so typos do not pass silently.
 */
export const strategyInstanceSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'id must be 1–64 characters of letters, digits, _ . - (starting with a letter or digit)'),
  type: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  symbols: z.array(z.string().min(1).max(64)).min(1),
  /** Primary timeframe; defaults to the definition's first. */
  timeframe: z.enum(STRATEGY_TIMEFRAMES).optional(),
  /** Ensemble weight; defaults to the ensemble's weight for the type. 0 = journal only, no vote. */
  weight: z.number().min(0).max(100).optional(),
  enabled: z.boolean().default(true),
});
export type StrategyInstanceInput = z.input<typeof strategyInstanceSchema>;

/** A validated instance: params parsed by the definition's schema (defaults filled in). */
export interface StrategyInstanceConfig {
  id: string;
  type: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: StrategyTimeframe;
  weight: number;
  enabled: boolean;
}

export interface ConfigIssue {
  /** Dotted path from the instance, e.g. `params.fast` or `symbols.0`. */
  path: string;
  message: string;
}

/** A bad strategy instance config; `message` lists every issue with its path. */
export class StrategyConfigError extends Error {
  constructor(
    readonly instance: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`strategy instance ${instance}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'StrategyConfigError';
  }
}

const pathOf = (prefix: readonly PropertyKey[], p: readonly PropertyKey[]) => [...prefix, ...p].map(String).join('.');

/**
 * Validates one instance against the known definitions. `label` names it in errors (its id if it
 * has one). Throws {@link StrategyConfigError}.
 */
export function validateInstance(
  raw: unknown,
  definitions: ReadonlyMap<string, StrategyDefinition>,
  defaultWeight: (type: string) => number,
  label?: string,
): StrategyInstanceConfig {
  const idGuess = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? `"${(raw as { id: string }).id}"` : undefined;
  const name = [idGuess, label].filter(Boolean).join(' ') || '(unnamed)';
  const base = strategyInstanceSchema.safeParse(raw);
  if (!base.success) throw new StrategyConfigError(name, base.error.issues.map((i) => ({ path: pathOf([], i.path), message: i.message })));
  const cfg = base.data;
  const def = definitions.get(cfg.type);
  if (!def) {
    throw new StrategyConfigError(name, [{ path: 'type', message: `unknown strategy type "${cfg.type}"; known: ${[...definitions.keys()].sort().join(', ')}` }]);
  }
  const params = def.params.safeParse(cfg.params);
  if (!params.success) throw new StrategyConfigError(name, params.error.issues.map((i) => ({ path: pathOf(['params'], i.path), message: i.message })));
  const dupes = cfg.symbols.filter((s, i) => cfg.symbols.indexOf(s) !== i);
  if (dupes.length > 0) throw new StrategyConfigError(name, [{ path: 'symbols', message: `duplicate symbol(s) ${[...new Set(dupes)].join(', ')}` }]);
  return {
    id: cfg.id,
    type: cfg.type,
    params: params.data as Record<string, unknown>,
    symbols: cfg.symbols,
    timeframe: cfg.timeframe ?? def.timeframes[0],
    weight: cfg.weight ?? defaultWeight(cfg.type),
    enabled: cfg.enabled,
  };
}
