import { describe, expect, it } from 'vitest';
import type { MainToEngine } from '../src-engine/contract/control.js';
import type { SecretStore } from './keychain.js';
import {
  KiteAuth,
  KiteLoginFlow,
  buildKiteLoginWebPreferences,
  kiteAccounts,
  kiteLoginUrl,
  loginOriginsFor,
  parseKiteRedirect,
} from './kite-login.js';

const REDIRECT = 'http://127.0.0.1:53682/kite/callback';
const TOKEN = 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56';

describe('KiteLoginFlow navigation decisions', () => {
  it('allows only https kite.zerodha.com / kite.trade pages; look-alikes and everything else are denied', () => {
    const flow = new KiteLoginFlow({ redirectUrl: REDIRECT });
    for (const ok of [
      'https://kite.zerodha.com/connect/login?v=3&api_key=abc',
      'https://kite.zerodha.com/connect/finish?sess_id=1',
      'https://KITE.Zerodha.com:443/twofa',
      'https://kite.trade/connect/login?api_key=abc',
    ]) {
      expect(flow.decide(ok), ok).toEqual({ action: 'allow' });
    }
    for (const bad of [
      'http://kite.zerodha.com/connect/login',
      'https://kite.zerodha.com.evil.com/connect/login',
      'https://kite.zerodha.com@evil.com/',
      'https://user:pw@kite.zerodha.com/',
      'https://evil.com/?next=https://kite.zerodha.com/',
      'https://xkite.zerodha.com/',
      'https://zerodha.com/',
      'https://api.kite.trade/session/token',
      'https://kite.trade.evil.com/',
      'https://kite.zerodha.com./',
      'https://kite.zerodha.com:8443/',
      'wss://kite.zerodha.com/',
      'javascript:alert(1)',
      'data:text/html,<h1>x</h1>',
      'file:///etc/passwd',
      'about:blank',
      'app://kitedesk/index.html',
      'http://127.0.0.1:53682/other',
      'http://127.0.0.1:53683/kite/callback?request_token=x&action=login&status=success',
      'not a url',
      '',
      42,
    ]) {
      expect(flow.decide(bad), String(bad)).toMatchObject({ action: 'deny' });
    }
    expect(flow.done).toBe(false);
  });

  it('finishes on the registered redirect with the request_token; everything after is denied', () => {
    const flow = new KiteLoginFlow({ redirectUrl: REDIRECT });
    const d = flow.decide(`${REDIRECT}?action=login&type=login&status=success&request_token=${TOKEN}`);
    expect(d).toEqual({ action: 'finish', outcome: { ok: true, requestToken: TOKEN } });
    expect(flow.done).toBe(true);
    expect(flow.decide('https://kite.zerodha.com/connect/login')).toMatchObject({ action: 'deny' });
    expect(flow.decide(`${REDIRECT}?action=login&status=success&request_token=${TOKEN}`)).toMatchObject({ action: 'deny' });
  });

  it('a failed or odd redirect finishes with a typed failure that names no token', () => {
    const cases: [string, string][] = [
      [`?status=error&action=login&request_token=${TOKEN}`, 'not_success'],
      [`?action=login&request_token=${TOKEN}`, 'not_success'],
      [`?status=success&action=basket&request_token=${TOKEN}`, 'bad_action'],
      [`?status=success&request_token=${TOKEN}`, 'bad_action'],
      ['?status=success&action=login', 'missing_token'],
      ['?status=success&action=login&request_token=%3Cscript%3E', 'bad_token'],
    ];
    for (const [q, reason] of cases) {
      const d = new KiteLoginFlow({ redirectUrl: REDIRECT }).decide(REDIRECT + q);
      expect(d, q).toMatchObject({ action: 'finish', outcome: { ok: false, reason } });
      if (d.action === 'finish' && !d.outcome.ok) expect(d.outcome.message).not.toContain(TOKEN);
    }
    expect(parseKiteRedirect('::')).toMatchObject({ ok: false, reason: 'malformed_url' });
  });

  it('takes extra login origins (the simulator) and refuses bad configuration', () => {
    const settings = { apiKey: 'kitedesk-sim', redirectUrl: 'http://127.0.0.1:9000/sim/redirect', loginUrl: 'http://127.0.0.1:9000/connect/login' };
    const flow = new KiteLoginFlow({ redirectUrl: settings.redirectUrl, loginOrigins: loginOriginsFor(settings) });
    expect(flow.decide(kiteLoginUrl(settings.apiKey, settings.loginUrl))).toEqual({ action: 'allow' });
    expect(flow.decide('http://127.0.0.1:9001/connect/login')).toMatchObject({ action: 'deny' });
    expect(loginOriginsFor({ apiKey: 'k', redirectUrl: REDIRECT })).toEqual(['https://kite.zerodha.com', 'https://kite.trade']);
    expect(() => new KiteLoginFlow({ redirectUrl: 'ftp://x/y' })).toThrow();
    expect(() => new KiteLoginFlow({ redirectUrl: 'https://u:p@x/y' })).toThrow();
    expect(kiteLoginUrl('abc')).toBe('https://kite.zerodha.com/connect/login?v=3&api_key=abc');
  });

  it('login window preferences: in-memory partition, sandbox, isolation, no preload, no node', () => {
    const wp = buildKiteLoginWebPreferences('kite-login-1');
    expect(wp).toMatchObject({ partition: 'kite-login-1', sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, devTools: false, disableBlinkFeatures: 'Auxclick' });
    expect(wp).not.toHaveProperty('preload');
    expect(() => buildKiteLoginWebPreferences('persist:kite')).toThrow();
  });
});

