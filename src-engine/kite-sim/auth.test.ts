import { describe, expect, it } from 'vitest';
import { kiteChecksum, SessionStore } from './auth.js';
import { KiteApiError } from './kite-json.js';

function store(now = { t: 0 }) {
  let n = 0;
  return new SessionStore({ apiKey: 'key1', apiSecret: 'secret', now: () => now.t, random: () => `r${++n}` });
}

describe('kiteChecksum', () => {
  it('matches the documented test vector sha256("key1"+"reqtok"+"secret")', () => {
    expect(kiteChecksum('key1', 'reqtok', 'secret')).toBe('441813a56dc7f5694408e88709279ed51c76c1d728d2b3a5fd4a30881f66e3aa');
  });
});

describe('SessionStore login flow', () => {
  it('request token → checksum exchange → access token that authenticates; logout invalidates', () => {
    const s = store();
    const rt = s.issueRequestToken('key1');
    const session = s.exchange('key1', rt, kiteChecksum('key1', rt, 'secret'));
    expect(s.authenticate(`token key1:${session.accessToken}`)).toBe(session);
    expect(s.isValid('key1', session.accessToken)).toBe(true);
    s.logout(session.accessToken);
    expect(() => s.authenticate(`token key1:${session.accessToken}`)).toThrow(KiteApiError);
  });

  it('request tokens are single-use and expire', () => {
    const now = { t: 0 };
    const s = store(now);
    const rt = s.issueRequestToken('key1');
    s.exchange('key1', rt, kiteChecksum('key1', rt, 'secret'));
    expect(() => s.exchange('key1', rt, kiteChecksum('key1', rt, 'secret'))).toThrow(/invalid or has expired/);
    const rt2 = s.issueRequestToken('key1');
    now.t = 10 * 60_000;
    expect(() => s.exchange('key1', rt2, kiteChecksum('key1', rt2, 'secret'))).toThrow(/invalid or has expired/);
  });

  it('rejects a wrong checksum (TokenException 403), an unknown api_key and missing fields (InputException 400)', () => {
    const s = store();
    const rt = s.issueRequestToken('key1');
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as KiteApiError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => s.exchange('key1', rt, kiteChecksum('key1', rt, 'wrong')))).toMatchObject({ errorType: 'TokenException', status: 403 });
    expect(err(() => s.issueRequestToken('other'))).toMatchObject({ errorType: 'InputException', status: 400 });
    expect(err(() => s.exchange('key1', undefined, 'x'))).toMatchObject({ errorType: 'InputException', status: 400 });
  });

  it('authenticate: malformed header, wrong api key, unknown token and expireAll → TokenException', () => {
    const s = store();
    const rt = s.issueRequestToken('key1');
    const { accessToken } = s.exchange('key1', rt, kiteChecksum('key1', rt, 'secret'));
    for (const h of [undefined, '', `Bearer ${accessToken}`, `token other:${accessToken}`, 'token key1:nope']) {
      expect(() => s.authenticate(h)).toThrow(/Incorrect `api_key` or `access_token`/);
    }
    s.expireAll();
    expect(() => s.authenticate(`token key1:${accessToken}`)).toThrow(KiteApiError);
    expect(s.sessionCount).toBe(0);
  });
});
