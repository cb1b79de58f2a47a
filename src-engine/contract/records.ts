import { z } from 'zod';

/**
 * Records out (issue 12): the journal as CSV, for a range of IST days. The same builders serve the
 * `records.export` request (the UI's Export buttons) and `kitedesk export` (the CLI); the columns are
 * documented in docs/exports.md.
 */

export const EXPORT_KINDS = ['orders', 'signals', 'trades', 'pnl'] as const;
export const exportKindSchema = z.enum(EXPORT_KINDS);
export type ExportKind = z.infer<typeof exportKindSchema>;

/** An IST calendar day, YYYY-MM-DD. */
const isoDaySchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected an IST day YYYY-MM-DD');

export const recordsExportInputSchema = z
  .object({
    what: exportKindSchema,
    /** First IST day (inclusive); default: the journal's first. */
    from: isoDaySchema.optional(),
    /** Last IST day (inclusive); default: the journal's last. */
    to: isoDaySchema.optional(),
  })
  .strict()
  .refine((r) => r.from === undefined || r.to === undefined || r.from <= r.to, { message: '`from` must not be after `to`', path: ['from'] });
export type RecordsExportInput = z.infer<typeof recordsExportInputSchema>;

export const recordsExportSchema = z
  .object({
    what: exportKindSchema,
    /** A file name to save it under, e.g. `kitedesk-orders-2026-12-01_2026-12-07.csv`. */
    filename: z.string().min(1).max(120),
    /** Data rows (the header not counted). */
    rows: z.number().int().nonnegative(),
    /** The CSV text: a header line, then one line per record (RFC 4180 quoting, `\n` line ends). */
    csv: z.string(),
  })
  .strict();
export type RecordsExport = z.infer<typeof recordsExportSchema>;

/** The largest CSV one `records.export` answer carries (a server frame holds at most 16 Mi characters). */
export const MAX_EXPORT_CHARS = 12 * 1024 * 1024;

/** The file name for an export of `what` over a range. */
export function exportFilename(what: ExportKind, from?: string, to?: string): string {
  const range = from === undefined && to === undefined ? 'all' : `${from ?? 'start'}_${to ?? 'end'}`;
  return `kitedesk-${what}-${range}.csv`;
}

/** The records part of the contract (spread into kiteDeskApi.requests). */
export const recordsRequests = {
  /** The journal's orders, signals, fills (`trades`) or daily PnL over a range of IST days, as CSV text (docs/exports.md). */
  'records.export': { input: recordsExportInputSchema, output: recordsExportSchema },
} as const;

/** Where the engine host reads the journal for exports (persistence/records-export.ts RecordsReader). */
export interface RecordsSource {
  export(what: ExportKind, q: { from?: string | undefined; to?: string | undefined }): RecordsExport;
}
