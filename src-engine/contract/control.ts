import { z } from 'zod';
import { backtestIdSchema } from './backtest-schemas.js';
import { kiteLoginStartSchema, kiteSettingsInfoSchema, kiteSettingsInputSchema } from './kite-credentials.js';

/**
 * Control channel between the Electron main process and the engine utility process
 * (`process.parentPort`). Market data never uses it: each window gets its own MessagePort to the
 * engine. Every message is validated on arrival on both sides.
 *
 * This is the ONLY contract channel that may carry Kite secrets (api_secret, request_token,
 * access_token): it is private to main and the engine. Never log these messages, never forward
 * them to a window, and never echo a field of a rejected one (zod issues carry no input values).
 */

/** A Kite api_key: public, but bounded and plain so it is safe in keychain account names and logs. */
export const kiteApiKeySchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'expected a Kite api_key');
/** A secret value (api_secret, request_token, access_token). */
const kiteSecretSchema = z.string().min(1).max(512);
/** REST root override (the local simulator in tests and development); default https://api.kite.trade. */
const kiteRootSchema = z.string().max(300).regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL');

export const kiteLoginFailureCodeSchema = z.enum([
  /** Kite refused the exchange (wrong api_secret, used or stale request_token, wrong api_key). */
  'rejected',
  /** No answer from Kite. */
  'network',
  /** Kite answered with a server error or an unreadable answer. */
  'server',
  'rate_limit',
  /** A restored session was already past its daily expiry. */
  'expired',
  /** Superseded by a newer login or a logout before it completed. */
  'superseded',
  'internal',
]);
export type KiteLoginFailureCode = z.infer<typeof kiteLoginFailureCodeSchema>;

/** How often the engine says `heartbeat` on the control channel. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/** A user strategy file's name in `<dataDir>/strategies` (no folder part) and a content hash (sha256 hex). */
const strategyFileNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\0]+$/, 'expected a file name without a folder')
  .refine((n) => n !== '.' && n !== '..', 'expected a file name without a folder');
const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 in lower-case hex');

/**
 * Why main did not record an approval: the person said no in main's dialog (`declined`), the file's
 * content on disk is not the one asked about (`changed`), no such file (`not-found`), or main could not
 * keep it (`unavailable`, `internal`).
 */
export const strategyApprovalRefusalSchema = z.enum(['declined', 'changed', 'not-found', 'invalid', 'unavailable', 'internal']);

export const mainToEngineSchema = z.discriminatedUnion('type', [
  /** A window's end of a MessageChannelMain follows in the message's ports[0]. */
  z.object({ type: z.literal('attach-window'), windowId: z.number().int().nonnegative() }),
  z.object({ type: z.literal('shutdown'), reason: z.string().max(200) }),
  /** Exchange a request_token (from the login window's redirect) for an access token. */
  z.object({
    type: z.literal('kite-login'),
    apiKey: kiteApiKeySchema,
    requestToken: kiteSecretSchema,
    apiSecret: kiteSecretSchema,
    root: kiteRootSchema.optional(),
  }),
  /** Reuse today's access token (kept in the keychain by main) after an engine (re)start. */
  z.object({
    type: z.literal('kite-session-restore'),
    apiKey: kiteApiKeySchema,
    accessToken: kiteSecretSchema,
    userId: z.string().min(1).max(64),
    /** epoch ms */
    loginTime: z.number().int().nonnegative(),
    root: kiteRootSchema.optional(),
  }),
  /** Forget the session in the engine (main deletes its stored token itself). */
  z.object({ type: z.literal('kite-logout') }),
  /**
   * Sent by main after each `ready`: how often the supervisor has restarted the engine since the app
   * started, and the newest restart's time and reason (shown in the Health tab).
   */
  z.object({
    type: z.literal('host-restarts'),
    count: z.number().int().nonnegative(),
    last: z.object({ at: z.number().int().nonnegative(), reason: z.string().max(300) }).optional(),
  }),
  /** The answer to a `kite-host-request` (same id). Secret-free: the settings' masked view, or a refusal for people. */
  z.object({
    type: z.literal('kite-host-reply'),
    id: z.number().int().nonnegative(),
    ok: z.boolean(),
    info: kiteSettingsInfoSchema.optional(),
    login: kiteLoginStartSchema.optional(),
    code: z.enum(['UNAVAILABLE', 'INVALID_INPUT', 'NOT_FOUND', 'INTERNAL']).optional(),
    message: z.string().max(400).optional(),
  }),
  /**
   * The answer to a `strategy-approval-request` (same id). `check`: `approved` says whether main keeps
   * this sha256 for the file. `approve`: ok once main recorded it (after the person confirmed in main's
   * own dialog); otherwise `refused` says why.
   */
  z.object({
    type: z.literal('strategy-approval-reply'),
    id: z.number().int().nonnegative(),
    ok: z.boolean(),
    approved: z.boolean().optional(),
    refused: strategyApprovalRefusalSchema.optional(),
    message: z.string().max(400).optional(),
  }),
]);
export type MainToEngine = z.infer<typeof mainToEngineSchema>;

