// `npm run bench`: every benchmark in bench/, each printed next to its in-process baseline.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/index.ts')], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
