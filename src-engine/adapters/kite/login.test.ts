import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeRest, kiteErr, ok, startFakeRest } from './kite-test-support.js';
import { KiteLoginError, checksum, exchangeRequestToken, isSessionExpired, loginUrl, parseRedirect, sessionExpiry } from './login.js';
import { KiteRest } from './rest-client.js';

const ist = (s: string): number => Date.parse(`${s}+05:30`);

describe('loginUrl', () => {
  it('builds the v3 login URL (default and custom root, redirect params)', () => {
    const u = new URL(loginUrl('key1'));
    expect(u.origin + u.pathname).toBe('https://kite.zerodha.com/connect/login');
    expect(u.searchParams.get('v')).toBe('3');
    expect(u.searchParams.get('api_key')).toBe('key1');
    const v = new URL(loginUrl('key1', 'http://127.0.0.1:9999/connect/login', { state: 'abc' }));
    expect(v.host).toBe('127.0.0.1:9999');
    expect(v.searchParams.get('redirect_params')).toBe('state=abc');
    expect(() => loginUrl('')).toThrow();
  });
});

describe('parseRedirect', () => {
  it('returns the request token on success', () => {
    expect(parseRedirect('http://127.0.0.1/cb?action=login&type=login&status=success&request_token=RqT0k3n&state=abc')).toEqual({ requestToken: 'RqT0k3n', params: { state: 'abc' } });
    expect(parseRedirect('http://127.0.0.1/cb?request_token=abc123').requestToken).toBe('abc123');
  });
  const bad: [string, string][] = [
    ['http://127.0.0.1/cb?status=error&request_token=RqT0k3nSecret', 'not_success'],
    ['http://127.0.0.1/cb?status=success&action=logout&request_token=RqT0k3nSecret', 'bad_action'],
    ['http://127.0.0.1/cb?status=success&action=login', 'missing_token'],
    ['http://127.0.0.1/cb?status=success&request_token=', 'missing_token'],
    ['not a url', 'malformed_url'],
  ];
  for (const [url, reason] of bad) {
    it(`${reason}: ${url}`, () => {
      let err: unknown;
      try {
        parseRedirect(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KiteLoginError);
      expect((err as KiteLoginError).reason).toBe(reason);
      expect(inspect(err)).not.toContain('RqT0k3nSecret');
    });
  }
});

describe('checksum', () => {
  it('is hex sha256 of key + request token + secret (doc vector and node:crypto)', () => {
    expect(checksum('key1', 'reqtok', 'secret')).toBe('441813a56dc7f5694408e88709279ed51c76c1d728d2b3a5fd4a30881f66e3aa');
    const expected = createHash('sha256').update('abc' + 'xyz' + 'sssh').digest('hex');
    expect(checksum('abc', 'xyz', 'sssh')).toBe(expected);
  });
});

describe('exchangeRequestToken', () => {
  let fake: FakeRest;
  beforeAll(async () => {
    fake = await startFakeRest();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('posts api_key, request_token and checksum; returns the session; installs the token', async () => {
    fake.handle((r) =>
      r.method === 'POST' && r.path === '/session/token'
        ? ok({ user_id: 'AB1234', access_token: 'ACC3ssTok3nValue', public_token: 'PUBtok', login_time: '2026-05-04 08:30:00', api_key: 'kk' })
        : undefined,
    );
    fake.handle((r) => (r.path === '/user/profile' ? ok({ user_id: 'AB1234' }) : undefined));
    const rest = new KiteRest({ apiKey: 'kk', root: fake.url });
    const s = await exchangeRequestToken(rest, 'ReqTokenXYZ', 'ApiSecretABC');
    expect(s).toEqual({ userId: 'AB1234', accessToken: 'ACC3ssTok3nValue', publicToken: 'PUBtok', loginTime: ist('2026-05-04T08:30:00') });
    const form = fake.requests.find((r) => r.path === '/session/token')!.form;
    expect(form.get('api_key')).toBe('kk');
    expect(form.get('request_token')).toBe('ReqTokenXYZ');
    expect(form.get('checksum')).toBe(createHash('sha256').update('kkReqTokenXYZApiSecretABC').digest('hex'));
    expect(form.has('api_secret')).toBe(false);
    await rest.profile();
    expect(fake.requests.at(-1)!.headers.authorization).toBe('token kk:ACC3ssTok3nValue');
  });

  it('a failed exchange is a typed error without the secret or the request token', async () => {
    fake.handle((r) => (r.path === '/session/token' ? kiteErr(403, 'TokenException', 'Token is invalid or has expired. ReqTok999 ApiSecret999') : undefined));
    const rest = new KiteRest({ apiKey: 'kk', root: fake.url });
    const err = (await exchangeRequestToken(rest, 'ReqTok999', 'ApiSecret999').catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ kind: 'token', status: 403 });
    const text = inspect(err) + JSON.stringify(err) + err.message;
    expect(text).not.toContain('ReqTok999');
    expect(text).not.toContain('ApiSecret999');
    expect(rest.sessionExpired).toBe(false);
  });
});

describe('session expiry', () => {
  it('is the next 06:00 IST after login', () => {
    expect(sessionExpiry(ist('2026-05-04T08:30:00'))).toBe(ist('2026-05-05T06:00:00'));
    expect(sessionExpiry(ist('2026-05-04T23:59:59'))).toBe(ist('2026-05-05T06:00:00'));
    expect(sessionExpiry(ist('2026-05-05T05:59:59'))).toBe(ist('2026-05-05T06:00:00'));
    expect(sessionExpiry(ist('2026-05-05T06:00:00'))).toBe(ist('2026-05-06T06:00:00'));
    // 02:00 IST on the 5th is still the 4th in UTC
    expect(sessionExpiry(ist('2026-05-05T02:00:00'))).toBe(ist('2026-05-05T06:00:00'));
  });
  it('isSessionExpired flips at 06:00 IST', () => {
    const s = { loginTime: ist('2026-05-04T09:00:00') };
    expect(isSessionExpired(ist('2026-05-05T05:59:59'), s)).toBe(false);
    expect(isSessionExpired(ist('2026-05-05T06:00:00'), s)).toBe(true);
  });
});
