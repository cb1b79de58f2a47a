/**
 * The JSON edge of the Kite Connect v3 simulator: the response envelope, error types and their HTTP
 * statuses, paise → rupee conversion and Kite's IST timestamp strings. Everything inside the
 * simulator is integer paise and epoch ms; only this file turns them into Kite's wire format.
 */
import { IST_OFFSET_MS } from '../core/ist.js';

export type KiteErrorType =
  | 'TokenException'
  | 'PermissionException'
  | 'UserException'
  | 'TwoFAException'
  | 'InputException'
  | 'OrderException'
  | 'MarginException'
  | 'HoldingException'
  | 'NetworkException'
  | 'DataException'
  | 'GeneralException';

/** HTTP status per error_type (kite-protocol.md §2.3, "suggested simulator mapping"). */
export const ERROR_STATUS: Readonly<Record<KiteErrorType, number>> = Object.freeze({
  TokenException: 403,
  PermissionException: 403,
  UserException: 403,
  TwoFAException: 403,
  InputException: 400,
  OrderException: 400,
  MarginException: 400,
  HoldingException: 400,
  NetworkException: 503,
  DataException: 502,
  GeneralException: 500,
});

/** An error that becomes Kite's error envelope. Throw it anywhere under a REST handler. */
export class KiteApiError extends Error {
  readonly status: number;
  constructor(
    readonly errorType: KiteErrorType,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'KiteApiError';
    this.status = status ?? ERROR_STATUS[errorType];
  }
}

export const inputError = (message: string): KiteApiError => new KiteApiError('InputException', message);

/** error_type for an injected or otherwise bare HTTP status. */
export function errorTypeForStatus(status: number): KiteErrorType {
  if (status === 400) return 'InputException';
  if (status === 403) return 'TokenException';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'NetworkException';
  return 'GeneralException';
}

export interface KiteErrorBody {
  status: 'error';
  message: string;
  data: null;
  error_type: KiteErrorType;
}

export const errorBody = (errorType: KiteErrorType, message: string): KiteErrorBody => ({
  status: 'error',
  message,
  data: null,
  error_type: errorType,
});

export const successBody = <T>(data: T): { status: 'success'; data: T } => ({ status: 'success', data });

/** Integer paise → rupees with at most 2 decimals (the only place money becomes a float). */
export function rupees(paise: number): number {
  return Math.round(paise) / 100;
}

/** Rupees (a decimal string or number from a request) → integer paise, or undefined if not a finite number. */
export function parseRupeesToPaise(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) return undefined;
  return Math.round(n * 100);
}

/** True if the rupee string has no more precision than whole paise (e.g. "100.055" is not). */
export function isWholePaise(v: string): boolean {
  const n = Number(v);
  return Number.isFinite(n) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function istParts(epochMs: number): { date: string; time: string } {
  const d = new Date(Math.floor(epochMs) + IST_OFFSET_MS);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

/** Kite's REST timestamp: IST wall clock without a zone, "YYYY-MM-DD HH:MM:SS". */
export function istString(epochMs: number): string {
  const p = istParts(epochMs);
  return `${p.date} ${p.time}`;
}

/** Kite's candle timestamp, "YYYY-MM-DDTHH:MM:SS+0530". */
export function istCandleString(epochMs: number): string {
  const p = istParts(epochMs);
  return `${p.date}T${p.time}+0530`;
}

/** Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" as IST wall clock; undefined if malformed. */
export function parseIstString(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 59) return undefined;
  return Date.UTC(y!, mo! - 1, d!, h, mi, se) - IST_OFFSET_MS;
}
