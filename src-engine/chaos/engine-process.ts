/**
 * The engine as a separate process for the chaos harness: `kitedesk serve` on 127.0.0.1 with a data
 * dir and a run profile, Kite credentials from the environment (KITEDESK_KITE_API_KEY / _API_SECRET /
 * _ROOT pointing at the simulator), reached through the contract over its WebSocket as the app is.
 * SIGKILL is the crash: no handler runs, nothing is flushed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { kiteDeskApi, type KiteDeskApi } from '../contract/api.js';
import { RpcClient } from '../contract/rpc-client.js';
import { fromWebSocket } from '../contract/transport.js';

export interface EngineProcessOptions {
  /** How to run the CLI: the node arguments before the command, e.g. ['dist/engine/cli.js'] or ['--import', 'tsx', 'src-engine/host/cli.ts']. */
  cli: readonly string[];
  dataDir: string;
  configFile: string;
  /** Added to the child's environment (the Kite variables). */
  env: Record<string, string>;
  /** Bound on the start (the URL line), ms. */
  timeoutMs?: number;
  /** Where the child's stderr goes (default: kept, last 64 KiB, for error messages). */
  onStderr?: (text: string) => void;
}

const STDERR_KEEP = 64 * 1024;

export class EngineProcess {
  private constructor(
    readonly proc: ChildProcessWithoutNullStreams,
    readonly port: number,
    readonly token: string,
    readonly client: RpcClient<KiteDeskApi>,
    private readonly ws: WebSocket,
    private readonly err: () => string,
  ) {}

  /** Spawns serve, waits for its URL line and opens the contract's WebSocket. */
  static async start(o: EngineProcessOptions): Promise<EngineProcess> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const proc = spawn(process.execPath, [...o.cli, 'serve', '--port', '0', '--data-dir', o.dataDir, '--config', o.configFile], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...o.env },
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      err = (err + s).slice(-STDERR_KEEP);
      o.onStderr?.(s);
    });
    const rl = createInterface({ input: proc.stdout });
    let url: string;
    try {
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no URL within ${timeoutMs} ms; stderr:\n${err.slice(-2000)}`)), timeoutMs);
        rl.once('line', (l) => {
          clearTimeout(timer);
          resolve(l);
        });
        proc.once('exit', (code, sig) => {
          clearTimeout(timer);
          reject(new Error(`serve exited (${code ?? sig}) before printing its URL; stderr:\n${err.slice(-2000)}`));
        });
      });
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
    rl.close();
    proc.stdout.resume(); // nothing more is expected there; never let the pipe fill
    const u = new URL(url);
    const token = u.searchParams.get('token') ?? '';
    const port = Number(u.port);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    }
    ws.on('error', () => undefined); // the crash closes it; calls in flight fail DISCONNECTED
    const client = new RpcClient(kiteDeskApi, { timeoutMs: 30_000 });
    client.attach(fromWebSocket(ws));
    return new EngineProcess(proc, port, token, client, ws, () => err);
  }

  get stderr(): string {
    return this.err();
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * The browser login of serve, driven by hand: `kiteSession.login` → Kite's login page (the simulator;
   * older serves answered their token-guarded `/kite/login`, which redirects there) → its redirect, whose
   * query (request_token, kd_state…) goes to serve's /kite/callback. Resolves once serve answered 200.
   */
  async login(): Promise<void> {
    const base = `http://127.0.0.1:${this.port}`;
    const startAt = await this.client.call('kiteSession.login', {});
    if (startAt.via !== 'redirect') throw new Error(`kiteSession.login answered ${JSON.stringify(startAt)}`);
    let toKite: string | null = startAt.url;
    if (toKite.startsWith('/')) {
      const u = new URL(toKite, base);
      u.searchParams.set('token', this.token);
      const start = await fetch(u, { redirect: 'manual', headers: { cookie: `kd_token_${this.port}=${this.token}` } });
      toKite = start.headers.get('location');
      if (start.status !== 302 || toKite === null) throw new Error(`serve ${startAt.url} answered ${start.status}: ${(await start.text()).slice(0, 300)}`);
    }
    const atKite = await fetch(toKite, { redirect: 'manual' });
    const back = atKite.headers.get('location');
    if (atKite.status !== 302 || back === null) throw new Error(`the Kite login answered ${atKite.status}`);
    const cb = await fetch(`${base}/kite/callback${new URL(back).search}`, { redirect: 'manual' });
    if (cb.status !== 200) throw new Error(`serve /kite/callback answered ${cb.status}: ${(await cb.text()).slice(0, 300)}`);
  }

  /** SIGKILL (the crash) and wait for the exit. */
  async kill(): Promise<void> {
    this.client.detach('killed');
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await exited;
  }

  /** A clean stop (SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.ws.close();
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }
}
