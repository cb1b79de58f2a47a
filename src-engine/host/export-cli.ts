import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ExportKind } from '../contract/records.js';
import { openDatabaseReadOnly } from '../persistence/read-only.js';
import { RecordsReader } from '../persistence/records-export.js';

export interface ExportCliOptions {
  what: ExportKind;
  dataDir: string;
  out: string;
  from?: string | undefined;
  to?: string | undefined;
  mode?: string | undefined;
}

/**
 * `kitedesk export`: the journal of <dataDir>/kitedesk.sqlite as CSV into `out` (read-only, so it
 * runs beside `serve` on the same data dir). The file is written whole or not at all (temp + rename).
 * Returns the number of data rows.
 */
export function runExport(o: ExportCliOptions): { rows: number; file: string } {
  const db = openDatabaseReadOnly(join(resolve(o.dataDir), 'kitedesk.sqlite'));
  try {
    const r = new RecordsReader(db).export(o.what, { from: o.from, to: o.to, mode: o.mode });
    const file = resolve(o.out);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, r.csv, 'utf8');
    renameSync(tmp, file);
    return { rows: r.rows, file };
  } finally {
    db.close();
  }
}
