import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerSecret } from '../adapters/kite/errors.js';
import { createFileLog } from './file-log.js';

const dir = () => mkdtempSync(join(tmpdir(), 'kitedesk-log-'));

describe('createFileLog', () => {
  it('masks registered secrets in the message, not only in the data', () => {
    const d = dir();
    registerSecret('MessageSecret777');
    const log = createFileLog(d, { echo: false });
    log('warn', 'kite refused MessageSecret777', { detail: 'MessageSecret777 again', error: new Error('with MessageSecret777') });
    const text = readFileSync(join(d, 'logs', 'engine.log'), 'utf8');
    expect(text).toContain('kite refused ***');
    expect(text).not.toContain('MessageSecret777');
  });

  it('rotates: the log never grows past its size, and only a few old files are kept', () => {
    const d = dir();
    const log = createFileLog(d, { echo: false, maxBytes: 10_000, keep: 3 });
    for (let i = 0; i < 2000; i++) log('warn', 'http request refused', { i, path: '/x'.repeat(20) });
    const files = readdirSync(join(d, 'logs')).sort();
    expect(files).toEqual(['engine.log', 'engine.log.1', 'engine.log.2', 'engine.log.3']);
    for (const f of files) expect(statSync(join(d, 'logs', f)).size).toBeLessThanOrEqual(10_000 + 300);
    // the newest lines are in engine.log
    expect(readFileSync(join(d, 'logs', 'engine.log'), 'utf8')).toContain('"i":1999');
  });
});
