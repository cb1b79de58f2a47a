import { recordsExportSchema, type ExportKind, type RecordsExport, type RecordsExportInput } from '../../src-engine/contract/records.js';
import type { EngineClient } from '../engine/connection.js';
import { describeError, type ShownError } from '../engine/errors.js';

type Caller = Pick<EngineClient, 'call'>;

export const EXPORT_CHOICES: readonly { what: ExportKind; label: string }[] = [
  { what: 'orders', label: 'Orders' },
  { what: 'signals', label: 'Signals' },
  { what: 'trades', label: 'Trades (fills)' },
  { what: 'pnl', label: 'Daily PnL' },
];

const IST_OFFSET_MS = 19_800_000;

/** The IST calendar day of an instant, YYYY-MM-DD. */
export function istDayOf(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `records.export`: the engine reads its journal (the input is validated there, the answer here, both with the contract's zod schemas). */
export async function fetchExport(client: Caller, input: RecordsExportInput): Promise<{ ok: true; value: RecordsExport } | { ok: false; error: ShownError }> {
  try {
    return { ok: true, value: recordsExportSchema.parse(await client.call('records.export', input, { timeoutMs: 60_000 })) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

/** Hands the CSV to the browser (or Electron's session) as a file download. */
export function saveCsv(filename: string, csv: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
