/**
 * The electronegativity gate (issue 15): scan the Electron sources with @doyensec/electronegativity
 * and fail on MEDIUM or higher outside a short, justified allow-list. The tool always exits 0 and
 * skips `.cjs`, so it is run programmatically over a copy of the sources (`.cjs` copied as `.js`)
 * and its findings are parsed here.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Finding {
  id: string;
  file: string;
  line: number;
  severity: string;
  severityValue: number;
  confidence: string;
  description: string;
}

export interface Allowed {
  id: string;
  file: string;
  why: string;
}

/** MEDIUM is 2 in electronegativity's scale (INFORMATIONAL 0, LOW 1, MEDIUM 2, HIGH 3). */
export const MEDIUM = 2;

/**
 * Known false positives, by check and file (lines move). Keep it short and say why each is safe.
 */
export const ALLOWED: readonly Allowed[] = [
  ...['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'AUXCLICK_JS_CHECK'].flatMap((id) => [
    {
      id,
      file: 'src-main/main.ts',
      why: 'the windows take their webPreferences from buildWebPreferences() (security.ts) and, for a backtest report, reportWindowPreferences() (report-window.ts: no preload, no script), which the tool cannot follow: contextIsolation and sandbox true, Auxclick disabled; asserted by security.test.ts, report-window.test.ts and main.test.ts',
    },
    {
      id,
      file: 'src-main/kite-login-window.ts',
      why: 'the login window takes its webPreferences from buildKiteLoginWebPreferences() (kite-login.ts), which the tool cannot follow: contextIsolation and sandbox true, Auxclick disabled, no preload; asserted by kite-login.test.ts',
    },
  ]),
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src-main/main.ts',
    why: 'shell.openExternal only receives what decideWindowOpen() let through: https URLs of the Kite and Zerodha allow-list (security.ts, security.test.ts)',
  },
];

/** Findings at MEDIUM or higher that no allow-list entry covers, and allow-list entries nothing matched (stale). */
export function evaluate(findings: readonly Finding[], allowed: readonly Allowed[] = ALLOWED): { blocking: Finding[]; stale: Allowed[] } {
  const serious = findings.filter((f) => f.severityValue >= MEDIUM);
  const covered = (f: Finding) => allowed.some((a) => a.id === f.id && a.file === f.file);
  return {
    blocking: serious.filter((f) => !covered(f)),
    stale: allowed.filter((a) => !serious.some((f) => f.id === a.id && f.file === a.file)),
  };
}

function renameCjs(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) renameCjs(p);
    else if (name.endsWith('.cjs') || name.endsWith('.cts')) renameSync(p, p.replace(/\.c([jt])s$/, '.$1s'));
  }
}

const RUNNER = `
const run = require('@doyensec/electronegativity/dist/runner.js');
run({ input: process.argv[1], isRelative: true, electronVersionOverride: process.argv[2] }, false).then(
  (r) => process.stdout.write('\\n@@RESULT@@' + JSON.stringify(r)),
  (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(2); },
);`;

/** Scan copies of `dirs` (relative to `root`) together, so global checks see the whole app. */
export function scan(root: string, dirs: readonly string[], electronVersion: string): { findings: Finding[]; errors: unknown[] } {
  const work = mkdtempSync(join(tmpdir(), 'kitedesk-electronegativity-'));
  try {
    for (const d of dirs) cpSync(join(root, d), join(work, d), { recursive: true });
    renameCjs(work);
    const r = spawnSync(process.execPath, ['-e', RUNNER, work, electronVersion], { cwd: root, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
    const at = r.stdout.indexOf('@@RESULT@@');
    if (r.status !== 0 || at < 0) throw new Error(`electronegativity did not run (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.slice(at + '@@RESULT@@'.length)) as {
      issues: { id: string; file: string; location: { line: number }; severity: { name: string; value: number }; confidence: { name: string }; description: string }[];
      errors: { file: string; message: string; tolerable: boolean }[];
    };
    return {
      findings: out.issues.map((i) => ({
        id: i.id,
        file: i.file,
        line: i.location.line,
        severity: i.severity.name,
        severityValue: i.severity.value,
        confidence: i.confidence.name,
        description: i.description,
      })),
      errors: out.errors.filter((e) => !e.tolerable),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
