import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadRunProfile } from '../runtime/config.js';
import { ENGINE_VERSION } from '../runtime/engine.js';
import { processHealth } from '../runtime/health.js';
import { PROTOCOL_VERSION } from '../contract/envelope.js';
import { DatabaseOpenError } from '../persistence/db.js';
import { createFileLog } from './file-log.js';
import { PRIVATE_UMASK, defaultDataDir } from './paths.js';
import { startServe } from './serve.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, KiteSimulator } from '../kite-sim/kite-simulator.js';
import { ORDER_STATUSES_SIM, type OrderStatus } from '../kite-sim/exchange.js';
import { CandleReplay, parseCandleTime } from '../kite-sim/csv-replay.js';
import { IST_OFFSET_MS } from '../core/ist.js';
import { knownIndicators, runIndicatorsCli } from '../indicators/cli-indicators.js';
import { parseRupees } from '../core/money.js';
import { dayNumber, istDay } from '../core/nse-calendar.js';
import { CHARGE_EXCHANGES, CHARGE_SEGMENTS, CHARGES_SCHEDULE_START } from '../execution/charges-schedule.js';
import { roundTripReport } from '../execution/charges-report.js';
import { EXPORT_KINDS, type ExportKind } from '../contract/records.js';
import { runExport } from './export-cli.js';
import { addOptimizeCommands } from './optimize-cli.js';
import { backtestCommand } from '../backtest/cli.js';
import { CHAOS_CASES, DEFAULT_ROUNDS, formatReport, QUICK_ROUNDS, runChaos, type ChaosCase } from '../chaos/harness.js';

