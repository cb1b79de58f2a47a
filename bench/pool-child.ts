/**
 * Child process of the pool benchmark: connects to the Kite simulator and measures its own CPU.
 * argv: <variant pool|raw> <wsUrl> <apiKey> <accessToken> <seconds> <tokens comma-separated>
 * Prints one JSON line: { ticks, frames, seconds, cpuShare } (cpuShare = CPU time / wall time, one core = 1).
 */
import WebSocket from 'ws';
import { KiteTickerPool } from '../src-engine/adapters/kite/ticker-pool.js';

const [variant, wsUrl, apiKey, accessToken, secondsArg, tokensArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const tokens = tokensArg.split(',').map(Number);
const seconds = Number(secondsArg);
let ticks = 0;
let frames = 0;
const closers: (() => void)[] = [];

if (variant === 'pool') {
  const pool = new KiteTickerPool({ apiKey, accessToken, root: wsUrl, staleCheckMs: 0 });
  pool.onTicks((b) => {
    ticks += b.count;
    frames++;
  });
  pool.subscribe(tokens, 'full');
  closers.push(() => pool.close());
} else {
  // baseline: the same three sockets and subscriptions, frames counted by their header, no decoding
  for (let c = 0; c < 3; c++) {
    const mine = tokens.slice(c * 3000, (c + 1) * 3000);
    if (mine.length === 0) continue;
    const ws = new WebSocket(`${wsUrl}?api_key=${apiKey}&access_token=${accessToken}`);
    ws.on('open', () => {
      ws.send(JSON.stringify({ a: 'subscribe', v: mine }));
      ws.send(JSON.stringify({ a: 'mode', v: ['full', mine] }));
    });
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (!isBinary || d.length < 2) return;
      ticks += d.readUInt16BE(0);
      frames++;
    });
    closers.push(() => ws.terminate());
  }
}

// warm up 3 s (connect, subscribe, JIT), then measure
setTimeout(() => {
  const t0 = ticks;
  const f0 = frames;
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  setTimeout(() => {
    const c = process.cpuUsage(c0);
    const wall = Number(process.hrtime.bigint() - w0) / 1e9;
    console.log(JSON.stringify({ ticks: ticks - t0, frames: frames - f0, seconds: wall, cpuShare: (c.user + c.system) / 1e6 / wall }));
    for (const close of closers) close();
    process.exit(0);
  }, seconds * 1000);
}, 3000);
