/**
 * The chart page in Chromium while the engine streams: frames per second (requestAnimationFrame over a
 * window) and the renderer's JS heap (CDP Performance metrics, after a forced GC at the start and the
 * end of the window), for `kitedesk serve` on the built-in simulator with 9,000 instruments at 9,000
 * ticks/s (the size of a full Kite ticker subscription: 3 connections × 3,000 tokens), next to two
 * baselines measured in the same run: an idle blank page, and the chart page on the default 50
 * instruments at 150 ticks/s. Figures are printed, never asserted. Skips when Chromium is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../test/support/browser.js';
import { repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../test/support/serve-process.js';
import { QUICK, record } from './harness.js';

const WINDOW_MS = Number(process.env['KITEDESK_BENCH_FPS_MS'] ?? (QUICK ? 3_000 : 10_000));

/** Resident memory of a process (VmRSS in /proc/<pid>/status, Linux), in bytes; NaN elsewhere. */
function rssBytes(pid: number | undefined): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
const T = { timeout: 120_000 };

interface Sample {
  fps: number;
  p95FrameMs: number;
  maxFrameMs: number;
  /** Frames longer than 50 ms (a visible stutter). */
  longFrames: number;
  heapStartBytes: number;
  heapEndBytes: number;
  /** The engine's ticks/s as the status bar showed it at the end (undefined for the blank page). */
  ticksPerSec?: number;
}

async function heapAfterGc(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
}

async function measure(page: Page): Promise<Sample> {
  const heapStartBytes = await heapAfterGc(page);
  // a string, not a function: tsx's transform would put its __name helper into the page's copy
  const r = (await page.evaluate(`new Promise((resolve) => {
    const times = [];
    const frame = (t) => {
      times.push(t);
      if (t - times[0] < ${WINDOW_MS}) requestAnimationFrame(frame);
      else resolve({ frames: times.length - 1, seconds: (times[times.length - 1] - times[0]) / 1000, intervals: times.slice(1).map((x, i) => x - times[i]) });
    };
    requestAnimationFrame(frame);
  })`)) as { frames: number; seconds: number; intervals: number[] };
  const sorted = [...r.intervals].sort((a, b) => a - b);
  const heapEndBytes = await heapAfterGc(page);
  const tps = await page.getAttribute('[data-testid="status-bar"]', 'data-ticks-per-sec', { timeout: 1000 }).catch(() => null);
  return {
    fps: r.frames / r.seconds,
    p95FrameMs: sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN,
    maxFrameMs: sorted.at(-1) ?? Number.NaN,
    longFrames: r.intervals.filter((x) => x > 50).length,
    heapStartBytes,
    heapEndBytes,
    ...(tps !== null ? { ticksPerSec: Number(tps) } : {}),
  };
}

async function servePage(browser: Browser, instruments: number | undefined, ticksPerSecond: number): Promise<{ sample: Sample; startMs: number; engineRssBytes: number }> {
  const dataDir = tempDataDir('kitedesk-bench-');
  const profile = join(dataDir, 'profile.yaml');
  // one minute of generated history (the backfill of 9,000 instruments is the slow part of the start)
  const feed = `{ ${instruments !== undefined ? `instruments: ${instruments}, ` : ''}ticksPerSecond: ${ticksPerSecond}, backfillMinutes: 1 }`;
  writeFileSync(profile, `feed: ${feed}\nstrategies: []\n`);
  const t0 = Date.now();
  let s: ServeProcess | undefined;
  try {
    s = await startServeProcess(['--data-dir', dataDir, '--config', profile, '--sim-speed', '1', '--sim-start', '2026-11-20T10:00:00+05:30'], 180_000);
    const startMs = Date.now() - t0;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(s.url);
    await page.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
    // selectors, not waitForFunction: its polling evaluates a string, which the page's CSP refuses
    await page.waitForSelector('[data-testid="chart"][data-candle-count]:not([data-candle-count="0"])', T);
    await page.waitForSelector('[data-testid="status-bar"][data-ticks-per-sec]:not([data-ticks-per-sec="0"])', T);
    await page.waitForTimeout(2000); // settle: first paints, subscriptions, the first GC
    const sample = await measure(page);
    // the engine (the serve process) after the window: every instrument subscribed and streaming
    const engineRssBytes = rssBytes(s.proc.pid);
    await page.close();
    return { sample, startMs, engineRssBytes };
  } finally {
    await s?.stop();
  }
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
function line(kind: string, name: string, x: Sample, base?: Sample): string {
  const rel = base ? `   (${((x.fps / base.fps) * 100).toFixed(0)} % of idle)` : '';
  const tps = x.ticksPerSec !== undefined ? `  engine ${x.ticksPerSec.toLocaleString('en-IN')} ticks/s` : '';
  return (
    `  ${kind.padEnd(9)} ${name.padEnd(48)} ${x.fps.toFixed(1).padStart(5)} fps  p95 ${x.p95FrameMs.toFixed(1)} ms  max ${x.maxFrameMs.toFixed(0)} ms  ` +
    `>50 ms: ${x.longFrames}  heap ${mb(x.heapStartBytes)} → ${mb(x.heapEndBytes)}${tps}${rel}`
  );
}

export async function chartPageBench(): Promise<void> {
  console.log(`\nchart page in Chromium while the engine streams (requestAnimationFrame over ${WINDOW_MS / 1000} s; heap after a forced GC, start → end)`);
  if (!existsSync(CHROMIUM)) {
    console.log(`  skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set KITEDESK_CHROMIUM)`);
    return;
  }
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('build failed');
  const browser = await launchChromium();
  try {
    const blank = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await blank.setContent('<!doctype html><title>idle</title><body></body>');
    const idle = await measure(blank);
    await blank.close();
    console.log(line('baseline', 'idle blank page', idle));
    const small = await servePage(browser, undefined, 150);
    console.log(line('baseline', 'chart page, 50 instruments at 150 ticks/s', small.sample, idle));
    const big = await servePage(browser, 9000, 9000);
    console.log(line('subject', 'chart page, 9,000 instruments at 9,000 ticks/s', big.sample, idle));
    console.log(`  (serve up, 9,000 instruments with 1 min of generated history: ${(big.startMs / 1000).toFixed(1)} s)`);
    console.log(`  engine RSS (the serve process, /proc VmRSS, at the end of the window): 9,000 instruments ${mb(big.engineRssBytes)}, 50 instruments ${mb(small.engineRssBytes)}`);
    record({
      name: 'UI fps while streaming',
      subject: 'chart page, 9,000 instruments at 9,000 ticks/s',
      value: big.sample.fps,
      unit: 'fps',
      better: 'higher',
      baseline: { name: 'idle blank page', value: idle.fps, unit: 'fps' },
    });
    if (Number.isFinite(big.engineRssBytes) && Number.isFinite(small.engineRssBytes)) {
      record({
        name: 'engine RSS, 9,000 instruments subscribed',
        subject: 'kitedesk serve streaming 9,000 instruments at 9,000 ticks/s',
        value: big.engineRssBytes / 2 ** 20,
        unit: 'MiB',
        better: 'lower',
        baseline: { name: 'the same with 50 instruments at 150 ticks/s', value: small.engineRssBytes / 2 ** 20, unit: 'MiB' },
      });
    } else console.log('  engine RSS: not measured (no /proc on this platform)');
  } finally {
    await browser.close();
  }
}
