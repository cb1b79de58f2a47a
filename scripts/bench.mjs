// `npm run bench`: every benchmark in bench/, each printed next to its in-process baseline; then one
// table of the headline figures, also written to bench/results.json. Options (after `--`):
// `--quick` (shorter runs), `--only decode,orders,…` (a subset; see bench/index.ts).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/index.ts'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
