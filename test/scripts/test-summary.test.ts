/** The closing line of `npm test`: skips for a missing external input are counted apart. */
import { describe, expect, it } from 'vitest';
import { parseSkipLog, summarize } from '../../scripts/test-summary.mjs';

const root = '/repo';
const file = (name: string, ...statuses: string[]) => ({ name: `${root}/${name}`, assertionResults: statuses.map((status) => ({ status })) });

describe('npm test summary', () => {
  it('counts skips declared as a missing external input per input, and flags undeclared ones', () => {
    const report = {
      testResults: [
        file('src-engine/a.test.ts', 'passed', 'passed', 'skipped'),
        file('test/e2e-electron/app.test.ts', 'skipped', 'skipped'),
        file('src-engine/b.test.ts', 'passed', 'failed', 'pending'),
        file('src-engine/c.test.ts', 'passed'),
      ],
    };
    const skips = parseSkipLog(
      [
        JSON.stringify({ file: 'src-engine/a.test.ts', input: 'shared-data', detail: 'x not found' }),
        '{"torn',
        JSON.stringify({ file: 'test/e2e-electron/app.test.ts', input: 'electron-binary', detail: 'no binary' }),
        '',
      ].join('\n'),
    );
    expect(skips).toHaveLength(2);
    const s = summarize(report, skips, root);
    expect(s).toMatchObject({ passed: 4, failed: 1, skipped: 4, external: 3, unexplained: ['src-engine/b.test.ts (1)'] });
    expect(s.skipText).toBe('4 skipped (3 for a missing external input — Electron binary: 2, ../shared/data: 1; 1 with no declared reason)');
  });

  it('says 0 skipped when nothing skipped, and a declared input without skips adds nothing', () => {
    const s = summarize({ testResults: [file('a.test.ts', 'passed')] }, [{ file: 'a.test.ts', input: 'kite-mocks' }], root);
    expect(s.skipText).toBe('0 skipped');
    expect(s.external).toBe(0);
  });
});
