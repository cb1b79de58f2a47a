// `npm test`: typecheck, lint, build, then every vitest project (unit, contract, integration,
// e2e-web, e2e-electron). All steps run even when one fails; the last line sums up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-output');
mkdirSync(out, { recursive: true });
const extra = process.argv.slice(2);

const steps = [
  ['typecheck', [join(root, 'scripts/typecheck.mjs')]],
  ['lint', [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', '.']],
  ['build', [join(root, 'scripts/build.mjs'), '--quiet']],
  [
    'tests',
    [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'configs/vitest.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(out, 'vitest.json')}`,
      ...extra,
    ],
  ],
];

const failedSteps = [];
for (const [name, args] of steps) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) failedSteps.push(name);
}

let passed = 0, failed = 0, skipped = 0;
const report = join(out, 'vitest.json');
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = j.numFailedTests ?? 0;
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  // a suite whose setup failed has no failed test of its own: count it once
  if (failed === 0 && failedSteps.includes('tests')) failed = Math.max(1, j.numFailedTestSuites ?? 0);
}
failed += failedSteps.filter((s) => s !== 'tests').length;
if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
