import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from './app-protocol.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

const root = path.resolve('/srv/kitedesk/dist/renderer');
const files = new Map<string, string>([
  [path.join(root, 'index.html'), '<!doctype html><title>KiteDesk</title>'],
  [path.join(root, 'assets', 'app.js'), 'console.log(1)'],
]);
const reads: string[] = [];
const handler = createAppProtocolHandler({
  rootDir: root,
  readFile: async (f) => {
    reads.push(f);
    const t = files.get(f);
    if (t === undefined) throw new Error('ENOENT');
    return new TextEncoder().encode(t);
  },
});

describe('app protocol handler', () => {
  it('serves index.html with the CSP header and content type', async () => {
    const res = await handler({ method: 'GET', url: 'app://kitedesk/' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>KiteDesk</title>');
  });

  it('serves assets', async () => {
    const res = await handler({ method: 'GET', url: 'app://kitedesk/assets/app.js' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers 404 for traversal without touching the disk, and for missing files', async () => {
    reads.length = 0;
    const bad = await handler({ method: 'GET', url: 'app://kitedesk/%2e%2e/%2e%2e/etc/passwd' });
    expect(bad.status).toBe(404);
    expect(bad.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(reads).toEqual([]);
    expect((await handler({ method: 'GET', url: 'app://kitedesk/nope.js' })).status).toBe(404);
  });

  it('refuses methods other than GET/HEAD', async () => {
    expect((await handler({ method: 'POST', url: 'app://kitedesk/index.html' })).status).toBe(405);
    const head = await handler({ method: 'HEAD', url: 'app://kitedesk/index.html' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
