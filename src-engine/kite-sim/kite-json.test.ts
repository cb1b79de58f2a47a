import { describe, expect, it } from 'vitest';
import {
  ERROR_STATUS,
  errorBody,
  errorTypeForStatus,
  isWholePaise,
  istCandleString,
  istString,
  KiteApiError,
  parseIstString,
  parseRupeesToPaise,
  rupees,
  successBody,
} from './kite-json.js';

describe('Kite JSON edge', () => {
  it('envelopes have Kite’s exact shape', () => {
    expect(successBody({ order_id: '1' })).toEqual({ status: 'success', data: { order_id: '1' } });
    expect(errorBody('InputException', 'Invalid `price`.')).toEqual({ status: 'error', message: 'Invalid `price`.', data: null, error_type: 'InputException' });
  });

  it('maps error types to HTTP statuses and injected statuses back to error types', () => {
    expect(new KiteApiError('TokenException', 'x').status).toBe(403);
    expect(new KiteApiError('InputException', 'x').status).toBe(400);
    expect(new KiteApiError('OrderException', 'x').status).toBe(400);
    expect(new KiteApiError('GeneralException', 'x').status).toBe(500);
    expect(new KiteApiError('NetworkException', 'Too many requests', 429).status).toBe(429);
    expect(ERROR_STATUS.DataException).toBe(502);
    expect(errorTypeForStatus(503)).toBe('NetworkException');
    expect(errorTypeForStatus(429)).toBe('NetworkException');
    expect(errorTypeForStatus(500)).toBe('GeneralException');
    expect(errorTypeForStatus(403)).toBe('TokenException');
  });

  it('paise ↔ rupees at 2 decimals', () => {
    expect(rupees(157_370)).toBe(1573.7);
    expect(rupees(5)).toBe(0.05);
    expect(parseRupeesToPaise('1573.70')).toBe(157_370);
    expect(parseRupeesToPaise('0.1')).toBe(10);
    expect(parseRupeesToPaise('abc')).toBeUndefined();
    expect(parseRupeesToPaise('')).toBeUndefined();
    expect(isWholePaise('100.05')).toBe(true);
    expect(isWholePaise('100.055')).toBe(false);
  });

  it('IST strings', () => {
    const t = Date.UTC(2021, 6, 5, 5, 11, 27); // 10:41:27 IST
    expect(istString(t)).toBe('2021-07-05 10:41:27');
    expect(istCandleString(t)).toBe('2021-07-05T10:41:27+0530');
    expect(parseIstString('2021-07-05 10:41:27')).toBe(t);
    expect(parseIstString('2021-07-05')).toBe(Date.UTC(2021, 6, 4, 18, 30));
    expect(parseIstString('2021-13-05')).toBeUndefined();
    expect(parseIstString('yesterday')).toBeUndefined();
  });
});
