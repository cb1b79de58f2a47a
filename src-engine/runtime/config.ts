import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { symbolSchema } from '../contract/schemas.js';

/** A run profile (configs/*.yaml). Only what works today is accepted; unknown keys are errors. */
export const runProfileSchema = z
  .object({
    mode: z.literal('paper').default('paper'),
    feed: z
      .object({
        kind: z.literal('simulator').default('simulator'),
        speed: z.number().positive().max(10_000).default(1),
        seed: z.number().int().nonnegative().default(20261121),
        ticksPerSecond: z.number().positive().max(100_000).default(150),
        /** Simulated minutes generated at start so the chart opens with history (0 = none). */
        backfillMinutes: z.number().int().min(0).max(375).default(60),
        /** ISO time to start the simulated clock at (default: now, or the next session open). */
        startTime: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .default({ kind: 'simulator', speed: 1, seed: 20261121, ticksPerSecond: 150, backfillMinutes: 60 }),
    watchlist: z.array(symbolSchema).max(100).default(['RELIANCE', 'HDFCBANK', 'ICICIBANK', 'INFY', 'TCS', 'SBIN', 'ITC', 'LT', 'BHARTIARTL', 'AXISBANK']),
  })
  .strict();
export type RunProfile = z.infer<typeof runProfileSchema>;

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Parse and validate a profile's text; errors name the file, the line (for YAML) or the key path. */
export function parseRunProfile(text: string, file = '<config>'): RunProfile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : 'unknown position';
    throw new ConfigError(file, `invalid YAML at ${where}: ${e.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS() ?? {};
  const r = runProfileSchema.safeParse(data);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(file, `invalid run profile:\n  ${lines.join('\n  ')}`);
  }
  return r.data;
}

export function loadRunProfile(file: string | undefined): RunProfile {
  if (!file) return runProfileSchema.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunProfile(text, file);
}
