import { z } from 'zod';
import { ErrorCode, type WireError } from './errors.js';

/** Bump on any incompatible change to the envelope or to an existing method's shape. */
export const PROTOCOL_VERSION = 1;

/** Default largest frame (in UTF-16 code units of the JSON text) a server accepts from a client. */
export const DEFAULT_MAX_FRAME = 256 * 1024;
/** Default largest frame a client accepts from a server (snapshots can be big). */
export const DEFAULT_MAX_SERVER_FRAME = 16 * 1024 * 1024;

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(64).regex(/^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'expected domain.verb');
const version = z.literal(PROTOCOL_VERSION);

export const wireErrorSchema = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.unknown().optional(),
});

/** Frames a client sends. */
export const clientFrameSchema = z.discriminatedUnion('t', [
  z.object({ v: version, t: z.literal('req'), id, m: name, p: z.unknown() }),
  z.object({ v: version, t: z.literal('cancel'), id }),
  z.object({ v: version, t: z.literal('sub'), id, topic: name, p: z.unknown() }),
  z.object({ v: version, t: z.literal('unsub'), id }),
  z.object({ v: version, t: z.literal('resync'), id }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** Frames a server sends. */
export const serverFrameSchema = z.discriminatedUnion('t', [
  // one object for both outcomes (zod's discriminated union wants one entry per `t`)
  z
    .object({ v: version, t: z.literal('res'), id, ok: z.boolean(), r: z.unknown().optional(), e: wireErrorSchema.optional() })
    .refine((f) => f.ok || f.e !== undefined, 'a failed reply carries an error'),
  z.object({ v: version, t: z.literal('snap'), id, seq: z.number().int().nonnegative(), d: z.unknown() }),
  z.object({ v: version, t: z.literal('evt'), id, seq: z.number().int().positive(), d: z.unknown() }),
  z.object({ v: version, t: z.literal('suberr'), id, e: wireErrorSchema }),
  z.object({ v: version, t: z.literal('err'), e: wireErrorSchema }),
]);
export type ServerFrame =
  | { v: typeof PROTOCOL_VERSION; t: 'res'; id: number; ok: true; r: unknown }
  | { v: typeof PROTOCOL_VERSION; t: 'res'; id: number; ok: false; e: WireError }
  | { v: typeof PROTOCOL_VERSION; t: 'snap'; id: number; seq: number; d: unknown }
  | { v: typeof PROTOCOL_VERSION; t: 'evt'; id: number; seq: number; d: unknown }
  | { v: typeof PROTOCOL_VERSION; t: 'suberr'; id: number; e: WireError }
  | { v: typeof PROTOCOL_VERSION; t: 'err'; e: WireError };

/** Turn zod issues into a short, path-qualified list a person can act on. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
}

/**
 * Best effort: find the request id in a frame we refuse to parse (oversize or malformed), so the
 * caller's pending call is answered instead of timing out. Looks only at the first 256 characters.
 */
export function sniffId(text: string): number | undefined {
  const m = /"id"\s*:\s*(\d{1,15})/.exec(text.slice(0, 256));
  if (!m || m[1] === undefined) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
