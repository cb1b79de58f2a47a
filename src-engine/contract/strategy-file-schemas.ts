import { z } from 'zod';

/**
 * User strategy files (<dataDir>/strategies): what loaded, what was refused, and what waits for the
 * person's approval of its exact content (issue 15: files run with the engine's privileges).
 */
export const userStrategyFileSchema = z.object({
  /** The file name in the strategies folder. */
  file: z.string().min(1).max(255),
  /** The type its last loaded version registered. */
  type: z.string().max(48).optional(),
  /** Why the newest content did not load (an error, a refusal, or waiting for approval). */
  error: z.string().max(2000).optional(),
  /** sha256 (hex) of the file's current content. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Set when the current content waits for approval: its sha256 (approve with `strategies.approve`). */
  pendingApproval: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type UserStrategyFile = z.infer<typeof userStrategyFileSchema>;

export const userStrategyFilesSchema = z.array(userStrategyFileSchema).max(1000);

export const strategyApproveInputSchema = z
  .object({
    file: z.string().min(1).max(255),
    /** The sha256 the person was shown: a file changed since is refused. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
