/**
 * The Kite login across processes, engine side, against the REAL local Kite simulator: main's
 * control messages (kite-login, kite-session-restore, kite-logout) go into runUtilityEngine over a
 * fake parentPort, exactly as Electron's utility process receives them; the renderer's view is an
 * RpcClient on an attached window port. Secrets may appear on the control channel and nowhere else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, parseRedirect, sessionExpiry } from '../../src-engine/adapters/kite/login.js';
import { IST_OFFSET_MS } from '../../src-engine/core/ist.js';
import { RpcClient, fromMessagePort, kiteDeskApi, type EngineStatus, type PortLike } from '../../src-engine/contract/index.js';
import { runUtilityEngine } from '../../src-engine/host/utility-entry.js';
import { KiteSimulator, type RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { KiteSessionManager, type KiteSessionTimers } from '../../src-engine/runtime/kite-session.js';
import { tempDataDir } from '../support/serve-process.js';
import { FakeParentPort, asPortMain } from '../support/utility-port.js';

const API_KEY = 'kitedesk-sim';
const API_SECRET = 'kitedesk-sim-secret';



/** A settable clock and timers that fire only when the test moves the clock. */
class FakeTime implements KiteSessionTimers {
  now = Date.now();
  private timers = new Map<number, { at: number; fn: () => void }>();
  private n = 0;
  readonly clock = { now: () => this.now };
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.n;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  advanceTo(t: number): void {
    this.now = t;
    for (const [id, x] of [...this.timers]) {
      if (x.at <= t && this.timers.delete(id)) x.fn();
    }
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Started {
  parent: FakeParentPort;
  client: RpcClient<typeof kiteDeskApi>;
  time: FakeTime;
  dataDir: string;
  statuses: EngineStatus[];
  log: () => string;
}

function startEngine(): Started {
  const parent = new FakeParentPort();
  const time = new FakeTime();
  const dataDir = tempDataDir('kitedesk-kite-');
  const exits: number[] = [];
  const kite = new KiteSessionManager({ clock: time.clock, timers: time });
  runUtilityEngine(parent, { argv: ['node', 'utility-entry.js', `--data-dir=${dataDir}`], exit: (c) => exits.push(c), kite, heartbeatMs: 0 });
  expect(parent.sent[0]).toMatchObject({ type: 'ready' });
  const ch = new MessageChannel();
  parent.deliver({ type: 'attach-window', windowId: 1 }, [asPortMain(ch.port1)]);
  const client = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
  client.attach(fromMessagePort(ch.port2 as unknown as PortLike));
  const statuses: EngineStatus[] = [];
  const sub = client.subscribe('engine.statusChanged', {}, { snapshot: (s) => statuses.push(s), delta: (s) => statuses.push(s) });
  cleanups.push(() => {
    sub.close();
    client.detach();
    parent.deliver({ type: 'shutdown', reason: 'test' });
    expect(exits).toEqual([0]);
  });
  return { parent, client, time, dataDir, statuses, log: () => readFileSync(join(dataDir, 'logs', 'engine.log'), 'utf8') };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function expectNoSecrets(text: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(text, 'a secret leaked').not.toContain(s);
  expect(text).not.toMatch(/access_?token|api_?secret|request_?token/i);
}

describe('Kite login across main ↔ engine (utility entry + KiteSessionManager + simulator)', () => {
  const sim = new KiteSimulator();
  let r: RunningKiteSimulator;

  const requestToken = async (): Promise<string> => {
    const res = await fetch(loginUrl(API_KEY, r.loginUrl), { redirect: 'manual' });
    expect(res.status).toBe(302);
    return parseRedirect(res.headers.get('location')!).requestToken;
  };

  beforeAll(async () => {
    r = await sim.start({ port: 0, speed: 1, seed: 7 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('kite-login → kite-session to main; the renderer sees kite.state active without any secret; the 06:00 IST expiry flips it', async () => {
    const e = startEngine();
    expect((await e.client.call('engine.getStatus', {})).kite).toEqual({ state: 'none' });

    const rt = await requestToken();
    e.parent.deliver({ type: 'kite-login', apiKey: API_KEY, requestToken: rt, apiSecret: API_SECRET, root: r.url });
    const s = await e.parent.next('kite-session');
    expect(s).toMatchObject({ apiKey: API_KEY, userId: expect.any(String), accessToken: expect.any(String) });
    expect(s.accessToken.length).toBeGreaterThan(8);
    expect(s.expiresAt).toBe(sessionExpiry(s.loginTime));
    expect(Math.abs(s.loginTime - Date.now())).toBeLessThan(60_000);

    const status = await e.client.call('engine.getStatus', {});
    expect(status.kite).toEqual({ state: 'active', userId: s.userId, expiresAt: s.expiresAt });
    // pushed to subscribers at once
    await until(() => e.statuses.some((x) => x.kite.state === 'active'), 'an active status push');
    const secrets = [s.accessToken, API_SECRET, rt];
    expectNoSecrets(JSON.stringify(status), secrets);
    expectNoSecrets(JSON.stringify(e.statuses), secrets);
    for (const k of secrets) expect(e.log()).not.toContain(k);

    // The daily expiry: one ms before, still active; at 06:00 IST, expired, and main is told.
    e.time.advanceTo(s.expiresAt - 1);
    expect((await e.client.call('engine.getStatus', {})).kite.state).toBe('active');
    e.time.advanceTo(s.expiresAt);
    const after = await e.client.call('engine.getStatus', {});
    expect(after.kite).toMatchObject({ state: 'expired', userId: s.userId, expiresAt: s.expiresAt, message: expect.stringMatching(/06:00 IST/) });
    expect(await e.parent.next('kite-session-ended')).toEqual({ type: 'kite-session-ended', apiKey: API_KEY, reason: 'expired' });
    await until(() => e.statuses.some((x) => x.kite.state === 'expired'), 'an expired status push');
    expectNoSecrets(JSON.stringify(e.statuses), secrets);
    expect(new Date(s.expiresAt + IST_OFFSET_MS).getUTCHours()).toBe(6);
  });

  it('a wrong api_secret → kite-login-failed (rejected) whose message, status and log carry no secret', async () => {
    const e = startEngine();
    const rt = await requestToken();
    const wrong = 'not-the-secret-0123456789';
    e.parent.deliver({ type: 'kite-login', apiKey: API_KEY, requestToken: rt, apiSecret: wrong, root: r.url });
    const f = await e.parent.next('kite-login-failed');
    expect(f.code).toBe('rejected');
    expect(f.message).toMatch(/Kite refused the login/);
    expectNoSecrets(f.message, [wrong, rt, API_SECRET]);
    const status = await e.client.call('engine.getStatus', {});
    expect(status.kite.state).toBe('error');
    expect(status.kite.message).toBe(f.message);
    expectNoSecrets(JSON.stringify(status), [wrong, rt, API_SECRET]);
    expect(e.log()).not.toContain(wrong);
    expect(e.log()).not.toContain(rt);
    expect(e.parent.sent.some((m) => m.type === 'kite-session')).toBe(false);
  });

  it('an unreachable Kite → kite-login-failed (network)', async () => {
    const e = startEngine();
    e.parent.deliver({ type: 'kite-login', apiKey: API_KEY, requestToken: 'abcdef123456', apiSecret: API_SECRET, root: 'http://127.0.0.1:9' });
    const f = await e.parent.next('kite-login-failed');
    expect(f.code).toBe('network');
    expectNoSecrets(f.message, [API_SECRET, 'abcdef123456']);
  });

  it('malformed kite control messages are ignored and their secrets never reach the log', async () => {
    const e = startEngine();
    const secret = 'SUPER-SECRET-VALUE-42';
    e.parent.deliver({ type: 'kite-login', apiKey: 'bad key!', requestToken: secret, apiSecret: secret });
    e.parent.deliver({ type: 'kite-login', apiKey: API_KEY, requestToken: secret, apiSecret: secret.repeat(40) });
    e.parent.deliver({ type: 'kite-session-restore', apiKey: API_KEY, accessToken: secret, userId: '', loginTime: -1 });
    await new Promise((res) => setTimeout(res, 50));
    expect(e.parent.sent.map((m) => m.type)).toEqual(['ready']);
    expect(e.log()).toMatch(/invalid control message ignored/);
    expect(e.log()).not.toContain(secret);
  });

  it('kite-session-restore reuses a stored token after an engine restart; an expired or refused one ends as expired', async () => {
    // Engine #1 logs in; main would store the session in the keychain.
    const first = startEngine();
    const rt = await requestToken();
    first.parent.deliver({ type: 'kite-login', apiKey: API_KEY, requestToken: rt, apiSecret: API_SECRET, root: r.url });
    const stored = await first.parent.next('kite-session');

    // Engine #2 (a restart) gets it back and verifies it with Kite.
    const second = startEngine();
    second.parent.deliver({ type: 'kite-session-restore', apiKey: API_KEY, accessToken: stored.accessToken, userId: stored.userId, loginTime: stored.loginTime, root: r.url });
    const st = await second.client.call('engine.getStatus', {});
    expect(st.kite).toEqual({ state: 'active', userId: stored.userId, expiresAt: stored.expiresAt });
    expectNoSecrets(JSON.stringify(st), [stored.accessToken]);
    await new Promise((res) => setTimeout(res, 200)); // the background profile check passes
    expect((await second.client.call('engine.getStatus', {})).kite.state).toBe('active');
    expect(second.parent.sent.map((m) => m.type)).toEqual(['ready']);

    // kite-logout forgets it.
    second.parent.deliver({ type: 'kite-logout' });
    expect((await second.client.call('engine.getStatus', {})).kite).toEqual({ state: 'none' });

    // A token from before today's 06:00 IST is refused without asking Kite.
    const third = startEngine();
    const yesterday = stored.expiresAt - 86_400_000 - 3_600_000; // 05:00 IST on the day the session started
    third.parent.deliver({ type: 'kite-session-restore', apiKey: API_KEY, accessToken: stored.accessToken, userId: stored.userId, loginTime: yesterday, root: r.url });
    const f = await third.parent.next('kite-login-failed');
    expect(f).toMatchObject({ code: 'expired' });
    expect((await third.client.call('engine.getStatus', {})).kite).toMatchObject({ state: 'expired', userId: stored.userId });

    // A token Kite no longer honours (logged out elsewhere): the check fails, the session ends.
    sim.expireTokens();
    const fourth = startEngine();
    fourth.parent.deliver({ type: 'kite-session-restore', apiKey: API_KEY, accessToken: stored.accessToken, userId: stored.userId, loginTime: stored.loginTime, root: r.url });
    expect(await fourth.parent.next('kite-session-ended')).toEqual({ type: 'kite-session-ended', apiKey: API_KEY, reason: 'rejected' });
    const gone = await fourth.client.call('engine.getStatus', {});
    expect(gone.kite).toMatchObject({ state: 'expired', message: expect.stringMatching(/refused/) });
    expectNoSecrets(JSON.stringify(gone), [stored.accessToken]);
    for (const e of [first, second, third, fourth]) expect(e.log()).not.toContain(stored.accessToken);
  });
});
