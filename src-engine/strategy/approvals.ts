import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** Which content of each user strategy file the person approved (file name → sha256 hex). */
export interface StrategyApprovals {
  approved(name: string): string | undefined;
  approve(name: string, sha256: string): void;
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

  approve(name: string, sha256: string): void {
    this.files = { ...this.files, [name]: sha256 };
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, files: this.files }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
