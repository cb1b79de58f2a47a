import { describe, expect, it } from 'vitest';
import { redact } from './logger.js';

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
