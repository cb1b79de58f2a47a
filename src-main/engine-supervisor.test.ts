import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineSupervisor, type ChildLike } from './engine-supervisor.js';

/** A fake utility process: records what it is sent, lets the test fire its events. */
class FakeChild implements ChildLike<string> {
  pid: number | undefined;
  sent: { message: unknown; transfer: string[] | undefined }[] = [];
  killed = 0;
  private exitListeners: ((code: number) => void)[] = [];
  private messageListeners: ((m: unknown) => void)[] = [];
  constructor(pid: number) {
    this.pid = pid;
  }
  postMessage(message: unknown, transfer?: string[]): void {
    if (this.pid === undefined) throw new Error('posted to a dead child');
    this.sent.push({ message, transfer });
  }
  on(event: 'exit', listener: (code: number) => void): this;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'exit' | 'message', listener: ((code: number) => void) | ((m: unknown) => void)): this {
    if (event === 'exit') this.exitListeners.push(listener as (code: number) => void);
    else this.messageListeners.push(listener as (m: unknown) => void);
    return this;
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
  // test controls
  send(m: unknown): void {
    for (const l of this.messageListeners) l(m);
  }
  ready(version = '0.1.0'): void {
    this.send({ type: 'ready', pid: this.pid ?? 0, version });
  }
  exit(code: number): void {
    this.pid = undefined;
    for (const l of this.exitListeners) l(code);
  }
}

function setup(opts: { forkThrows?: number[] } = {}) {
  const children: FakeChild[] = [];
  const logs: string[] = [];
  let forks = 0;
  const sup = new EngineSupervisor<string>({
    fork: () => {
      forks++;
      if (opts.forkThrows?.includes(forks)) throw new Error('ENOENT utility-entry.js');
      const c = new FakeChild(1000 + forks);
      children.push(c);
      return c;
    },
    log: (level, m) => logs.push(`${level}: ${m}`),
  });
  const events: string[] = [];
  sup.on('spawned', (e) => events.push(`spawned#${e.incarnation}`));
  sup.on('ready', (e) => events.push(`ready#${e.incarnation}`));
  sup.on('crashed', (e) => events.push(`crashed#${e.incarnation}+${e.restartInMs}`));
  sup.on('failed', () => events.push('failed'));
  sup.on('stopped', (e) => events.push(`stopped#${e.incarnation}`));
  const last = () => children[children.length - 1]!;
  return { sup, children, events, logs, last, forks: () => forks };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-03-02T09:15:00+05:30'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EngineSupervisor start and ready', () => {
  it('forks once, emits ready on a valid ready message, exactly once per incarnation', () => {
    const { sup, children, events } = setup();
    sup.start();
    sup.start(); // no-op while running
    expect(children).toHaveLength(1);
    expect(sup.state).toBe('starting');
    expect(sup.isReady).toBe(false);
    children[0]!.ready();
    children[0]!.ready();
    expect(sup.state).toBe('running');
    expect(sup.isReady).toBe(true);
    expect(events).toEqual(['spawned#1', 'ready#1']);
  });

  it('ignores malformed control messages', () => {
    const { sup, last, events, logs } = setup();
    sup.start();
    last().send({ type: 'ready' }); // no pid/version
    last().send('ready');
    last().send({ type: 'launch-missiles' });
    last().send(null);
    expect(events).toEqual(['spawned#1']);
    expect(sup.isReady).toBe(false);
    expect(logs.filter((l) => l.includes('malformed'))).toHaveLength(4);
  });

  it('forwards kite-* messages of the current child as a kite event, and never logs a refused message body', () => {
    const { sup, last, logs } = setup();
    const kite: unknown[] = [];
    sup.on('kite', (e) => kite.push(e));
    sup.start();
    last().ready();
    const session = { type: 'kite-session', apiKey: 'k1', userId: 'AB1234', accessToken: 'tok-secret-1', loginTime: 1, expiresAt: 2 };
    last().send(session);
    last().send({ type: 'kite-session-ended', apiKey: 'k1', reason: 'expired' });
    expect(kite).toEqual([
      { incarnation: 1, message: session },
      { incarnation: 1, message: { type: 'kite-session-ended', apiKey: 'k1', reason: 'expired' } },
    ]);
    // A malformed kite-login from main is refused without echoing its secret.
    expect(sup.postMessage({ type: 'kite-login', apiKey: 'bad key', requestToken: 'rt-secret-2', apiSecret: 'sec-secret-3' })).toBe(false);
    expect(last().sent.map((s) => (s.message as { type: string }).type)).toEqual([]);
    expect(logs.join('\n')).toMatch(/malformed control message of type 'kite-login'/);
    expect(logs.join('\n')).not.toMatch(/secret/);
  });

  it('forwards a strategy approval request as an approval event; a reply goes back validated, a malformed one not at all', () => {
    const { sup, last } = setup();
    const asked: unknown[] = [];
    sup.on('approval', (e) => asked.push(e));
    sup.start();
    last().ready();
    const req = { type: 'strategy-approval-request', id: 3, op: 'check', file: 'mine.mjs', sha256: 'a'.repeat(64) };
    last().send(req);
    last().send({ ...req, id: 4, file: '../escape.mjs' }); // a folder in the name: refused by the schema
    expect(asked).toEqual([{ incarnation: 1, message: req }]);
    expect(sup.postMessage({ type: 'strategy-approval-reply', id: 3, ok: true, approved: false })).toBe(true);
    expect(sup.postMessage({ type: 'strategy-approval-reply', id: 3, ok: true, refused: 'nope' } as never)).toBe(false);
    expect(last().sent.map((s) => s.message)).toEqual([{ type: 'strategy-approval-reply', id: 3, ok: true, approved: false }]);
  });

  it('kills a child that never says ready, and restarts it as a crash', () => {
    const { sup, children, events } = setup();
    sup.start();
    vi.advanceTimersByTime(30_000);
    expect(children[0]!.killed).toBe(1);
    children[0]!.exit(15);
    expect(events).toEqual(['spawned#1', 'crashed#1+250']);
    vi.advanceTimersByTime(250);
    expect(children).toHaveLength(2);
    expect(sup.failureMessage).toBeUndefined();
  });
});

