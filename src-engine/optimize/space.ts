/**
 * Parameter spaces for optimisation: each parameter is a stepped range (`from:to:step`, numbers) or a
 * list of choices (numbers or strings). A grid is their cartesian product in a fixed order (the first
 * parameter varies slowest); random search draws points from the same space with a seeded PRNG, so a
 * seed always gives the same points. Every point carries its index, which is the stable tie-break of
 * the ranking (rank.ts).
 */
import { z } from 'zod';
import { Rng } from '../core/random.js';

export type ParamValue = number | string;
export type ParamPoint = Record<string, ParamValue>;

export class ParamSpaceError extends Error {
  override readonly name = 'ParamSpaceError';
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

const rangeSchema = z.strictObject({
  from: z.number().finite(),
  to: z.number().finite(),
  /** Omitted: a continuous range, only for random search. */
  step: z.number().finite().positive().optional(),
});
const choicesSchema = z.strictObject({ values: z.array(z.union([z.number().finite(), z.string().min(1)])).min(1) });

export const paramSpecSchema = z.union([rangeSchema, choicesSchema]);
export type ParamSpec = z.infer<typeof paramSpecSchema>;

export const paramSpaceSchema = z
  .array(z.strictObject({ name: z.string().regex(NAME_RE, 'a parameter name: letters, digits, _ and . (not first)'), spec: paramSpecSchema }))
  .min(1, 'at least one parameter')
  .superRefine((ps, ctx) => {
    const seen = new Set<string>();
    ps.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', message: `parameter ${p.name} given twice`, path: [i, 'name'] });
      seen.add(p.name);
      if ('from' in p.spec && p.spec.from > p.spec.to) ctx.addIssue({ code: 'custom', message: `${p.name}: from (${p.spec.from}) is after to (${p.spec.to})`, path: [i, 'spec'] });
      if ('values' in p.spec && new Set(p.spec.values).size !== p.spec.values.length) ctx.addIssue({ code: 'custom', message: `${p.name}: a value is repeated`, path: [i, 'spec'] });
    });
  });
export type ParamSpace = z.infer<typeof paramSpaceSchema>;

