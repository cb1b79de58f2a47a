/**
 * Typed Kite errors (kite-protocol.md §2.2–2.3). Every message that leaves this module is redacted:
 * known secrets (api_secret, access_token, request_token, refresh_token) are replaced, and so are the
 * usual places a token shows up (`access_token=…`, `Authorization: token k:t`, `checksum=…`).
 * A KiteError never keeps the original error object (an axios error carries the request headers,
 * including `Authorization`).
 */

export type KiteErrorKind = 'token' | 'input' | 'order' | 'network' | 'data' | 'permission' | 'general' | 'rate_limit' | 'server';

export class KiteError extends Error {
  readonly kind: KiteErrorKind;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Kite's `error_type`, when the server sent one. */
  readonly errorType: string | undefined;

  constructor(kind: KiteErrorKind, message: string, opts: { status?: number; errorType?: string } = {}) {
    super(redact(message));
    this.name = 'KiteError';
    this.kind = kind;
    this.status = opts.status;
    this.errorType = opts.errorType;
  }

  /** True when the server may or may not have acted on the request (no answer, 5xx, unparseable answer). */
  get ambiguous(): boolean {
    return this.kind === 'network' || this.kind === 'server' || this.kind === 'data' || (this.status !== undefined && this.status >= 500);
  }
}

const ERROR_TYPE_KIND: Readonly<Record<string, KiteErrorKind>> = {
  TokenException: 'token',
  UserException: 'permission',
  PermissionException: 'permission',
  TwoFAException: 'permission',
  InputException: 'input',
  OrderException: 'order',
  MarginException: 'order',
  HoldingException: 'order',
  NetworkException: 'network',
  DataException: 'data',
  GeneralException: 'general',
};

/**
 * Maps what the official client rejected with (`{error_type, message}` or an Error) plus the HTTP
 * status we observed (undefined = no response) to a KiteError.
 * Precedence: 429 → rate_limit; a known error_type → its kind (a 5xx GeneralException → server);
 * no error_type with a status ≥ 500 → server; no status at all → network.
 */
export function toKiteError(raw: unknown, status: number | undefined): KiteError {
  if (raw instanceof KiteError) return raw;
  const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as { error_type?: unknown; message?: unknown };
  const errorType = typeof obj.error_type === 'string' ? obj.error_type : undefined;
  let message = typeof obj.message === 'string' && obj.message ? obj.message : typeof raw === 'string' ? raw : 'Unknown error';
  const opts = { ...(status !== undefined ? { status } : {}), ...(errorType ? { errorType } : {}) };
  if (status === 429) return new KiteError('rate_limit', message || 'Too many requests', opts);
  let kind: KiteErrorKind | undefined = errorType ? ERROR_TYPE_KIND[errorType] : undefined;
  if (kind === 'general' && status !== undefined && status >= 500) kind = 'server';
  if (!kind) {
    if (status === undefined) kind = 'network';
    else if (status >= 500) kind = 'server';
    else if (status === 403) kind = 'permission';
    else if (status >= 400) kind = 'input';
    else kind = 'general';
  }
  if (status !== undefined && !message) message = `HTTP ${status}`;
  return new KiteError(kind, message, opts);
}

// ------------------------------------------------------------------------------------------------
// Redaction

const registered = new Set<string>();

/** Registers a secret value so that every later KiteError message (and `redact`) masks it. */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

/** Forgets a secret (e.g. an old access token after re-login); masking it stays harmless, so this is optional. */
export function forgetSecret(value: string | null | undefined): void {
  if (value) registered.delete(value);
}

const PATTERNS: [RegExp, string][] = [
  [/((?:access|request|refresh|public)_token|api_secret|checksum|enctoken)(["']?\s*[:=]\s*["']?)[^&\s"',;}]+/gi, '$1$2***'],
  [/(authorization["']?\s*[:=]\s*["']?token\s+)[^\s"',;}]+/gi, '$1***'],
  [/(token\s+[A-Za-z0-9_-]+:)[A-Za-z0-9_-]+/g, '$1***'],
];

/** Masks registered secrets, `extra` values and token-shaped fields in `text`. */
export function redact(text: string, extra: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const s of [...registered, ...extra]) {
    if (s && s.length >= 4) out = out.split(s).join('***');
  }
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}
