import { describe, expect, it } from 'vitest';
import { WS_PROTOCOL } from '../../src-engine/contract/renderer-policy.js';
import { apiWebSocketProtocols, apiWebSocketUrl, extractToken, pageToken, type TokenStorage } from './location.js';

describe('extractToken', () => {
  it('reads the token and strips only it from the address', () => {
    expect(extractToken('http://127.0.0.1:5173/?token=abc%2B1&x=2#frag')).toEqual({ token: 'abc+1', cleanedUrl: '/?x=2#frag' });
    expect(extractToken('http://127.0.0.1:5173/index.html?token=t')).toEqual({ token: 't', cleanedUrl: '/index.html' });
  });

  it('leaves an address without a token alone', () => {
    expect(extractToken('http://127.0.0.1:5173/?x=1')).toEqual({ token: null, cleanedUrl: null });
  });

  it('strips an empty token but does not use it', () => {
    expect(extractToken('http://h/?token=')).toEqual({ token: null, cleanedUrl: '/' });
  });
});

describe('apiWebSocketUrl', () => {
  it('matches the page scheme and host, and carries no token', () => {
    expect(apiWebSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api');
    expect(apiWebSocketUrl({ protocol: 'https:', host: 'desk.example' })).toBe('wss://desk.example/api');
  });
});

describe('apiWebSocketProtocols', () => {
  it('offers the app protocol and the token as a second subprotocol', () => {
    expect(apiWebSocketProtocols('abc_DEF-123')).toEqual([WS_PROTOCOL, 'kitedesk.token.abc_DEF-123']);
  });

  it('offers no token that is not a subprotocol-safe token (WebSocket would throw)', () => {
    expect(apiWebSocketProtocols(null)).toEqual([WS_PROTOCOL]);
    expect(apiWebSocketProtocols('a b,c')).toEqual([WS_PROTOCOL]);
  });
});

describe('pageToken', () => {
  const storage = (): TokenStorage & { m: Map<string, string> } => {
    const m = new Map<string, string>();
    return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
  };

  it('keeps a token from the address in sessionStorage and reads it back on a reload without one', () => {
    const st = storage();
    expect(pageToken('http://127.0.0.1:9/?token=tok1', st)).toEqual({ token: 'tok1', cleanedUrl: '/' });
    expect(pageToken('http://127.0.0.1:9/', st)).toEqual({ token: 'tok1', cleanedUrl: null });
  });

  it('a newer token in the address replaces the stored one', () => {
    const st = storage();
    pageToken('http://127.0.0.1:9/?token=old', st);
    expect(pageToken('http://127.0.0.1:9/?token=new', st).token).toBe('new');
    expect(pageToken('http://127.0.0.1:9/', st).token).toBe('new');
  });

  it('works without storage (blocked): the token lives for this page only', () => {
    expect(pageToken('http://127.0.0.1:9/?token=t', null).token).toBe('t');
    expect(pageToken('http://127.0.0.1:9/', null).token).toBeNull();
  });
});
