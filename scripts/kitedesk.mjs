// `npm run -s kitedesk -- <command>`: the CLI. Rebuilds dist/ first when sources changed, so the
// command always runs what is in the tree. Build chatter goes to stderr; stdout stays clean.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale', '--quiet'], { stdio: ['ignore', 2, 2] });
if (r.status !== 0) process.exit(r.status ?? 1);
const cli = await import(pathToFileURL(join(root, 'dist/engine/cli.js')).href);
await cli.main([process.argv[0], 'kitedesk', ...process.argv.slice(2)]);
