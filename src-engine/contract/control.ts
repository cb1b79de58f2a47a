import { z } from 'zod';

/**
 * Control channel between the Electron main process and the engine utility process
 * (`process.parentPort`). Market data never uses it: each window gets its own MessagePort to the
 * engine. Every message is validated on arrival on both sides.
 */
export const mainToEngineSchema = z.discriminatedUnion('type', [
  /** A window's end of a MessageChannelMain follows in the message's ports[0]. */
  z.object({ type: z.literal('attach-window'), windowId: z.number().int().nonnegative() }),
  z.object({ type: z.literal('shutdown'), reason: z.string().max(200) }),
]);
export type MainToEngine = z.infer<typeof mainToEngineSchema>;

export const engineToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int(), version: z.string() }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
  z.object({ type: z.literal('stopped') }),
]);
export type EngineToMain = z.infer<typeof engineToMainSchema>;