describe('EngineSupervisor restart policy', () => {
  it('restarts with back-off 250 ms, 1 s, 4 s, then gives up on the 4th crash inside 60 s', () => {
    const { sup, children, events } = setup();
    const failed: string[] = [];
    sup.on('failed', (f) => failed.push(f.message));
    sup.start();
    children[0]!.ready();

    children[0]!.exit(11);
    expect(sup.state).toBe('backoff');
    vi.advanceTimersByTime(249);
    expect(children).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(children).toHaveLength(2);

    children[1]!.ready();
    children[1]!.exit(11);
    vi.advanceTimersByTime(999);
    expect(children).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(children).toHaveLength(3);

    children[2]!.exit(11);
    vi.advanceTimersByTime(3_999);
    expect(children).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(children).toHaveLength(4);

    children[3]!.exit(11);
    expect(sup.state).toBe('failed');
    vi.advanceTimersByTime(120_000);
    expect(children).toHaveLength(4);
    expect(events).toEqual([
      'spawned#1', 'ready#1', 'crashed#1+250', 'spawned#2', 'ready#2', 'crashed#2+1000', 'spawned#3', 'crashed#3+4000', 'spawned#4', 'failed',
    ]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/stopped unexpectedly 4 times within 1 minute/);
    expect(failed[0]).toMatch(/exited with code 11/);
    expect(sup.failureMessage).toBe(failed[0]);
  });

  it('counts only restarts inside the rolling 60 s window', () => {
    const { sup, children, events } = setup();
    sup.start();
    for (let i = 0; i < 3; i++) {
      children[i]!.ready();
      children[i]!.exit(1);
      vi.advanceTimersByTime(5_000); // back-off elapses, next child forked
    }
    expect(children).toHaveLength(4);
    // Wait until the first restart (at t≈0.25 s) leaves the window; a crash now is allowed again.
    vi.advanceTimersByTime(60_000);
    children[3]!.ready();
    children[3]!.exit(1);
    expect(sup.state).toBe('backoff');
    expect(events).not.toContain('failed');
    vi.advanceTimersByTime(10_000);
    expect(children).toHaveLength(5);
  });

  it('treats an unexpected exit with code 0 as a crash (electron#42283)', () => {
    const { sup, children, events } = setup();
    sup.start();
    children[0]!.ready();
    children[0]!.exit(0);
    expect(events).toContain('crashed#1+250');
    vi.advanceTimersByTime(250);
    expect(children).toHaveLength(2);
  });

  it('uses the fatal message as the crash reason', () => {
    const { sup, children } = setup();
    const reasons: string[] = [];
    sup.on('crashed', (c) => reasons.push(c.reason));
    sup.start();
    children[0]!.send({ type: 'fatal', message: 'journal corrupt' });
    children[0]!.exit(1);
    expect(reasons).toEqual(['journal corrupt']);
  });

  it('a throwing fork counts as a crash and is retried', () => {
    const { sup, children, events } = setup({ forkThrows: [1] });
    sup.start();
    expect(children).toHaveLength(0);
    expect(events).toEqual(['crashed#1+250']);
    vi.advanceTimersByTime(250);
    expect(children).toHaveLength(1);
    expect(events).toEqual(['crashed#1+250', 'spawned#2']);
  });

  it('counts restarts when the new engine is forked, with the newest crash time and reason; a stop during back-off is no restart', () => {
    const { sup, children } = setup();
    sup.start();
    expect(sup.restartStats).toEqual({ count: 0 });
    children[0]!.ready();
    const crashAt = Date.now();
    children[0]!.send({ type: 'fatal', message: 'journal corrupt' });
    children[0]!.exit(1);
    expect(sup.restartStats).toEqual({ count: 0 }); // pending: not restarted yet
    vi.advanceTimersByTime(250);
    expect(sup.restartStats).toEqual({ count: 1, last: { at: crashAt, reason: 'journal corrupt' } });
    children[1]!.ready();
    vi.advanceTimersByTime(5_000);
    const secondAt = Date.now();
    children[1]!.exit(139);
    vi.advanceTimersByTime(1_000);
    expect(sup.restartStats).toEqual({ count: 2, last: { at: secondAt, reason: 'exited with code 139' } });
    children[2]!.exit(1);
    void sup.stop();
    vi.advanceTimersByTime(10_000);
    expect(children).toHaveLength(3);
    expect(sup.restartStats.count).toBe(2);
  });

  it('can be started again by hand after giving up', () => {
    const { sup, children, events } = setup({ forkThrows: [1, 2, 3, 4] });
    sup.start();
    vi.advanceTimersByTime(10_000);
    expect(sup.state).toBe('failed');
    expect(children).toHaveLength(0);
    sup.start();
    expect(children).toHaveLength(1);
    expect(sup.failureMessage).toBeUndefined();
    expect(events.at(-1)).toBe('spawned#5');
    // three automatic restarts, then the one by hand
    expect(sup.restartStats).toMatchObject({ count: 4, last: { reason: 'launch failed: Error: ENOENT utility-entry.js' } });
  });
});

