import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, tempDataDir } from '../support/serve-process.js';
import { externalInput } from '../support/external-inputs.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const keytarBuilt = (() => {
  try {
    return spawnSync(process.execPath, ['-e', "require('keytar')"], { cwd: repoRoot }).status === 0;
  } catch {
    return false;
  }
})();
const ready = externalInput(
  import.meta.url,
  'keychain',
  has('dbus-run-session') && has('gnome-keyring-daemon') && keytarBuilt,
  'needs dbus-run-session, gnome-keyring-daemon and a built keytar (apt-get install -y dbus gnome-keyring libsecret-1-dev; npm rebuild keytar)',
);

describe.skipIf(!ready)('keychain against a real Secret Service (gnome-keyring on a private D-Bus session)', () => {
  it('stores, reads and deletes a secret, and gives a secret-free error without an unlocked one', () => {
    const dir = tempDataDir('kitedesk-keyring-');
    const script = join(dir, 'probe.mts');
    writeFileSync(
      script,
      `import { openKeychain } from ${JSON.stringify(join(repoRoot, 'src-main/keychain.ts'))};
const k = await openKeychain('KiteDesk-test');
const out: unknown[] = [];
try {
  await k.set('kite:api_secret:test', 's3cr3t-value');
  out.push(await k.get('kite:api_secret:test'));
  out.push(await k.delete('kite:api_secret:test'));
  out.push(await k.get('kite:api_secret:test'));
} catch (e) { out.push({ error: (e as Error).message, reason: (e as { reason?: string }).reason }); }
console.log(JSON.stringify(out));
`,
    );
    const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: dir };
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', `printf ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "${process.execPath}" "${tsx}" "${script}"`],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual(['s3cr3t-value', true, null]);

    // no Secret Service on the bus: a clear, secret-free error
    const r2 = spawnSync('dbus-run-session', ['--', process.execPath, tsx, script], { cwd: repoRoot, env: { ...env, DISPLAY: '' }, encoding: 'utf8', timeout: 60_000 });
    const out2 = JSON.parse(r2.stdout.trim().split('\n').pop()!) as [{ error: string; reason: string }];
    expect(out2[0].reason).toMatch(/unavailable|locked/); // D-Bus may auto-start a locked keyring
    expect(out2[0].error).not.toContain('s3cr3t-value');
  });

  it('serve and the desktop app share the entries: the engine host stores the settings, main reads the same secret', () => {
    const dir = tempDataDir('kitedesk-keyring-');
    const script = join(dir, 'shared.mts');
    writeFileSync(
      script,
      `import { openHostKeychain } from ${JSON.stringify(join(repoRoot, 'src-engine/host/keychain.ts'))};
import { KiteCredentialStore, KEYCHAIN_SERVICE, kiteAccounts } from ${JSON.stringify(join(repoRoot, 'src-engine/contract/kite-credentials.ts'))};
import { openKeychain } from ${JSON.stringify(join(repoRoot, 'src-main/keychain.ts'))};
const serve = new KiteCredentialStore({ store: () => openHostKeychain(), env: () => ({}), host: 'serve', callbackUrl: () => 'http://127.0.0.1:8765/kite/callback' });
const info = await serve.save({ apiKey: 'SharedKey1', apiSecret: 'sh4red-s3cret' });
const main = await openKeychain(KEYCHAIN_SERVICE);
const fromMain = await main.get(kiteAccounts.apiSecret('SharedKey1'));
await serve.clear();
console.log(JSON.stringify({ info, fromMain, after: await main.get(kiteAccounts.apiSecret('SharedKey1')) }));
`,
    );
    const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: dir };
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', `printf ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "${process.execPath}" "${tsx}" "${script}"`],
      { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { info: { configured: boolean; hasSecret: boolean }; fromMain: string; after: string | null };
    expect(out.info).toMatchObject({ configured: true, hasSecret: true });
    expect(JSON.stringify(out.info)).not.toContain('sh4red-s3cret');
    expect(out.fromMain).toBe('sh4red-s3cret');
    expect(out.after).toBeNull();
  });

  it('the built serve keeps Kite settings in the keychain when one runs, and refuses without one', () => {
    ensureBuilt();
    const dir = tempDataDir('kitedesk-keyring-');
    const script = join(dir, 'serve-probe.mjs');
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process';
import WebSocket from ${JSON.stringify(join(repoRoot, 'node_modules/ws/wrapper.mjs'))};
const p = spawn(process.execPath, [${JSON.stringify(join(repoRoot, 'dist/engine/cli.js'))}, 'serve', '--port', '0', '--data-dir', ${JSON.stringify(join(dir, 'serve'))}], { stdio: ['ignore', 'pipe', 'ignore'] });
const u = new URL(await new Promise((r) => p.stdout.once('data', (d) => r(d.toString().trim()))));
const ws = new WebSocket('ws://127.0.0.1:' + u.port + '/api?token=' + u.searchParams.get('token'));
await new Promise((r) => ws.once('open', r));
let id = 0;
const call = (m, params) => new Promise((r) => { const i = ++id; ws.on('message', (d) => { const f = JSON.parse(d.toString()); if (f.id === i && f.t === 'res') r(f); }); ws.send(JSON.stringify({ v: 1, t: 'req', id: i, m, p: params })); });
const out = [await call('kiteSettings.set', { apiKey: 'probe1234', apiSecret: 'pr0be-s3cret' }), await call('kiteSettings.get', {})];
ws.close();
p.kill('SIGTERM');
console.log(JSON.stringify(out));
`,
    );
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: dir };
    const r = spawnSync('dbus-run-session', ['--', 'sh', '-c', `printf ci-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "${process.execPath}" "${script}"`], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const [set, get] = JSON.parse(r.stdout.trim().split('\n').pop()!) as [{ ok: boolean; r: { configured: boolean } }, { ok: boolean; r: { configured: boolean; secretSource: string } }];
    expect(set.ok).toBe(true);
    expect(get.r).toMatchObject({ configured: true, secretSource: 'keychain' });
    expect(r.stdout).not.toContain('pr0be-s3cret');

    // no unlocked Secret Service on the bus (D-Bus may auto-start a locked keyring): refused, with the reason
    const r2 = spawnSync('dbus-run-session', ['--', process.execPath, script], { cwd: repoRoot, env: { ...env, DISPLAY: '' }, encoding: 'utf8', timeout: 60_000 });
    const [set2] = JSON.parse(r2.stdout.trim().split('\n').pop()!) as [{ ok: boolean; e: { code: string; message: string } }];
    expect(set2.ok).toBe(false);
    expect(set2.e.code).toBe('UNAVAILABLE');
    expect(set2.e.message).toMatch(/keychain/);
    expect(set2.e.message).not.toContain('pr0be-s3cret');
  });
});
