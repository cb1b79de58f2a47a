// `npm test`: typecheck, lint, build, then every vitest project (unit, contract, integration,
// e2e-web, e2e-electron). All steps run even when one fails; the last line sums up.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSkipLog, summarize } from './test-summary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-output');
mkdirSync(out, { recursive: true });
const extra = process.argv.slice(2);
// suites that skip for a missing external input write one line each here (test/support/external-inputs.ts)
const skipLog = join(out, 'skips.jsonl');
const report = join(out, 'vitest.json');
for (const f of [skipLog, report]) rmSync(f, { force: true }); // never read a previous run's results

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
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1', KITEDESK_SKIP_LOG: skipLog } });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (r.status !== 0) failedSteps.push(name);
}

let summary = { passed: 0, failed: 0, unexplained: [], skipText: '0 skipped' };
if (existsSync(report)) {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  summary = summarize(j, existsSync(skipLog) ? parseSkipLog(readFileSync(skipLog, 'utf8')) : [], root);
  // a suite whose setup failed has no failed test of its own: count it once
  if (summary.failed === 0 && failedSteps.includes('tests')) summary.failed = Math.max(1, j.numFailedTestSuites ?? 0);
}
summary.failed += failedSteps.filter((s) => s !== 'tests').length;
if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
if (summary.unexplained.length) console.log(`\nskipped with no declared external input: ${summary.unexplained.join(', ')}`);
console.log(`\n${summary.passed} passed, ${summary.failed} failed, ${summary.skipText}`);
process.exit(failedSteps.length ? 1 : 0);
