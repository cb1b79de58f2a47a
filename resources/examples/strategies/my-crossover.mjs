// KiteDesk user strategy example. Copy this file into <data dir>/strategies/ and it is loaded
// (and reloaded on every save). See docs/user-strategies.md.
//
// The default export is a function that receives the strategy SDK ({ z, defineStrategy, clamp01,
// timeframeMs, STRATEGY_TIMEFRAMES }), so the file needs no imports. A plain object works too:
//   export default { type: 'my_thing', description: '...', timeframes: ['5m'], create(ctx) { ... } };
//
// User strategies are code, not sandboxed: they run with the engine's privileges.

export default ({ z, clamp01 }) => ({
  // snake_case, unique, and not a built-in type (ema_crossover, sma_crossover, macd, ...)
  type: 'my_crossover',
  description: 'My EMA crossover with an RSI filter: BUY when EMA fast crosses above EMA slow and RSI < maxRsi',

  // A zod schema whose every field has a default (so `{}` is a valid config). A plain object of
  // defaults also works: params: { fast: 9, slow: 21, maxRsi: 70 }
  params: z
    .strictObject({
      fast: z.number().int().min(1).max(500).default(9),
      slow: z.number().int().min(2).max(500).default(21),
      maxRsi: z.number().min(0).max(100).default(70),
    })
    .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow', path: ['fast'] }),

  // The first timeframe is the primary one (an instance may override it).
  timeframes: ['15m'],

  // Primary bars seen before onBar runs (indicators are updated from the first bar).
  warmup: (p) => p.slow + 1,

  // Called once per (instance, symbol). Create indicators here; keep per-symbol state in closures.
  create(ctx) {
    const fast = ctx.indicator(`ema:${ctx.params.fast}`);
    const slow = ctx.indicator(`ema:${ctx.params.slow}`);
    const rsi = ctx.indicator('rsi:14');
    let prevDiff = NaN;

    return {
      onBar(tf, bar) {
        if (tf !== ctx.timeframe) return;
        const f = fast.out[0];
        const s = slow.out[0];
        const diff = f - s;
        const crossedUp = prevDiff <= 0 && diff > 0;
        const crossedDown = prevDiff >= 0 && diff < 0;
        prevDiff = diff;
        // prices are in paise in the engine; ratios are unit-free
        const confidence = clamp01(0.5 + (50 * Math.abs(diff)) / Math.abs(s));
        if (crossedUp && rsi.out[0] < ctx.params.maxRsi) {
          ctx.emit({ side: 'BUY', confidence, reason: `EMA ${ctx.params.fast} crossed above EMA ${ctx.params.slow} (RSI ${rsi.out[0].toFixed(1)}) at ${bar.c}` });
        } else if (crossedDown) {
          ctx.emit({ side: 'SELL', confidence, reason: `EMA ${ctx.params.fast} crossed below EMA ${ctx.params.slow}` });
        }
      },
      // optional: onTick(tick) {}, onFill(fill) {}, onTimer(nowMs) {}
    };
  },
});
