/** Display formatting. Prices arrive as integer paise; they become rupees only here. */

export const IST = 'Asia/Kolkata';

const rupeeFmt = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 123456789 paise → "12,34,567.89" (Indian digit grouping). */
export function formatPaise(paise: number): string {
  return (paise / 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Signed rupee change: "+12.50", "−3.05" (a real minus sign), "0.00". */
export function formatChangePaise(paise: number): string {
  const body = rupeeFmt.format(Math.abs(paise) / 100);
  return paise > 0 ? `+${body}` : paise < 0 ? `\u2212${body}` : body;
}

/** Basis points of the previous close → "+1.23%". */
export function formatChangeBps(bps: number): string {
  const body = (Math.abs(bps) / 100).toFixed(2);
  return bps > 0 ? `+${body}%` : bps < 0 ? `\u2212${body}%` : `${body}%`;
}

export type Direction = 'up' | 'down' | 'flat';

export function direction(change: number): Direction {
  return change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
}

/** Whole number with Indian grouping: 1234567 → "12,34,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-IN');
}

/** Ticks per second, one decimal below 100. */
export function formatRate(n: number): string {
  return n < 100 ? n.toFixed(1) : formatCount(n);
}

const hms = new Intl.DateTimeFormat('en-GB', { timeZone: IST, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const hm = new Intl.DateTimeFormat('en-GB', { timeZone: IST, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayMonth = new Intl.DateTimeFormat('en-GB', { timeZone: IST, day: 'numeric', month: 'short' });
const month = new Intl.DateTimeFormat('en-GB', { timeZone: IST, month: 'short' });
const year = new Intl.DateTimeFormat('en-GB', { timeZone: IST, year: 'numeric' });
const full = new Intl.DateTimeFormat('en-GB', {
  timeZone: IST,
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Epoch ms → "HH:mm:ss" in IST. */
export function formatIstTime(epochMs: number): string {
  return hms.format(epochMs);
}

/** Epoch ms → "21 Nov 2026, 09:15" in IST (crosshair label). */
export function formatIstDateTime(epochMs: number): string {
  return full.format(epochMs);
}

/** lightweight-charts' TickMarkType values (kept numeric so this file stays free of the chart lib). */
export const TickKind = { Year: 0, Month: 1, DayOfMonth: 2, Time: 3, TimeWithSeconds: 4 } as const;

/** Axis tick label in IST for a UTC-seconds chart time. */
export function formatIstTick(utcSeconds: number, kind: number): string {
  const ms = utcSeconds * 1000;
  switch (kind) {
    case TickKind.Year:
      return year.format(ms);
    case TickKind.Month:
      return month.format(ms);
    case TickKind.DayOfMonth:
      return dayMonth.format(ms);
    case TickKind.TimeWithSeconds:
      return hms.format(ms);
    default:
      return hm.format(ms);
  }
}

const wholeFmt = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0, useGrouping: true });

/** |paise| split into whole rupees and the two-digit paise part, with integer arithmetic only. */
function rupeeParts(paise: number): { rupees: string; fraction: string } {
  const abs = Math.abs(paise);
  const frac = abs % 100;
  // abs − frac is an exact multiple of 100, so the division is exact for every safe integer
  return { rupees: wholeFmt.format((abs - frac) / 100), fraction: String(frac).padStart(2, '0') };
}

/**
 * Signed PnL in rupees, exact for any safe integer paise: "+12,34,567.89", "−3.05" (a real minus
 * sign), "0.00". No float division anywhere, so large amounts never round.
 */
export function formatPnlPaise(paise: number): string {
  const { rupees, fraction } = rupeeParts(paise);
  const body = `${rupees}.${fraction}`;
  return paise > 0 ? `+${body}` : paise < 0 ? `\u2212${body}` : body;
}

/** Unsigned-looking money (equity, charges): "12,34,567.89"; a negative amount keeps a real minus sign. */
export function formatMoneyPaise(paise: number): string {
  const { rupees, fraction } = rupeeParts(paise);
  return `${paise < 0 ? '\u2212' : ''}${rupees}.${fraction}`;
}

/** The CSS tone of an amount: "up" (green) above zero, "down" (red) below, "flat" at zero. */
export function pnlTone(paise: number): Direction {
  return direction(paise);
}