export const engineToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int(), version: z.string() }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
  z.object({ type: z.literal('stopped') }),
  /**
   * Sent every HEARTBEAT_INTERVAL_MS from `ready` on (and once with it): an engine whose event loop is
   * blocked sends none, and the supervisor kills it after its heartbeat timeout (then restarts it as a crash).
   */
  z.object({ type: z.literal('heartbeat') }),
  /** A login succeeded: main stores the access token in the keychain until `expiresAt`. */
  z.object({
    type: z.literal('kite-session'),
    apiKey: kiteApiKeySchema,
    userId: z.string().min(1).max(64),
    accessToken: kiteSecretSchema,
    /** epoch ms */
    loginTime: z.number().int().nonnegative(),
    /** epoch ms: 06:00 IST after loginTime */
    expiresAt: z.number().int().nonnegative(),
  }),
  /** A login or restore failed. `message` is for people and carries no secret. */
  z.object({ type: z.literal('kite-login-failed'), code: kiteLoginFailureCodeSchema, message: z.string().max(300) }),
  /**
   * The session the engine held is over: its daily expiry passed (`expired`) or Kite refused the
   * token (`rejected`: logout elsewhere, master logout). Main deletes the stored token.
   */
  z.object({ type: z.literal('kite-session-ended'), apiKey: kiteApiKeySchema, reason: z.enum(['expired', 'rejected']) }),
  /**
   * The renderer asked the engine (contract `kiteSettings.*`, `kiteSession.login/logout`) for something
   * only main can do in the desktop app: main owns the keychain and the login window. `save` carries
   * the api_secret once, on its way to the keychain. Answered by `kite-host-reply` with the same id.
   */
  /**
   * User strategy files (issue 15): in the desktop app main keeps the approved content hashes, not the
   * engine. `check`: is this sha256 of `<dataDir>/strategies/<file>` approved? `approve`: the person
   * asked (strategies.approve) to approve it; main reads the file itself, shows its own dialog and
   * records the hash only on the person's yes. Answered by `strategy-approval-reply` with the same id.
   */
  z.object({
    type: z.literal('strategy-approval-request'),
    id: z.number().int().nonnegative(),
    op: z.enum(['check', 'approve']),
    file: strategyFileNameSchema,
    sha256: sha256HexSchema,
  }),
  z.object({
    type: z.literal('kite-host-request'),
    id: z.number().int().nonnegative(),
    op: z.enum(['settings', 'save', 'clear', 'login', 'logout']),
    settings: kiteSettingsInputSchema.optional(),
  }),
  /**
   * The renderer asked to open a finished backtest's report.html (`backtest.openReport`). Only the run
   * id travels: main resolves `<userData>/backtests/<id>/report.html` itself and shows it in a
   * sandboxed window without script (src-main/report-window.ts).
   */
  z.object({ type: z.literal('backtest-report-open'), id: backtestIdSchema }),
]);
export type EngineToMain = z.infer<typeof engineToMainSchema>;
export type StrategyApprovalRefusal = z.infer<typeof strategyApprovalRefusalSchema>;