/** dist/renderer next to the built engine (dist/engine/cli.js), or from the source tree. */
export function findRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'renderer'), join(here, '..', '..', 'dist', 'renderer')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535 (0 = any free port)');
  return n;
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseNonNegative(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

function parseCount(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

function parsePositiveInt(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

/** A calendar date YYYY-MM-DD (an IST day), checked. */
function parseIstDay(v: string): string {
  try {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error();
    dayNumber(v);
  } catch {
    throw new InvalidArgumentError('expected a calendar date YYYY-MM-DD');
  }
  return v;
}

/** YYYY-MM-DD → epoch ms of 00:00 IST that day. */
function parseDate(v: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? parseCandleTime(v) : undefined;
  if (t === undefined) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return t;
}

export function buildCli(): Command {
  const program = new Command('kitedesk')
    .description('KiteDesk: algorithmic trading for Indian markets through Zerodha Kite Connect')
    .version(`${ENGINE_VERSION} (protocol ${PROTOCOL_VERSION})`, '-V, --version')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('serve')
    .description('run the engine headless under Node and serve the app and its WebSocket API on 127.0.0.1, behind a token')
    .requiredOption('-p, --port <port>', 'port on 127.0.0.1 (0 = any free port)', parsePort)
    .option('-d, --data-dir <dir>', 'where the SQLite database, logs and the token file live', defaultDataDir())
    .option('-c, --config <file>', 'run profile (YAML), e.g. configs/paper.yaml; default: paper on the simulator')
    .addOption(new Option('--sim-speed <x>', 'simulated ms per real ms for the built-in simulator (overrides the profile)').argParser(parsePositive))
    .addOption(new Option('--sim-start <iso>', 'start the simulated clock at this ISO time, e.g. 2026-11-20T09:15:00+05:30'))
    .action(async (o: { port: number; dataDir: string; config?: string; simSpeed?: number; simStart?: string }) => {
      const dataDir = resolve(o.dataDir);
      const log = createFileLog(dataDir);
      processHealth.watchUnhandledRejections(log); // counted in engine.health, logged; the engine keeps running
      const running = await startServe({
        port: o.port,
        dataDir,
        ...(o.config ? { configFile: resolve(o.config) } : {}),
        rendererDir: findRendererDir(),
        overrides: { ...(o.simSpeed !== undefined ? { simSpeed: o.simSpeed } : {}), ...(o.simStart ? { simStart: o.simStart } : {}) },
        log,
      });
      // The one line on stdout: the URL with the token. Everything else goes to stderr or the log.
      process.stdout.write(`${running.url}\n`);
      const feedName = { simulator: 'the built-in simulator', kite: 'the Kite feed', replay: 'a candle replay' }[running.booted.engine.feed.kind];
      process.stderr.write(`kitedesk: serving ${running.booted.engine.status().mode} mode on ${feedName}; data in ${dataDir}; Ctrl-C stops\n`);
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        log('info', 'stopping', { signal: sig });
        void running.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 3000).unref();
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  program
    .command('sim')
    .description('run a local Kite Connect v3 simulator (REST + ticker WebSocket) on 127.0.0.1 for the official kiteconnect clients')
    .requiredOption('-p, --port <port>', 'port on 127.0.0.1 (0 = any free port)', parsePort)
    .option('--api-key <key>', 'api_key the simulator accepts', DEFAULT_API_KEY)
    .option('--api-secret <secret>', 'api_secret for the /session/token checksum', DEFAULT_API_SECRET)
    .option('--redirect-url <url>', 'where /connect/login redirects with request_token (default: a page on the simulator)')
    .addOption(new Option('--speed <x>', 'simulated ms per real ms').argParser(parsePositive).default(1))
    .addOption(new Option('--seed <n>', 'PRNG seed for prices, books and candles').argParser(parseSeed).default(1))
    .option(
      '--data <dir>',
      'replay REAL candles from <dir>/<SYMBOL>.csv instead of the random walk. Formats: Kite "datetime,open,high,low,close,volume[,oi]", ' +
        'Upstox "timestamp,open,…", daily "date,open,…"/"date,o,h,l,c,v" (row time = bar start, IST). ' +
        'Not supported: 1-minute "symbol,date,time,…" vendor files, tick files',
    )
    .addOption(new Option('--from <YYYY-MM-DD>', 'with --data: start at the first bar on or after this IST date').argParser(parseDate))
    .option(
      '--instruments <file>',
      'serve this Kite instruments dump (CSV of /instruments or /instruments/<EXCHANGE>; repeat for several) instead of the generated ' +
        'NSE/BSE/NFO/BFO master; equities tick, indices and derivatives are priced from them',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(
      new Option('--clock <mode>', 'auto: simulated session time (the real now in a session, else the next open); wall: the real clock, closed at night')
        .choices(['auto', 'wall'])
        .default('auto'),
    )
    .addOption(new Option('--latency <ms>', 'real ms from the REST reply to the order resting at the exchange').argParser(parseNonNegative).default(300))
    .option('--allowed-ips <list>', 'static-IP rule: comma-separated client addresses allowed to place/modify/cancel orders (default: any)')
    .option('--no-expire-0600', 'keep access tokens past 06:00 IST (Kite expires them daily)')
    .option('--single-session', 'a new login invalidates the earlier access tokens')
    .option('--stuck <states>', 'fault: orders stay in these states, comma-separated (e.g. "OPEN PENDING,CANCEL PENDING")')
    .option('--refuse-while-pending', 'fault: modify/cancel of a still-pending order answers 400 instead of being queued')
    .option('--exchange-down', 'fault: the exchange link is down (orders wait in OPEN/MODIFY/CANCEL PENDING, nothing fills)')
    .addOption(new Option('--drop-replies <n>', 'fault: the next n accepted placements are placed but their HTTP reply is never sent (connection reset)').argParser(parseCount))
    .action(async (o: {
      port: number; apiKey: string; apiSecret: string; redirectUrl?: string; speed: number; seed: number; data?: string; from?: number;
      clock: 'auto' | 'wall'; latency: number; allowedIps?: string; expire0600: boolean; singleSession?: boolean; stuck?: string;
      refuseWhilePending?: boolean; exchangeDown?: boolean; instruments?: string[]; dropReplies?: number;
    }) => {
      if (o.redirectUrl !== undefined && !URL.canParse(o.redirectUrl)) throw new InvalidArgumentError(`--redirect-url is not a URL: ${o.redirectUrl}`);
      const stuck = o.stuck === undefined ? [] : o.stuck.split(',').map((x) => x.trim()).filter(Boolean);
      const bad = stuck.filter((x) => !ORDER_STATUSES_SIM.includes(x));
      if (bad.length > 0) throw new InvalidArgumentError(`--stuck: unknown order status ${bad.join(', ')}`);
      if (o.from !== undefined && o.data === undefined) throw new InvalidArgumentError('--from needs --data');
      if (o.instruments !== undefined && o.data !== undefined) throw new InvalidArgumentError('--instruments cannot be combined with --data');
      const sim = new KiteSimulator();
      const running = await sim.start({
        port: o.port,
        apiKey: o.apiKey,
        apiSecret: o.apiSecret,
        speed: o.speed,
        seed: o.seed,
        ...(o.redirectUrl !== undefined ? { redirectUrl: o.redirectUrl } : {}),
        ...(o.data !== undefined ? { dataDir: resolve(o.data) } : {}),
        ...(o.from !== undefined ? { startTime: o.from } : {}),
        ...(o.instruments !== undefined ? { instruments: o.instruments.map((f) => resolve(f)) } : {}),
        clock: o.clock,
        latencyMs: o.latency,
        expireAt0600: o.expire0600,
        singleSession: o.singleSession === true,
        ...(o.allowedIps !== undefined ? { allowedIps: o.allowedIps.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
      });
      sim.setFaults({ stuck: stuck as OrderStatus[], refuseWhilePending: o.refuseWhilePending === true, exchangeDown: o.exchangeDown === true });
      if (o.dropReplies !== undefined) sim.dropReplies(o.dropReplies);
      process.stdout.write(`REST ${running.url}\nWS   ${running.wsUrl}\nLOGIN ${running.loginUrl}?api_key=${encodeURIComponent(o.apiKey)}&v=3\n`);
      const byExchange = new Map<string, number>();
      for (const i of sim.instruments) byExchange.set(i.exchange, (byExchange.get(i.exchange) ?? 0) + 1);
      process.stderr.write(
        `kitedesk: ${sim.instruments.length} instruments (${[...byExchange].map(([e, n]) => `${e} ${n}`).join(', ')})${o.instruments ? ` from ${o.instruments.join(', ')}` : ' (generated master)'}\n`,
      );
      const market = sim.marketSource;
      if (market instanceof CandleReplay) {
        const n = market.seeds.length;
        process.stderr.write(`kitedesk: replaying ${resolve(o.data!)} from ${new Date(market.now() + IST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} IST (${n} instruments)\n`);
        market.onEnd(() => process.stderr.write('kitedesk: replay finished; prices stay at the last bar (Ctrl-C stops)\n'));
      }
      process.stderr.write(`kitedesk: Kite simulator up (api_key ${o.apiKey}); Ctrl-C stops\n`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        void running.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 3000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  program
    .command('indicators')
    .description('compute incremental technical indicators over a candle CSV and write its rows plus one column per indicator output')
    .requiredOption('-i, --input <file>', 'candle CSV with a header datetime,open,high,low,close,volume (Kite historical format; extra columns are copied)')
    .requiredOption('-s, --spec <list>', 'comma-separated indicator specs name[:param…], e.g. "sma:20,ema:20,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3"')
    .requiredOption('-o, --out <file>', 'output CSV (- for stdout); cells are empty during each indicator\'s warm-up')
    .addHelpText('after', () => `\nKnown indicators: ${knownIndicators().join(', ')}\nColumns are <name>_<params joined by _>[_<output>], e.g. macd_12_26_9_signal, bb_20_2_upper.\n`)
    .action((o: { input: string; spec: string; out: string }) => {
      const r = runIndicatorsCli({ input: resolve(o.input), spec: o.spec, out: o.out === '-' ? '-' : resolve(o.out) });
      process.stderr.write(`kitedesk: ${r.rows} rows, ${r.columns.length} indicator columns${o.out === '-' ? '' : ` → ${resolve(o.out)}`}\n`);
    });

  program
    .command('charges')
    .description("Zerodha's charges on a round trip (buy leg + sell leg) as its brokerage calculator shows them; JSON in rupees on stdout")
    .addOption(new Option('--segment <segment>', 'charge segment').choices([...CHARGE_SEGMENTS]).makeOptionMandatory())
    .addOption(new Option('--exchange <exchange>', 'exchange').choices([...CHARGE_EXCHANGES]).makeOptionMandatory())
    .requiredOption('--buy <price>', 'buy price per unit in rupees, e.g. 1234.50 (options: premium; 0 = no buy leg)', (v: string) => {
      let p: number;
      try {
        p = parseRupees(v, '--buy');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
      if (p < 0) throw new InvalidArgumentError('--buy: expected a price ≥ 0 in rupees, e.g. 1234.50');
      return p;
    })
    .requiredOption('--sell <price>', 'sell price per unit in rupees, e.g. 1240 (options: premium; 0 = no sell leg)', (v: string) => {
      let p: number;
      try {
        p = parseRupees(v, '--sell');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
      if (p < 0) throw new InvalidArgumentError('--sell: expected a price ≥ 0 in rupees, e.g. 1240');
      return p;
    })
    .requiredOption('--qty <n>', 'units on each leg (shares, or lots × lot size)', (v: string) => {
      const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('--qty: expected a whole number of units ≥ 1');
      return n;
    })
    .option('--date <YYYY-MM-DD>', 'trade date, IST (default: today in IST); picks the rates in force that day', (v: string) => {
      try {
        dayNumber(v);
      } catch {
        throw new InvalidArgumentError('--date: expected a calendar date YYYY-MM-DD');
      }
      if (v < CHARGES_SCHEDULE_START) throw new InvalidArgumentError(`--date: the charges schedule starts ${CHARGES_SCHEDULE_START}; earlier dates are not modelled`);
      return v;
    })
    .addHelpText('after', '\nRates, sources and rounding: docs/charges.md. Not modelled: exercised/assigned options STT, BSE group-specific charges, commodity, currency.\n')
    .action((o: { segment: (typeof CHARGE_SEGMENTS)[number]; exchange: (typeof CHARGE_EXCHANGES)[number]; buy: number; sell: number; qty: number; date?: string }) => {
      const report = roundTripReport({ segment: o.segment, exchange: o.exchange, buyPricePaise: o.buy, sellPricePaise: o.sell, qty: o.qty, date: o.date ?? istDay(Date.now()) });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });

  program
    .command('export')
    .description('write the journal (orders, signals, trades or daily PnL) of a data dir as CSV; read-only, runs beside serve')
    .addOption(new Option('--what <kind>', 'which records').choices([...EXPORT_KINDS]).makeOptionMandatory())
    .option('-d, --data-dir <dir>', 'the data dir whose kitedesk.sqlite to read', defaultDataDir())
    .option('--from <YYYY-MM-DD>', 'first IST day (inclusive); default: the first in the journal', parseIstDay)
    .option('--to <YYYY-MM-DD>', 'last IST day (inclusive); default: the last in the journal', parseIstDay)
    .addOption(new Option('--mode <mode>', 'orders, trades and pnl of one trading mode only (default: every mode)').choices(['paper', 'shadow', 'live', 'backtest']))
    .requiredOption('-o, --out <file>', 'the CSV file to write')
    .addHelpText('after', '\nColumns: docs/exports.md. Prices in rupees, timestamps ISO 8601 in IST (+05:30).\n')
    .action((o: { what: ExportKind; dataDir: string; from?: string; to?: string; mode?: string; out: string }) => {
      if (o.from !== undefined && o.to !== undefined && o.from > o.to) throw new InvalidArgumentError('--from must not be after --to');
      const r = runExport(o);
      process.stderr.write(`kitedesk: ${r.rows} row${r.rows === 1 ? '' : 's'} of ${o.what} written to ${r.file}\n`);
    });

  program
    .command('chaos')
    .description(
      'reliability proof of live trading against the Kite simulator: the engine (serve) SIGKILLed at random points of a busy live session, ' +
        'orders accepted with their replies dropped, market-data faults (socket kills, silences, 403s, 5xx), bursts of 1,000 order intents in a second ' +
        'and the engine host (the app\'s supervisor on Node: the engine throws, exits, is SIGKILLed, hangs); ' +
        'prints a table and a last line with the figures; exit code 1 when a check failed',
    )
    .addOption(new Option('--case <case>', 'which case').choices([...CHAOS_CASES, 'all']).default('all'))
    .addOption(
      new Option(
        '--rounds <n>',
        `rounds per case (default: crash ${DEFAULT_ROUNDS.crash}, lost-replies ${DEFAULT_ROUNDS['lost-replies']}, feed-faults ${DEFAULT_ROUNDS['feed-faults']}, burst ${DEFAULT_ROUNDS.burst}, host ${DEFAULT_ROUNDS.host})`,
      ).argParser(parsePositiveInt),
    )
    .addOption(new Option('--seed <n>', 'seed of the kill points, orders and the simulator').argParser(parseSeed).default(1))
    .option(
      '--quick',
      `fewer rounds (crash ${QUICK_ROUNDS.crash}, lost-replies ${QUICK_ROUNDS['lost-replies']}, feed-faults ${QUICK_ROUNDS['feed-faults']}, burst ${QUICK_ROUNDS.burst}, host ${QUICK_ROUNDS.host}) unless --rounds is given`,
    )
    .option('--keep', 'keep the temp data dirs (they are kept anyway when a check failed)')
    .option('--fuzz', 'instead: fuzz every input family (tick frames, contract payloads, run profiles, candle CSVs, Kite REST replies, order-update texts) with fast-check from --seed; prints a table and a last line; exit code 1 on any failure')
    .addOption(new Option('--runs <n>', 'with --fuzz: total cases, split over the families (default 1000000)').argParser(parsePositiveInt))
    .option('--soak <duration>', 'instead: hold an accelerated paper session on 500 instruments for this long (e.g. 30m, 2m, 90s) and report the RSS slope, journal growth, event-loop p99, unhandled rejections and engine exits; exit code 1 on a failure')
    .addHelpText('after', '\nChecks, figures and the machine they were measured on: docs/trading.md "Chaos"; --fuzz: docs/reliability.md.\n')
    .action(async (o: { case: ChaosCase | 'all'; rounds?: number; seed: number; quick?: boolean; keep?: boolean; fuzz?: boolean; runs?: number; soak?: string }) => {
      if (o.soak !== undefined) {
        const { formatSoakReport, parseSoakDuration, runSoak } = await import('../chaos/soak.js');
        let durationMs: number;
        try {
          durationMs = parseSoakDuration(o.soak);
        } catch (e) {
          throw new InvalidArgumentError(`--soak: ${(e as Error).message}`);
        }
        const self = fileURLToPath(import.meta.url);
        const report = await runSoak({ durationMs, cli: self.endsWith('.ts') ? ['--import', 'tsx', self] : [self], seed: o.seed, keep: o.keep === true, progress: (l) => process.stderr.write(`kitedesk: ${l}\n`) });
        process.stdout.write(`${formatSoakReport(report)}\n`);
        if (!report.ok) {
          process.stderr.write(`kitedesk: the soak failed; data dir kept at ${report.dataDir}\n`);
          process.exitCode = 1;
        }
        return;
      }
      if (o.fuzz === true) {
        // loaded only here: fast-check is a development dependency
        const { DEFAULT_FUZZ_RUNS, formatFuzzReport, runFuzz } = await import('../fuzz/index.js');
        const report = await runFuzz({ runs: o.runs ?? DEFAULT_FUZZ_RUNS, seed: o.seed, progress: (l) => process.stderr.write(`kitedesk: ${l}\n`) });
        process.stdout.write(`${formatFuzzReport(report)}\n`);
        if (report.failures > 0) process.exitCode = 1;
        return;
      }
      const cases = o.case === 'all' ? [...CHAOS_CASES] : [o.case];
      const base = o.quick === true ? QUICK_ROUNDS : DEFAULT_ROUNDS;
      const rounds = Object.fromEntries(cases.map((c) => [c, o.rounds ?? base[c]]));
      // serve runs as a child process of this very CLI (dist/engine/cli.js, or the source through tsx)
      const self = fileURLToPath(import.meta.url);
      const cli = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self];
      const report = await runChaos({ cases, rounds, seed: o.seed, cli, keep: o.keep === true, progress: (l) => process.stderr.write(`kitedesk: ${l}\n`) });
      process.stdout.write(`${formatReport(report)}\n`);
      if (!report.ok) {
        process.stderr.write(`kitedesk: chaos found problems; data dirs kept under ${report.cases[0]?.dataDir.replace(/\/[^/]+$/, '') ?? '?'}\n`);
        process.exitCode = 1;
      }
    });

  program.addCommand(backtestCommand());
  addOptimizeCommands(program);

  program
    .command('check-config')
    .description('validate a run profile (YAML) and print the effective settings')
    .argument('<file>', 'the profile to check')
    .action((file: string) => {
      const p = loadRunProfile(resolve(file));
      process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    });

  program
    .command('data-dir')
    .description('print the default data directory for this OS user')
    .action(() => {
      process.stdout.write(`${defaultDataDir()}\n`);
    });

  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    const known = e instanceof ConfigError || e instanceof DatabaseOpenError;
    process.stderr.write(`kitedesk: ${known ? (e as Error).message : (e as Error).message || String(e)}\n`);
    process.exitCode = 1;
  }
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  // The database, its WAL, logs and exports are for this OS user only, whatever the shell's umask.
  process.umask(PRIVATE_UMASK);
  void main();
}