describe('EngineSupervisor incarnation hygiene', () => {
  it('ignores a duplicate exit (electron#44012)', () => {
    const { sup, children, events } = setup();
    sup.start();
    children[0]!.exit(11);
    children[0]!.exit(11);
    expect(events.filter((e) => e.startsWith('crashed'))).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(children).toHaveLength(2);
  });

  it("ignores an old incarnation's late exit and messages", () => {
    const { sup, children, events } = setup();
    sup.start();
    const first = children[0]!;
    first.exit(11);
    vi.advanceTimersByTime(250);
    const second = children[1]!;
    second.ready();
    // The first child's ghosts: a late ready and a second exit.
    first.send({ type: 'ready', pid: 1, version: 'x' });
    first.exit(11);
    expect(sup.state).toBe('running');
    expect(sup.incarnation).toBe(2);
    expect(events).toEqual(['spawned#1', 'crashed#1+250', 'spawned#2', 'ready#2']);
  });

  it('never posts to a dead child', () => {
    const { sup, children } = setup();
    expect(sup.postMessage({ type: 'attach-window', windowId: 1 }, ['port'])).toBe(false);
    sup.start();
    children[0]!.ready();
    expect(sup.postMessage({ type: 'attach-window', windowId: 1 }, ['p1'])).toBe(true);
    expect(children[0]!.sent).toEqual([{ message: { type: 'attach-window', windowId: 1 }, transfer: ['p1'] }]);
    children[0]!.exit(11);
    expect(sup.postMessage({ type: 'attach-window', windowId: 1 }, ['p2'])).toBe(false);
    expect(children[0]!.sent).toHaveLength(1);
  });

  it('treats a child whose pid went undefined as dead even before exit fires', () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.ready();
    children[0]!.pid = undefined;
    expect(sup.isReady).toBe(false);
    expect(sup.postMessage({ type: 'attach-window', windowId: 1 })).toBe(false);
  });

  it('refuses control messages that do not match the contract', () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.ready();
    expect(sup.postMessage({ type: 'attach-window', windowId: -1 })).toBe(false);
    expect(sup.postMessage({ type: 'nope' } as never)).toBe(false);
    expect(children[0]!.sent).toHaveLength(0);
  });

  it('a throwing listener does not break the supervisor', () => {
    const { sup, children, events } = setup();
    sup.on('ready', () => {
      throw new Error('boom');
    });
    sup.start();
    children[0]!.ready();
    expect(events).toContain('ready#1');
    expect(sup.state).toBe('running');
  });
});

