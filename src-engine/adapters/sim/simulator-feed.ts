/**
 * The built-in market simulator behind the market-data port (market/data-client.ts): the no-credentials
 * default. Behaviour is the simulator's own (market-simulator.ts); this class adds the start-up backfill:
 * the simulated clock starts `backfillMinutes` earlier (inside today's session never before its open, never
 * past the requested time) and prepare() generates that gap at once as history. With `fno` (the default),
 * the indices and index derivatives of fno-market.ts follow the equities: each equity tick is passed on,
 * then whatever index, futures and option prints it triggers (history included), and the F&O depth.
 */
import type { Instrument } from '../../contract/schemas.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { nseCalendar } from '../../core/nse-calendar.js';
import { Listeners, type FeedStatus, type MarketDataClient } from '../../market/data-client.js';
import type { DepthSnapshot } from '../../model/depth.js';
import type { SimInstrumentSeed } from '../../model/instruments.js';
import type { Tick } from '../../model/tick.js';
import { SimFnoMarket, type SimFnoOptions } from './fno-market.js';
import { MarketSimulator, inSimulatedSession } from './market-simulator.js';

export interface SimulatorFeedOptions {
  seeds: readonly SimInstrumentSeed[];
  seed: number;
  speed: number;
  ticksPerSecond: number;
  backfillMinutes: number;
  /** The requested start (epoch ms); default the clock's now. */
  startTime?: number;
  /** Indices, futures and options (fno-market.ts); false = equities only. Default on. */
  fno?: SimFnoOptions | false;
}

export class SimulatorFeed implements MarketDataClient {
  readonly kind = 'simulator' as const;
  readonly simulator: MarketSimulator;
  readonly instruments: readonly Instrument[];
  /** The indices and index derivatives (undefined with `fno: false`). */
  readonly fno: SimFnoMarket | undefined;
  private readonly ticks = new Listeners<[Tick]>();
  private depthWired = false;
  private readonly backfillMs: number;
  private readonly depth = new Listeners<[DepthSnapshot]>();
  private readonly history = new Listeners<['start' | 'end', { ticks: number; fromMs?: number; toMs?: number }]>();
  private prepared = false;

  constructor(opts: SimulatorFeedOptions, clock: Clock = systemClock) {
    const requested = opts.startTime ?? clock.now();
    const backMs = opts.backfillMinutes * 60_000;
    let startAt = requested;
    let backfillMs = backMs;
    // "is the market open" goes through the NSE calendar (holidays included), as the simulator's own roll does
    const today = inSimulatedSession(requested) ? nseCalendar.session(requested) : null;
    if (today) {
      startAt = Math.max(today.open, requested - backMs);
      backfillMs = requested - startAt;
    }
    this.backfillMs = backfillMs;
    this.simulator = new MarketSimulator({ seeds: opts.seeds, seed: opts.seed, speed: opts.speed, ticksPerSecond: opts.ticksPerSecond, startTime: startAt }, clock);
    this.fno = opts.fno === false ? undefined : new SimFnoMarket(opts.seeds, this.simulator.now(), opts.seed, opts.fno ?? {});
    this.instruments = this.fno ? [...this.simulator.instruments, ...this.fno.instruments] : this.simulator.instruments;
    const fno = this.fno;
    const emit = (t: Tick) => this.ticks.emit(t);
    const emitDepth = (d: DepthSnapshot) => {
      if (this.depthWired) this.depth.emit(d);
    };
    this.simulator.onTick((t) => {
      this.ticks.emit(t);
      fno?.onEquityTick(t, emit, emitDepth);
    });
  }

  now(): number {
    return this.simulator.now();
  }

  prevClose(symbol: string): number | undefined {
    return this.fno?.prevClose(symbol) ?? this.simulator.prevClose(symbol);
  }

  onTick(l: (t: Tick) => void): () => void {
    return this.ticks.add(l);
  }

  onDepth(l: (d: DepthSnapshot) => void): () => void {
    return this.depth.add(l);
  }

  onClock(l: (now: number) => void): () => void {
    return this.simulator.onClock(l);
  }

  onPrevClose(): () => void {
    return () => undefined; // the simulator's previous closes are known from the start (prevClose)
  }

  onHistory(l: (phase: 'start' | 'end', info: { ticks: number; fromMs?: number; toMs?: number }) => void): () => void {
    return this.history.add(l);
  }

  /** Generates the backfill at once; depth is wired after it (no book is needed for history). */
  prepare(): void {
    if (this.prepared) return;
    this.prepared = true;
    if (this.backfillMs > 0) {
      let ticks = 0;
      const count = this.ticks.add(() => void ticks++);
      const fromMs = this.simulator.now();
      this.history.emit('start', { ticks: 0, fromMs });
      try {
        this.simulator.advance(this.backfillMs);
      } finally {
        count();
        this.history.emit('end', { ticks, fromMs, toMs: this.simulator.now() });
      }
    }
    // Books are rebuilt only while someone listens: at most every 250 ms of feed time per instrument.
    this.simulator.onDepth((d) => this.depth.emit(d));
    this.depthWired = true;
  }

  start(): void {
    this.prepare();
    this.simulator.start();
  }

  stop(): void {
    this.simulator.stop();
  }

  setDemand(): void {
    // every simulated instrument ticks anyway
  }

  status(): FeedStatus {
    return { kind: 'simulator', state: 'live' };
  }
}
