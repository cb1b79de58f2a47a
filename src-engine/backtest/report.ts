/**
 * The backtest report: `report.json` (inputs and their hashes, settings, metrics, every trade, the
 * equity and drawdown curves) and `report.html` (one self-contained file: inline SVG charts and
 * tables, no script, no external resource). Both are functions of the result and the inputs only —
 * no run time, no host name — so the same inputs give byte-identical files.
 */
import { IST_OFFSET_MS } from '../core/ist.js';
import { ENGINE_VERSION } from '../runtime/engine.js';
import type { BacktestResult } from './backtest.js';
import type { InputFile } from './data.js';

export interface ReportInputs {
  /** The config file as given, with its SHA-256 (absent when none was given). */
  config?: { path: string; sha256: string };
  files: InputFile[];
  /** The command line's overrides, as given (strategy, params, product, qty, …). */
  overrides: Record<string, unknown>;
  /**
   * The app's profile-set run: the instances run (id, type, params, symbols, timeframe, weight) and the
   * enabled instances left out with why.
   */
  strategies?: { instances: { id: string; type: string; params: Record<string, unknown>; symbols: string[]; timeframe: string; weight: number }[]; skipped: { id: string; reason: string }[] };
}

/** One strategy instance's closed trades: count, winners, net PnL and charges (paise). */
export interface StrategyAttribution {
  strategy: string;
  trades: number;
  wins: number;
  netPnlPaise: number;
  chargesPaise: number;
}

/**
 * Closed trades per strategy instance, in order of first appearance. A trade belongs to the instance that
 * owned the ensemble intent which opened it (the agreeing voter with the highest weight × confidence;
 * portfolio/sizing.ts intentOwner), and positions are kept per instance and symbol; `ensemble` when an
 * intent had no voter to name.
 */
export function attributionByStrategy(trades: readonly { strategy: string; netPnlPaise: number; chargesPaise: number }[]): StrategyAttribution[] {
  const by = new Map<string, StrategyAttribution>();
  for (const t of trades) {
    let a = by.get(t.strategy);
    if (!a) by.set(t.strategy, (a = { strategy: t.strategy, trades: 0, wins: 0, netPnlPaise: 0, chargesPaise: 0 }));
    a.trades++;
    if (t.netPnlPaise > 0) a.wins++;
    a.netPnlPaise += t.netPnlPaise;
    a.chargesPaise += t.chargesPaise;
  }
  return [...by.values()];
}

/** IST wall time, `YYYY-MM-DD HH:MM:SS+05:30`. */
export function istIso(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ') + '+05:30';
}

const rupees = (paise: number): number => Math.round(paise) / 100;

/** The report.json object: key order fixed here, times as IST text next to epoch ms, prices in rupees and paise. */
export function buildReport(result: BacktestResult, inputs: ReportInputs): Record<string, unknown> {
  return {
    report: 'kitedesk-backtest',
    engineVersion: ENGINE_VERSION,
    inputs: {
      ...(inputs.config ? { config: inputs.config } : {}),
      files: inputs.files.map((f) => ({ path: f.path, symbol: f.symbol, sha256: f.sha256, rows: f.rows })),
      overrides: inputs.overrides,
      ...(inputs.strategies ? { strategies: inputs.strategies } : {}),
    },
    settings: result.settings,
    // option prices derived by a model (backtest.options), stated as such with the model and its parameters
    ...(result.syntheticOptions ? { syntheticOptions: result.syntheticOptions } : {}),
    period: { from: istIso(result.period.from), to: istIso(result.period.to), fromMs: result.period.from, toMs: result.period.to },
    symbols: result.symbols,
    metrics: result.metrics,
    counts: result.counts,
    byStrategy: attributionByStrategy(result.trades),
    trades: result.trades.map((t) => ({
      strategy: t.strategy,
      symbol: t.symbol,
      side: t.side,
      qty: t.qty,
      entryTime: istIso(t.entryTime),
      entryPrice: rupees(t.entryPricePaise),
      exitTime: istIso(t.exitTime),
      exitPrice: rupees(t.exitPricePaise),
      grossPnl: rupees(t.grossPnlPaise),
      charges: rupees(t.chargesPaise),
      netPnl: rupees(t.netPnlPaise),
      entryTimeMs: t.entryTime,
      exitTimeMs: t.exitTime,
      entryPricePaise: t.entryPricePaise,
      exitPricePaise: t.exitPricePaise,
      chargesPaise: t.chargesPaise,
      netPnlPaise: t.netPnlPaise,
    })),
    openPositions: result.openPositions,
    fills: result.fills,
    equity: result.equity.map((p) => [p.ts, p.valuePaise]),
    drawdown: result.drawdown.map((d) => [d.ts, d.drawdownPaise, d.drawdown]),
    refusals: result.refusals,
    warnings: result.warnings,
  };
}

