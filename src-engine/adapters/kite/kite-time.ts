import { IST_OFFSET_MS } from '../../core/ist.js';

/**
 * Kite REST timestamps (kite-protocol.md §2.1): "YYYY-MM-DD HH:MM:SS" is IST wall-clock time WITHOUT
 * a zone. The official client (kiteconnect 5.3.0) turns some of them into `Date` with `new Date(str)`,
 * which reads the string in the MACHINE's timezone: orders/trades (`order_timestamp`,
 * `exchange_timestamp`, `fill_timestamp`, …), quote `timestamp`/`last_trade_time` and the session
 * `login_time`. {@link istWallClockToEpoch} undoes that: for such a Date it reads the local wall-clock
 * fields back and reinterprets them as IST. (Exact except for a wall-clock time that does not exist in
 * the machine's zone, i.e. inside a DST spring-forward gap — never during Indian market hours for the
 * zones we know, and irrelevant on machines set to IST.)
 * Historical candle times carry "+0530" and are parsed correctly by `new Date`; use `.getTime()` there.
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Epoch ms of an IST wall-clock string or of a Date the official client built from one; null if absent/invalid. */
export function istWallClockToEpoch(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    return Date.UTC(v.getFullYear(), v.getMonth(), v.getDate(), v.getHours(), v.getMinutes(), v.getSeconds(), v.getMilliseconds()) - IST_OFFSET_MS;
  }
  if (typeof v !== 'string') return null;
  const s = v.trim();
  const m = WALL.exec(s);
  if (m) {
    const [y, mo, d, h, mi, se] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
    return Date.UTC(y, mo - 1, d, h, mi, se) - IST_OFFSET_MS;
  }
  // Anything with an explicit zone ("…+0530", "…+05:30", "…Z") is an instant.
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const t = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** "YYYY-MM-DD HH:MM:SS" in IST for an epoch ms (what Kite expects in `from`/`to`). */
export function formatIst(epochMs: number): string {
  const d = new Date(epochMs + IST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Rupees (Kite JSON float) → integer paise, rounding away float noise (1573.15 × 100 = 157314.99…). */
export function toPaise(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return 0;
  const p = Math.round(n * 100);
  return p === 0 ? 0 : p;
}

/** Integer paise → rupees for a Kite request field. */
export function paiseToRupees(paise: number): number {
  return Math.round(paise) / 100;
}
