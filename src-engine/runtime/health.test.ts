import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { healthSchema } from '../contract/health-schemas.js';
import type { EngineStatus } from '../contract/schemas.js';
import { buildHealth, ProcessHealth } from './health.js';

const status = (over: Partial<EngineStatus> = {}): EngineStatus => ({
  state: 'running',
  mode: 'paper',
  feed: 'simulator',
  version: '0.1.0',
  protocol: 1,
  startedAt: 1_000_000,
  ticksPerSec: 0,
  totalTicks: 5,
  feedTime: 2_000_000,
  instruments: 50,
  connections: 1,
  kite: { state: 'none' } as EngineStatus['kite'],
  tradingDay: { date: '2026-11-20', phase: 'open' },
  ...over,
});
const rate = { lastSecond: 1, lastMinute: 3, today: 7, capPerSecond: 10, capPerMinute: 400, capPerDay: 5000 };

describe('health', () => {
  let ph: ProcessHealth;
  afterEach(() => ph?.stop());

  it('keeps the newest 20 warnings and errors, newest first, and ignores info', () => {
    ph = new ProcessHealth();
    ph.noteLog('info', 'hello', 1);
    for (let i = 0; i < 25; i++) ph.noteLog(i % 2 ? 'warn' : 'error', `problem ${i}`, 100 + i);
    const p = ph.recentProblems();
    expect(p).toHaveLength(20);
    expect(p[0]).toEqual({ ts: 124, level: 'error', message: 'problem 24' });
    expect(p.at(-1)!.message).toBe('problem 5');
  });

  it('measures the journal and its WAL on disk', () => {
    ph = new ProcessHealth();
    expect(ph.journalSize()).toEqual({ dbBytes: 0, walBytes: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'kitedesk-health-'));
    writeFileSync(join(dir, 'k.sqlite'), Buffer.alloc(4096));
    writeFileSync(join(dir, 'k.sqlite-wal'), Buffer.alloc(100));
    ph.setJournalFile(join(dir, 'k.sqlite'));
    expect(ph.journalSize()).toEqual({ dbBytes: 4096, walBytes: 100 });
  });

  it('reports event-loop delay after a blocked loop', async () => {
    ph = new ProcessHealth();
    expect(ph.eventLoopDelay()).toEqual({ p50: 0, p99: 0, max: 0 });
    await new Promise((r) => setTimeout(r, 30));
    const until = Date.now() + 60;
    while (Date.now() < until) {
      /* block the loop */
    }
    await new Promise((r) => setTimeout(r, 30));
    expect(ph.eventLoopDelay().max).toBeGreaterThanOrEqual(40);
  });

  it('restarts: none supervised until the host says so, then its count and newest reason', () => {
    ph = new ProcessHealth();
    expect(buildHealth({ status: status(), rate, process: ph, now: 1 }).engine.restarts).toEqual({ supervisor: 'none', count: 0 });
    ph.setRestarts(2, { at: 1_050_000, reason: 'x'.repeat(400) });
    const h = buildHealth({ status: status(), rate, process: ph, now: 1_060_000 });
    expect(healthSchema.parse(h)).toEqual(h);
    expect(h.engine.restarts).toEqual({ supervisor: 'electron-main', count: 2, last: { at: 1_050_000, reason: 'x'.repeat(300) } });
  });

  it('unhandled rejections: absent until watched, then counted, logged as errors and shown in the snapshot', () => {
    ph = new ProcessHealth();
    expect(buildHealth({ status: status(), rate, process: ph, now: 1 }).process.unhandledRejections).toBeUndefined();
    const target = new EventEmitter();
    const logged: { level: string; message: string; data?: Record<string, unknown> }[] = [];
    ph.watchUnhandledRejections((level, message, data) => void logged.push({ level, message, ...(data ? { data } : {}) }), target);
    ph.watchUnhandledRejections(() => undefined, target); // once only
    expect(target.listenerCount('unhandledRejection')).toBe(1);
    expect(ph.unhandledRejections()).toBe(0);
    target.emit('unhandledRejection', new Error('journal write failed'), Promise.resolve());
    target.emit('unhandledRejection', 'a plain reason', Promise.resolve());
    const h = buildHealth({ status: status(), rate, process: ph, now: 1 });
    expect(healthSchema.parse(h)).toEqual(h);
    expect(h.process.unhandledRejections).toBe(2);
    expect(logged.map((l) => [l.level, l.message, l.data?.['message'], l.data?.['count']])).toEqual([
      ['error', 'unhandled promise rejection', 'Error: journal write failed', 1],
      ['error', 'unhandled promise rejection', 'a plain reason', 2],
    ]);
    expect(ph.recentProblems()[0]).toMatchObject({ level: 'error', message: 'unhandled promise rejection: a plain reason' });
  });

  it('a snapshot that passes the contract: staleness only while the session is open', () => {
    ph = new ProcessHealth();
    const h = buildHealth({ status: status(), rate, process: ph, now: 1_060_000 });
    expect(healthSchema.parse(h)).toEqual(h);
    expect(h.engine).toMatchObject({ uptimeMs: 60_000, host: 'node', pid: process.pid });
    expect(h.feed.stale).toBe(true);
    expect(h.orders).toEqual(rate);
    expect(buildHealth({ status: status({ ticksPerSec: 120 }), rate, process: ph, now: 1 }).feed.stale).toBe(false);
    expect(buildHealth({ status: status({ tradingDay: { date: '2026-11-21', phase: 'closed' } }), rate, process: ph, now: 1 }).feed.stale).toBe(false);
  });
});
