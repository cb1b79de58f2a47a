import { expect } from 'vitest';
import { loginUrl, parseRedirect } from '../../src-engine/adapters/kite/login.js';
import { createEngineServer } from '../../src-engine/api/server.js';
import { kiteDeskApi, type KiteDeskApi } from '../../src-engine/contract/api.js';
import { RpcClient } from '../../src-engine/contract/rpc-client.js';
import { createMemoryPair } from '../../src-engine/contract/transport.js';
import type { KiteSimulator, KiteSimulatorOptions, RunningKiteSimulator } from '../../src-engine/kite-sim/kite-simulator.js';
import { parseRunProfile } from '../../src-engine/runtime/config.js';
import { Engine, type EngineDeps } from '../../src-engine/runtime/engine.js';
import { KiteSessionManager } from '../../src-engine/runtime/kite-session.js';
import { tempDataDir } from './serve-process.js';
import { simSessionStart } from './sim-session.js';

export { simSessionStart };

/**
 * The frame of the integration suites that run the engine on the Kite feed against our Kite simulator
 * (in-process, no serve, no browser; the e2e frame with serve and Chromium is kite-serve-suite.ts).
 */

export const SIM_API_KEY = 'kitedesk-sim';
export const SIM_API_SECRET = 'kitedesk-sim-secret';

/** Polls `fn` every 50 ms until it returns a value (not undefined/false); throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface KiteEngine {
  r: RunningKiteSimulator;
  kite: KiteSessionManager;
  engine: Engine;
  /** The contract over an in-memory transport pair, as the UI calls it. */
  client: RpcClient<KiteDeskApi>;
}

/**
 * Starts `sim` (port 0, no 06:00 expiry, plus `o.sim`), logs in through its login page with the simulator's
 * key, and builds an engine with run profile `o.profileYaml` (a watchlist kept in memory) on a fresh data dir,
 * served over the contract. With `o.restart`, the engine is built again on the earlier start's simulator,
 * session and data dir (pass the same `trading` and `strategies` stores: an engine restart). The caller stops the engine, disposes the session and closes the simulator.
 */
export async function startKiteEngine(
  sim: KiteSimulator,
  o: {
    profileYaml: string;
    dataDirPrefix: string;
    sim?: KiteSimulatorOptions;
    live?: EngineDeps['live'];
    trading?: EngineDeps['trading'];
    strategies?: EngineDeps['strategies'];
    /** A restart: the running simulator and the logged-in session of an earlier start, and its data dir. */
    restart?: { r: RunningKiteSimulator; kite: KiteSessionManager; dataDir: string };
  },
): Promise<KiteEngine & { dataDir: string }> {
  let r: RunningKiteSimulator;
  let kite: KiteSessionManager;
  if (o.restart) {
    ({ r, kite } = o.restart);
  } else {
    const own = o.sim?.startTime !== undefined || o.sim?.market !== undefined || o.sim?.dataDir !== undefined || o.sim?.clock !== undefined;
    r = await sim.start({ port: 0, expireAt0600: false, ...(own ? {} : { startTime: simSessionStart() }), ...o.sim });
    kite = new KiteSessionManager();
    const res = await fetch(loginUrl(SIM_API_KEY, r.loginUrl), { redirect: 'manual' });
    const requestToken = parseRedirect(res.headers.get('location')!).requestToken;
    expect((await kite.login({ apiKey: SIM_API_KEY, requestToken, apiSecret: SIM_API_SECRET, root: r.url })).ok).toBe(true);
  }
  const saved: string[] = [];
  const dataDir = o.restart?.dataDir ?? tempDataDir(o.dataDirPrefix);
  const engine = new Engine({
    profile: parseRunProfile(o.profileYaml),
    watchlist: { get: () => [...saved], set: (s) => void saved.splice(0, saved.length, ...s) },
    kite,
    dataDir,
    ...(o.live ? { live: o.live } : {}),
    ...(o.trading ? { trading: o.trading } : {}),
    ...(o.strategies ? { strategies: o.strategies } : {}),
  });
  const server = createEngineServer(engine, {});
  const [a, b] = createMemoryPair();
  server.accept(a);
  const client = new RpcClient(kiteDeskApi, { timeoutMs: 60_000 });
  client.attach(b);
  return { r, kite, engine, client, dataDir };
}
