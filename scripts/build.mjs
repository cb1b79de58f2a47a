// Builds everything into dist/: the engine (Node entries), the Electron main + preload, the renderer.
// `--if-stale` skips the build when dist/.build-stamp is newer than every source file.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const quiet = process.argv.includes('--quiet');
const say = (s) => process.stderr.write(`${s}\n`);

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const sources = Math.max(
    ...['src-engine', 'src-main', 'src-renderer', 'configs'].map((d) => newestMtime(join(root, d))),
    statSync(join(root, 'package.json')).mtimeMs,
  );
  return sources > built;
}

export async function build() {
  const esbuild = await import('esbuild');
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: quiet ? 'error' : 'warning', absWorkingDir: root };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { cli: 'src-engine/host/cli.ts', 'utility-entry': 'src-engine/host/utility-entry.ts', 'node-entry': 'src-engine/host/node-entry.ts', 'optimize-worker': 'src-engine/optimize/pool-worker.ts', 'backtest-worker': 'src-engine/backtest/app-worker.ts' },
      outdir: 'dist/engine',
      format: 'esm',
      packages: 'external',
    }),
    existsSync(join(root, 'src-main/main.ts')) &&
      esbuild.build({ ...common, entryPoints: ['src-main/main.ts'], outfile: 'dist/main/main.cjs', format: 'cjs', packages: 'external', external: ['electron'] }),
    // the Node host (the supervisor and port broker of main.ts on plain Node; the chaos harness's host case)
    existsSync(join(root, 'src-main/node-host.ts')) &&
      esbuild.build({ ...common, entryPoints: ['src-main/node-host.ts'], outfile: 'dist/main/node-host.mjs', format: 'esm', packages: 'external' }),
    existsSync(join(root, 'src-main/preload/preload.ts')) &&
      esbuild.build({
        ...common,
        platform: 'browser',
        target: 'chrome130',
        entryPoints: ['src-main/preload/preload.ts'],
        outfile: 'dist/main/preload.cjs',
        format: 'cjs',
        external: ['electron'],
      }),
  ]);
  // Always a production renderer: under vitest (ensureBuilt) NODE_ENV is `test`, and Vite would then
  // bundle React's development build (several times slower; a busy page under the e2e tests).
  process.env.NODE_ENV = 'production';
  const vite = await import('vite');
  await vite.build({ configFile: join(root, 'configs/vite.renderer.config.ts'), logLevel: quiet ? 'error' : 'warn' });
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, new Date().toISOString() + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  const t0 = Date.now();
  if (!quiet) say('kitedesk: building engine, shell and renderer…');
  build().then(
    () => {
      if (!quiet) say(`kitedesk: build done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    },
    (e) => {
      say(`kitedesk: build failed: ${e?.message ?? e}`);
      process.exit(1);
    },
  );
}
