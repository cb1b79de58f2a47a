/**
 * electron-builder.yml: valid against electron-builder's own JSON schema, and the packaging
 * invariants hold (targets, native modules outside asar, fuses, resources present).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configPath = path.join(root, 'electron-builder.yml');
const schemaPath = path.join(root, 'node_modules', 'app-builder-lib', 'scheme.json');

type Config = Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  directories: { output: string; buildResources: string };
  extraMetadata: { main: string };
  win: { icon: string; target: { target: string; arch: string[] }[] };
  mac: { icon: string; category: string; hardenedRuntime: boolean; entitlements?: string; entitlementsInherit?: string; target: { target: string; arch: string[] }[] };
  linux: { icon: string; category: string; maintainer: string; target: { target: string; arch: string[] }[] };
};

let validate: ValidateFunction;
let config: Config;

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

function loadConfig(): Config {
  return parse(readFileSync(configPath, 'utf8')) as Config;
}

beforeAll(() => {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
  // The schema uses union types and a few non-standard keywords; strict mode would reject it.
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  validate = ajv.compile(schema);
  config = loadConfig();
});

describe('electron-builder.yml against app-builder-lib/scheme.json', () => {
  it('is valid', () => {
    const ok = validate(config);
    if (!ok) console.error(`electron-builder.yml schema errors:\n${formatErrors(validate.errors)}`);
    expect(formatErrors(validate.errors)).toBe('');
    expect(ok).toBe(true);
  });

  it('the validation can fail: unknown keys and wrong types are rejected', () => {
    expect(validate({ ...loadConfig(), notAnOption: true })).toBe(false);
    expect(validate({ ...loadConfig(), electronFuses: { ...config.electronFuses, runAsNode: 'no' } })).toBe(false);
    expect(validate({ ...loadConfig(), electronFuses: { ...config.electronFuses, notAFuse: false } })).toBe(false);
    expect(validate({ ...loadConfig(), asar: 'yes' })).toBe(false);
  });
});

describe('packaging invariants', () => {
  it('identifies the app', () => {
    expect(config.appId).toBe('in.kitedesk.desktop');
    expect(config.productName).toBe('KiteDesk');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'resources' });
  });

  it('starts the bundled main, the same file package.json names', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(config.extraMetadata.main).toBe('dist/main/main.cjs');
    expect(pkg.main).toBe(config.extraMetadata.main);
  });

  it('ships only the build output, without sources, tests or source maps', () => {
    expect(config.files).toContain('dist/**');
    expect(config.files).toContain('package.json');
    for (const excluded of ['!dist/**/*.map', '!dist/**/*.test.*', '!src-main/**', '!src-engine/**', '!src-renderer/**', '!test/**', '!dist/main/node-host.mjs', '!dist/engine/node-entry.js']) {
      expect(config.files).toContain(excluded);
    }
    expect(config.files.filter((f) => !f.startsWith('!'))).toEqual(['dist/**', 'package.json']);
  });

  it('keeps native modules out of the asar archive', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3/**', 'node_modules/keytar/**']));
    expect(config.npmRebuild).toBe(true);
  });

  it('records the native modules\' hashes into dist/ (inside app.asar) after their rebuild: the afterExtract hook exists and is a function', async () => {
    expect(config['afterExtract']).toBe('./scripts/native-hashes.mjs');
    const hookFile = path.join(root, config['afterExtract'] as string);
    expect(existsSync(hookFile)).toBe(true);
    const hook = (await import(hookFile)) as { afterExtract: unknown; default: unknown };
    expect(typeof hook.afterExtract).toBe('function'); // electron-builder takes the export named after the hook
    expect(hook.default).toBe(hook.afterExtract);
    // the manifest lands in dist/, which `files` packs into app.asar
    expect(config.files).toContain('dist/**');
    expect(config.asar).toBe(true);
  });

  it('sets the production fuses of platform-notes 1.2', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds for three operating systems', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['x64', 'arm64'] }]);
    expect(config.mac.category).toBe('public.app-category.finance');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.linux.target.map((t) => t.target).sort()).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Finance');
    expect(config.linux.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/);
  });

  it('references resource files that exist', () => {
    const buildResources = path.join(root, config.directories.buildResources);
    expect(statSync(buildResources).isDirectory()).toBe(true);
    const referenced = [config.win.icon, config.mac.icon, config.linux.icon, config.mac.entitlements, config.mac.entitlementsInherit].filter(
      (p): p is string => typeof p === 'string',
    );
    expect(referenced.length).toBeGreaterThanOrEqual(3);
    for (const rel of referenced) {
      expect(existsSync(path.join(root, rel)), `${rel} is missing`).toBe(true);
    }
  });

  it('the icon is a PNG of at least 512×512 (what mac and the .ico conversion need)', () => {
    const png = readFileSync(path.join(root, config.linux.icon));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBe(height);
    expect(width).toBeGreaterThanOrEqual(512);
  });
});
