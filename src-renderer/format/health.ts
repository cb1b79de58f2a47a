import type { Output } from '../../src-engine/contract/api-def.js';
import type { KiteDeskApi } from '../../src-engine/contract/api.js';
import { formatIstDateTime } from './format.js';

export type Health = Output<KiteDeskApi, 'engine.health'>;

/** "512 B", "12.3 KB", "48.1 MB", "1.20 GB" (1024-based, as memory and files are measured). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

/** "3 h 12 min", "45 s". */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export type Tone = 'ok' | 'warn' | 'bad';

/** A usage against its cap: the share used and its tone (warn from 70 %, bad from 90 %). */
export function usage(used: number, cap: number): { pct: number; tone: Tone; text: string } {
  const pct = cap > 0 ? Math.min(100, (used / cap) * 100) : 0;
  return { pct, tone: pct >= 90 ? 'bad' : pct >= 70 ? 'warn' : 'ok', text: `${used.toLocaleString('en-IN')} / ${cap.toLocaleString('en-IN')}` };
}

/**
 * The engine's restarts by its host: "none: serve does not restart the engine" when nothing supervises
 * it, "0" before the first, "2 · last 20 Nov 2026, 10:02 IST: exited with code 1".
 */
export function formatRestarts(r: Health['engine']['restarts']): string {
  if (r.supervisor === 'none') return 'not supervised (serve: a crash ends the process)';
  if (r.count === 0 || !r.last) return String(r.count);
  return `${r.count} · last ${formatIstDateTime(r.last.at)} IST: ${r.last.reason}`;
}

type FnoStatus = NonNullable<Health['fno']>;

/** A strike in rupees as the exchange writes it: 2450000 → "24,500", 9750 → "97.5". */
const strike = (paise: number): string => (paise / 100).toLocaleString('en-IN', { maximumFractionDigits: 2 });

/**
 * The F&O plan (profile `fno:`) as Health rows: its state (or why it waits), each underlying's resolved
 * contracts ("fut NIFTY26DECFUT · 2026-12-08 24,500: CE NIFTY26D0824500CE · PE —" and the ATM when the
 * strike is ITM/OTM of it), and each `on: contract` instance still on an old contract (holding it until flat).
 */
export function fnoRows(f: FnoStatus): { label: string; value: string; tone: '' | 'up' | 'down' }[] {
  const rows: { label: string; value: string; tone: '' | 'up' | 'down' }[] = [
    { label: 'F&O plan', value: f.state === 'resolved' ? 'resolved' : `waiting${f.message ? `: ${f.message}` : ''}`, tone: f.state === 'resolved' ? 'up' : 'down' },
  ];
  for (const l of f.legs) {
    const parts: string[] = [];
    if (l.future !== undefined) parts.push(`fut ${l.future}`);
    if (l.option) {
      const o = l.option;
      const atm = o.atmPaise !== o.strikePaise ? ` (ATM ${strike(o.atmPaise)})` : '';
      parts.push(`${o.expiry} ${strike(o.strikePaise)}${atm}: CE ${o.ce ?? '—'} · PE ${o.pe ?? '—'}`);
    }
    rows.push({ label: l.underlying, value: parts.join(' · ') || '—', tone: '' });
  }
  for (const m of f.pendingMoves) {
    const why = m.holding.length > 0 ? `keeps ${m.holding.join(', ')} until flat` : 'new contracts loading';
    rows.push({ label: `Moving ${m.id}`, value: `${m.from.join(', ')} → ${m.to.join(', ')}: ${why}`, tone: '' });
  }
  return rows;
}

/** The alarms worth a glance, worst first: a stale feed, a feed error, a degraded engine, a slow event loop, a busy order budget. */
export function alarms(h: Health): { tone: Tone; text: string }[] {
  const out: { tone: Tone; text: string }[] = [];
  if (h.engine.state === 'degraded') out.push({ tone: 'bad', text: 'engine degraded' });
  if (h.engine.restarts.count > 0) {
    out.push({ tone: 'warn', text: `engine restarted ${h.engine.restarts.count} time${h.engine.restarts.count === 1 ? '' : 's'} since the app started` });
  }
  if (h.feed.status?.state === 'error') out.push({ tone: 'bad', text: `feed error${h.feed.status.message ? `: ${h.feed.status.message}` : ''}` });
  if (h.feed.stale) out.push({ tone: 'bad', text: 'feed stale: no tick in the last second while the market is open' });
  if (h.feed.status?.clockSkewMs !== undefined && Math.abs(h.feed.status.clockSkewMs) > 5000) {
    out.push({ tone: 'warn', text: `feed clock ${Math.round(h.feed.status.clockSkewMs / 1000)} s off the wall clock` });
  }
  for (const w of h.fno?.warnings ?? []) out.push({ tone: 'warn', text: w });
  const rejections = h.process.unhandledRejections ?? 0;
  if (rejections > 0) out.push({ tone: 'bad', text: `${rejections} unhandled promise rejection${rejections === 1 ? '' : 's'} in the engine (see its log)` });
  if (h.process.eventLoopDelayMs.p99 > 100) out.push({ tone: 'warn', text: `event loop p99 ${h.process.eventLoopDelayMs.p99} ms` });
  for (const [used, cap, what] of [
    [h.orders.lastSecond, h.orders.capPerSecond, 'orders/s'],
    [h.orders.lastMinute, h.orders.capPerMinute, 'orders/min'],
    [h.orders.today, h.orders.capPerDay, 'orders today'],
  ] as const) {
    const u = usage(used, cap);
    if (u.tone !== 'ok') out.push({ tone: u.tone, text: `${what} at ${u.pct.toFixed(0)} % of the cap` });
  }
  return out.sort((a, b) => (a.tone === b.tone ? 0 : a.tone === 'bad' ? -1 : b.tone === 'bad' ? 1 : 0));
}
