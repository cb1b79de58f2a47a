/**
 * The pretest step (scripts/ensure-system-deps.mjs) driven with a fake machine: which packages are
 * there, whether we are root, what apt-get and npm do, whether keytar loads.
 */
import { describe, expect, it } from 'vitest';
import { ensureSystemDeps, PACKAGES } from '../../scripts/ensure-system-deps.mjs';

interface FakeMachine {
  present: Set<string>;
  root?: boolean;
  apt?: boolean;
  aptWorks?: boolean;
  keytarBuilt: boolean;
  keytarOnDisk: boolean;
  npmWorks?: boolean;
}

function drive(m: FakeMachine) {
  const calls = { apt: [] as string[][], npm: [] as string[][] };
  const out: string[] = [];
  const err: string[] = [];
  const r = ensureSystemDeps({
    isInstalled: (p) => m.present.has(p),
    isRoot: m.root ?? true,
    hasApt: m.apt ?? true,
    aptInstall: (pkgs) => {
      calls.apt.push(pkgs);
      if (m.aptWorks === false) return false;
      for (const p of pkgs) m.present.add(p);
      return true;
    },
    // keytar builds only where libsecret-1-dev is present (as its node-gyp build needs it)
    keytarLoads: () => m.keytarBuilt,
    keytarOnDisk: () => m.keytarOnDisk,
    npm: (args) => {
      calls.npm.push(args);
      if (m.npmWorks === false) return false;
      if (m.present.has('libsecret-1-dev')) {
        m.keytarBuilt = true;
        m.keytarOnDisk = true;
      }
      return true;
    },
    log: (l) => out.push(l),
    warn: (l) => err.push(l),
  });
  return { r, calls, out, err };
}

describe('pretest: system packages and keytar', () => {
  it('does nothing when everything is there', () => {
    const { r, calls, out, err } = drive({ present: new Set(PACKAGES), keytarBuilt: true, keytarOnDisk: true });
    expect(r).toEqual({ code: 0, installed: [], keytar: 'ok' });
    expect(calls.apt).toEqual([]);
    expect(calls.npm).toEqual([]);
    expect(out).toEqual([]);
    expect(err).toEqual([]);
  });

  it('libsecret missing at npm install (npm dropped keytar): installs the packages, restores and builds keytar at once, says so in one line', () => {
    const { r, calls, out, err } = drive({ present: new Set(['dbus']), keytarBuilt: false, keytarOnDisk: false });
    expect(calls.apt).toEqual([['chromium', 'libsecret-1-dev', 'gnome-keyring', 'redis-server']]);
    expect(calls.npm).toEqual([['install', '--no-audit', '--no-fund']]);
    expect(r).toEqual({ code: 0, installed: ['chromium', 'libsecret-1-dev', 'gnome-keyring', 'redis-server'], keytar: 'reinstalled' });
    expect(err).toEqual([]);
    expect(out.at(-1)).toBe('kitedesk: installed chromium, libsecret-1-dev, gnome-keyring, redis-server; installed and built keytar (npm install restored the optional package)');
    expect(out.join('\n')).not.toMatch(/run npm install again/);
  });

  it('keytar on disk but unbuilt: npm rebuild keytar, no install', () => {
    const { r, calls, out } = drive({ present: new Set(['chromium', 'gnome-keyring', 'dbus', 'redis-server']), keytarBuilt: false, keytarOnDisk: true });
    expect(calls.npm).toEqual([['rebuild', 'keytar']]);
    expect(r.keytar).toBe('rebuilt');
    expect(out.at(-1)).toBe('kitedesk: installed libsecret-1-dev; rebuilt keytar (npm rebuild keytar)');
  });

  it('not root with packages missing: prints the one apt-get line and fails, touching nothing', () => {
    const { r, calls, out, err } = drive({ present: new Set(['dbus']), root: false, keytarBuilt: false, keytarOnDisk: false });
    expect(r.code).toBe(1);
    expect(calls.apt).toEqual([]);
    expect(calls.npm).toEqual([]);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain('run as root: apt-get update && apt-get install -y chromium libsecret-1-dev gnome-keyring redis-server');
    expect(err.join('\n').match(/apt-get install/g)).toHaveLength(1);
  });

  it('no apt-get (not Debian): the same line, non-zero', () => {
    const { r, err } = drive({ present: new Set(), apt: false, keytarBuilt: false, keytarOnDisk: false });
    expect(r.code).toBe(1);
    expect(err[0]).toMatch(/missing: chromium, libsecret-1-dev, gnome-keyring, dbus, redis-server/);
  });

  it('apt-get failing stops with the command to run', () => {
    const { r, calls, err } = drive({ present: new Set(), aptWorks: false, keytarBuilt: false, keytarOnDisk: false });
    expect(r.code).toBe(1);
    expect(calls.npm).toEqual([]);
    expect(err[0]).toMatch(/^kitedesk: installing chromium libsecret-1-dev gnome-keyring dbus redis-server failed; run: apt-get update/);
  });

  it('only redis-server missing (the BullMQ test): installs just it, keytar untouched', () => {
    const { r, calls, out, err } = drive({ present: new Set(PACKAGES.filter((p) => p !== 'redis-server')), keytarBuilt: true, keytarOnDisk: true });
    expect(PACKAGES).toContain('redis-server');
    expect(calls.apt).toEqual([['redis-server']]);
    expect(calls.npm).toEqual([]);
    expect(r).toEqual({ code: 0, installed: ['redis-server'], keytar: 'ok' });
    expect(out).toEqual(['kitedesk: installing system packages for the tests: redis-server']);
    expect(err).toEqual([]);
  });

  it('a keytar build that still fails is reported, not fatal (the keychain suite then skips with its reason)', () => {
    const { r, err } = drive({ present: new Set(PACKAGES), keytarBuilt: false, keytarOnDisk: true, npmWorks: false });
    expect(r).toEqual({ code: 0, installed: [], keytar: 'unbuilt' });
    expect(err[0]).toMatch(/keytar still does not load after npm rebuild keytar/);
  });
});
