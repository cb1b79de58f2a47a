import { describe, expect, it } from 'vitest';
import { KiteError } from '../adapters/kite/errors.js';
import { sessionExpiry } from '../adapters/kite/login.js';
import type { KiteRestOptions } from '../adapters/kite/rest-client.js';
import type { KiteSession } from '../adapters/kite/rest-types.js';
import { KiteSessionManager, type KiteRestLike, type KiteSessionTimers } from './kite-session.js';

class FakeTime implements KiteSessionTimers {
  now = Date.UTC(2026, 2, 10, 4, 0); // 09:30 IST
  timers = new Map<number, { at: number; fn: () => void }>();
  private n = 0;
  clock = { now: () => this.now };
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.n, { at: this.now + ms, fn });
    return this.n;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  advanceTo(t: number): void {
    this.now = t;
    for (const [id, x] of [...this.timers]) if (x.at <= t && this.timers.delete(id)) x.fn();
  }
}

/** A KiteRest stand-in: generateSession resolves (or rejects) when the test says so. */
class FakeRest implements KiteRestLike {
  sessionExpired = false;
  token: string | undefined;
  listeners = new Map<string, Set<() => void>>();
  pending: { resolve: (s: KiteSession) => void; reject: (e: unknown) => void }[] = [];
  profileResult: Promise<never> | undefined;
  constructor(readonly opts: KiteRestOptions) {}
  generateSession = () => new Promise<KiteSession>((resolve, reject) => this.pending.push({ resolve, reject }));
  setAccessToken = (t: string) => {
    this.token = t;
  };
  on = (event: 'sessionExpired' | 'sessionRestored', fn: () => void) => {
    let s = this.listeners.get(event);
    if (!s) this.listeners.set(event, (s = new Set()));
    s.add(fn);
    return () => s.delete(fn);
  };
  profile = () => this.profileResult ?? Promise.resolve({} as never);
  fire(event: string) {
    for (const f of this.listeners.get(event) ?? []) f();
  }
}

function setup() {
  const time = new FakeTime();
  const rests: FakeRest[] = [];
  const m = new KiteSessionManager({
    clock: time.clock,
    timers: time,
    createRest: (o) => {
      const r = new FakeRest(o);
      rests.push(r);
      return r;
    },
  });
  const changes: string[] = [];
  m.onChange((s) => changes.push(s.state));
  const ended: string[] = [];
  m.onEnded((e) => ended.push(e.reason));
  return { time, rests, m, changes, ended };
}

const input = { apiKey: 'k1', requestToken: 'req-token-1', apiSecret: 'the-api-secret' };

