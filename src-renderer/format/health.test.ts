import { describe, expect, it } from 'vitest';
import { alarms, fnoRows, formatBytes, formatRestarts, formatUptime, usage, type Health } from './health.js';

const h = (over: Partial<Health> = {}): Health => ({
  at: 1,
  engine: { state: 'running', mode: 'paper', startedAt: 0, uptimeMs: 1000, pid: 1, host: 'node', runtime: 'Node 20', restarts: { supervisor: 'none', count: 0 } },
  feed: { kind: 'simulator', ticksPerSec: 100, totalTicks: 1, feedTime: 1, stale: false, phase: 'open' },
  orders: { lastSecond: 0, lastMinute: 0, today: 0, capPerSecond: 10, capPerMinute: 400, capPerDay: 5000 },
  process: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, eventLoopDelayMs: { p50: 1, p99: 2, max: 3 } },
  journal: { dbBytes: 0, walBytes: 0 },
  problems: [],
  ...over,
});

describe('health formatting', () => {
  it('bytes and uptime', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_600)).toBe('12.3 KB');
    expect(formatBytes(50_400_000)).toBe('48.1 MB');
    expect(formatUptime(45_000)).toBe('45 s');
    expect(formatUptime(3 * 3_600_000 + 12 * 60_000)).toBe('3 h 12 min');
  });
  it('usage tones at 70 % and 90 %', () => {
    expect(usage(6, 10).tone).toBe('ok');
    expect(usage(7, 10).tone).toBe('warn');
    expect(usage(9, 10)).toEqual({ pct: 90, tone: 'bad', text: '9 / 10' });
    expect(usage(4500, 5000).text).toBe('4,500 / 5,000');
  });
  it('restarts: unsupervised under serve, a count, the newest reason; a restart is a warning', () => {
    expect(formatRestarts({ supervisor: 'none', count: 0 })).toMatch(/^not supervised/);
    expect(formatRestarts({ supervisor: 'electron-main', count: 0 })).toBe('0');
    const r = { supervisor: 'electron-main' as const, count: 2, last: { at: Date.UTC(2026, 10, 20, 4, 32, 3), reason: 'exited with code 1' } };
    expect(formatRestarts(r)).toMatch(/^2 · last 20 Nov 2026, 10:02 IST: exited with code 1$/);
    const base = h();
    expect(alarms({ ...base, engine: { ...base.engine, restarts: r } })).toEqual([{ tone: 'warn', text: 'engine restarted 2 times since the app started' }]);
  });

  it('unhandled rejections counted by the engine: none is quiet, any is a bad alarm', () => {
    const base = h();
    expect(alarms({ ...base, process: { ...base.process, unhandledRejections: 0 } })).toEqual([]);
    expect(alarms({ ...base, process: { ...base.process, unhandledRejections: 1 } })).toEqual([{ tone: 'bad', text: '1 unhandled promise rejection in the engine (see its log)' }]);
    expect(alarms({ ...base, process: { ...base.process, unhandledRejections: 3 } })[0]!.text).toMatch(/^3 unhandled promise rejections/);
  });

  it('alarms, worst first; none when all is well', () => {
    expect(alarms(h())).toEqual([]);
    const a = alarms(
      h({
        feed: { kind: 'kite', ticksPerSec: 0, totalTicks: 1, feedTime: 1, stale: true, phase: 'open', status: { kind: 'kite', state: 'live', clockSkewMs: -9000 } },
        orders: { lastSecond: 8, lastMinute: 0, today: 0, capPerSecond: 10, capPerMinute: 400, capPerDay: 5000 },
        process: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, eventLoopDelayMs: { p50: 1, p99: 250, max: 300 } },
      }),
    );
    expect(a.map((x) => x.tone)).toEqual(['bad', 'warn', 'warn', 'warn']);
    expect(a[0]!.text).toMatch(/feed stale/);
    expect(a.map((x) => x.text)).toContain('orders/s at 80 % of the cap');
    expect(a.map((x) => x.text)).toContain('feed clock -9 s off the wall clock');
  });
  it('the F&O plan: state, contracts per underlying, instances waiting to move; a missing contract is a warning alarm', () => {
    const fno: NonNullable<Health['fno']> = {
      state: 'resolved',
      legs: [{ underlying: 'NIFTY', underlyingSymbol: 'NIFTY 50', future: 'NIFTY26DECFUT', option: { expiry: '2026-12-08', atmPaise: 2_450_000, strikePaise: 2_455_000, ce: 'NIFTY26D0824550CE', missing: ['NIFTY 2026-12-08 24550 PE'] } }],
      warnings: ["fno: NIFTY 2026-12-08 24550 PE is not in Kite's instrument dump: that leg is not traded"],
      pendingMoves: [{ id: 'own', from: ['NIFTY26D0824500CE'], to: ['NIFTY26D0824550CE'], holding: ['NIFTY26D0824500CE'] }],
    };
    expect(fnoRows(fno)).toEqual([
      { label: 'F&O plan', value: 'resolved', tone: 'up' },
      { label: 'NIFTY', value: 'fut NIFTY26DECFUT · 2026-12-08 24,550 (ATM 24,500): CE NIFTY26D0824550CE · PE —', tone: '' },
      { label: 'Moving own', value: 'NIFTY26D0824500CE → NIFTY26D0824550CE: keeps NIFTY26D0824500CE until flat', tone: '' },
    ]);
    expect(fnoRows({ state: 'waiting', message: 'waiting for Kite’s instrument dump', legs: [], warnings: [], pendingMoves: [] })).toEqual([
      { label: 'F&O plan', value: 'waiting: waiting for Kite’s instrument dump', tone: 'down' },
    ]);
    expect(alarms(h({ fno }))).toEqual([{ tone: 'warn', text: fno.warnings[0] }]);
    expect(alarms(h())).toEqual([]);
  });
});
