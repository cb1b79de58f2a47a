import { describe, expect, it } from 'vitest';
import { paiseToRupeeInput, parseRupeesToPaise } from './rupees.js';

describe('parseRupeesToPaise', () => {
  it('reads rupees and up to two decimals exactly', () => {
    expect(parseRupeesToPaise('1234.5')).toBe(123450);
    expect(parseRupeesToPaise('1234.05')).toBe(123405);
    expect(parseRupeesToPaise('1234')).toBe(123400);
    expect(parseRupeesToPaise('1234.')).toBe(123400);
    expect(parseRupeesToPaise('.5')).toBe(50);
    expect(parseRupeesToPaise('0.29')).toBe(29);
    expect(parseRupeesToPaise('0.57')).toBe(57); // 0.57 * 100 = 56.99999999999999 in floats
    expect(parseRupeesToPaise('1.15')).toBe(115); // 1.15 * 100 = 114.99999999999999
    expect(parseRupeesToPaise('0')).toBe(0);
    expect(parseRupeesToPaise('007.10')).toBe(710);
  });

  it('accepts grouping commas, spaces around and a rupee sign', () => {
    expect(parseRupeesToPaise(' ₹ 1,23,456.78 ')).toBe(12345678);
    expect(parseRupeesToPaise('₹99.9')).toBe(9990);
  });

  it('rejects anything that is not a plain non-negative amount', () => {
    for (const bad of ['', ' ', '-5', '+5', '1.234', '1e3', 'abc', '12.3.4', '0x10', '1 000', '.', 'NaN', 'Infinity']) {
      expect(parseRupeesToPaise(bad), bad).toBeNull();
    }
  });

  it('rejects amounts beyond the safe integer range', () => {
    expect(parseRupeesToPaise('90071992547409.91')).toBe(9007199254740991);
    expect(parseRupeesToPaise('90071992547409.92')).toBeNull();
    expect(parseRupeesToPaise('99999999999999999')).toBeNull();
  });
});

describe('paiseToRupeeInput', () => {
  it('writes paise back as plain rupee text that parses to the same paise', () => {
    expect(paiseToRupeeInput(123405)).toBe('1234.05');
    expect(paiseToRupeeInput(5)).toBe('0.05');
    expect(paiseToRupeeInput(0)).toBe('0.00');
    expect(paiseToRupeeInput(-150)).toBe('-1.50');
    for (const p of [1, 29, 57, 115, 99_999, 123_456_789, 9007199254740991]) expect(parseRupeesToPaise(paiseToRupeeInput(p))).toBe(p);
  });
});
