import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** Build dist/ if sources changed since the last build (the tests run the built CLI, as users do). */
export function ensureBuilt(): void {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export function tempDataDir(prefix = 'kitedesk-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ServeProcess {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  port: number;
  token: string;
  stdoutLines: string[];
  stderr: () => string;
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing flushed or cleaned up. */
  kill(): Promise<void>;
}

/** Start `kitedesk serve` from dist/ and wait for the URL line on stdout. */
export async function startServeProcess(args: string[], timeoutMs = 30_000, env?: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const proc = spawn(process.execPath, [join(repoRoot, 'dist/engine/cli.js'), 'serve', ...port, ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(env ? { env } : {}),
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdoutLines: string[] = [];
  const rl = createInterface({ input: proc.stdout });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
    rl.on('line', (l) => {
      stdoutLines.push(l);
      if (stdoutLines.length === 1) {
        clearTimeout(timer);
        resolveUrl(l);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing a URL; stderr:\n${err}`));
    });
  });
  const u = new URL(url);
  return {
    proc,
    url,
    port: Number(u.port),
    token: u.searchParams.get('token') ?? '',
    stdoutLines,
    stderr: () => err,
    stop: () =>
      new Promise((r) => {
        if (proc.exitCode !== null) return r(proc.exitCode);
        proc.once('exit', (code) => r(code));
        proc.kill('SIGTERM');
      }),
    kill: () =>
      new Promise((r) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGKILL');
      }),
  };
}
