/**
 * User strategy approvals in the desktop app (issue 15 §1): main keeps the approved content hashes,
 * not the engine. The engine's loader asks main over the private control channel whether a file's
 * sha256 is approved (`strategy-approval-request` op `check`), and a person's `strategies.approve`
 * goes to main (op `approve`), which reads the file itself, asks the person in its own dialog and
 * records the hash only on a yes. Nothing the engine or a window holds can write main's record.
 * Under `serve` there is no main: the engine keeps them (strategy/approvals.ts FileApprovalStore).
 */
import { PendingReplies } from './control-replies.js';
import type { EngineToMain, MainToEngine } from '../contract/control.js';
import type { StrategyApprovals } from '../strategy/approvals.js';

type Reply = Extract<MainToEngine, { type: 'strategy-approval-reply' }>;

export interface ControlApprovalStoreOptions {
  send(m: EngineToMain): void;
  /** How long a `check` may take (main reads a small file), ms; default 10 s. */
  checkTimeoutMs?: number;
  /** How long an `approve` may take (a person reads main's dialog), ms; default 10 min. */
  approveTimeoutMs?: number;
}

/** Main did not answer or did not record the approval; the message is for people. */
export class StrategyApprovalError extends Error {
  constructor(
    message: string,
    readonly refused: Reply['refused'] | 'timeout',
  ) {
    super(message);
    this.name = 'StrategyApprovalError';
  }
}

const REFUSED_TEXT: Record<NonNullable<Reply['refused']>, string> = {
  declined: 'declined in the desktop app',
  changed: 'the file changed since it was shown; look at it again',
  'not-found': 'the desktop app found no such file',
  invalid: 'the desktop app refused the request',
  unavailable: 'the desktop app cannot keep approvals right now',
  internal: 'the desktop app could not record the approval',
};

export class ControlApprovalStore implements StrategyApprovals {
  private readonly replies = new PendingReplies<Reply>();

  constructor(private readonly opts: ControlApprovalStoreOptions) {}

  /** main's answer arrived on the control channel. */
  onReply(r: Reply): void {
    this.replies.onReply(r);
  }

  /** Fails every request in flight (the engine is shutting down). */
  dispose(): void {
    this.replies.rejectAll(() => new StrategyApprovalError('the engine is shutting down', 'unavailable'));
  }

  async isApproved(name: string, sha256: string): Promise<boolean> {
    const r = await this.request('check', name, sha256, this.opts.checkTimeoutMs ?? 10_000);
    if (!r.ok) throw new StrategyApprovalError(r.message ?? REFUSED_TEXT[r.refused ?? 'internal'], r.refused ?? 'internal');
    return r.approved === true;
  }

  async approve(name: string, sha256: string): Promise<void> {
    const r = await this.request('approve', name, sha256, this.opts.approveTimeoutMs ?? 600_000);
    if (!r.ok) throw new StrategyApprovalError(r.message ?? REFUSED_TEXT[r.refused ?? 'internal'], r.refused ?? 'internal');
  }

  private request(op: 'check' | 'approve', file: string, sha256: string, timeoutMs: number): Promise<Reply> {
    return this.replies.request(
      (id) => this.opts.send({ type: 'strategy-approval-request', id, op, file, sha256 }),
      timeoutMs,
      () => new StrategyApprovalError(`the desktop app did not answer the approval ${op === 'check' ? 'check' : 'request'} in time`, 'timeout'),
      (e) => new StrategyApprovalError(`the approval ${op} could not reach the desktop app: ${e instanceof Error ? e.message : String(e)}`, 'unavailable'),
    );
  }
}
