/**
 * Where the Kite simulator's prices come from. Two implementations: the generated random walk
 * (`GeneratedMarket`, a thin wrapper over adapters/sim MarketSimulator) and the replay of real
 * candles from CSV files (`CandleReplay` in csv-replay.ts).
 */
import { MarketSimulator, type MarketSimulatorOptions } from '../adapters/sim/market-simulator.js';
import type { Clock } from '../core/clock.js';
import type { SimInstrumentSeed } from '../model/instruments.js';
import type { Tick } from '../model/tick.js';

export interface MarketSource {
  /** The instruments this market prices; the simulator's instrument master is built from them, in this order. */
  readonly seeds: readonly SimInstrumentSeed[];
  /** Ticks in time order; returns an unsubscribe function. */
  onTick(listener: (t: Tick) => void): () => void;
  /** Starts the real-time driver (simulated ms per real ms = the source's speed). Idempotent. */
  start(): void;
  stop(): void;
  /** Current simulated epoch ms. */
  now(): number;
  /** The previous session's close of `symbol`, integer paise. Throws RangeError for an unknown symbol. */
  prevClose(symbol: string): number;
}

/** The generated NIFTY 50 random walk (MarketSimulator) as a MarketSource. */
export class GeneratedMarket implements MarketSource {
  readonly seeds: readonly SimInstrumentSeed[];
  readonly sim: MarketSimulator;

  constructor(opts: MarketSimulatorOptions, realClock?: Clock) {
    this.seeds = opts.seeds;
    this.sim = realClock ? new MarketSimulator(opts, realClock) : new MarketSimulator(opts);
  }

  onTick(listener: (t: Tick) => void): () => void {
    return this.sim.onTick(listener);
  }
  start(): void {
    this.sim.start();
  }
  stop(): void {
    this.sim.stop();
  }
  now(): number {
    return this.sim.now();
  }
  prevClose(symbol: string): number {
    return this.sim.prevClose(symbol);
  }
  /** Deterministic stepping for tests. */
  advance(simMs: number): void {
    this.sim.advance(simMs);
  }
}
