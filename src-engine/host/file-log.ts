import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFn } from '../runtime/logger.js';
import { redact, redactText } from '../runtime/logger.js';
import { processHealth } from '../runtime/health.js';

export interface FileLogOptions {
  /** Echo warnings and errors to stderr (default true). */
  echo?: boolean;
  /** Rotate engine.log when it would pass this size (default 10 MB). */
  maxBytes?: number;
  /** Old files kept: engine.log.1 … engine.log.N (default 5). */
  keep?: number;
}

/**
 * JSON-lines log in <dataDir>/logs/engine.log; warnings and errors are echoed to stderr. Messages
 * and data are redacted (runtime/logger.ts). Rotated by size, so nothing from outside (a flood of
 * refused requests) can fill the disk: engine.log → engine.log.1 → … → engine.log.N, then gone.
 */
export function createFileLog(dataDir: string, opts: FileLogOptions = {}): LogFn {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'engine.log');
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const keep = Math.max(1, opts.keep ?? 5);
  let size: number | undefined;
  const rotate = () => {
    rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {
        /* not there yet */
      }
    }
    renameSync(file, `${file}.1`);
    size = 0;
  };
  return (level, rawMessage, data) => {
    const message = redactText(rawMessage);
    processHealth.noteLog(level, message); // the Health tab's last problems (data is not kept)
    const line = JSON.stringify({ ts: new Date().toISOString(), level, message, ...(data ? { data: redact(data) } : {}) }) + '\n';
    try {
      if (size === undefined) {
        try {
          size = statSync(file).size;
        } catch {
          size = 0;
        }
      }
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > maxBytes) rotate();
      appendFileSync(file, line, { mode: 0o600 });
      size += bytes;
    } catch {
      size = undefined; // look again next time
      /* logging must never take the engine down */
    }
    if (opts.echo !== false && (level === 'warn' || level === 'error')) process.stderr.write(`kitedesk ${level}: ${message}\n`);
  };
}
