// One tsc run per process tsconfig: the contract compiles with neither DOM nor Node types.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const projects = ['contract', 'engine', 'main', 'preload', 'renderer', 'test'];
let failed = 0;
for (const p of projects) {
  const cfg = join(root, 'configs', `tsconfig.${p}.json`);
  if (!existsSync(cfg)) continue;
  const r = spawnSync(process.execPath, [tsc, '-p', cfg], { stdio: 'inherit' });
  console.log(`typecheck ${p}: ${r.status === 0 ? 'ok' : 'FAILED'}`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
