/**
 * main keeps the approvals of user strategy files in the desktop app (issue 15 §1). Strategy files run
 * with the engine's privileges, so the engine (and whatever a loaded strategy does inside it) and the
 * windows may only ASK: the engine checks a file's sha256 here (`strategy-approval-request` op `check`),
 * and a person's `strategies.approve` arrives as op `approve`, for which main reads the file itself,
 * compares its sha256 with the one the person was shown, asks in its own native dialog, and only on a
 * yes records the hash — in a file that main alone writes, outside the engine's data (`<userData>/main/`).
 * No Electron here: main.ts passes the dialog, so the decisions are unit-tested in Node.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { EngineToMain, MainToEngine } from '../src-engine/contract/control.js';

type Request = Extract<EngineToMain, { type: 'strategy-approval-request' }>;
type Reply = Extract<MainToEngine, { type: 'strategy-approval-reply' }>;

/** main's file of approvals, under its own folder of the app's userData. */
export const MAIN_APPROVALS_DIR = 'main';
export const MAIN_APPROVALS_FILE = 'strategy-approvals.json';
/** Largest strategy file main will hash and show (a strategy is source code, not data). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const fileSchema = z.object({
  version: z.literal(1),
  files: z.record(z.string(), z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), approvedAt: z.number().int().nonnegative() })),
});

/** Approved content per file name (sha256 hex), kept by main in a 0600 JSON file it writes atomically. */
export class MainApprovalStore {
  private files: z.infer<typeof fileSchema>['files'] = {};
  /** Set when the file exists but could not be read: nothing is approved, and nothing is written over it. */
  readonly unreadable: string | undefined;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    let raw: string | undefined;
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      raw = undefined; // none yet
    }
    if (raw !== undefined) {
      let parsed: ReturnType<typeof fileSchema.safeParse> | undefined;
      try {
        parsed = fileSchema.safeParse(JSON.parse(raw));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) this.files = parsed.data.files;
      else this.unreadable = `${file} is not a strategy approvals file KiteDesk can read`;
    }
  }

  isApproved(name: string, sha256: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.files, name) && this.files[name]!.sha256 === sha256;
  }

  record(name: string, sha256: string): void {
    if (this.unreadable !== undefined) throw new Error(`${this.unreadable}; move it aside to approve again`);
    this.files = { ...this.files, [name]: { sha256, approvedAt: this.now() } };
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, files: this.files }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** What the person sees in main's dialog before approving. */
export interface ApprovalPrompt {
  file: string;
  /** Where the file is. */
  fullPath: string;
  sha256: string;
  bytes: number;
  /** The file's first lines (at most 20, each cut at 160 characters). */
  head: string;
}

export interface StrategyApprovalDeps {
  store: Pick<MainApprovalStore, 'isApproved' | 'record'>;
  /** The engine's strategies folder (<userData>/strategies). */
  strategiesDir: string;
  /** main's own dialog; resolves true only on the person's explicit yes. */
  confirm(prompt: ApprovalPrompt): Promise<boolean>;
  /** Reads the file (tests inject); default fs. */
  readFile?: (file: string) => Promise<Buffer>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function head(text: string): string {
  return text
    .split(/\r?\n/)
    .slice(0, 20)
    .map((l) => (l.length > 160 ? `${l.slice(0, 159)}…` : l))
    .join('\n');
}

export async function answerStrategyApprovalRequest(req: Request, deps: StrategyApprovalDeps): Promise<Reply> {
  const base = { type: 'strategy-approval-reply' as const, id: req.id };
  const name = req.file;
  // the schema already refuses folders; checked again here because this decides what main reads
  if (path.basename(name) !== name || name === '.' || name === '..') return { ...base, ok: false, refused: 'invalid', message: `${name.slice(0, 80)}: not a file name` };
  try {
    if (req.op === 'check') return { ...base, ok: true, approved: deps.store.isApproved(name, req.sha256) };
    const fullPath = path.join(deps.strategiesDir, name);
    let content: Buffer;
    try {
      if (!deps.readFile) {
        const st = await stat(fullPath);
        if (!st.isFile()) return { ...base, ok: false, refused: 'not-found', message: `${name}: not a file in the strategies folder` };
        if (st.size > MAX_FILE_BYTES) return { ...base, ok: false, refused: 'invalid', message: `${name}: larger than ${MAX_FILE_BYTES} bytes; not a strategy file` };
      }
      content = await (deps.readFile ?? ((f: string) => readFile(f)))(fullPath);
    } catch {
      return { ...base, ok: false, refused: 'not-found', message: `${name}: no such file in the strategies folder` };
    }
    const now = sha256Of(content);
    if (now !== req.sha256) return { ...base, ok: false, refused: 'changed', message: `${name}: the file changed since it was shown (its sha256 is now ${now}); look at it again` };
    const yes = await deps.confirm({ file: name, fullPath, sha256: now, bytes: content.length, head: head(content.toString('utf8')) });
    if (!yes) {
      deps.log?.('info', `strategy file ${name} not approved (declined)`);
      return { ...base, ok: false, refused: 'declined', message: `${name}: approval declined` };
    }
    deps.store.record(name, now);
    deps.log?.('info', `strategy file ${name} approved (sha256 ${now})`);
    return { ...base, ok: true, approved: true };
  } catch (e) {
    deps.log?.('warn', `strategy approval (${req.op}) of ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    return { ...base, ok: false, refused: 'unavailable', message: `${name}: the desktop app could not keep the approval` };
  }
}
