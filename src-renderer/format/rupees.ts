/**
 * Rupee text ⇄ integer paise for inputs (the order ticket, inline modify). Parsing works on the text
 * itself — whole rupees and at most two decimals are read as digits — so "0.29" is exactly 29 paise
 * and never 28.999… the way `Math.round(0.29 * 100)` style arithmetic can drift on other values.
 */

const RUPEES = /^(\d+)(?:\.(\d{0,2}))?$/;

/**
 * "1234.5" → 123450, "₹ 1,234.05" → 123405, ".5" → 50. null for anything else: empty, negative,
 * more than two decimals, exponents, or beyond the safe integer range. Zero is returned as 0 (the
 * caller decides whether zero is allowed).
 */
export function parseRupeesToPaise(text: string): number | null {
  let t = text.trim().replace(/^₹\s*/, '').replace(/,/g, '');
  if (t.startsWith('.') && t.length > 1) t = `0${t}`;
  const m = RUPEES.exec(t);
  if (!m) return null;
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').padEnd(2, '0');
  // digits only, so the concatenation is the exact paise count
  const digits = `${whole}${frac}`.replace(/^0+(?=\d)/, '');
  if (digits.length > 16) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}

/** 123405 → "1234.05" (no grouping: what an input field should hold). Integer arithmetic only. */
export function paiseToRupeeInput(paise: number): string {
  const abs = Math.abs(paise);
  const frac = abs % 100;
  return `${paise < 0 ? '-' : ''}${(abs - frac) / 100}.${String(frac).padStart(2, '0')}`;
}
