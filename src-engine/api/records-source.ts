import type { RecordsSource } from '../contract/records.js';
import type { Engine } from '../runtime/engine.js';

/** The journal reader of each engine, attached by the host that opened its database (bootstrap). */
const sources = new WeakMap<Engine, RecordsSource>();

/** Lets `records.export` read this engine's journal. */
export function attachRecords(engine: Engine, source: RecordsSource): void {
  sources.set(engine, source);
}

/** The engine's journal reader, if its host attached one. */
export function recordsOf(engine: Engine): RecordsSource | undefined {
  return sources.get(engine);
}
