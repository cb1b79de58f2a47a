import './backtest.css';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { BacktestHeadline, BacktestProgress, BacktestReportView, BacktestRunSummary } from '../../src-engine/contract/backtest-schemas.js';
import type { StrategyTypeInfo } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { describeError } from '../engine/errors.js';
import { formatIstDateTime, formatPaise, formatPnlPaise } from '../format/format.js';
import { fieldsFromSchema, issuesByField } from '../format/params-form.js';
import { formatPct } from '../format/performance.js';
import { useAppStore } from '../state/store.js';
import { errorText } from '../state/trading-actions.js';
import { InlineError } from './Modal.js';
import { ParamInputs, useParamTexts } from './StrategyEditor.js';

const TIMEFRAMES = ['', '1m', '3m', '5m', '10m', '15m', '30m', '60m', 'day'] as const;
const FILLS = ['next_open', 'this_close', 'next_tick'] as const;

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

/**
 * The Backtest tab: a strategy type and its params (the Strategies editor's schema-driven inputs),
 * symbols, IST dates, product, qty, fill rule, slippage, charges and the data (the simulator's minute
 * history, or a folder of candle CSVs); Run starts `backtest.run` in the engine's worker thread, the
 * progress bar follows `backtest.progress`, Cancel stops it. The selected run's headline metrics and
 * trades come from `backtest.report`; "Open report" opens its report.html (`backtest.reportLink`).
 * Past runs (`backtest.list`) are listed below.
 *
 * Test hooks: `backtest-panel`, `bt-strategy`, `param-<key>`, `bt-symbols`, `bt-from`, `bt-to`, `bt-run`,
 * `bt-cancel`, `bt-error` (the engine's refusals other than a param's: dates, symbols, folder), `bt-progress` (data-state, data-done, data-total), `bt-headline`, `bt-open-report`,
 * `bt-runs` rows `bt-run-<id>` (data-state).
 */
export function BacktestPanel() {
  const feedTime = useAppStore((s) => s.status?.feedTime ?? null);
  const [types, setTypes] = useState<StrategyTypeInfo[]>([]);
  const [type, setType] = useState('');
  const { texts, setTexts, errors, setErrors, setText, validParams } = useParamTexts();
  const [symbols, setSymbols] = useState('');
  const [suggest, setSuggest] = useState<string[]>([]);
  const [timeframe, setTimeframe] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [product, setProduct] = useState<'CNC' | 'MIS'>('CNC');
  const [qty, setQty] = useState('1');
  const [fill, setFill] = useState<(typeof FILLS)[number]>('next_open');
  const [slippage, setSlippage] = useState('0');
  const [charges, setCharges] = useState(true);
  const [dataKind, setDataKind] = useState<'sim' | 'folder'>('sim');
  const [seed, setSeed] = useState('1');
  const [folder, setFolder] = useState('');
  const [barTime, setBarTime] = useState<'start' | 'end'>('start');
  const [general, setGeneral] = useState<string | null>(null);
  const [progress, setProgress] = useState<Record<string, BacktestProgress>>({});
  const [runs, setRuns] = useState<BacktestRunSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
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
        setType((t) => t || (l.types.find((x) => x.type === 'sma_crossover') ?? l.types[0])?.type || '');
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

  const run = async (ev: FormEvent) => {
    ev.preventDefault();
    setGeneral(null);
    const params = validParams(fields);
    if (!params) return;
    try {
      const { id } = await client.call('backtest.run', {
        strategy: type,
        params,
        symbols: symbols.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean),
        ...(timeframe ? { timeframe: timeframe as Exclude<(typeof TIMEFRAMES)[number], ''> } : {}),
        from,
        to,
        product,
        qty: Number(qty),
        fill,
        slippageTicks: Number(slippage),
        charges,
        data: dataKind === 'sim' ? { kind: 'sim', seed: Number(seed) } : { kind: 'folder', dir: folder, barTime },
      });
      setSelected(id);
      void reloadRuns();
    } catch (e) {
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
            <select data-testid="bt-strategy" value={type} onChange={(e) => {
              setType(e.target.value);
              setTexts({});
              setErrors({});
            }}>
              {types.map((t) => (
                <option key={t.type} value={t.type} title={t.description}>
                  {t.type}
                </option>
              ))}
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
            <select data-testid="bt-timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value)}>
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
            <input data-testid="bt-qty" inputMode="numeric" value={qty} onChange={(e) => setQty(e.target.value)} />
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
          <label className="modal-field">
            <span>Data</span>
            <select data-testid="bt-data" value={dataKind} onChange={(e) => setDataKind(e.target.value as 'sim' | 'folder')}>
              <option value="sim">Simulator history (not real data)</option>
              <option value="folder">Candle CSV folder</option>
            </select>
          </label>
          {dataKind === 'sim' ? (
            <label className="modal-field">
              <span>Seed</span>
              <input data-testid="bt-seed" inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
            </label>
          ) : (
            <>
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
        <ParamInputs fields={fields} texts={texts} setText={setText} errors={errors} />
        <div className="bt-row bt-actions">
          <button type="submit" className="btn-primary" data-testid="bt-run" disabled={!type || running}>
            Run backtest
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
                {link.url ? 'opened in a new tab · ' : ''}report.html: {link.file}
              </span>
            )}
            {report && <span className="muted">{report.tradeCount} trades · {report.warnings.length} warnings</span>}
          </div>
          {report && report.trades.length > 0 && (
            <table className="grid-table bt-trades" data-testid="bt-trades">
              <thead>
                <tr>
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
          )}
        </div>
      )}
      <table className="grid-table bt-runs" data-testid="bt-runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Strategy</th>
            <th>Symbols</th>
            <th>Period</th>
            <th>State</th>
            <th className="num">Trades</th>
            <th className="num">Net PnL</th>
            <th className="num">Return</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-testid={`bt-run-${r.id}`} data-state={r.state} className={r.id === selected ? 'selected' : ''} onClick={() => setSelected(r.id)}>
              <td>{formatIstDateTime(r.createdAt)}</td>
              <td>{r.input.strategy}</td>
              <td>{r.input.symbols.join(', ')}</td>
              <td>
                {r.input.from} – {r.input.to}
              </td>
              <td title={r.error ?? ''}>{r.state}</td>
              <td className="num">{r.headline ? r.headline.trades : ''}</td>
              <td className="num">{r.headline ? formatPnlPaise(r.headline.netPnlPaise) : ''}</td>
              <td className="num">{r.headline ? formatPct(r.headline.netReturn) : ''}</td>
            </tr>
          ))}
          {runs.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No backtests yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