/** report.json's text: two-space JSON and a final newline. */
export function reportJsonText(report: Record<string, unknown>): string {
  return JSON.stringify(report, null, 2) + '\n';
}

// ------------------------------------------------------------------------------------------------ HTML

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const money = (paise: number): string => `${paise < 0 ? '−' : ''}₹${(Math.abs(paise) / 100).toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
export const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const num = (x: number | null, d = 2): string => (x === null ? '—' : x.toFixed(d));
const dur = (ms: number | null): string => {
  if (ms === null) return '—';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  if (m < 60 * 24) return `${(m / 60).toFixed(1)} h`;
  return `${(m / 1440).toFixed(1)} d`;
};

export interface Series {
  t: readonly number[];
  v: readonly number[];
}

/** An SVG line (or area) chart of one series, with min/max and first/last labels. */
export function lineChart(s: Series, opts: { title: string; area?: boolean; color: string; fmt: (v: number) => string; markers?: { t: number; v: number; kind: 'entry' | 'exit' }[] }): string {
  const W = 960;
  const H = 260;
  const L = 80;
  const R = 12;
  const T = 24;
  const B = 28;
  if (s.t.length === 0) return `<figure><figcaption>${esc(opts.title)}</figcaption><p class="muted">no data</p></figure>`;
  const t0 = s.t[0]!;
  let lo = Math.min(...s.v);
  let hi = Math.max(...s.v);
  for (const m of opts.markers ?? []) {
    lo = Math.min(lo, m.v);
    hi = Math.max(hi, m.v);
  }
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  // index-based x (time gaps such as nights and weekends are not drawn), located by binary search for markers
  const n = s.t.length;
  const x = (i: number) => L + ((W - L - R) * i) / Math.max(1, n - 1);
  const y = (v: number) => T + ((H - T - B) * (hi - v)) / (hi - lo);
  const idxOf = (t: number) => {
    let a = 0;
    let b = n - 1;
    while (a < b) {
      const m = (a + b) >> 1;
      if (s.t[m]! < t) a = m + 1;
      else b = m;
    }
    return a;
  };
  const pts = s.v.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const area = opts.area ? `<polygon points="${x(0).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0))).toFixed(1)} ${pts} ${x(n - 1).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0))).toFixed(1)}" fill="${opts.color}" fill-opacity="0.25" stroke="none"/>` : '';
  const marks = (opts.markers ?? [])
    .map((m) => {
      const cx = x(idxOf(m.t));
      const cy = y(m.v);
      return m.kind === 'entry'
        ? `<path d="M${cx.toFixed(1)},${(cy - 7).toFixed(1)} l-5,9 h10 z" fill="#1a7f37"><title>entry ${esc(istIso(m.t))} ${esc(opts.fmt(m.v))}</title></path>`
        : `<path d="M${cx.toFixed(1)},${(cy + 7).toFixed(1)} l-5,-9 h10 z" fill="#c62828"><title>exit ${esc(istIso(m.t))} ${esc(opts.fmt(m.v))}</title></path>`;
    })
    .join('');
  const label = (v: number) => `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(opts.fmt(v))}</text><line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`;
  return `<figure><figcaption>${esc(opts.title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">${label(hi)}${label(lo)}${label((hi + lo) / 2)}${area}<polyline points="${pts}" fill="none" stroke="${opts.color}" stroke-width="1.5"/>${marks}<text x="${L}" y="${H - 8}">${esc(istIso(t0).slice(0, 10))}</text><text x="${W - R}" y="${H - 8}" text-anchor="end">${esc(istIso(s.t.at(-1)!).slice(0, 10))}</text></svg></figure>`;
}

/** Monthly returns: each month's last equity against the previous month's (the first against the capital). */
export function monthlyReturns(equity: readonly (readonly [number, number])[], capitalPaise: number): { month: string; ret: number }[] {
  const out: { month: string; ret: number }[] = [];
  let prev = capitalPaise;
  for (let i = 0; i < equity.length; i++) {
    const [t, v] = equity[i]!;
    const m = istIso(t).slice(0, 7);
    const next = equity[i + 1];
    if (next && istIso(next[0]).slice(0, 7) === m) continue;
    out.push({ month: m, ret: prev > 0 ? v / prev - 1 : 0 });
    prev = v;
  }
  return out;
}

function heatMap(rows: { month: string; ret: number }[]): string {
  if (rows.length === 0) return '<p class="muted">no months</p>';
  const years = [...new Set(rows.map((r) => r.month.slice(0, 4)))].sort();
  const by = new Map(rows.map((r) => [r.month, r.ret]));
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r.ret)));
  const cell = (r: number | undefined) => {
    if (r === undefined) return '<td></td>';
    const a = Math.min(1, Math.abs(r) / max) * 0.75 + 0.1;
    const bg = r >= 0 ? `rgba(26,127,55,${a.toFixed(2)})` : `rgba(198,40,40,${a.toFixed(2)})`;
    return `<td style="background:${bg}">${(r * 100).toFixed(2)}</td>`;
  };
  const months = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `<table class="heat"><thead><tr><th>%</th>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead><tbody>${years
    .map((y) => `<tr><th>${y}</th>${months.map((m) => cell(by.get(`${y}-${m}`))).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const MAX_TRADE_ROWS = 5000;

/** report.html: one self-contained page (inline CSS and SVG, no script). */
export function renderReportHtml(report: ReturnType<typeof buildReport>, result: BacktestResult): string {
  const m = result.metrics;
  const eq: Series = { t: result.equity.map((p) => p.ts), v: result.equity.map((p) => p.valuePaise) };
  const dd: Series = { t: result.drawdown.map((p) => p.ts), v: result.drawdown.map((p) => -p.drawdown * 100) };
  const rows: [string, string][] = [
    ['Net return', pct(m.netReturn)],
    ['Gross return', pct(m.grossReturn)],
    ['CAGR', pct(m.cagr)],
    [`Sharpe (rf ${(m.riskFreeRate * 100).toFixed(2)} %)`, num(m.sharpe)],
    ['Sortino', num(m.sortino)],
    ['Max drawdown', `${pct(m.maxDrawdown)} (${money(m.maxDrawdownPaise)})`],
    ['Drawdown duration', dur(m.maxDrawdownDurationMs)],
    ['Calmar', num(m.calmar)],
    ['Trades', String(m.trades)],
    ['Win rate', pct(m.winRate)],
    ['Profit factor', num(m.profitFactor)],
    ['Expectancy', m.expectancyPaise === null ? '—' : money(m.expectancyPaise)],
    ['Average win / loss', `${m.avgWinPaise === null ? '—' : money(m.avgWinPaise)} / ${m.avgLossPaise === null ? '—' : money(m.avgLossPaise)}`],
    ['Exposure', pct(m.exposure)],
    ['Average holding', dur(m.avgHoldingMs)],
    ['Charges', money(m.chargesPaise)],
    ['Turnover', money(m.turnoverPaise)],
    ['Net PnL', money(m.netPnlPaise)],
    ['Capital → end equity', `${money(m.capitalPaise)} → ${money(m.endEquityPaise)}`],
  ];
  const s = result.settings;
  // a synthetic option contract gets a price chart only when it was traded (there can be dozens)
  const synthetic = new Set(result.syntheticOptions?.contracts ?? []);
  const traded = new Set(result.trades.map((t) => t.symbol));
  const priceCharts = result.prices
    .filter((p) => !synthetic.has(p.symbol) || traded.has(p.symbol))
    .map((p) =>
      lineChart(
        { t: p.t, v: p.c },
        {
          title: `${p.symbol}: close, entries ▲ and exits ▼`,
          color: '#37474f',
          fmt: (v) => (v / 100).toFixed(2),
          markers: result.trades
            .filter((t) => t.symbol === p.symbol)
            .flatMap((t) => [
              { t: t.entryTime, v: t.entryPricePaise, kind: t.side === 'long' ? ('entry' as const) : ('exit' as const) },
              { t: t.exitTime, v: t.exitPricePaise, kind: t.side === 'long' ? ('exit' as const) : ('entry' as const) },
            ]),
        },
      ),
    )
    .join('');
  const trades = result.trades.slice(0, MAX_TRADE_ROWS);
  const inputs = (report['inputs'] as ReportInputs).files;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>KiteDesk backtest ${esc(istIso(result.period.from).slice(0, 10))} – ${esc(istIso(result.period.to).slice(0, 10))}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#656d76}.grid{stroke:#e5e7eb}svg{width:100%;max-width:960px;height:auto;font-size:11px;fill:#656d76}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f6f8fa}.kv td:first-child{text-align:left;color:#656d76}.heat td{min-width:48px;text-align:center}
.trades{max-height:480px;overflow:auto;display:block}.win{color:#1a7f37}.loss{color:#c62828}
</style></head><body>
<h1>Backtest report</h1>
${result.syntheticOptions ? `<p id="synthetic-options" style="border:1px solid #d4a72c;background:#fff8c5;padding:8px"><strong>${esc(result.syntheticOptions.statement)}</strong><br>Model: Black-76, vol ${esc(String(result.syntheticOptions.model.vol))}, smile ${esc(result.syntheticOptions.model.smile === false ? 'off (flat)' : result.syntheticOptions.model.smile)}, rate ${esc(String(result.syntheticOptions.model.rate))}; ${esc(result.syntheticOptions.model.forward)}; ${esc(result.syntheticOptions.model.time)}; ${esc(result.syntheticOptions.model.atExpiry)}; ${esc(result.syntheticOptions.model.tick)}. ${esc(result.syntheticOptions.calendar)}. Lot ${esc(result.syntheticOptions.lotSize)}. ${result.syntheticOptions.contracts.length} contracts (${esc(result.syntheticOptions.cycle)}, ±${result.syntheticOptions.strikes} strikes).</p>` : ''}
<p class="muted">${esc(istIso(result.period.from))} → ${esc(istIso(result.period.to))} · ${result.symbols.map((x) => esc(x.symbol)).join(', ')} · fill ${esc(s.fill)} · exits ${esc(s.exits)} · product ${esc(s.trading.product)} · charges ${s.trading.charges ? 'on' : 'off'} · slippage ${esc(JSON.stringify(s.trading.paper.slippage))} · strategies ${s.strategies.map((x) => `${esc(x.id)} (${esc(x.type)} ${esc(JSON.stringify(x.params ?? {}))} ${esc(x.timeframe ?? '')})`).join(', ')}</p>
<h2>Metrics</h2>
<table class="kv" id="metrics"><tbody>${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
<h2>Equity and drawdown</h2>
${lineChart(eq, { title: 'Equity (₹)', color: '#0969da', fmt: (v) => (v / 100).toFixed(0) })}
${lineChart(dd, { title: 'Drawdown (%)', color: '#c62828', area: true, fmt: (v) => v.toFixed(2) })}
<h2>Monthly returns (%)</h2>
${heatMap(monthlyReturns(result.equity.map((p) => [p.ts, p.valuePaise] as const), result.settings.capitalPaise))}
<h2>Prices with entries and exits</h2>
${priceCharts}
<h2>By strategy</h2>
<table class="kv" id="by-strategy"><thead><tr><th>strategy</th><th>trades</th><th>wins</th><th>charges</th><th>net PnL</th></tr></thead><tbody>${attributionByStrategy(result.trades)
  .map((a) => `<tr><td>${esc(a.strategy)}</td><td>${a.trades}</td><td>${a.wins}</td><td>${money(a.chargesPaise)}</td><td class="${a.netPnlPaise > 0 ? 'win' : a.netPnlPaise < 0 ? 'loss' : ''}">${money(a.netPnlPaise)}</td></tr>`)
  .join('')}</tbody></table>
<p class="muted">A trade belongs to the instance that owned the ensemble intent which opened it (the agreeing voter with the highest weight × confidence); its exit closes that instance's position.${(report['inputs'] as ReportInputs).strategies?.skipped.length ? ` Not run: ${(report['inputs'] as ReportInputs).strategies!.skipped.map((x) => `${esc(x.id)} (${esc(x.reason)})`).join(', ')}.` : ''}</p>
<h2>Trades (${result.trades.length}${result.trades.length > MAX_TRADE_ROWS ? `, the first ${MAX_TRADE_ROWS} shown; all are in report.json` : ''})</h2>
<table class="trades" id="trades"><thead><tr><th>#</th><th>strategy</th><th>symbol</th><th>side</th><th>qty</th><th>entry time</th><th>entry</th><th>exit time</th><th>exit</th><th>charges</th><th>net PnL</th></tr></thead><tbody>
${trades
  .map(
    (t, i) =>
      `<tr><td>${i + 1}</td><td>${esc(t.strategy)}</td><td>${esc(t.symbol)}</td><td>${t.side}</td><td>${t.qty}</td><td>${esc(istIso(t.entryTime))}</td><td>${(t.entryPricePaise / 100).toFixed(2)}</td><td>${esc(istIso(t.exitTime))}</td><td>${(t.exitPricePaise / 100).toFixed(2)}</td><td>${(t.chargesPaise / 100).toFixed(2)}</td><td class="${t.netPnlPaise > 0 ? 'win' : t.netPnlPaise < 0 ? 'loss' : ''}">${(t.netPnlPaise / 100).toFixed(2)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
<h2>Inputs</h2>
<table class="kv"><tbody>${inputs.map((f) => `<tr><td>${esc(f.path)}</td><td>${esc(f.symbol)}</td><td>${f.rows} bars</td><td><code>${f.sha256.slice(0, 16)}…</code></td></tr>`).join('')}</tbody></table>
${result.warnings.length ? `<h2>Warnings</h2><ul>${result.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<p class="muted">Counts: ${result.counts.bars} bars, ${result.counts.signals} signals, ${result.counts.orders} orders (${result.counts.rejected} rejected by the broker), ${result.counts.blocked} risk refusals, ${result.counts.fills} fills.</p>
</body></html>
`;
}
