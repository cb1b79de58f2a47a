import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineToMainSchema } from '../src-engine/contract/control.js';
import { openBacktestReport, reportWindowPreferences, resolveReportFile, type ReportWindowDeps } from './report-window.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A data dir with one finished run's report, and a fake BrowserWindow factory recording what it was asked. */
function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kitedesk-report-win-'));
  dirs.push(dataDir);
  mkdirSync(join(dataDir, 'backtests', 'bt-abc-123'), { recursive: true });
  writeFileSync(join(dataDir, 'backtests', 'bt-abc-123', 'report.html'), '<!doctype html><p>report</p>');
  const windows: { options: Parameters<ReportWindowDeps['createWindow']>[0]; loaded: string[] }[] = [];
  const logs: string[] = [];
  const deps: ReportWindowDeps = {
    dataDir,
    isPackaged: true,
    createWindow: (options) => {
      const w = { options, loaded: [] as string[] };
      windows.push(w);
      return { loadFile: async (f) => void w.loaded.push(f) };
    },
    log: (level, m) => logs.push(`${level}: ${m}`),
  };
  return { dataDir, deps, windows, logs };
}

describe("main's backtest report window (backtest.openReport)", () => {
  it('opens the run’s report.html from its own data dir in a sandboxed window without Node or script', async () => {
    const { dataDir, deps, windows } = setup();
    expect(openBacktestReport('bt-abc-123', deps)).toBe(true);
    expect(windows).toHaveLength(1);
    const p = windows[0]!.options.webPreferences as unknown as Record<string, unknown>;
    expect(p).toEqual({
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
      devTools: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect('preload' in p).toBe(false);
    await Promise.resolve();
    expect(windows[0]!.loaded).toEqual([(resolveReportFile(dataDir, 'bt-abc-123') as { file: string }).file]);
    expect(windows[0]!.loaded[0]!.endsWith(join('backtests', 'bt-abc-123', 'report.html'))).toBe(true);
    expect(reportWindowPreferences(false).devTools).toBe(true);
  });

  it('refuses anything but an existing run id’s report inside the backtests folder, opening no window', () => {
    const { dataDir, deps, windows, logs } = setup();
    // a run folder whose report.html is a link out of the folder, and one whose report.html is a folder
    writeFileSync(join(dataDir, 'secret.html'), 'x');
    mkdirSync(join(dataDir, 'backtests', 'bt-link-0001'));
    symlinkSync(join(dataDir, 'secret.html'), join(dataDir, 'backtests', 'bt-link-0001', 'report.html'));
    mkdirSync(join(dataDir, 'backtests', 'bt-dir-0001', 'report.html'), { recursive: true });
    for (const id of ['../secret', 'bt-../../x', 'bt-ABC-123', '/etc/passwd', 42, null, 'bt-none-0001', 'bt-link-0001', 'bt-dir-0001']) {
      expect(openBacktestReport(id, deps)).toBe(false);
    }
    expect(windows).toEqual([]);
    expect(logs.filter((l) => l.startsWith('warn: backtest report not opened'))).toHaveLength(9);
    expect(resolveReportFile(dataDir, 'bt-link-0001')).toEqual({ refused: 'the report of bt-link-0001 lies outside the backtests folder' });
    expect(resolveReportFile(dataDir, 'bt-dir-0001')).toEqual({ refused: 'the report of bt-dir-0001 is not a file' });
  });

  it('the control message carries a run id only: a path or extra field is refused on arrival', () => {
    expect(engineToMainSchema.safeParse({ type: 'backtest-report-open', id: 'bt-abc-123' }).success).toBe(true);
    expect(engineToMainSchema.safeParse({ type: 'backtest-report-open', id: '../../etc/passwd' }).success).toBe(false);
    expect(engineToMainSchema.safeParse({ type: 'backtest-report-open', id: 'bt-abc-123', file: '/tmp/x.html' }).data).toEqual({ type: 'backtest-report-open', id: 'bt-abc-123' });
  });
});
