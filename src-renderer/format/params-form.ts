import { RpcError } from '../../src-engine/contract/errors.js';

/**
 * A strategy type's params form, generated from the JSON Schema the engine publishes with each type
 * (`strategies.list` → types[].paramsSchema, zod's input-side schema). The engine stays the judge:
 * the form only shapes the input (numbers as numbers, limits as hints) and shows the engine's
 * INVALID_INPUT issues next to their fields.
 */
export type ParamField =
  | { key: string; kind: 'integer' | 'number'; label: string; default?: number; min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number }
  | { key: string; kind: 'boolean'; label: string; default?: boolean }
  | { key: string; kind: 'enum'; label: string; default?: string; options: string[] }
  | { key: string; kind: 'string'; label: string; default?: string; pattern?: string }
  /** Anything the form cannot shape: edited as JSON text. */
  | { key: string; kind: 'json'; label: string; default?: unknown };

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** "minDistanceBps" → "min distance bps". */
function labelOf(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

export function fieldsFromSchema(schema: Record<string, unknown>): ParamField[] {
  const props = schema['properties'];
  if (typeof props !== 'object' || props === null) return [];
  return Object.entries(props as Record<string, Record<string, unknown>>).map(([key, p]): ParamField => {
    const label = labelOf(key);
    const def = p['default'];
    if (Array.isArray(p['enum']) && p['enum'].every((x) => typeof x === 'string')) {
      return { key, kind: 'enum', label, options: p['enum'] as string[], ...(typeof def === 'string' ? { default: def } : {}) };
    }
    switch (p['type']) {
      case 'integer':
      case 'number': {
        const f: ParamField = { key, kind: p['type'], label };
        if (num(def) !== undefined) f.default = num(def)!;
        if (num(p['minimum']) !== undefined) f.min = num(p['minimum'])!;
        if (num(p['maximum']) !== undefined) f.max = num(p['maximum'])!;
        if (num(p['exclusiveMinimum']) !== undefined) f.exclusiveMin = num(p['exclusiveMinimum'])!;
        if (num(p['exclusiveMaximum']) !== undefined) f.exclusiveMax = num(p['exclusiveMaximum'])!;
        return f;
      }
      case 'boolean':
        return { key, kind: 'boolean', label, ...(typeof def === 'boolean' ? { default: def } : {}) };
      case 'string':
        return { key, kind: 'string', label, ...(typeof def === 'string' ? { default: def } : {}), ...(typeof p['pattern'] === 'string' ? { pattern: p['pattern'] } : {}) };
      default:
        return { key, kind: 'json', label, ...(def !== undefined ? { default: def } : {}) };
    }
  });
}

/** The limits of a numeric field as a hint: "1 … 1000", "> 0 … 10". */
export function limitsText(f: ParamField): string {
  if (f.kind !== 'integer' && f.kind !== 'number') return '';
  const lo = f.min !== undefined ? `${f.min}` : f.exclusiveMin !== undefined ? `> ${f.exclusiveMin}` : '';
  const hi = f.max !== undefined ? `${f.max}` : f.exclusiveMax !== undefined ? `< ${f.exclusiveMax}` : '';
  return lo || hi ? `${lo || '…'} … ${hi || '…'}${f.kind === 'integer' ? ', whole' : ''}` : f.kind === 'integer' ? 'whole number' : '';
}

/** The text a field starts with: the instance's current value. */
export function textOf(f: ParamField, value: unknown): string {
  if (value === undefined) return '';
  if (f.kind === 'json') return JSON.stringify(value);
  return String(value);
}

/**
 * Form texts → the params object sent to the engine. An empty field is left out (the engine fills
 * the type's default). A text that is not a number for a numeric field is sent as it is, so the
 * engine's own validation names it; only JSON fields are parsed here (a parse error names the field).
 */
export function paramsFromTexts(fields: readonly ParamField[], texts: Readonly<Record<string, string>>): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const t = (texts[f.key] ?? '').trim();
    if (t === '') continue;
    switch (f.kind) {
      case 'integer':
      case 'number': {
        const n = Number(t);
        params[f.key] = t !== '' && Number.isFinite(n) ? n : t;
        break;
      }
      case 'boolean':
        params[f.key] = t === 'true';
        break;
      case 'json':
        try {
          params[f.key] = JSON.parse(t) as unknown;
        } catch {
          errors[f.key] = 'not valid JSON';
        }
        break;
      default:
        params[f.key] = t;
    }
  }
  return { params, errors };
}

/**
 * The engine's refusal spread over the form: INVALID_INPUT issues whose path is `<prefix>.<key>`
 * (`params.fast`; the ensemble's `settings.buyThreshold`) go to that field; anything else is the form's
 * general error.
 */
export function issuesByField(e: unknown, prefix = 'params'): { fields: Record<string, string>; general: string | null } {
  const fields: Record<string, string> = {};
  if (!(e instanceof RpcError)) return { fields, general: e instanceof Error ? e.message : String(e) };
  const issues = (e.details as { issues?: { path?: unknown; message?: unknown }[] } | undefined)?.issues;
  const rest: string[] = [];
  for (const i of Array.isArray(issues) ? issues : []) {
    const path = typeof i.path === 'string' ? i.path : '';
    const message = typeof i.message === 'string' ? i.message : 'invalid';
    const m = path.startsWith(`${prefix}.`) ? /^([^.]+)/.exec(path.slice(prefix.length + 1)) : null;
    if (m) fields[m[1]!] ??= message;
    else rest.push(path && path !== '(root)' ? `${path}: ${message}` : message);
  }
  const general = rest.length ? rest.join('; ') : Object.keys(fields).length ? null : `${e.code}: ${e.message}`;
  return { fields, general };
}

/**
 * The engine's refusal of a profile-set backtest (`strategy: { kind: 'profile' }`) split by instance: issues at
 * `strategy.instances.<id>[.<field>…]` go to that instance as "<field>: message" (the message alone for the
 * instance itself), anything else to `general` (null when every issue found its instance).
 */
export function issuesByInstance(e: unknown): { instances: Record<string, string[]>; general: string | null } {
  const instances: Record<string, string[]> = {};
  if (!(e instanceof RpcError)) return { instances, general: e instanceof Error ? e.message : String(e) };
  const issues = (e.details as { issues?: { path?: unknown; message?: unknown }[] } | undefined)?.issues;
  const rest: string[] = [];
  const prefix = 'strategy.instances.';
  for (const i of Array.isArray(issues) ? issues : []) {
    const path = typeof i.path === 'string' ? i.path : '';
    const message = typeof i.message === 'string' ? i.message : 'invalid';
    const m = path.startsWith(prefix) ? /^([^.]+)(?:\.(.+))?$/.exec(path.slice(prefix.length)) : null;
    if (m) (instances[m[1]!] ??= []).push(m[2] ? `${m[2]}: ${message}` : message);
    else rest.push(path && path !== '(root)' ? `${path}: ${message}` : message);
  }
  const general = rest.length ? rest.join('; ') : Object.keys(instances).length ? null : `${e.code}: ${e.message}`;
  return { instances, general };
}