/** Checks a space (from JSON or code) and turns zod's issues into one readable error. */
export function validateSpace(input: unknown): ParamSpace {
  const r = paramSpaceSchema.safeParse(input);
  if (r.success) return r.data;
  const msg = r.error.issues.map((i) => `${i.path.length ? `parameter ${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
  throw new ParamSpaceError(`invalid parameter space: ${msg}`);
}

/** Digits after the point of a number as written (for snapping 0.1 steps to clean values). */
function decimals(x: number): number {
  const s = String(x);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** The values of one parameter on the grid, in order. A range needs a step. */
export function gridValues(name: string, spec: ParamSpec): ParamValue[] {
  if ('values' in spec) return [...spec.values];
  if (spec.step === undefined) throw new ParamSpaceError(`${name}: a grid needs a step (from:to:step); a range without a step is for --random only`);
  const d = Math.max(decimals(spec.from), decimals(spec.step));
  const n = Math.floor((spec.to - spec.from) / spec.step + 1e-9) + 1;
  if (n > 1_000_000) throw new ParamSpaceError(`${name}: ${n} values from ${spec.from} to ${spec.to} step ${spec.step}; too many`);
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(Number((spec.from + k * spec.step).toFixed(d)));
  return out;
}

/** Number of grid points (product of the value counts). */
export function gridSize(space: ParamSpace): number {
  return space.reduce((n, p) => n * gridValues(p.name, p.spec).length, 1);
}

export interface Point {
  /** Position in the search (grid order, or draw order for random); the ranking's tie-break. */
  index: number;
  params: ParamPoint;
}

/** Largest grid or sample we run in one go. */
export const MAX_POINTS = 100_000;

/** Every combination, the first parameter varying slowest. */
export function gridPoints(space: ParamSpace): Point[] {
  const axes = space.map((p) => ({ name: p.name, values: gridValues(p.name, p.spec) }));
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_POINTS) throw new ParamSpaceError(`the grid has ${total} points; at most ${MAX_POINTS} (narrow the ranges or use --random N)`);
  const out: Point[] = [];
  const idx = axes.map(() => 0);
  for (let i = 0; i < total; i++) {
    const params: ParamPoint = {};
    axes.forEach((a, k) => (params[a.name] = a.values[idx[k]!]!));
    out.push({ index: i, params });
    for (let k = axes.length - 1; k >= 0; k--) {
      if (++idx[k]! < axes[k]!.values.length) break;
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * `count` points drawn with a seeded PRNG. Stepped ranges and choices draw from their grid values;
 * ranges without a step draw uniformly in [from, to] (rounded to 6 decimals, so a value survives JSON
 * and Redis unchanged). When every
 * parameter is discrete, points are distinct (at most the grid's size).
 */
export function randomPoints(space: ParamSpace, count: number, seed: number): Point[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new ParamSpaceError(`--random: expected a whole number of points ≥ 1, got ${count}`);
  if (count > MAX_POINTS) throw new ParamSpaceError(`--random: at most ${MAX_POINTS} points, got ${count}`);
  const rng = new Rng(seed);
  const discrete = space.every((p) => 'values' in p.spec || p.spec.step !== undefined);
  const axes = space.map((p) => ({ name: p.name, spec: p.spec, values: 'values' in p.spec || p.spec.step !== undefined ? gridValues(p.name, p.spec) : undefined }));
  const limit = discrete ? Math.min(count, gridSize(space)) : count;
  const seen = new Set<string>();
  const out: Point[] = [];
  let guard = 0;
  while (out.length < limit) {
    const params: ParamPoint = {};
    for (const a of axes) {
      if (a.values) params[a.name] = a.values[Math.floor(rng.uniform() * a.values.length)]!;
      else {
        const s = a.spec as { from: number; to: number };
        params[a.name] = Number((s.from + rng.uniform() * (s.to - s.from)).toFixed(6));
      }
    }
    const key = JSON.stringify(params);
    if (discrete && seen.has(key)) {
      if (++guard > 1000 * limit) break;
      continue;
    }
    seen.add(key);
    out.push({ index: out.length, params });
  }
  return out;
}

/**
 * One `--param` argument: `name=from:to:step`, `name=from:to` (random only) or `name=a,b,c` (choices;
 * numbers stay numbers). Errors quote the argument.
 */
export function parseParamArg(arg: string): ParamSpace[number] {
  const eq = arg.indexOf('=');
  const where = `--param ${JSON.stringify(arg)}`;
  if (eq <= 0) throw new ParamSpaceError(`${where}: expected name=from:to:step or name=a,b,c`);
  const name = arg.slice(0, eq).trim();
  const body = arg.slice(eq + 1).trim();
  if (!NAME_RE.test(name)) throw new ParamSpaceError(`${where}: ${JSON.stringify(name)} is not a parameter name`);
  const num = (s: string, what: string): number => {
    const t = s.trim();
    const n = t === '' ? NaN : Number(t);
    if (!Number.isFinite(n)) throw new ParamSpaceError(`${where}: ${what} ${JSON.stringify(s)} is not a number`);
    return n;
  };
  let spec: unknown;
  if (body.includes(':')) {
    const parts = body.split(':');
    if (parts.length > 3) throw new ParamSpaceError(`${where}: expected from:to:step`);
    spec = { from: num(parts[0]!, 'from'), to: num(parts[1]!, 'to'), ...(parts[2] !== undefined ? { step: num(parts[2], 'step') } : {}) };
    if ((spec as { step?: number }).step !== undefined && !((spec as { step: number }).step > 0)) throw new ParamSpaceError(`${where}: step must be > 0`);
  } else {
    const items = body.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new ParamSpaceError(`${where}: an empty choice`);
    spec = { values: items.map((s) => (Number.isFinite(Number(s)) ? Number(s) : s)) };
  }
  const r = paramSpecSchema.safeParse(spec);
  if (!r.success) throw new ParamSpaceError(`${where}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  if ('from' in r.data && r.data.from > r.data.to) throw new ParamSpaceError(`${where}: from (${r.data.from}) is after to (${r.data.to})`);
  return { name, spec: r.data };
}

/** All `--param` arguments, checked together (no name twice). */
export function parseParamArgs(args: readonly string[]): ParamSpace {
  if (args.length === 0) throw new ParamSpaceError('give at least one --param name=from:to:step');
  return validateSpace(args.map(parseParamArg));
}
