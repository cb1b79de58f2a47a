/**
 * Timers exist in every runtime we target (Node, Chromium, Electron) but not in the ES library the
 * contract compiles against (no DOM, no Node types). This is the one typed doorway to them.
 */
export type TimerHandle = { readonly __timer: unique symbol };

interface TimerGlobals {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

const g = globalThis as unknown as TimerGlobals;

export function setTimer(fn: () => void, ms: number): TimerHandle {
  const h = g.setTimeout(fn, ms);
  // Node returns a Timeout object; do not let a contract timer keep a process alive.
  const maybe = h as unknown as { unref?: () => void };
  if (typeof maybe.unref === 'function') maybe.unref();
  return h;
}

export function clearTimer(h: TimerHandle | undefined): void {
  if (h !== undefined) g.clearTimeout(h);
}
