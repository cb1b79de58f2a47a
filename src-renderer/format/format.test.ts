import { describe, expect, it } from 'vitest';
import {
  TickKind,
  direction,
  formatChangeBps,
  formatChangePaise,
  formatCount,
  formatIstDateTime,
  formatIstTick,
  formatIstTime,
  formatMoneyPaise,
  formatPaise,
  formatPnlPaise,
  pnlTone,
} from './format.js';

describe('prices', () => {
  it('formats paise as rupees with Indian grouping and two decimals', () => {
    expect(formatPaise(123456789)).toBe('12,34,567.89');
    expect(formatPaise(150000)).toBe('1,500.00');
    expect(formatPaise(5)).toBe('0.05');
  });

  it('signs changes', () => {
    expect(formatChangePaise(1250)).toBe('+12.50');
    expect(formatChangePaise(-305)).toBe('\u22123.05');
    expect(formatChangePaise(0)).toBe('0.00');
    expect(formatChangePaise(-12345678)).toBe('\u22121,23,456.78');
  });

  it('formats basis points as percent', () => {
    expect(formatChangeBps(123)).toBe('+1.23%');
    expect(formatChangeBps(-5)).toBe('\u22120.05%');
    expect(formatChangeBps(0)).toBe('0.00%');
  });

  it('classifies direction', () => {
    expect(direction(3)).toBe('up');
    expect(direction(-1)).toBe('down');
    expect(direction(0)).toBe('flat');
  });

  it('groups counts the Indian way', () => {
    expect(formatCount(1234567)).toBe('12,34,567');
  });
});

describe('PnL and money', () => {
  it('signs PnL with a real minus sign and Indian grouping', () => {
    expect(formatPnlPaise(123456789)).toBe('+12,34,567.89');
    expect(formatPnlPaise(-305)).toBe('\u22123.05');
    expect(formatPnlPaise(-5)).toBe('\u22120.05');
    expect(formatPnlPaise(100)).toBe('+1.00');
    expect(formatPnlPaise(0)).toBe('0.00');
  });

  it('is exact for large amounts (no float division)', () => {
    expect(formatPnlPaise(9007199254740991)).toBe('+9,00,71,99,25,47,409.91');
    expect(formatPnlPaise(-9007199254740991)).toBe('\u22129,00,71,99,25,47,409.91');
    expect(formatMoneyPaise(1000000000000001)).toBe('1,00,00,00,00,00,000.01');
  });

  it('formats unsigned money, keeping a minus for negatives', () => {
    expect(formatMoneyPaise(1_00_000_00)).toBe('1,00,000.00');
    expect(formatMoneyPaise(7)).toBe('0.07');
    expect(formatMoneyPaise(-250)).toBe('\u22122.50');
  });

  it('tones PnL green above zero, red below', () => {
    expect(pnlTone(1)).toBe('up');
    expect(pnlTone(-1)).toBe('down');
    expect(pnlTone(0)).toBe('flat');
  });
});

describe('IST time', () => {
  const t = Date.UTC(2026, 10, 20, 3, 45, 7); // 09:15:07 IST

  it('formats feed time as HH:mm:ss in Asia/Kolkata', () => {
    expect(formatIstTime(t)).toBe('09:15:07');
    expect(formatIstTime(Date.UTC(2026, 10, 20, 18, 30, 0))).toBe('00:00:00'); // next day in IST
  });

  it('formats axis ticks from UTC seconds', () => {
    expect(formatIstTick(t / 1000, TickKind.Time)).toBe('09:15');
    expect(formatIstTick(t / 1000, TickKind.TimeWithSeconds)).toBe('09:15:07');
    expect(formatIstTick(t / 1000, TickKind.DayOfMonth)).toBe('20 Nov');
    expect(formatIstTick(t / 1000, TickKind.Month)).toBe('Nov');
    expect(formatIstTick(t / 1000, TickKind.Year)).toBe('2026');
  });

  it('formats the crosshair label with date and IST time', () => {
    const s = formatIstDateTime(t);
    expect(s).toContain('20 Nov 2026');
    expect(s).toContain('09:15');
  });
});
