import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/serve-process.js';
import { ALLOWED, evaluate, scan } from './electronegativity-gate.js';

const electron = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const T = 300_000;

describe('electronegativity gate', () => {
  it(
    'fails on a deliberately unsafe main process (the gate can fail)',
    () => {
      const { findings } = scan(join(repoRoot, 'test/fixtures/electronegativity'), ['unsafe'], electron);
      const { blocking } = evaluate(findings, ALLOWED);
      expect(blocking.map((f) => f.id)).toEqual(expect.arrayContaining(['SANDBOX_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']));
    },
    T,
  );

  it(
    'finds nothing at MEDIUM or higher in the app sources outside the allow-list, and every allow-list entry is still needed',
    () => {
      const { findings, errors } = scan(repoRoot, ['src-main', 'src-renderer', 'src-engine'], electron);
      expect(errors).toEqual([]);
      const { blocking, stale } = evaluate(findings);
      expect(blocking.map((f) => `${f.severity} ${f.id} ${f.file}:${f.line} ${f.description}`)).toEqual([]);
      expect(stale.map((a) => `${a.id} ${a.file}`)).toEqual([]);
      for (const a of ALLOWED) expect(a.why.length).toBeGreaterThan(40);
    },
    T,
  );
});
