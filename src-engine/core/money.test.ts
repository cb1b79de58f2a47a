import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRupees, mulDivFloor, mulDivRound, parseRupees } from './money.js';

describe('money', () => {
  it('mulDivFloor is exact beyond 2^53 intermediates', () => {
    // 9e14 × 1e6 / 7 overflows a double's exact range in the product
    expect(mulDivFloor(900_000_000_000_000, 1_000_000, 1_000_000)).toBe(900_000_000_000_000);
    expect(mulDivFloor(7, 3, 2)).toBe(10);
    expect(mulDivFloor(-7, 3, 2)).toBe(-11);
    expect(() => mulDivFloor(1, 1, 0)).toThrow(/division by zero/);
    expect(() => mulDivFloor(0.5, 1, 1)).toThrow(/safe integer/);
    expect(() => mulDivFloor(2 ** 52, 4, 1)).toThrow(/outside the safe integer range/);
  });
  it('mulDivRound rounds halves away from zero', () => {
    expect(mulDivRound(5, 1, 2)).toBe(3);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
    expect(mulDivRound(4, 1, 3)).toBe(1);
    expect(mulDivRound(5, 1, -2)).toBe(-3);
  });
  it('floor matches BigInt for random inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1e7 }), (a, b, c) => {
        const f = mulDivFloor(a, b, c);
        // f ≤ a·b/c < f + 1, checked exactly
        const n = BigInt(a) * BigInt(b);
        return BigInt(f) * BigInt(c) <= n && n < (BigInt(f) + 1n) * BigInt(c);
      }),
    );
  });
  it('formats and parses rupees exactly', () => {
    expect(formatRupees(-1234)).toBe('-12.34');
    expect(formatRupees(5)).toBe('0.05');
    expect(parseRupees('1234.5')).toBe(123450);
    expect(parseRupees('0.05')).toBe(5);
    expect(parseRupees('-12')).toBe(-1200);
    expect(() => parseRupees('1.234', 'buy price')).toThrow(/buy price: "1.234"/);
    expect(() => parseRupees('abc')).toThrow(/not a rupee amount/);
    fc.assert(fc.property(fc.integer({ min: -1e13, max: 1e13 }), (p) => parseRupees(formatRupees(p)) === p));
  });
});

describe('money fast paths agree with BigInt', () => {
  const bigFloor = (a: number, b: number, c: number): bigint => {
    const n = BigInt(a) * BigInt(b);
    const d = BigInt(c);
    let q = n / d;
    if (n % d !== 0n && (n < 0n) !== (d < 0n)) q -= 1n;
    return q;
  };
  const bigRound = (a: number, b: number, c: number): bigint => {
    let n = BigInt(a) * BigInt(b);
    let d = BigInt(c);
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const neg = n < 0n;
    const q = ((neg ? -n : n) * 2n + d) / (2n * d);
    return neg ? -q : q;
  };
  it('floor and round match exactly, near 2^53 and with negative divisors too', () => {
    const int = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));
    fc.assert(
      fc.property(int, fc.integer({ min: -5000, max: 5000 }), fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: -1e6, max: -1 }), fc.integer({ min: 2 ** 30, max: 2 ** 45 })), (a, b, c) => {
        const exact = bigFloor(a, b, c);
        if (exact > BigInt(Number.MAX_SAFE_INTEGER) || exact < -BigInt(Number.MAX_SAFE_INTEGER)) return true;
        return BigInt(mulDivFloor(a, b, c)) === exact && BigInt(mulDivRound(a, b, c)) === bigRound(a, b, c);
      }),
      { numRuns: 20_000 },
    );
    // quotients just below an integer, where a float division rounds up
    const c = 2 ** 20 + 1;
    const a = (2 ** 32) * c - 1;
    expect(mulDivFloor(a, 1, c)).toBe(2 ** 32 - 1);
    expect(mulDivRound(a, 1, c)).toBe(2 ** 32);
    // (2^53 − 1) / 2 = 2^52 − ½: the float division ties to even, up to 2^52
    expect(mulDivFloor(2 ** 53 - 1, 1, 2)).toBe(2 ** 52 - 1);
    expect(mulDivFloor(-(2 ** 53 - 1), 1, 2)).toBe(-(2 ** 52));
    expect(mulDivRound(2 ** 53 - 1, 1, 2)).toBe(2 ** 52);
  });
});
