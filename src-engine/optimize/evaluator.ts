/**
 * What the optimiser runs: an evaluator scores one parameter point on some data (optionally a time
 * window of it) and returns metrics. It must be loadable by name in another thread or on another
 * machine, so tasks carry an `EvaluatorRef` (a module and an export), never a function; the built-in
 * evaluators are bundled with the worker and named `builtin:<name>`.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { ParamPoint } from './space.js';

/** A metric value; null when undefined for the run (e.g. Sharpe without trades). */
export type MetricValue = number | null;

export interface EvalWindow {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface EvalResult {
  metrics: Record<string, MetricValue>;
  /** Equity over time (paise), when the task asked for it (walk-forward out-of-sample runs). */
  equity?: { ts: number; valuePaise: number }[];
}

export interface Evaluator {
  /** Scores one point. `data` is the JSON the optimiser was given (files, a config…), the same for every task. */
  evaluate(params: ParamPoint, data: unknown, opts: { window?: EvalWindow; equity?: boolean }): EvalResult | Promise<EvalResult>;
  /** The time span the data covers [from, to) (for walk-forward windows). */
  range?(data: unknown): EvalWindow | Promise<EvalWindow>;
}

export interface EvaluatorRef {
  /** `builtin` or a module path/URL (a path is resolved against the working directory). */
  module: string;
  /** The export holding the Evaluator (for builtin: its name). */
  export: string;
}

export class EvaluatorError extends Error {
  override readonly name = 'EvaluatorError';
}

/** `builtin:sma` → { module: 'builtin', export: 'sma' }; `path/to/mod.ts#name` → that module's export. */
export function parseEvaluatorRef(s: string): EvaluatorRef {
  if (s.startsWith('builtin:')) return { module: 'builtin', export: s.slice('builtin:'.length) };
  const hash = s.lastIndexOf('#');
  if (hash <= 0 || hash === s.length - 1) throw new EvaluatorError(`--evaluator ${JSON.stringify(s)}: expected builtin:<name> or <module path>#<export>`);
  return { module: s.slice(0, hash), export: s.slice(hash + 1) };
}

export function formatEvaluatorRef(r: EvaluatorRef): string {
  return r.module === 'builtin' ? `builtin:${r.export}` : `${r.module}#${r.export}`;
}

/** The module specifier to import for a non-builtin ref. */
export function moduleUrl(module: string): string {
  if (/^(file|data|node):/.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

function isEvaluator(x: unknown): x is Evaluator {
  return typeof x === 'object' && x !== null && typeof (x as Evaluator).evaluate === 'function';
}

const loaded = new Map<string, Promise<Evaluator>>();

/**
 * Loads (once per thread) the evaluator a ref names. `builtins` maps builtin names to evaluators or
 * lazy loaders (the worker passes its bundled ones).
 */
export function loadEvaluator(ref: EvaluatorRef, builtins: Readonly<Record<string, () => Promise<Evaluator>>>): Promise<Evaluator> {
  const key = `${ref.module}#${ref.export}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      if (ref.module === 'builtin') {
        const make = builtins[ref.export];
        if (!make) throw new EvaluatorError(`unknown built-in evaluator ${JSON.stringify(ref.export)}; known: ${Object.keys(builtins).join(', ')}`);
        return make();
      }
      let mod: Record<string, unknown>;
      try {
        mod = (await import(moduleUrl(ref.module))) as Record<string, unknown>;
      } catch (e) {
        // a TypeScript evaluator under the built CLI: load it through tsx when tsx is installed
        if ((e as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[mc]?ts$/.test(ref.module)) {
          throw new EvaluatorError(`cannot load evaluator module ${ref.module}: ${(e as Error).message}`);
        }
        try {
          const tsx = (await import('tsx/esm/api')) as { register: () => unknown };
          tsx.register();
          // a new URL: the loader remembers the failed import of the plain one
          mod = (await import(`${moduleUrl(ref.module)}?tsx`)) as Record<string, unknown>;
        } catch (e2) {
          throw new EvaluatorError(`cannot load the TypeScript evaluator ${ref.module} (needs tsx): ${(e2 as Error).message}`);
        }
      }
      const ev = mod[ref.export];
      if (!isEvaluator(ev)) throw new EvaluatorError(`${ref.module}: export ${JSON.stringify(ref.export)} is not an evaluator (an object with evaluate(params, data, opts))`);
      return ev;
    })();
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}
