/**
 * A new user strategy file waits for the person's approval (issue 15 §1): the page shows it with
 * its sha256; Approve loads it; the same content after a restart loads without asking again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcClient, fromWebSocket, kiteDeskApi } from '../../src-engine/contract/index.js';
import { launchChromium } from '../support/browser.js';
import { ensureBuilt, repoRoot, startServeProcess, tempDataDir, type ServeProcess } from '../support/serve-process.js';

const SOURCE = `export default { type: 'user_approved', description: 'approval e2e', timeframes: ['1m'], create: () => ({}) };\n`;
const T = { timeout: 20_000 };

describe('user strategy approval in the browser', () => {
  let s: ServeProcess;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'strategies'), { mode: 0o700 });
    writeFileSync(join(dataDir, 'strategies', 'mine.mjs'), SOURCE, { mode: 0o600 });
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '60']);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows the new file with its sha256; Approve loads it and the prompt goes', async () => {
    const page = await browser.newPage();
    await page.goto(s.url);
    const row = page.locator('[data-testid="strategy-approval"][data-file="mine.mjs"]');
    await row.waitFor(T);
    expect(await row.getAttribute('data-sha256')).toBe(createHash('sha256').update(SOURCE).digest('hex'));
    await page.screenshot({ path: join(repoRoot, 'test-output', 'e2e-web', 'strategy-approval.png') });
    await row.locator('[data-testid="strategy-approve"]').click();
    await page.locator('[data-testid="strategy-approvals"]').waitFor({ state: 'detached', ...T });
    await page.close();

    // a restart: the approved content loads without a prompt
    await s.stop();
    s = await startServeProcess(['--data-dir', dataDir, '--sim-speed', '60']);
    const again = await browser.newPage();
    await again.goto(s.url);
    await again.waitForSelector('[data-testid="status-bar"][data-connection="open"]', T);
    // the engine loaded it by itself (asked over the API, as the page does), and the page asks nothing
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    const c = new RpcClient(kiteDeskApi, { timeoutMs: 5000 });
    c.attach(fromWebSocket(ws));
    const end = Date.now() + 20_000;
    let mine = (await c.call('strategies.files', {})).find((f) => f.file === 'mine.mjs');
    while (mine?.type === undefined && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      mine = (await c.call('strategies.files', {})).find((f) => f.file === 'mine.mjs');
    }
    expect(mine).toMatchObject({ type: 'user_approved' });
    expect(mine?.pendingApproval).toBeUndefined();
    ws.close();
    expect(await again.locator('[data-testid="strategy-approval"]').count()).toBe(0);
    await again.close();
  });
});
