/**
 * Requests to main over the control channel and their replies, matched by id: each request waits for
 * its reply or its timeout; a failed send fails it at once. Shared by the Kite settings host
 * (kite-control.ts) and the strategy approvals kept by main (strategy-approvals-control.ts).
 */
export class PendingReplies<R extends { id: number }> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  /** Sends a request with a fresh id and waits for its reply; `timeout()` and `sendFailed(e)` make the errors. */
  request(send: (id: number) => void, timeoutMs: number, timeout: () => Error, sendFailed: (e: unknown) => Error): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeout());
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, { resolve, reject, timer });
      try {
        send(id);
      } catch (e) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(sendFailed(e));
      }
    });
  }

  /** A reply arrived (an unknown or late id is ignored). */
  onReply(r: R): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    clearTimeout(p.timer);
    p.resolve(r);
  }

  /** Fails every request in flight. */
  rejectAll(error: () => Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error());
      this.pending.delete(id);
    }
  }
}