class MemoryStore implements SecretStore {
  data = new Map<string, string>();
  async get(a: string) {
    return this.data.get(a) ?? null;
  }
  async set(a: string, s: string) {
    this.data.set(a, s);
  }
  async delete(a: string) {
    return this.data.delete(a);
  }
}

function auth(opts: { now?: number; engineUp?: boolean; root?: string } = {}) {
  const store = new MemoryStore();
  const sent: MainToEngine[] = [];
  const logs: string[] = [];
  const problems: string[] = [];
  const a = new KiteAuth({
    secrets: async () => store,
    engine: {
      postMessage: (m) => {
        if (opts.engineUp === false) return false;
        sent.push(m);
        return true;
      },
    },
    settings: { apiKey: 'Key1', redirectUrl: REDIRECT, ...(opts.root ? { root: opts.root } : {}) },
    clock: { now: () => opts.now ?? 1_000 },
    log: (level, m) => logs.push(`${level}: ${m}`),
    onProblem: (m) => problems.push(m),
  });
  return { a, store, sent, logs, problems };
}

describe('KiteAuth (keychain ↔ engine)', () => {
  it('reads api_secret only on a request token and sends kite-login to the engine', async () => {
    const { a, store, sent, logs, problems } = auth({ root: 'http://127.0.0.1:9000' });
    expect(await a.finishLogin({ ok: true, requestToken: TOKEN })).toBe(false);
    expect(problems[0]).toMatch(/no Kite api_secret is stored/);
    store.data.set(kiteAccounts.apiSecret('Key1'), 'the-secret');
    expect(kiteAccounts.apiSecret('Key1')).toBe('kite:api_secret:key1');
    expect(await a.finishLogin({ ok: true, requestToken: TOKEN })).toBe(true);
    expect(sent).toEqual([{ type: 'kite-login', apiKey: 'Key1', requestToken: TOKEN, apiSecret: 'the-secret', root: 'http://127.0.0.1:9000' }]);
    expect(await a.finishLogin({ ok: false, reason: 'not_success', message: 'Kite login did not succeed' })).toBe(false);
    expect(sent).toHaveLength(1);
    expect(logs.join('\n')).not.toMatch(/the-secret|Ab12Cd34/);
  });

  it('stores kite-session in the keychain, restores it on engine start until it expires, deletes it when it ends', async () => {
    const { a, store, sent } = auth({ now: 5_000 });
    const account = kiteAccounts.accessToken('Key1');
    expect(await a.restoreSession()).toBe(false);
    await a.onEngineMessage({ type: 'kite-session', apiKey: 'Key1', userId: 'AB1234', accessToken: 'acc-1', loginTime: 4_000, expiresAt: 10_000 });
    expect(JSON.parse(store.data.get(account)!)).toEqual({ accessToken: 'acc-1', userId: 'AB1234', loginTime: 4_000, expiresAt: 10_000 });
    expect(await a.restoreSession()).toBe(true);
    expect(sent).toEqual([{ type: 'kite-session-restore', apiKey: 'Key1', accessToken: 'acc-1', userId: 'AB1234', loginTime: 4_000 }]);
    await a.onEngineMessage({ type: 'kite-session-ended', apiKey: 'Key1', reason: 'rejected' });
    expect(store.data.has(account)).toBe(false);
    // another api key's message is ignored
    await a.onEngineMessage({ type: 'kite-session', apiKey: 'Other', userId: 'X', accessToken: 'acc-2', loginTime: 1, expiresAt: 2 });
    expect(store.data.size).toBe(0);
  });

  it('an expired or corrupt stored session is deleted, not restored; logout clears both sides', async () => {
    const { a, store, sent } = auth({ now: 20_000 });
    const account = kiteAccounts.accessToken('Key1');
    store.data.set(account, JSON.stringify({ accessToken: 'acc-1', userId: 'AB1234', loginTime: 4_000, expiresAt: 10_000 }));
    expect(await a.restoreSession()).toBe(false);
    expect(store.data.has(account)).toBe(false);
    store.data.set(account, '{not json');
    expect(await a.restoreSession()).toBe(false);
    expect(store.data.has(account)).toBe(false);
    expect(sent).toEqual([]);
    store.data.set(account, 'x');
    await a.logout();
    expect(sent).toEqual([{ type: 'kite-logout' }]);
    expect(store.data.has(account)).toBe(false);
  });

  it('reports a failed login and a stopped engine without secrets', async () => {
    const { a, store, problems } = auth({ engineUp: false });
    store.data.set(kiteAccounts.apiSecret('Key1'), 'the-secret');
    expect(await a.finishLogin({ ok: true, requestToken: TOKEN })).toBe(false);
    await a.onEngineMessage({ type: 'kite-login-failed', code: 'rejected', message: 'Kite refused the login: Invalid checksum.' });
    expect(problems).toEqual([expect.stringMatching(/engine is not running/), 'Kite login failed (rejected): Kite refused the login: Invalid checksum.']);
    expect(problems.join()).not.toMatch(/the-secret|Ab12Cd34/);
  });
});
