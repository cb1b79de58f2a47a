import './backtest.css';
import { Fragment, useEffect, useMemo, useState, type FormEvent } from 'react';
import {
  KITE_HISTORICAL_INTERVALS,
  WALK_FORWARD_METRICS,
  backtestStrategyLabel,
  type BacktestHeadline,
  type BacktestProgress,
  type BacktestReportView,
  type BacktestRunSummary,
  type BacktestSources,
  type WalkForwardInput,
  type WalkForwardReport,
} from '../../src-engine/contract/backtest-schemas.js';
import type { StrategyInstanceInfo, StrategyTypeInfo } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatIstDateTime, formatPaise, formatPnlPaise } from '../format/format.js';
import { fieldsFromSchema, issuesByField, issuesByInstance, textOf, type ParamField } from '../format/params-form.js';
import { formatPct } from '../format/performance.js';
import { useBacktestField, useBacktestStore } from '../state/backtest-store.js';
import { useAppStore } from '../state/store.js';
import { errorText } from '../state/trading-actions.js';
import { InlineError } from './Modal.js';
import { ParamInputs, useParamTexts } from './StrategyEditor.js';

const TIMEFRAMES = ['', '1m', '3m', '5m', '10m', '15m', '30m', '60m', 'day'] as const;
const FILLS = ['next_open', 'this_close', 'next_tick'] as const;

type WfMetric = (typeof WALK_FORWARD_METRICS)[number];
interface Sweep {
  on: boolean;
  from: string;
  to: string;
  step: string;
}

/** A walk-forward metric's value as text (fractions as %, paise as ₹). */
function wfValue(x: number | null, metric: WfMetric): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (metric === 'netReturn' || metric === 'winRate' || metric === 'maxDrawdown') return formatPct(x);
  if (metric === 'netPnlPaise') return formatPnlPaise(Math.round(x));
  return x.toFixed(3);
}