describe('EngineSupervisor stop', () => {
  it('asks for shutdown, resolves on exit and does not restart', async () => {
    const { sup, children, events } = setup();
    sup.start();
    children[0]!.ready();
    const done = sup.stop('app quitting');
    expect(children[0]!.sent.at(-1)?.message).toEqual({ type: 'shutdown', reason: 'app quitting' });
    expect(sup.state).toBe('stopping');
    expect(sup.postMessage({ type: 'attach-window', windowId: 1 })).toBe(false);
    children[0]!.exit(0);
    await done;
    expect(sup.state).toBe('stopped');
    vi.advanceTimersByTime(60_000);
    expect(children).toHaveLength(1);
    expect(children[0]!.killed).toBe(0);
    expect(events).toEqual(['spawned#1', 'ready#1', 'stopped#1']);
  });

  it('kills an engine that does not exit in time', async () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.ready();
    const done = sup.stop();
    const second = sup.stop();
    vi.advanceTimersByTime(5_000);
    expect(children[0]!.killed).toBe(1);
    children[0]!.exit(143);
    await Promise.all([done, second]);
    expect(sup.state).toBe('stopped');
    expect(children).toHaveLength(1);
  });

  it('cancels a pending restart', async () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.exit(11);
    expect(sup.state).toBe('backoff');
    await sup.stop();
    vi.advanceTimersByTime(10_000);
    expect(children).toHaveLength(1);
    expect(sup.state).toBe('stopped');
  });

  it('can start again after a clean stop', async () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.ready();
    const done = sup.stop();
    children[0]!.exit(0);
    await done;
    sup.start();
    expect(children).toHaveLength(2);
    expect(sup.incarnation).toBe(2);
  });
});

describe('EngineSupervisor heartbeat (a hung engine)', () => {
  it('kills an engine whose heartbeats stop (event loop blocked) and restarts it as a crash, once', () => {
    const { sup, children, events } = setup();
    sup.start();
    children[0]!.ready();
    children[0]!.send({ type: 'heartbeat' });
    // beating every second: never judged, however long it runs
    for (let i = 0; i < 60; i++) {
      vi.advanceTimersByTime(1_000);
      children[0]!.send({ type: 'heartbeat' });
    }
    expect(children[0]!.killed).toBe(0);
    // the loop blocks: no more beats
    vi.advanceTimersByTime(14_999);
    expect(children[0]!.killed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(children[0]!.killed).toBe(1);
    // the kill lands; the supervisor restarts it after the first back-off, with the hang as the reason
    const crashed: string[] = [];
    sup.on('crashed', (c) => crashed.push(c.reason));
    children[0]!.exit(0);
    expect(crashed).toEqual(['hung: no heartbeat for 15000 ms']);
    vi.advanceTimersByTime(250);
    expect(children).toHaveLength(2);
    expect(events).toEqual(['spawned#1', 'ready#1', 'crashed#1+250', 'spawned#2']);
    // the new engine's clock starts fresh: the old timer does not kill it
    children[1]!.ready();
    children[1]!.send({ type: 'heartbeat' });
    vi.advanceTimersByTime(10_000);
    expect(children[1]!.killed).toBe(0);
    expect(sup.restartStats.last?.reason).toBe('hung: no heartbeat for 15000 ms');
  });

  it('never judges an engine that sends no heartbeat, honours a custom timeout and 0 = off', () => {
    const a = setup();
    a.sup.start();
    a.children[0]!.ready();
    vi.advanceTimersByTime(120_000);
    expect(a.children[0]!.killed).toBe(0);

    const children: FakeChild[] = [];
    const sup = new EngineSupervisor<string>({ fork: () => (children.push(new FakeChild(2000 + children.length)), children.at(-1)!), heartbeatTimeoutMs: 3_000 });
    sup.start();
    children[0]!.ready();
    children[0]!.send({ type: 'heartbeat' });
    vi.advanceTimersByTime(2_999);
    expect(children[0]!.killed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(children[0]!.killed).toBe(1);

    const off: FakeChild[] = [];
    const sup0 = new EngineSupervisor<string>({ fork: () => (off.push(new FakeChild(3000)), off[0]!), heartbeatTimeoutMs: 0 });
    sup0.start();
    off[0]!.ready();
    off[0]!.send({ type: 'heartbeat' });
    vi.advanceTimersByTime(600_000);
    expect(off[0]!.killed).toBe(0);
  });

  it('does not kill a stopping engine for missing heartbeats (the stop timeout does)', async () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.ready();
    children[0]!.send({ type: 'heartbeat' });
    const done = sup.stop();
    vi.advanceTimersByTime(4_999);
    expect(children[0]!.killed).toBe(0);
    children[0]!.exit(0);
    await done;
    expect(sup.state).toBe('stopped');
  });
});
