import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUILTIN_STRATEGIES } from './builtins/index.js';
import { StrategyRunner, type StrategyErrorReport } from './runner.js';
import type { Signal, StrategyDefinition } from './strategy.js';
import { barsFrom, path } from './testing.js';
import { UserStrategyLoader, runnerBinding, toDefinition, type UserStrategyError, type UserStrategyLoaderOptions } from './user-loader.js';

const WAIT = { timeout: 15_000, interval: 25 };
const T = 30_000;

const dirs: string[] = [];
const loaders: UserStrategyLoader[] = [];

afterEach(() => {
  for (const l of loaders.splice(0)) l.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kitedesk-user-strat-'));
  dirs.push(d);
  return d;
}

/** A user strategy file: emits `side` on every primary bar with a reason carrying `tag`. */
function strategySource(type: string, tag: string, opts: { throwOnBar?: boolean; params?: string } = {}): string {
  return `
export default {
  type: '${type}',
  description: 'test strategy ${tag}',
  params: ${opts.params ?? '{ confidence: 0.5 }'},
  timeframes: ['5m'],
  warmup: 0,
  create(ctx) {
    return {
      onBar(tf, bar) {
        ${opts.throwOnBar ? "throw new Error('user bug in onBar');" : ''}
        ctx.emit({ side: 'BUY', confidence: ctx.params.confidence, reason: '${tag}' });
      },
    };
  },
};
`;
}

interface Harness {
  dir: string;
  loader: UserStrategyLoader;
  defs: Map<string, StrategyDefinition>;
  errors: UserStrategyError[];
  unregistered: string[];
  loaded: string[];
}

function harness(dir: string, extra: Partial<UserStrategyLoaderOptions> = {}): Harness {
  const defs = new Map<string, StrategyDefinition>();
  const errors: UserStrategyError[] = [];
  const unregistered: string[] = [];
  const loaded: string[] = [];
  const loader = new UserStrategyLoader({
    dir,
    debounceMs: 50,
    pollMs: 200,
    register: (def) => defs.set(def.type, def),
    unregister: (type) => {
      defs.delete(type);
      unregistered.push(type);
    },
    onError: (e) => errors.push(e),
    onLoaded: (e) => loaded.push(e.type),
    ...extra,
  });
  loaders.push(loader);
  return { dir, loader, defs, errors, unregistered, loaded };
}

/** What a definition's onBar emits on one bar (the reason string), run through a real runner. */
function reasonOf(def: StrategyDefinition): string | undefined {
  const runner = new StrategyRunner({ definitions: [def], instances: [{ id: 'x', type: def.type, symbols: ['S'] }] });
  const seen: Signal[] = [];
  runner.onSignal((s) => seen.push(s));
  runner.onBarClosed('S', '5m', { t: 0, o: 1, h: 1, l: 1, c: 1, v: 1 });
  return seen[0]?.reason;
}

describe('UserStrategyLoader', () => {
  it(
    'loads a valid .mjs and registers it; an edit re-registers the new behaviour',
    async () => {
      const h = harness(tempDir());
      const file = join(h.dir, 'probe.mjs');
      writeFileSync(file, strategySource('user_probe', 'v1'));
      await h.loader.start();
      expect(h.errors).toEqual([]);
      expect([...h.defs.keys()]).toEqual(['user_probe']);
      expect(reasonOf(h.defs.get('user_probe')!)).toBe('v1');
      expect(h.loader.status()).toEqual([{ file, type: 'user_probe' }]);

      writeFileSync(file, strategySource('user_probe', 'v2'));
      await vi.waitFor(() => expect(reasonOf(h.defs.get('user_probe')!)).toBe('v2'), WAIT);
      expect(h.errors).toEqual([]);
      expect(h.unregistered).toEqual([]);
    },
    T,
  );

  it(
    'a syntax error or throwing top level goes to onError and the old version stays registered',
    async () => {
      const h = harness(tempDir());
      const file = join(h.dir, 'probe.mjs');
      writeFileSync(file, strategySource('user_probe', 'good'));
      await h.loader.start();
      const good = h.defs.get('user_probe');
      expect(good).toBeDefined();

      writeFileSync(file, 'export default {{{ not javascript');
      await vi.waitFor(() => expect(h.errors.length).toBe(1), WAIT);
      expect(h.errors[0]!.file).toBe(file);
      expect(h.errors[0]!.message).toMatch(/^probe\.mjs: failed to load: .*/);
      expect(h.errors[0]!.message).toMatch(/the previous version of "user_probe" stays registered/);
      expect(h.defs.get('user_probe')).toBe(good);
      expect(h.loader.status()[0]).toMatchObject({ type: 'user_probe', error: expect.stringMatching(/failed to load/) });

      writeFileSync(file, "throw new Error('top-level kaboom');\nexport default {};");
      await vi.waitFor(() => expect(h.errors.length).toBe(2), WAIT);
      expect(h.errors[1]!.message).toMatch(/probe\.mjs: failed to load: top-level kaboom/);
      expect(h.defs.get('user_probe')).toBe(good);

      // and the loader still watches: a fix is picked up
      writeFileSync(file, strategySource('user_probe', 'fixed'));
      await vi.waitFor(() => expect(reasonOf(h.defs.get('user_probe')!)).toBe('fixed'), WAIT);
      expect(h.loader.status()[0]).toEqual({ file, type: 'user_probe' });
    },
    T,
  );

  it(
    'delete unregisters; rename moves; a file added later loads; helpers (_x, .x) are ignored',
    async () => {
      const h = harness(tempDir());
      writeFileSync(join(h.dir, 'a.mjs'), strategySource('user_a', 'a'));
      writeFileSync(join(h.dir, '_helper.mjs'), 'throw new Error("never loaded")');
      writeFileSync(join(h.dir, 'notes.txt'), 'hello');
      await h.loader.start();
      expect([...h.defs.keys()]).toEqual(['user_a']);

      writeFileSync(join(h.dir, 'b.js'), strategySource('user_b', 'b'));
      await vi.waitFor(() => expect(h.defs.has('user_b')).toBe(true), WAIT);

      rmSync(join(h.dir, 'a.mjs'));
      await vi.waitFor(() => expect(h.unregistered).toEqual(['user_a']), WAIT);
      expect([...h.defs.keys()]).toEqual(['user_b']);

      renameSync(join(h.dir, 'b.js'), join(h.dir, 'c.mjs'));
      await vi.waitFor(() => expect(h.loader.status().map((s) => s.file)).toEqual([join(h.dir, 'c.mjs')]), WAIT);
      // the watcher may see c.mjs before b.js is gone: the type then registers once the old file has left
      await vi.waitFor(() => expect(h.defs.has('user_b')).toBe(true), WAIT);
      expect(h.errors).toEqual([]);
    },
    T,
  );

  it(
    'a folder created after start, then removed, then created again',
    async () => {
      const parent = tempDir();
      const dir = join(parent, 'strategies');
      const h = harness(dir);
      await h.loader.start();
      expect(h.defs.size).toBe(0);
      expect(h.errors).toEqual([]);

      mkdirSync(dir);
      writeFileSync(join(dir, 'late.mjs'), strategySource('user_late', 'late'));
      await vi.waitFor(() => expect(h.defs.has('user_late')).toBe(true), WAIT);

      rmSync(dir, { recursive: true });
      await vi.waitFor(() => expect(h.unregistered).toEqual(['user_late']), WAIT);

      mkdirSync(dir);
      writeFileSync(join(dir, 'again.mjs'), strategySource('user_again', 'again'));
      await vi.waitFor(() => expect(h.defs.has('user_again')).toBe(true), WAIT);
    },
    T,
  );

  it(
    'loads a .ts file through esbuild (type annotations, a factory default export using the SDK)',
    async () => {
      const h = harness(tempDir(), { watch: false });
      writeFileSync(
        join(h.dir, 'typed.ts'),
        `
import type { Something } from 'kitedesk-types-that-do-not-exist';
interface Sdk { z: any }
export default ({ z }: Sdk) => ({
  type: 'user_typed',
  description: 'typed',
  params: z.strictObject({ confidence: z.number().min(0).max(1).default(0.25) }),
  timeframes: ['5m'] as const,
  create: (ctx: { params: { confidence: number }; emit(e: unknown): void }) => {
    const unused: Something | undefined = undefined;
    void unused;
    return { onBar: () => ctx.emit({ side: 'SELL', confidence: ctx.params.confidence, reason: 'typed' }) };
  },
});
`,
      );
      await h.loader.start();
      expect(h.errors).toEqual([]);
      expect(reasonOf(h.defs.get('user_typed')!)).toBe('typed');
      expect(h.defs.get('user_typed')!.params.parse({})).toEqual({ confidence: 0.25 });
    },
    T,
  );

  it(
    '.ts without esbuild is reported as unsupported for that file, others still load',
    async () => {
      const h = harness(tempDir(), { watch: false, importEsbuild: () => Promise.reject(new Error("Cannot find package 'esbuild'")) });
      writeFileSync(join(h.dir, 'typed.ts'), 'export default {}');
      writeFileSync(join(h.dir, 'plain.mjs'), strategySource('user_plain', 'p'));
      await h.loader.start();
      expect(h.defs.has('user_plain')).toBe(true);
      expect(h.errors).toHaveLength(1);
      expect(h.errors[0]!.message).toMatch(/^typed\.ts: \.ts strategies are not supported in this build \(esbuild cannot be imported: Cannot find package 'esbuild'\); write it as \.mjs/);
    },
    T,
  );

  it(
    'bad shapes: errors name the file and the field',
    async () => {
      const h = harness(tempDir(), { watch: false });
      const files: Record<string, string> = {
        'no-default.mjs': 'export const x = 1;',
        'number.mjs': 'export default 42;',
        'type.mjs': "export default { type: 'Bad Type', description: 'd', timeframes: ['5m'], create() {} };",
        'desc.mjs': "export default { type: 'user_d', description: '  ', timeframes: ['5m'], create() {} };",
        'tf.mjs': "export default { type: 'user_tf', description: 'd', timeframes: ['5m', '2m'], create() {} };",
        'tfs.mjs': "export default { type: 'user_tfs', description: 'd', create() {} };",
        'create.mjs': "export default { type: 'user_c', description: 'd', timeframes: ['5m'], create: 'nope' };",
        'warmup.mjs': "export default { type: 'user_w', description: 'd', timeframes: ['5m'], warmup: -1, create() {} };",
        'extra.mjs': "export default { type: 'user_x', description: 'd', timeframe: '5m', timeframes: ['5m'], create() {} };",
        'param.mjs': "export default { type: 'user_p', description: 'd', timeframes: ['5m'], params: { n: [1] }, create() {} };",
        'factory.mjs': "export default () => { throw new Error('factory kaboom'); };",
      };
      for (const [n, src] of Object.entries(files)) writeFileSync(join(h.dir, n), src);
      await h.loader.start();
      expect(h.defs.size).toBe(0);
      const msg = (n: string) => h.errors.find((e) => e.file === join(h.dir, n))?.message;
      expect(msg('no-default.mjs')).toMatch(/^no-default\.mjs: no default export/);
      expect(msg('number.mjs')).toMatch(/^number\.mjs: the default export must be a strategy object .*got number 42/);
      expect(msg('type.mjs')).toMatch(/^type\.mjs: field "type": "Bad Type" must be snake_case/);
      expect(msg('desc.mjs')).toMatch(/^desc\.mjs: field "description": must be a non-empty string/);
      expect(msg('tf.mjs')).toMatch(/^tf\.mjs: field "timeframes\[1\]": unknown timeframe "2m"/);
      expect(msg('tfs.mjs')).toMatch(/^tfs\.mjs: field "timeframes": must be a non-empty array/);
      expect(msg('create.mjs')).toMatch(/^create\.mjs: field "create": must be a function/);
      expect(msg('warmup.mjs')).toMatch(/^warmup\.mjs: field "warmup": must be a non-negative integer/);
      expect(msg('extra.mjs')).toMatch(/^extra\.mjs: field "timeframe": unknown field/);
      expect(msg('param.mjs')).toMatch(/^param\.mjs: field "params\.n": a default must be a finite number, string or boolean/);
      expect(msg('factory.mjs')).toMatch(/^factory\.mjs: the default-exported function threw: factory kaboom/);
      expect(h.errors).toHaveLength(Object.keys(files).length);
    },
    T,
  );

  it('toDefinition: plain-object params become a strict schema with defaults; a zod schema must accept {}', () => {
    const def = toDefinition({ type: 'user_p', description: 'd', timeframes: '15m', params: { n: 3, side: 'BUY', on: true }, create: () => ({}) }, 'p.mjs');
    expect(def.timeframes).toEqual(['15m']);
    expect(def.warmup).toBe(0);
    expect(def.params.parse({})).toEqual({ n: 3, side: 'BUY', on: true });
    expect(def.params.safeParse({ m: 1 }).success).toBe(false);
    expect(def.params.safeParse({ n: 'x' }).success).toBe(false);
    const schemaNoDefault = { safeParse: () => ({ success: false, error: { message: 'n: Required' } }) };
    expect(() => toDefinition({ type: 'user_q', description: 'd', timeframes: ['5m'], params: schemaNoDefault, create: () => ({}) }, 'q.mjs')).toThrow(
      /^q\.mjs: field "params": defineStrategy\(user_q\): params schema must accept \{\}/,
    );
    expect(() => toDefinition({ type: 'user_r', description: 'd', timeframes: ['5m'], params: new Map(), create: () => ({}) }, 'r.mjs')).toThrow(/field "params": must be a zod schema/);
  });

  it(
    'a built-in type is refused; two files with one type: the second is refused until the first goes',
    async () => {
      const h = harness(tempDir());
      writeFileSync(join(h.dir, 'clash.mjs'), strategySource('ema_crossover', 'x'));
      writeFileSync(join(h.dir, 'one.mjs'), strategySource('user_dup', 'one'));
      writeFileSync(join(h.dir, 'two.mjs'), strategySource('user_dup', 'two'));
      await h.loader.start();
      expect(h.defs.has('ema_crossover')).toBe(false);
      const clash = h.errors.find((e) => e.file.endsWith('clash.mjs'))!;
      expect(clash.message).toMatch(/^clash\.mjs: field "type": "ema_crossover" is a built-in strategy type; user strategies must use another type \(e\.g\. "user_ema_crossover"\)/);
      const dup = h.errors.find((e) => e.file.endsWith('two.mjs'))!;
      expect(dup.message).toBe('two.mjs: field "type": "user_dup" is already defined by one.mjs');
      expect(reasonOf(h.defs.get('user_dup')!)).toBe('one');

      rmSync(join(h.dir, 'one.mjs'));
      await vi.waitFor(() => expect(h.defs.has('user_dup') && reasonOf(h.defs.get('user_dup')!)).toBe('two'), WAIT);
    },
    T,
  );

  it(
    'a file that changes its type registers the new one and unregisters the old; reloadAll reloads unchanged files',
    async () => {
      const h = harness(tempDir(), { watch: false });
      const file = join(h.dir, 's.mjs');
      writeFileSync(file, strategySource('user_old', 'o'));
      await h.loader.start();
      writeFileSync(file, strategySource('user_new', 'n'));
      await h.loader.reloadAll();
      expect([...h.defs.keys()]).toEqual(['user_new']);
      expect(h.unregistered).toEqual(['user_old']);
      await h.loader.reloadAll();
      expect(h.loaded).toEqual(['user_old', 'user_new', 'user_new']);
    },
    T,
  );

  it(
    'a register callback that throws is reported and does not stop the loader',
    async () => {
      let calls = 0;
      const h = harness(tempDir(), {
        watch: false,
        register: () => {
          if (++calls === 1) throw new Error('runner says no');
        },
      });
      writeFileSync(join(h.dir, 'a.mjs'), strategySource('user_a', 'a'));
      writeFileSync(join(h.dir, 'b.mjs'), strategySource('user_b', 'b'));
      await h.loader.start();
      expect(h.errors.map((e) => e.message)).toEqual(['a.mjs: not registered: runner says no']);
      expect(h.loaded).toEqual(['user_b']);
    },
    T,
  );

  it(
    'end to end with a StrategyRunner: a user onBar that throws is disabled, the built-in goes on; a fix hot-reloads the instance',
    async () => {
      const runner = new StrategyRunner({ definitions: BUILTIN_STRATEGIES });
      const runErrors: StrategyErrorReport[] = [];
      const signals: Signal[] = [];
      runner.onError((e) => runErrors.push(e));
      runner.onSignal((s) => signals.push(s));
      const dir = tempDir();
      const file = join(dir, 'buggy.mjs');
      writeFileSync(file, strategySource('user_buggy', 'buggy', { throwOnBar: true }));
      const loadErrors: UserStrategyError[] = [];
      const loader = new UserStrategyLoader({ dir, debounceMs: 50, pollMs: 200, ...runnerBinding(runner), onError: (e) => loadErrors.push(e) });
      loaders.push(loader);
      await loader.start();
      expect(loadErrors).toEqual([]);

      runner.add({ id: 'mine', type: 'user_buggy', symbols: ['X'] });
      runner.add({ id: 'builtin', type: 'sma_crossover', symbols: ['X'], timeframe: '5m', params: { fast: 2, slow: 4 } });
      const bars = barsFrom(path(100, [10, -1], [10, 2], [10, -2]), '5m');
      for (const b of bars) runner.onBarClosed('X', '5m', b);

      expect(runErrors).toHaveLength(1);
      expect(runErrors[0]).toMatchObject({ instance: 'mine', type: 'user_buggy', hook: 'onBar', message: 'user bug in onBar' });
      const st = new Map(runner.status().map((s) => [s.config.id, s]));
      expect(st.get('mine')!.running).toBe(false);
      expect(st.get('builtin')!.running).toBe(true);
      expect(signals.filter((s) => s.strategy === 'builtin').length).toBeGreaterThan(0);
      expect(signals.some((s) => s.strategy === 'mine')).toBe(false);

      // fix the file: the runner's instance is rebuilt from the new version and runs again
      writeFileSync(file, strategySource('user_buggy', 'fixed', { params: '{ confidence: 0.5, extra: 1 }' }));
      await vi.waitFor(() => expect(runner.status().find((s) => s.config.id === 'mine')!.running).toBe(true), WAIT);
      expect(runner.status().find((s) => s.config.id === 'mine')!.config.params).toEqual({ confidence: 0.5, extra: 1 });
      runner.onBarClosed('X', '5m', { t: bars.at(-1)!.t + 300_000, o: 1, h: 1, l: 1, c: 1, v: 1 });
      expect(signals.filter((s) => s.strategy === 'mine').map((s) => s.reason)).toEqual(['fixed']);

      // the user sets a param; a version without that param is refused and the running one stays
      runner.remove('mine');
      runner.add({ id: 'mine', type: 'user_buggy', symbols: ['X'], params: { extra: 2 } });

      writeFileSync(file, strategySource('user_buggy', 'strict', { params: '{ confidence: 0.5 }' }));
      await vi.waitFor(() => expect(loadErrors).toHaveLength(1), WAIT);
      expect(loadErrors[0]!.message).toMatch(/buggy\.mjs: not registered: strategy instance "mine": params: Unrecognized key: "extra".*previous version of "user_buggy" stays registered/s);
      expect(runner.status().find((s) => s.config.id === 'mine')!.running).toBe(true);

      // deleting the file turns its instances off; bringing it back turns them on again
      rmSync(file);
      await vi.waitFor(() => expect(runner.status().find((s) => s.config.id === 'mine')!.running).toBe(false), WAIT);
      writeFileSync(file, strategySource('user_buggy', 'back', { params: '{ confidence: 0.5, extra: 1 }' }));
      await vi.waitFor(() => expect(runner.status().find((s) => s.config.id === 'mine')!.running).toBe(true), WAIT);
      expect(runner.status().find((s) => s.config.id === 'builtin')!.running).toBe(true);
    },
    T,
  );

  it(
    'the shipped example (resources/examples/strategies) loads and trades',
    async () => {
      const runner = new StrategyRunner({ definitions: BUILTIN_STRATEGIES });
      const errors: unknown[] = [];
      const loader = new UserStrategyLoader({
        dir: resolve(import.meta.dirname, '../../resources/examples/strategies'),
        watch: false,
        ...runnerBinding(runner),
        onError: (e) => errors.push(e),
      });
      await loader.start();
      expect(errors).toEqual([]);
      expect(loader.status().map((s) => s.type)).toEqual(['my_crossover']);
      runner.add({ id: 'mine', type: 'my_crossover', symbols: ['X'] });
      const signals: Signal[] = [];
      runner.onSignal((s) => signals.push(s));
      runner.onError((e) => errors.push(e));
      for (const b of barsFrom(path(1000, [40, -3], [40, 5], [40, -5]), '15m')) runner.onBarClosed('X', '15m', b);
      expect(errors).toEqual([]);
      expect(signals.map((s) => s.side)).toEqual(['BUY', 'SELL']);
      expect(signals[0]!.reason).toMatch(/^EMA 9 crossed above EMA 21 \(RSI /);
    },
    T,
  );

  it(
    'the docs examples load; CommonJS .js works; a hanging top-level await is reported after loadTimeoutMs',
    async () => {
      const h = harness(tempDir(), { watch: false, loadTimeoutMs: 1500 });
      const md = readFileSync(resolve(import.meta.dirname, '../../docs/user-strategies.md'), 'utf8');
      const blocks = [...md.matchAll(/```js\n\/\/ <data dir>\/strategies\/([\w.-]+)[^\n]*\n([\s\S]*?)```/g)];
      expect(blocks.map((b) => b[1])).toEqual(['gap-up.mjs', 'rsi-dip.mjs']);
      for (const b of blocks) writeFileSync(join(h.dir, b[1]!), b[2]!);
      writeFileSync(join(h.dir, 'common.js'), strategySource('user_cjs', 'cjs').replace('export default', 'module.exports ='));
      writeFileSync(join(h.dir, 'hang.mjs'), 'await new Promise(() => {});\nexport default {};');
      await h.loader.start();
      expect([...h.defs.keys()].sort()).toEqual(['gap_up', 'rsi_dip', 'user_cjs']);
      expect(reasonOf(h.defs.get('user_cjs')!)).toBe('cjs');
      expect(h.errors.map((e) => e.message)).toEqual(['hang.mjs: did not finish loading within 1500 ms']);
    },
    T,
  );
});
