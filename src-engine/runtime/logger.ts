import type { LogFn } from '../contract/rpc-server.js';
import { redact as redactKite } from '../adapters/kite/errors.js';

export type { LogFn };

const SECRET_KEY = /token|secret|password|api_?key|authorization|cookie|checksum/i;

/** Masks registered secrets (adapters/kite/errors.ts registerSecret), token-shaped fields, Authorization text and token=… pairs. */
export function redactText(text: string): string {
  return redactKite(text).replace(/([?&;\s]|^)(token|access_token|api_secret|request_token)=[^&\s;]+/gi, '$1$2=[redacted]');
}

function isErrorLike(value: object): value is { name?: unknown; message?: unknown } {
  if (value instanceof Error) return true;
  const v = value as Record<string, unknown>;
  return v['isAxiosError'] === true || (typeof v['message'] === 'string' && typeof v['stack'] === 'string');
}

/**
 * Remove anything that looks like a secret from log data: an error is reduced to its name and
 * message (an axios error carries the request's Authorization header in config and request);
 * values under secret-looking keys go; strings lose registered secrets and token=… pairs.
 * Logs are files people paste into bug reports.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (isErrorLike(value)) {
      return { name: redactText(String(value.name ?? 'Error')).slice(0, 100), message: redactText(String(value.message ?? '')).slice(0, 500) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export const silentLog: LogFn = () => {};