describe('KiteSessionManager', () => {
  it('exchanges the token, installs it in the REST client, and expires at 06:00 IST by its timer', async () => {
    const { time, rests, m, changes, ended } = setup();
    const p = m.login({ ...input, root: 'http://127.0.0.1:1' });
    expect(rests[0]!.opts).toEqual({ apiKey: 'k1', root: 'http://127.0.0.1:1' });
    rests[0]!.pending[0]!.resolve({ userId: 'AB1234', accessToken: 'acc-token-1', loginTime: time.now });
    const r = await p;
    const expiresAt = sessionExpiry(time.now);
    expect(r).toEqual({ ok: true, session: { apiKey: 'k1', userId: 'AB1234', accessToken: 'acc-token-1', loginTime: time.now, expiresAt } });
    expect(rests[0]!.token).toBe('acc-token-1');
    expect(m.status()).toEqual({ state: 'active', userId: 'AB1234', expiresAt });
    expect(m.rest).toBe(rests[0]);
    time.advanceTo(expiresAt - 1);
    expect(m.status().state).toBe('active');
    time.advanceTo(expiresAt);
    expect(m.status()).toMatchObject({ state: 'expired', userId: 'AB1234' });
    expect(m.rest).toBeUndefined();
    expect(changes).toEqual(['active', 'expired']);
    expect(ended).toEqual(['expired']);
  });

  it('a late timer is covered by status(), and sessionExpired from the REST client ends the session as rejected', async () => {
    const { time, rests, m, ended } = setup();
    const restored = m.restore({ apiKey: 'k1', accessToken: 'acc-token-2', userId: 'AB1234', loginTime: time.now });
    expect(restored.ok).toBe(true);
    expect(rests[0]!.opts.accessToken).toBe('acc-token-2');
    rests[0]!.fire('sessionExpired');
    expect(m.status()).toMatchObject({ state: 'expired', message: expect.stringMatching(/refused/) });
    expect(ended).toEqual(['rejected']);

    // Timer never fired (e.g. the machine slept): reading the status still sees the expiry.
    m.restore({ apiKey: 'k1', accessToken: 'acc-token-3', userId: 'AB1234', loginTime: time.now });
    time.now = sessionExpiry(time.now) + 5;
    expect(m.status().state).toBe('expired');
    expect(ended).toEqual(['rejected', 'expired']);
  });

  it('a newer login or a logout supersedes one in flight; failures carry a code and no secret', async () => {
    const { time, rests, m } = setup();
    const first = m.login(input);
    const second = m.login({ ...input, requestToken: 'req-token-2' });
    rests[1]!.pending[0]!.resolve({ userId: 'AB1234', accessToken: 'acc-new', loginTime: time.now });
    rests[0]!.pending[0]!.resolve({ userId: 'AB1234', accessToken: 'acc-old', loginTime: time.now });
    expect(await first).toMatchObject({ ok: false, code: 'superseded' });
    expect(await second).toMatchObject({ ok: true });
    expect(m.rest).toBe(rests[1]);

    const third = m.login(input);
    m.logout();
    rests[2]!.pending[0]!.resolve({ userId: 'AB1234', accessToken: 'acc-x', loginTime: time.now });
    expect(await third).toMatchObject({ ok: false, code: 'superseded' });
    expect(m.status()).toEqual({ state: 'none' });

    const bad = m.login(input);
    rests[3]!.pending[0]!.reject(new KiteError('token', 'Invalid checksum for the-api-secret / req-token-1', { status: 403, errorType: 'TokenException' }));
    const f = await bad;
    expect(f).toMatchObject({ ok: false, code: 'rejected' });
    if (!f.ok) {
      expect(f.message).not.toContain('the-api-secret');
      expect(f.message).not.toContain('req-token-1');
    }
    expect(m.status()).toMatchObject({ state: 'error' });

    const net = m.login(input);
    rests[4]!.pending[0]!.reject(new KiteError('network', 'connect ECONNREFUSED'));
    expect(await net).toMatchObject({ ok: false, code: 'network' });
  });

  it('refuses to restore a token past its expiry without building a client', () => {
    const { time, rests, m } = setup();
    const r = m.restore({ apiKey: 'k1', accessToken: 'acc-old-1', userId: 'AB1234', loginTime: time.now - 86_400_000 });
    expect(r).toMatchObject({ ok: false, code: 'expired' });
    expect(rests).toHaveLength(0);
    expect(m.status().state).toBe('expired');
  });

  it('dispose stops timers and listeners', async () => {
    const { time, m, changes } = setup();
    m.restore({ apiKey: 'k1', accessToken: 'acc-token-9', userId: 'AB1234', loginTime: time.now });
    m.dispose();
    expect(time.timers.size).toBe(0);
    expect(await m.login(input)).toMatchObject({ ok: false, code: 'internal' });
    expect(changes).toEqual(['active']);
  });

  it('gives the engine’s own adapters the active session’s connection (key, token, root), and nothing otherwise', () => {
    const { m, time } = setup();
    expect(m.connection()).toBeUndefined();
    m.restore({ apiKey: 'k1', accessToken: 'acc-token-7', userId: 'AB1234', loginTime: time.now, root: 'http://127.0.0.1:8777' });
    expect(m.connection()).toEqual({ apiKey: 'k1', accessToken: 'acc-token-7', root: 'http://127.0.0.1:8777' });
    expect(JSON.stringify(m.status())).not.toContain('acc-token-7');
    time.advanceTo(sessionExpiry(time.now));
    expect(m.connection()).toBeUndefined();
    m.restore({ apiKey: 'k1', accessToken: 'acc-token-8', userId: 'AB1234', loginTime: time.now });
    expect(m.connection()).toEqual({ apiKey: 'k1', accessToken: 'acc-token-8', root: undefined });
    m.logout();
    expect(m.connection()).toBeUndefined();
  });

  it('a refusal the feed saw ends the session as rejected, for the active token only', () => {
    const { m, time, ended } = setup();
    m.restore({ apiKey: 'k1', accessToken: 'acc-token-5', userId: 'AB1234', loginTime: time.now });
    m.reportRejected('acc-token-old');
    expect(m.status().state).toBe('active');
    m.reportRejected('acc-token-5');
    expect(m.status()).toMatchObject({ state: 'expired', message: expect.stringContaining('log in again') });
    expect(ended).toEqual(['rejected']);
    expect(m.connection()).toBeUndefined();
  });
});