/** The stitched out-of-sample equity as a small SVG line (no script, no library). */
function WfCurve({ points }: { points: { ts: number; valuePaise: number }[] }) {
  if (points.length < 2) return <p className="muted">No out-of-sample curve.</p>;
  const W = 600;
  const H = 120;
  const vs = points.map((p) => p.valuePaise);
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const d = points.map((p, i) => `${((W * i) / (points.length - 1)).toFixed(1)},${(4 + ((H - 8) * (hi - p.valuePaise)) / (hi - lo)).toFixed(1)}`).join(' ');
  return (
    <figure className="bt-wf-curve" data-testid="bt-wf-curve" data-points={points.length}>
      <figcaption className="muted">
        Stitched out-of-sample equity: {formatPaise(points[0]!.valuePaise)} → {formatPaise(points.at(-1)!.valuePaise)}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label="stitched out-of-sample equity">
        <polyline points={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
    </figure>
  );
}

/** A walk-forward's gap, windows and stitched curve (from `backtest.report`). */
function WalkForwardResult({ wf }: { wf: WalkForwardReport }) {
  const m = wf.gap.metric;
  return (
    <div className="bt-wf-result">
      <div className="bt-headline" data-testid="bt-wf-gap" data-windows={wf.gap.windows} data-mean-gap={wf.gap.meanGap ?? ''}>
        <div className="bt-metric">
          <span className="muted">Windows ({wf.mode})</span>
          <strong>{wf.gap.windows}</strong>
        </div>
        <div className="bt-metric">
          <span className="muted">In-sample {m}</span>
          <strong>{wfValue(wf.gap.meanInSample, m)}</strong>
        </div>
        <div className="bt-metric">
          <span className="muted">Out-of-sample {m}</span>
          <strong>{wfValue(wf.gap.meanOutOfSample, m)}</strong>
        </div>
        <div className="bt-metric" title="in-sample − out-of-sample (positive: worse out of sample)">
          <span className="muted">IS/OOS gap</span>
          <strong>{wfValue(wf.gap.meanGap, m)}</strong>
        </div>
      </div>
      <WfCurve points={wf.oosEquity} />
      <div className="bt-table-wrap">
        <table className="grid-table bt-wf-windows" data-testid="bt-wf-windows">
          <thead>
            <tr>
              <th>#</th>
              <th>In sample</th>
              <th>Out of sample</th>
              <th>Chosen</th>
              <th className="num">IS {m}</th>
              <th className="num">OOS</th>
              <th className="num">Gap</th>
            </tr>
          </thead>
          <tbody>
            {wf.windows.map((w) => (
              <tr key={w.index}>
                <td>{w.index + 1}</td>
                <td>
                  {istDay(w.inSample.from)} – {istDay(w.inSample.to - 1)}
                </td>
                <td>
                  {istDay(w.outOfSample.from)} – {istDay(w.outOfSample.to - 1)}
                </td>
                <td>{w.params ? Object.entries(w.params).map(([k, v]) => `${k}=${v}`).join(', ') : '—'}</td>
                <td className="num">{wfValue(w.inSampleValue, m)}</td>
                <td className="num">{wfValue(w.outOfSampleValue, m)}</td>
                <td className="num">{wfValue(w.gap, m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** IST day `YYYY-MM-DD` of an epoch ms, `back` days earlier. */
const istDay = (ms: number, back = 0) => new Date(ms + 19_800_000 - back * 86_400_000).toISOString().slice(0, 10);

function Headline({ h }: { h: BacktestHeadline }) {
  const f = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));
  const cells: [string, string, string][] = [
    ['trades', 'Trades', String(h.trades)],
    ['net', 'Net PnL', formatPnlPaise(h.netPnlPaise)],
    ['return', 'Return', formatPct(h.netReturn)],
    ['winrate', 'Win rate', formatPct(h.winRate, 1)],
    ['pf', 'Profit factor', f(h.profitFactor)],
    ['sharpe', 'Sharpe', f(h.sharpe)],
    ['maxdd', 'Max DD', formatPct(h.maxDrawdown)],
    ['charges', 'Charges', formatPaise(h.chargesPaise)],
  ];
  return (
    <div className="bt-headline" data-testid="bt-headline" data-trades={h.trades} data-net={h.netPnlPaise}>
      {cells.map(([k, label, text]) => (
        <div key={k} className="bt-metric" data-testid={`bt-metric-${k}`}>
          <span className="muted">{label}</span>
          <strong>{text}</strong>
        </div>
      ))}
    </div>
  );
}

/** The run's symbols as the form sends them: split on commas and spaces, upper-cased, blanks dropped. */
function runSymbols(text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
}

/**
 * The profile set's enabled instances, read-only: type, symbols (those outside the run's symbols struck), timeframe,
 * weight; the engine's refusal of an instance (`errors[id]`) on a line under its row.
 */
function ProfileSetList({ instances, symbols, errors }: { instances: StrategyInstanceInfo[]; symbols: string; errors: Record<string, string[]> }) {
  const run = new Set(runSymbols(symbols));
  return (
    <div className="bt-table-wrap">
      <table className="grid-table bt-profile-set" data-testid="bt-profile-set">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Type</th>
            <th>Symbols</th>
            <th>Timeframe</th>
            <th className="num">Weight</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => {
            const mine = i.symbols.filter((s) => run.size === 0 || run.has(s));
            const problems = errors[i.id];
            return (
              <Fragment key={i.id}>
                <tr data-testid={`bt-profile-instance-${i.id}`} className={problems ? 'has-error' : mine.length === 0 ? 'muted' : ''}>
                  <td>{i.id}</td>
                  <td>{i.type}</td>
                  <td title={i.symbols.join(', ')}>{mine.length > 0 ? mine.join(', ') : `skipped: none of ${i.symbols.join(', ')} in the run`}</td>
                  <td>{i.timeframe}</td>
                  <td className="num">{i.weight}</td>
                </tr>
                {problems && (
                  <tr className="bt-instance-error" role="alert" data-testid={`bt-profile-instance-error-${i.id}`}>
                    <td colSpan={5}>{problems.join('; ')}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Closed trades and net PnL per strategy instance (report.json `byStrategy`). */
function ByStrategy({ rows }: { rows: BacktestReportView['byStrategy'] }) {
  return (
    <div className="bt-table-wrap">
      <table className="grid-table bt-by-strategy" data-testid="bt-by-strategy">
        <thead>
          <tr>
            <th>Strategy</th>
            <th className="num">Trades</th>
            <th className="num">Wins</th>
            <th className="num">Net PnL</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.strategy} data-testid={`bt-by-strategy-${r.strategy}`} data-trades={r.trades} data-net={r.netPnlPaise}>
              <td>{r.strategy}</td>
              <td className="num">{r.trades}</td>
              <td className="num">{r.wins}</td>
              <td className="num">{formatPnlPaise(Math.round(r.netPnlPaise))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The Backtest tab: a strategy type and its params (the Strategies editor's schema-driven inputs),
 * symbols, IST dates, product, qty, fill rule, slippage, charges and the data (the simulator's minute
 * history, or a folder of candle CSVs); Run starts `backtest.run` in the engine's worker thread, the
 * progress bar follows `backtest.progress`, Cancel stops it. The selected run's headline metrics and
 * trades come from `backtest.report`; "Open report" opens its report.html (`backtest.reportLink`).
 * Past runs (`backtest.list`) are listed below.
 *
 * The strategy picker offers the backtestable types (`backtest.sources`: the built-ins and the user
 * strategy files loaded with their current content approved), the profile's configured instances of them
 * (`instance:<id>`: type, params, symbols and timeframe filled in), "Run profile's strategies (N)" (`profile`: every
 * enabled instance as one run, `strategy: { kind: 'profile' }`, the instances listed read-only instead of the
 * params form, the symbols their union) and, disabled, the user types whose
 * file waits for approval (or failed to load). The data picker offers the candle folders the engine knows. Walk-forward
 * (checkbox) sweeps the numeric params ticked "sweep" over from/to/step, rolling or anchored, and shows
 * the IS/OOS gap, the windows and the stitched out-of-sample curve. In the desktop app "Open report"
 * asks main to open report.html (`backtest.openReport`); under `serve` it opens the one-time link.
 *
 * Test hooks: `backtest-panel`, `bt-strategy`, `param-<key>`, `bt-symbols`, `bt-from`, `bt-to`, `bt-run`,
 * `bt-cancel`, `bt-error` (the engine's refusals other than a param's: dates, symbols, folder), `bt-progress` (data-state, data-done, data-total), `bt-headline`, `bt-open-report`,
 * `bt-runs` rows `bt-run-<id>` (data-state, data-kind), `bt-folder-pick`, `bt-folder-symbols`, `bt-wf`, `bt-wf-mode`, `bt-wf-is`,
 * `bt-wf-oos`, `bt-wf-metric`, `bt-sweep-<key>` (checkbox), `bt-sweep-from-<key>`, `bt-sweep-to-<key>`, `bt-sweep-step-<key>`,
 * `bt-wf-gap` (data-windows, data-mean-gap), `bt-wf-curve`, `bt-wf-windows`, `bt-profile-set` rows `bt-profile-instance-<id>`,
 * `bt-by-strategy` rows `bt-by-strategy-<instance>` (data-trades, data-net); `bt-run-<id>` data-kind `profile` for a profile set,
 * aria-selected on the selected run (kept in `useBacktestStore`, so it survives switching tabs);
 * `bt-profile-instance-error-<id>`: the engine's refusal of that instance of a profile-set run, under its row.
 */
export function BacktestPanel() {
  const feedTime = useAppStore((s) => s.status?.feedTime ?? null);
  const [types, setTypes] = useState<StrategyTypeInfo[]>([]);
  const [instances, setInstances] = useState<StrategyInstanceInfo[]>([]);
  const [sources, setSources] = useState<BacktestSources | null>(null);
  // the form's inputs outlive the tab, like the selected run (useBacktestField keeps them in useBacktestStore)
  const [type, setType] = useBacktestField('type', '');
  /** The picker's value: a type, `instance:<id>` of the profile's instance it was filled from, or `profile` (the whole enabled set). */
  const [pick, setPick] = useBacktestField('pick', '');
  const [wf, setWf] = useBacktestField('wf', false);
  const [wfMode, setWfMode] = useBacktestField<WalkForwardInput['mode']>('wfMode', 'rolling');
  const [wfIs, setWfIs] = useBacktestField('wfIs', '20');
  const [wfOos, setWfOos] = useBacktestField('wfOos', '5');
  const [wfMetric, setWfMetric] = useBacktestField<WfMetric>('wfMetric', 'sharpe');
  const [sweeps, setSweeps] = useBacktestField<Record<string, Sweep>>('sweeps', {});
  const { texts, setTexts, errors, setErrors, setText, validParams } = useParamTexts(useBacktestField<Record<string, string>>('params', {}));
  const [symbols, setSymbols] = useBacktestField('symbols', '');
  const [suggest, setSuggest] = useState<string[]>([]);
  const [timeframe, setTimeframe] = useBacktestField('timeframe', '');
  const [from, setFrom] = useBacktestField('from', '');
  const [to, setTo] = useBacktestField('to', '');
  const [product, setProduct] = useBacktestField<'CNC' | 'MIS'>('product', 'CNC');
  const [qty, setQty] = useBacktestField('qty', '1');
  const [fill, setFill] = useBacktestField<(typeof FILLS)[number]>('fill', 'next_open');
  const [slippage, setSlippage] = useBacktestField('slippage', '0');
  const [charges, setCharges] = useBacktestField('charges', true);
  const [useProfile, setUseProfile] = useBacktestField('useProfile', false);
  const [dataKind, setDataKind] = useBacktestField<'sim' | 'folder' | 'kite'>('dataKind', 'sim');
  const [kiteInterval, setKiteInterval] = useBacktestField<(typeof KITE_HISTORICAL_INTERVALS)[number]>('kiteInterval', 'minute');
  const [seed, setSeed] = useBacktestField('seed', '1');
  const [folder, setFolder] = useBacktestField('folder', '');
  const [barTime, setBarTime] = useBacktestField<'start' | 'end'>('barTime', 'start');
  const [general, setGeneral] = useState<string | null>(null);
  const [progress, setProgress] = useState<Record<string, BacktestProgress>>({});
  const [runs, setRuns] = useState<BacktestRunSummary[]>([]);
  // the selected run outlives the tab (only the active tab is rendered)
  const selected = useBacktestStore((s) => s.selected);
  const setSelected = useBacktestStore((s) => s.select);
  /** The engine's refusal of a profile-set run, by instance id (shown against the instance's row). */
  const [instanceErrors, setInstanceErrors] = useState<Record<string, string[]>>({});
  const [report, setReport] = useState<BacktestReportView | null>(null);
  const [link, setLink] = useState<{ url: string | null; file: string } | null>(null);

  const reloadRuns = () =>
    client.call('backtest.list', { limit: 50 }).then(
      (l) => setRuns(l),
      (e: unknown) => setGeneral(errorText(describeError(e))),
    );

  useEffect(() => {
    let live = true;
    client.call('strategies.list', {}).then(
      (l) => {
        if (!live) return;
        setTypes(l.types);
        setInstances(l.instances);
        const first = (l.types.find((x) => x.type === 'sma_crossover') ?? l.types[0])?.type || '';
        setType((t) => t || first);
        setPick((p) => p || first);
        setSymbols((s) => s || l.instances[0]?.symbols.slice(0, 2).join(', ') || '');
      },
      (e: unknown) => live && setGeneral(errorText(describeError(e))),
    );
    void reloadRuns();
    const sub = client.subscribe(
      'backtest.progress',
      {},
      {
        snapshot: (list) => setProgress(Object.fromEntries(list.map((p) => [p.id, p]))),
        delta: (p) => {
          setProgress((m) => ({ ...m, [p.id]: p }));
          if (p.state !== 'running') void reloadRuns();
        },
        error: (e: unknown) => setGeneral(errorText(describeError(e))),
      },
    );
    return () => {
      live = false;
      sub.close();
    };
  }, []);

  // what a run can use; Kite historical comes and goes with the Kite session
  const kiteState = useAppStore((s) => s.status?.kite.state ?? null);
  useEffect(() => {
    let live = true;
    client.call('backtest.sources', {}).then(
      (x) => live && setSources(x),
      (e: unknown) => live && setGeneral(errorText(describeError(e))),
    );
    return () => {
      live = false;
    };
  }, [kiteState]);

  // the dates default to the last week of the feed's clock
  useEffect(() => {
    if (feedTime === null || from !== '') return;
    setFrom(istDay(feedTime, 7));
    setTo(istDay(feedTime, 1));
  }, [feedTime, from]);

  // the last symbol typed is searched in the instrument master
  const lastToken = symbols.split(/[\s,]+/).pop()?.trim().toUpperCase() ?? '';
  useEffect(() => {
    if (lastToken === '') return setSuggest([]);
    let stale = false;
    const timer = setTimeout(() => {
      client.call('instruments.search', { query: lastToken, limit: 8 }).then(
        (r) => !stale && setSuggest(r.hits.map((h) => h.symbol)),
        () => !stale && setSuggest([]),
      );
    }, 150);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [lastToken]);

  const typeInfo = types.find((t) => t.type === type);
  const fields = useMemo(() => (typeInfo ? fieldsFromSchema(typeInfo.paramsSchema) : []), [typeInfo]);

  // the selected run's report (headline and trades) once it is done
  const selectedRun = runs.find((r) => r.id === selected) ?? null;
  useEffect(() => {
    setLink(null);
    if (!selectedRun || selectedRun.state !== 'done') return setReport(null);
    let live = true;
    client.call('backtest.report', { id: selectedRun.id }).then(
      (r) => live && setReport(r),
      (e: unknown) => live && setGeneral(errorText(describeError(e))),
    );
    return () => {
      live = false;
    };
  }, [selectedRun?.id, selectedRun?.state]);

  const backtestable = new Set(sources?.strategyTypes ?? types.map((t) => t.type));
  const numeric = fields.filter((f): f is Extract<ParamField, { kind: 'integer' | 'number' }> => f.kind === 'integer' || f.kind === 'number');
  const sweepOf = (k: string): Sweep => sweeps[k] ?? { on: false, from: '', to: '', step: '1' };
  const setSweep = (k: string, patch: Partial<Sweep>) => setSweeps((m) => ({ ...m, [k]: { ...sweepOf(k), ...patch } }));
  const folderInfo = sources?.folders.find((f) => f.dir === folder);
  // the run profile's strategy set: the enabled instances the engine runs
  const profileSet = pick === 'profile';
  const enabledInstances = instances.filter((i) => i.enabled);

  const choose = (value: string) => {
    setPick(value);
    setErrors({});
    setInstanceErrors({});
    setSweeps({});
    if (value === 'profile') {
      // every enabled instance on the union of its symbols (the field may narrow them), under the profile's sections
      setSymbols([...new Set(enabledInstances.flatMap((i) => i.symbols))].join(', '));
      setTimeframe('');
      setUseProfile(true);
      setWf(false);
      setTexts({});
    } else if (value.startsWith('instance:')) {
      const inst = instances.find((i) => i.id === value.slice('instance:'.length));
      const info = inst && types.find((t) => t.type === inst.type);
      if (!inst || !info) return;
      setType(inst.type);
      setTexts(Object.fromEntries(fieldsFromSchema(info.paramsSchema).map((f) => [f.key, textOf(f, inst.params[f.key])])));
      setSymbols(inst.symbols.join(', '));
      setTimeframe(inst.timeframe);
    } else {
      setType(value);
      setTexts({});
    }
  };

  /** The walk-forward part of the request, or a reason it cannot be sent. */
  const walkForward = (): WalkForwardInput | string => {
    const space: WalkForwardInput['space'] = [];
    for (const f of numeric) {
      const sw = sweepOf(f.key);
      if (!sw.on) continue;
      const [a, b, c] = [Number(sw.from), Number(sw.to), Number(sw.step)];
      if (sw.from.trim() === '' || sw.to.trim() === '' || !Number.isFinite(a) || !Number.isFinite(b) || !(c > 0)) return `${f.key}: give from, to and a step > 0 to sweep it`;
      space.push({ param: f.key, from: a, to: b, step: c });
    }
    if (space.length === 0) return 'walk-forward: tick "sweep" on at least one numeric parameter';
    return { mode: wfMode, inSampleDays: Number(wfIs), outOfSampleDays: Number(wfOos), metric: wfMetric, space };
  };

  const run = async (ev: FormEvent) => {
    ev.preventDefault();
    setGeneral(null);
    setInstanceErrors({});
    const all = profileSet ? {} : validParams(fields);
    if (!all) return;
    let walk: WalkForwardInput | undefined;
    let params = all;
    if (wf) {
      const w = walkForward();
      if (typeof w === 'string') return setGeneral(w);
      walk = w;
      const swept = new Set(w.space.map((x) => x.param));
      params = Object.fromEntries(Object.entries(all).filter(([k]) => !swept.has(k)));
    }
    try {
      const { id } = await client.call('backtest.run', {
        strategy: profileSet ? { kind: 'profile' } : type,
        params,
        symbols: runSymbols(symbols),
        ...(timeframe && !profileSet ? { timeframe: timeframe as Exclude<(typeof TIMEFRAMES)[number], ''> } : {}),
        from,
        to,
        product,
        qty: Number(qty),
        fill,
        slippageTicks: Number(slippage),
        charges,
        useProfile: useProfile || profileSet,
        data: dataKind === 'sim' ? { kind: 'sim', seed: Number(seed) } : dataKind === 'kite' ? { kind: 'kite', exchange: 'NSE', interval: kiteInterval } : { kind: 'folder', dir: folder, barTime },
        ...(walk ? { walkForward: walk } : {}),
      });
      setSelected(id);
      void reloadRuns();
    } catch (e) {
      if (profileSet) {
        // an instance's refusal (its type, its params) goes against its row; the rest (symbols, dates, data) above
        const { instances: byInstance, general: g } = issuesByInstance(e);
        setInstanceErrors(byInstance);
        return setGeneral(g);
      }
      const { fields: byField, general: g } = issuesByField(e);
      setErrors(byField);
      const other = g ?? (Object.keys(byField).length ? null : errorText(describeError(e)));
      setGeneral(other);
    }
  };

  const current = selected ? progress[selected] : undefined;
  const running = current?.state === 'running';
  const pct = current && current.total > 0 ? Math.min(100, (100 * current.done) / current.total) : 0;

  const openReport = async () => {
    if (!selected) return;
    try {
      const l = await client.call('backtest.reportLink', { id: selected });
      setLink(l);
      if (l.url) window.open(l.url, '_blank', 'noopener');
      // the desktop app: main opens the file itself, in a window without script
      else await client.call('backtest.openReport', { id: selected });
    } catch (e) {
      setGeneral(errorText(describeError(e)));
    }
  };

  return (
    <div className="tab-body backtest-panel" data-testid="backtest-panel">
      <form className="bt-form" onSubmit={(e) => void run(e)}>
        <div className="bt-row">
          <label className="modal-field">
            <span>Strategy</span>
            <select data-testid="bt-strategy" value={pick} onChange={(e) => choose(e.target.value)}>
              <optgroup label="Strategy types">
                {types
                  .filter((t) => backtestable.has(t.type))
                  .map((t) => (
                    <option key={t.type} value={t.type} title={t.description}>
                      {t.type}
                    </option>
                  ))}
              </optgroup>
              {enabledInstances.length > 0 && (
                <optgroup label="The whole set">
                  <option value="profile" data-testid="bt-pick-profile" title="every enabled instance with its own params, symbols, timeframe and weight, combined by the ensemble, under the profile's risk, exits, sizing and capital">
                    Run profile's strategies ({enabledInstances.length})
                  </option>
                </optgroup>
              )}
              {instances.some((i) => backtestable.has(i.type)) && (
                <optgroup label="The profile's strategies">
                  {instances
                    .filter((i) => backtestable.has(i.type))
                    .map((i) => (
                      <option key={i.id} value={`instance:${i.id}`} title={`${i.type} on ${i.symbols.join(', ')} (${i.timeframe})`}>
                        {i.id} ({i.type})
                      </option>
                    ))}
                </optgroup>
              )}
              {sources && types.some((t) => !backtestable.has(t.type)) && (
                <optgroup label="User strategy files waiting for approval (Strategies tab)">
                  {types
                    .filter((t) => !backtestable.has(t.type))
                    .map((t) => (
                      <option key={t.type} value={`user:${t.type}`} disabled title="approve this file's current content in the Strategies tab to backtest it">
                        {t.type}
                      </option>
                    ))}
                </optgroup>
              )}
            </select>
          </label>
          <label className="modal-field bt-symbols">
            <span>Symbols</span>
            <input data-testid="bt-symbols" list="bt-symbol-hits" value={symbols} placeholder="RELIANCE, INFY" onChange={(e) => setSymbols(e.target.value)} />
            <datalist id="bt-symbol-hits">
              {suggest.map((s) => (
                <option key={s} value={[...symbols.split(/[\s,]+/).slice(0, -1).filter(Boolean), s].join(', ')} label={s} />
              ))}
            </datalist>
          </label>
          <label className="modal-field">
            <span>Timeframe</span>
            <select data-testid="bt-timeframe" value={timeframe} disabled={profileSet} title={profileSet ? 'each instance runs on its own timeframe' : ''} onChange={(e) => setTimeframe(e.target.value)}>
              {TIMEFRAMES.map((t) => (
                <option key={t} value={t}>
                  {t || 'type default'}
                </option>
              ))}
            </select>
          </label>
          <label className="modal-field">
            <span>From (IST)</span>
            <input type="date" data-testid="bt-from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="modal-field">
            <span>To</span>
            <input type="date" data-testid="bt-to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
        <div className="bt-row">
          <label className="modal-field">
            <span>Product</span>
            <select data-testid="bt-product" value={product} onChange={(e) => setProduct(e.target.value as 'CNC' | 'MIS')}>
              <option value="CNC">CNC (long only)</option>
              <option value="MIS">MIS (intraday)</option>
            </select>
          </label>
          <label className="modal-field">
            <span>Qty</span>
            <input data-testid="bt-qty" inputMode="numeric" value={qty} disabled={useProfile} title={useProfile ? "the run profile's sizing decides" : ''} onChange={(e) => setQty(e.target.value)} />
          </label>
          <label className="modal-field">
            <span>Fill</span>
            <select data-testid="bt-fill" value={fill} onChange={(e) => setFill(e.target.value as (typeof FILLS)[number])}>
              {FILLS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <label className="modal-field">
            <span>Slippage (ticks)</span>
            <input data-testid="bt-slippage" inputMode="numeric" value={slippage} onChange={(e) => setSlippage(e.target.value)} />
          </label>
          <label className="modal-field bt-check">
            <input type="checkbox" data-testid="bt-charges" checked={charges} onChange={(e) => setCharges(e.target.checked)} />
            <span>Zerodha charges</span>
          </label>
          <label className="modal-field bt-check" title="the engine's run profile: its risk limits, exits, sizing, ensemble and capital instead of the defaults (qty is then the profile's sizing)">
            <input type="checkbox" data-testid="bt-use-profile" checked={useProfile || profileSet} disabled={profileSet} onChange={(e) => setUseProfile(e.target.checked)} />
            <span>Run profile's risk, exits, sizing, ensemble</span>
          </label>
          <label className="modal-field">
            <span>Data</span>
            <select data-testid="bt-data" value={dataKind} onChange={(e) => setDataKind(e.target.value as 'sim' | 'folder' | 'kite')}>
              <option value="sim">Simulator history (not real data)</option>
              <option value="folder">Candle CSV folder</option>
              <option value="kite" disabled={!sources?.kite.available} title={sources?.kite.reason ?? ''}>
                Kite historical{sources && !sources.kite.available ? ' (no Kite session)' : ''}
              </option>
            </select>
          </label>
          {dataKind === 'kite' ? (
            <label className="modal-field">
              <span>Kite interval</span>
              <select data-testid="bt-kite-interval" value={kiteInterval} onChange={(e) => setKiteInterval(e.target.value as (typeof KITE_HISTORICAL_INTERVALS)[number])}>
                {KITE_HISTORICAL_INTERVALS.map((i) => (
                  <option key={i} value={i}>
                    {i}
                  </option>
                ))}
              </select>
            </label>
          ) : dataKind === 'sim' ? (
            <label className="modal-field">
              <span>Seed</span>
              <input data-testid="bt-seed" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
            </label>
          ) : (
            <>
              {sources && sources.folders.length > 0 && (
                <label className="modal-field">
                  <span>Known folders</span>
                  <select data-testid="bt-folder-pick" value={folderInfo ? folder : ''} onChange={(e) => setFolder(e.target.value)}>
                    <option value="">—</option>
                    {sources.folders.map((f) => (
                      <option key={f.dir} value={f.dir}>
                        {f.dir} ({f.symbols.length} symbols{f.origin === 'past-run' ? ', used before' : ''})
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <label className="modal-field bt-folder">
                <span>Folder (SYMBOL.csv)</span>
                <input data-testid="bt-folder" value={folder} placeholder="/path/to/candles" onChange={(e) => setFolder(e.target.value)} />
              </label>
              <label className="modal-field">
                <span>Row time</span>
                <select data-testid="bt-bar-time" value={barTime} onChange={(e) => setBarTime(e.target.value as 'start' | 'end')}>
                  <option value="start">bar start (Kite)</option>
                  <option value="end">bar end (vendor 1-min)</option>
                </select>
              </label>
            </>
          )}
        </div>
        {dataKind === 'folder' && folderInfo && (
          <p className="muted" data-testid="bt-folder-symbols">
            In this folder: {folderInfo.symbols.slice(0, 30).join(', ')}
            {folderInfo.symbols.length > 30 ? ` … (${folderInfo.symbols.length})` : ''}
          </p>
        )}
        {profileSet ? (
          <ProfileSetList instances={enabledInstances} symbols={symbols} errors={instanceErrors} />
        ) : (
          <ParamInputs fields={fields} texts={texts} setText={setText} errors={errors} />
        )}
        <div className="bt-row">
          <label className="modal-field bt-check" title={profileSet ? "a walk-forward sweeps one type's params: pick a strategy type" : ''}>
            <input type="checkbox" data-testid="bt-wf" checked={wf} disabled={profileSet} onChange={(e) => setWf(e.target.checked)} />
            <span>Walk-forward</span>
          </label>
          {wf && (
            <>
              <label className="modal-field">
                <span>Windows</span>
                <select data-testid="bt-wf-mode" value={wfMode} onChange={(e) => setWfMode(e.target.value as WalkForwardInput['mode'])}>
                  <option value="rolling">rolling</option>
                  <option value="anchored">anchored</option>
                </select>
              </label>
              <label className="modal-field">
                <span>In-sample days</span>
                <input data-testid="bt-wf-is" inputMode="numeric" value={wfIs} onChange={(e) => setWfIs(e.target.value)} />
              </label>
              <label className="modal-field">
                <span>Out-of-sample days</span>
                <input data-testid="bt-wf-oos" inputMode="numeric" value={wfOos} onChange={(e) => setWfOos(e.target.value)} />
              </label>
              <label className="modal-field">
                <span>Choose by</span>
                <select data-testid="bt-wf-metric" value={wfMetric} onChange={(e) => setWfMetric(e.target.value as WfMetric)}>
                  {WALK_FORWARD_METRICS.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              </label>
            </>
          )}
        </div>
        {wf && (
          <div className="bt-sweeps">
            {numeric.map((f) => {
              const sw = sweepOf(f.key);
              return (
                <div key={f.key} className="bt-row bt-sweep">
                  <label className="modal-field bt-check">
                    <input type="checkbox" data-testid={`bt-sweep-${f.key}`} checked={sw.on} onChange={(e) => setSweep(f.key, { on: e.target.checked })} />
                    <span>sweep {f.label}</span>
                  </label>
                  {sw.on && (
                    <>
                      <input aria-label={`${f.key} from`} data-testid={`bt-sweep-from-${f.key}`} inputMode="decimal" placeholder="from" value={sw.from} onChange={(e) => setSweep(f.key, { from: e.target.value })} />
                      <input aria-label={`${f.key} to`} data-testid={`bt-sweep-to-${f.key}`} inputMode="decimal" placeholder="to" value={sw.to} onChange={(e) => setSweep(f.key, { to: e.target.value })} />
                      <input aria-label={`${f.key} step`} data-testid={`bt-sweep-step-${f.key}`} inputMode="decimal" placeholder="step" value={sw.step} onChange={(e) => setSweep(f.key, { step: e.target.value })} />
                    </>
                  )}
                </div>
              );
            })}
            {numeric.length === 0 && <p className="muted">This type has no numeric parameter to sweep.</p>}
          </div>
        )}
        <div className="bt-row bt-actions">
          <button type="submit" className="btn-primary" data-testid="bt-run" disabled={!type || running}>
            {wf ? 'Run walk-forward' : 'Run backtest'}
          </button>
          <button type="button" data-testid="bt-cancel" disabled={!running} onClick={() => selected && void client.call('backtest.cancel', { id: selected }).catch((e: unknown) => setGeneral(errorText(describeError(e))))}>
            Cancel
          </button>
          {current && (
            <span className="bt-progress" data-testid="bt-progress" data-state={current.state} data-done={current.done} data-total={current.total}>
              <progress max={100} value={pct} />
              <span className="muted">
                {current.state === 'running' ? `${pct.toFixed(0)} %${current.etaMs !== null ? ` · ETA ${Math.ceil(current.etaMs / 1000)} s` : ''}` : current.state}
              </span>
            </span>
          )}
        </div>
      </form>
      <InlineError testId="bt-error" text={general ?? (current?.state === 'failed' ? current.error : null)} onDismiss={() => setGeneral(null)} />
      {selectedRun?.headline && (
        <div className="bt-result">
          <Headline h={selectedRun.headline} />
          <div className="bt-row">
            <button type="button" data-testid="bt-open-report" onClick={() => void openReport()}>
              Open report
            </button>
            {link && (
              <span className="muted" data-testid="bt-report-file">
                {link.url ? 'opened in a new tab · ' : 'opened in a window · '}report.html: {link.file}
              </span>
            )}
            {report && <span className="muted">{report.tradeCount} trades · {report.warnings.length} warnings</span>}
          </div>
          {report?.walkForward && <WalkForwardResult wf={report.walkForward} />}
          {report && (report.byStrategy.length > 1 || typeof report.run.input.strategy !== 'string') && <ByStrategy rows={report.byStrategy} />}
          {report && report.trades.length > 0 && (
            <div className="bt-table-wrap">
              <table className="grid-table bt-trades" data-testid="bt-trades">
                <thead>
                  <tr>
                    <th>Strategy</th>
                    <th>Symbol</th>
                    <th>Side</th>
                    <th className="num">Qty</th>
                    <th>Entry</th>
                    <th>Exit</th>
                    <th className="num">Net</th>
                  </tr>
                </thead>
                <tbody>
                  {report.trades.slice(0, 200).map((t, i) => (
                    <tr key={i}>
                      <td>{t.strategy}</td>
                      <td>{t.symbol}</td>
                      <td>{t.side}</td>
                      <td className="num">{t.qty}</td>
                      <td>{formatIstDateTime(t.entryTime)}</td>
                      <td>{formatIstDateTime(t.exitTime)}</td>
                      <td className="num">{formatPnlPaise(t.netPnlPaise)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      <div className="bt-table-wrap">
        <table className="grid-table bt-runs" data-testid="bt-runs">
          <thead>
            <tr>
              <th>Started</th>
              <th>Kind</th>
              <th>Strategy</th>
              <th>Symbols</th>
              <th>Period</th>
              <th>State</th>
              <th className="num">Trades</th>
              <th className="num">Net PnL</th>
              <th className="num">Return</th>
              <th className="num" title="walk-forward: mean in-sample − out-of-sample of the chosen metric">IS/OOS gap</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid={`bt-run-${r.id}`} data-state={r.state} data-kind={r.input.walkForward ? 'walk-forward' : typeof r.input.strategy === 'string' ? 'backtest' : 'profile'} className={r.id === selected ? 'selected' : ''} aria-selected={r.id === selected} onClick={() => setSelected(r.id)}>
                <td>{formatIstDateTime(r.createdAt)}</td>
                <td>{r.input.walkForward ? `walk-forward (${r.input.walkForward.mode} ${r.input.walkForward.inSampleDays}/${r.input.walkForward.outOfSampleDays} d)` : 'backtest'}</td>
                <td title={typeof r.input.strategy === 'string' ? '' : (r.input.strategy.instances ?? []).map((i) => `${i.id} (${i.type} ${i.timeframe}) on ${i.symbols.join(', ')}`).join('\n')}>{backtestStrategyLabel(r.input.strategy)}</td>
                <td>{r.input.symbols.join(', ')}</td>
                <td>
                  {r.input.from} – {r.input.to}
                </td>
                <td title={r.error ?? ''}>{r.state}</td>
                <td className="num">{r.headline ? r.headline.trades : ''}</td>
                <td className="num">{r.headline ? formatPnlPaise(r.headline.netPnlPaise) : ''}</td>
                <td className="num">{r.headline ? formatPct(r.headline.netReturn) : ''}</td>
                <td className="num">{r.headline?.walkForward ? `${wfValue(r.headline.walkForward.meanGap, r.headline.walkForward.metric)} (${r.headline.walkForward.metric})` : ''}</td>
              </tr>
            ))}
            {runs.length === 0 && (
              <tr>
                <td colSpan={10} className="muted">
                  No backtests yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
