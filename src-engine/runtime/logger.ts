import type { LogFn } from '../contract/rpc-server.js';

export type { LogFn };

const SECRET_KEY = /token|secret|password|api_?key|authorization|cookie|checksum/i;

/**
 * Remove anything that looks like a secret from log data: values under secret-looking keys, and
 * token=… pairs inside strings. Logs are files people paste into bug reports.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return value.replace(/([?&;\s]|^)(token|access_token|api_secret|request_token)=[^&\s;]+/gi, '$1$2=[redacted]');
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export const silentLog: LogFn = () => {};
