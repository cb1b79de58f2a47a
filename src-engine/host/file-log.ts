import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFn } from '../runtime/logger.js';
import { redact } from '../runtime/logger.js';
import { processHealth } from '../runtime/health.js';

/** JSON-lines log in <dataDir>/logs/engine.log; warnings and errors are echoed to stderr. */
export function createFileLog(dataDir: string, opts: { echo?: boolean } = {}): LogFn {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'engine.log');
  return (level, message, data) => {
    processHealth.noteLog(level, message); // the Health tab's last problems (messages carry no secrets; data is not kept)
    const line = JSON.stringify({ ts: new Date().toISOString(), level, message, ...(data ? { data: redact(data) } : {}) });
    try {
      appendFileSync(file, line + '\n', { mode: 0o600 });
    } catch {
      /* logging must never take the engine down */
    }
    if (opts.echo !== false && (level === 'warn' || level === 'error')) process.stderr.write(`kitedesk ${level}: ${message}\n`);
  };
}
