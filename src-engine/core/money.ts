/**
 * Money helpers. The ledger keeps integer paise (₹1 = 100 paise) and never a binary float. Products of
 * two large integers (quantity × cost basis) can pass 2^53, so proportional splits go through BigInt.
 */

function assertSafeInt(v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} must be a safe integer, got ${String(v)}`);
}

/**
 * floor(a × b / c) for integers, exact (BigInt inside), rounding toward −∞. Throws when c is 0 or the
 * result is not a safe integer.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  assertSafeInt(a, 'mulDivFloor: a');
  assertSafeInt(b, 'mulDivFloor: b');
  assertSafeInt(c, 'mulDivFloor: c');
  if (c === 0) throw new RangeError('mulDivFloor: division by zero');
  const p = a * b;
  if (p >= -Number.MAX_SAFE_INTEGER && p <= Number.MAX_SAFE_INTEGER) {
    // |p| < 2^53 and an integer c: the correctly rounded p / c never rounds across an integer (that
    // would need |p| ≥ 2^53), so flooring the float quotient is exact
    const q = Math.floor(p / c);
    return q === 0 ? 0 : q;
  }
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  let q = n / d;
  // BigInt division truncates toward zero; step down when the true quotient is negative and inexact
  if (n % d !== 0n && (n < 0n) !== (d < 0n)) q -= 1n;
  const r = Number(q);
  if (!Number.isSafeInteger(r)) throw new RangeError(`mulDivFloor: result ${q} is outside the safe integer range`);
  return r;
}

/** round(a × b / c) for integers, halves away from zero, exact. */
export function mulDivRound(a: number, b: number, c: number): number {
  assertSafeInt(a, 'mulDivRound: a');
  assertSafeInt(b, 'mulDivRound: b');
  assertSafeInt(c, 'mulDivRound: c');
  if (c === 0) throw new RangeError('mulDivRound: division by zero');
  const p = a * b;
  if (p >= -Number.MAX_SAFE_INTEGER && p <= Number.MAX_SAFE_INTEGER && Math.abs(c) <= 2 ** 51) {
    // exact (see mulDivFloor): the floor of |p| / |c|, then half away from zero on the integer remainder
    const ap = Math.abs(p);
    const ac = Math.abs(c);
    let q = Math.floor(ap / ac);
    if (2 * (ap - q * ac) >= ac) q++;
    const neg = p < 0 !== c < 0;
    return neg && q !== 0 ? -q : q;
  }
  let n = BigInt(a) * BigInt(b);
  let d = BigInt(c);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const q = (abs * 2n + d) / (2n * d);
  const r = Number(neg ? -q : q);
  if (!Number.isSafeInteger(r)) throw new RangeError(`mulDivRound: result is outside the safe integer range`);
  return r;
}

/** Paise → rupees text with exactly 2 decimals (`-1234` → `"-12.34"`). */
export function formatRupees(paise: number): string {
  assertSafeInt(paise, 'formatRupees: paise');
  const neg = paise < 0;
  const abs = Math.abs(paise);
  const s = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** Paise → rupees as a JSON number with at most 2 decimals (for reports; never stored). */
export function paiseToRupees(paise: number): number {
  return Number(formatRupees(paise));
}

const RUPEES_RE = /^(-)?(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * Rupees text (`"1234.5"`, `"12"`, `"0.05"`) → integer paise, exactly (no float arithmetic). Throws a
 * RangeError naming `what` for anything else, including more than 2 decimals.
 */
export function parseRupees(text: string, what = 'amount'): number {
  const m = RUPEES_RE.exec(text.trim());
  if (!m) throw new RangeError(`${what}: "${text}" is not a rupee amount with at most 2 decimals (e.g. 1234.50)`);
  const paise = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -paise : paise;
}
