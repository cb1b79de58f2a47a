import { describe, expect, it } from 'vitest';
import { apiWebSocketUrl, extractToken } from './location.js';

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
  it('matches the page scheme and host', () => {
    expect(apiWebSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, null)).toBe('ws://127.0.0.1:8080/api');
    expect(apiWebSocketUrl({ protocol: 'https:', host: 'desk.example' }, null)).toBe('wss://desk.example/api');
  });

  it('appends the token encoded', () => {
    expect(apiWebSocketUrl({ protocol: 'http:', host: 'h:1' }, 'a b&c')).toBe('ws://h:1/api?token=a%20b%26c');
  });
});
