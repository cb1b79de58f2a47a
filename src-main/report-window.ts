/**
 * main's side of `backtest.openReport`: the engine sends only a run id (control message
 * `backtest-report-open`); main resolves `<dataDir>/backtests/<id>/report.html` itself, checks the
 * real path of the file stays inside the backtests folder and is a regular file, and shows it in a
 * window of its own: sandboxed, no preload, no Node, no script at all (the report is static HTML and
 * SVG), and no DevTools when packaged. Navigation and window.open stay denied by main's global guards
 * (security.ts). No `electron` import here: the window comes from an injected factory, so the rules are
 * unit-tested in Node.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** A backtest run id as the engine makes it (contract backtest-schemas.ts `backtestIdSchema`). */
const RUN_ID = /^bt-[a-z0-9-]{4,40}$/;

/**
 * Web preferences of a report window. The literal types make weakening one a compile error; the
 * unit test checks the values.
 */
export interface ReportWindowPreferences {
  readonly sandbox: true;
  readonly contextIsolation: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly javascript: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly navigateOnDragDrop: false;
  readonly spellcheck: false;
  readonly devTools: boolean;
  readonly disableBlinkFeatures: 'Auxclick';
}

export function reportWindowPreferences(isPackaged: boolean): ReportWindowPreferences {
  return Object.freeze({
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    javascript: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: !isPackaged,
    disableBlinkFeatures: 'Auxclick',
  });
}

export interface ReportWindowLike {
  loadFile(file: string): Promise<void>;
}

export interface ReportWindowDeps {
  /** The engine's data dir (Electron's userData): reports are in `<dataDir>/backtests/<id>/`. */
  dataDir: string;
  isPackaged: boolean;
  createWindow(options: { width: number; height: number; title: string; show: boolean; autoHideMenuBar: boolean; webPreferences: ReportWindowPreferences }): ReportWindowLike;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** The report file of a run id, or null with why (bad id, missing, not a file, outside the folder). */
export function resolveReportFile(dataDir: string, id: unknown): { file: string } | { refused: string } {
  if (typeof id !== 'string' || !RUN_ID.test(id)) return { refused: 'not a backtest run id' };
  const root = path.join(dataDir, 'backtests');
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(path.join(root, id, 'report.html'));
  } catch {
    return { refused: `no report for ${id}` };
  }
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { refused: `the report of ${id} lies outside the backtests folder` };
  if (!statSync(real).isFile()) return { refused: `the report of ${id} is not a file` };
  return { file: real };
}

/** Opens a run's report in a locked-down window; false (and a log line) when refused. */
export function openBacktestReport(id: unknown, deps: ReportWindowDeps): boolean {
  const r = resolveReportFile(deps.dataDir, id);
  if ('refused' in r) {
    deps.log?.('warn', `backtest report not opened: ${r.refused}`);
    return false;
  }
  const win = deps.createWindow({ width: 1100, height: 900, title: `KiteDesk backtest ${String(id)}`, show: true, autoHideMenuBar: true, webPreferences: reportWindowPreferences(deps.isPackaged) });
  win.loadFile(r.file).catch((e: unknown) => deps.log?.('warn', `backtest report ${String(id)} did not load: ${(e as Error).message.slice(0, 200)}`));
  deps.log?.('info', `backtest report ${String(id)} opened`);
  return true;
}
