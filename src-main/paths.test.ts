import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineEnv, resolveAppPaths, SQLITE_BINDING_ENV } from './paths.js';

describe('resolveAppPaths', () => {
  it('finds preload, renderer and engine relative to dist/main', () => {
    const root = path.resolve('/opt/KiteDesk/resources/app.asar');
    const p = resolveAppPaths(path.join(root, 'dist', 'main'));
    expect(p.preload).toBe(path.join(root, 'dist', 'main', 'preload.cjs'));
    expect(p.rendererDir).toBe(path.join(root, 'dist', 'renderer'));
    expect(p.engineEntry).toBe(path.join(root, 'dist', 'engine', 'utility-entry.js'));
  });
  it('refuses a relative directory (it would depend on the working directory)', () => {
    expect(() => resolveAppPaths('dist/main')).toThrow(/absolute/);
  });
});

describe('engineEnv: which better-sqlite3 the engine loads under Electron', () => {
  const p = resolveAppPaths(path.resolve('/home/u/kitedesk/dist/main'));
  it('unpackaged (npm start): the Electron-ABI build installed beside the Node one', () => {
    expect(p.devSqliteBinding).toBe(path.resolve('/home/u/kitedesk/node_modules/.kitedesk/electron-sqlite/better_sqlite3.node'));
    const env = engineEnv({ PATH: '/bin' }, false, p);
    expect(env[SQLITE_BINDING_ENV]).toBe(p.devSqliteBinding);
    expect(env['PATH']).toBe('/bin');
  });
  it('packaged: nothing, even if the shell set the variable', () => {
    expect(engineEnv({ [SQLITE_BINDING_ENV]: '/tmp/evil.node' }, true, p)[SQLITE_BINDING_ENV]).toBeUndefined();
  });
});

describe('engineEnv: Kite endpoint overrides', () => {
  const p = resolveAppPaths(path.resolve('/home/u/kitedesk/dist/main'));
  it('packaged: KITEDESK_KITE_ROOT and KITEDESK_KITE_LOGIN_URL do not reach the engine', () => {
    const env = engineEnv({ KITEDESK_KITE_ROOT: 'http://attacker.example', KITEDESK_KITE_LOGIN_URL: 'https://x.example', KITEDESK_KITE_API_KEY: 'k' }, true, p);
    expect(env['KITEDESK_KITE_ROOT']).toBeUndefined();
    expect(env['KITEDESK_KITE_LOGIN_URL']).toBeUndefined();
    expect(env['KITEDESK_KITE_API_KEY']).toBe('k');
  });
  it('unpackaged: they pass (the engine checks https or loopback itself)', () => {
    expect(engineEnv({ KITEDESK_KITE_ROOT: 'http://127.0.0.1:9' }, false, p)['KITEDESK_KITE_ROOT']).toBe('http://127.0.0.1:9');
  });
});
