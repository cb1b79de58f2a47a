/** A source of "now" in epoch milliseconds. Inject it wherever time matters so tests can fake it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
};
