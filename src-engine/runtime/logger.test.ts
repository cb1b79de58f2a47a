import { describe, expect, it } from 'vitest';
import { registerSecret } from '../adapters/kite/errors.js';
import { redact, redactText } from './logger.js';

describe('redact', () => {
  it('hides values under secret-looking keys at any depth', () => {
    const out = redact({ token: 'abc', nested: { api_secret: 's', apiKey: 'k', ok: 1 }, list: [{ access_token: 't' }] });
    expect(out).toEqual({ token: '[redacted]', nested: { api_secret: '[redacted]', apiKey: '[redacted]', ok: 1 }, list: [{ access_token: '[redacted]' }] });
  });

  it('hides token=… inside strings such as URLs', () => {
    expect(redact('GET /?token=SECRET123&x=1')).toBe('GET /?token=[redacted]&x=1');
    expect(redact('request_token=RT access_token=AT')).toBe('request_token=[redacted] access_token=[redacted]');
  });

  it('leaves ordinary data alone', () => {
    expect(redact({ symbol: 'RELIANCE', lastPaise: 123405 })).toEqual({ symbol: 'RELIANCE', lastPaise: 123405 });
  });
});

describe('redact: errors and registered secrets (issue 15 §4)', () => {
  /** The shape axios gives a failed request: config.headers, and the raw request's header text. */
  function axiosLikeError(): Error {
    const e = new Error('Request failed with status code 403') as Error & Record<string, unknown>;
    e.name = 'AxiosError';
    e['isAxiosError'] = true;
    e['config'] = { url: 'https://api.kite.trade/orders', headers: { 'X-Kite-Version': '3', Auth: 'token kdkey01:ACCESS0123456789' } };
    e['request'] = { _header: 'POST /orders HTTP/1.1\r\nAuthorization: token kdkey01:ACCESS0123456789\r\n\r\n', path: '/orders' };
    e['response'] = { status: 403, data: { message: 'Invalid access_token' } };
    return e;
  }

  it('reduces an error (an axios error at any depth) to its name and message', () => {
    const out = redact({ error: axiosLikeError(), where: 'orders' });
    expect(out).toEqual({ error: { name: 'AxiosError', message: 'Request failed with status code 403' }, where: 'orders' });
    expect(JSON.stringify(redact(axiosLikeError()))).not.toContain('ACCESS0123456789');
  });

  it('masks a registered secret wherever it appears in a string, and Authorization header text', () => {
    registerSecret('RegisteredSecretXYZ');
    expect(redact({ note: 'the secret RegisteredSecretXYZ leaked into a message' })).toEqual({ note: 'the secret *** leaked into a message' });
    expect(redact('Authorization: token abc:def123')).not.toContain('def123');
  });

  it('redactText masks registered secrets in log messages', () => {
    registerSecret('AnotherSecret42');
    expect(redactText('login failed for AnotherSecret42')).toBe('login failed for ***');
  });
});
