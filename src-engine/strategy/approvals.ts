import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Which content of each user strategy file the person approved (file name → sha256 hex). Under
 * `serve` the engine keeps them ({@link FileApprovalStore}); in the desktop app main keeps them and the
 * engine asks it over the control channel (host/strategy-approvals-control.ts), so both calls may be async.
 */
export interface StrategyApprovals {
  /** Whether this exact content (sha256 hex) of the file `name` is approved. */
  isApproved(name: string, sha256: string): boolean | Promise<boolean>;
  /** Record the person's approval of this content; rejects when it was not recorded (e.g. declined in main's dialog). */
  approve(name: string, sha256: string): void | Promise<void>;
}

const fileSchema = z.object({ version: z.literal(1), files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)) });

/**
 * Approvals kept in a JSON file outside the strategies folder (<dataDir>/strategy-approvals.json,
 * 0600). A missing or unreadable file approves nothing (every file waits for approval again).
 */
export class FileApprovalStore implements StrategyApprovals {
  private files: Record<string, string>;

  constructor(private readonly path: string) {
    this.files = {};
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (parsed.success) this.files = parsed.data.files;
    } catch {
      /* none yet */
    }
  }

  approved(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.files, name) ? this.files[name] : undefined;
  }

  isApproved(name: string, sha256: string): boolean {
    return this.approved(name) === sha256;
  }

  approve(name: string, sha256: string): void {
    this.files = { ...this.files, [name]: sha256 };
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, files: this.files }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
