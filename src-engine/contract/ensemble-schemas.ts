import { z } from 'zod';
import { symbolSchema } from './schemas.js';

/** How the ensemble settles opposite votes (src-engine/strategy/ensemble.ts explains each). */
export const conflictModeSchema = z.enum(['highest_confidence', 'priority', 'net_out']);

/** The ensemble's editable settings, as in force. */
export const ensembleSettingsSchema = z.object({
  /** BUY when the weighted score is above this (−1…1). */
  buyThreshold: z.number().min(-1).max(1),
  /** SELL when the weighted score is below this (−1…1, ≤ buyThreshold). */
  sellThreshold: z.number().min(-1).max(1),
  conflict: conflictModeSchema,
  /** Per-symbol conflict modes overriding `conflict`. */
  conflictBySymbol: z.record(symbolSchema, conflictModeSchema),
});
export type EnsembleSettingsDto = z.infer<typeof ensembleSettingsSchema>;

/** `ensemble.get` / `ensemble.set`: the settings in force, what the person changed, and how to edit them. */
export const ensembleInfoSchema = z.object({
  /** In force: the run profile's `ensemble` with the person's changes over it. */
  settings: ensembleSettingsSchema,
  /** The person's changes (persisted in the journal database); a key left out takes the profile's value. */
  overrides: z.record(z.string(), z.unknown()),
  /** The run profile's values (what an empty field falls back to). */
  profile: ensembleSettingsSchema,
  /** JSON Schema (draft 2020-12, input side, every key optional, defaults = the profile's) of `ensemble.set`'s settings. */
  schema: z.record(z.string(), z.unknown()),
  /** Weights by strategy type (from the profile; read-only here: each instance's own weight is editable). */
  weights: z.record(z.string(), z.number()),
});
export type EnsembleInfo = z.infer<typeof ensembleInfoSchema>;
