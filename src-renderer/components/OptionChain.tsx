import './option-chain.css';
import { useEffect, useRef, useState } from 'react';
import type { OptionChainDto, OptionSide } from '../../src-engine/contract/options-schemas.js';
import { client } from '../engine/connection.js';
import { formatPaise } from '../format/format.js';
import { fetchChain, formatGreek, formatIv, formatQty, useTicketPrefill } from '../state/option-chain.js';
import { useAppStore } from '../state/store.js';

/** Real ms between two snapshots while the tab is open. */
const POLL_MS = 1000;

/**
 * The option chain tab: an underlying and expiry picker, strikes around ATM (ATM highlighted) with CE on
 * the left and PE on the right — OI, OI change, volume, IV, delta, gamma, theta, vega, change, LTP — and
 * PCR, max pain, spot, forward and days to expiry above. Polls `options.chain` once a second. Clicking a
 * contract's symbol opens its chart; clicking its LTP fills the order ticket (that contract, one lot,
 * LIMIT at the LTP).
 */
export function OptionChain() {
  const [underlying, setUnderlying] = useState<string | undefined>(undefined);
  const [expiry, setExpiry] = useState<string | undefined>(undefined);
  const [strikes, setStrikes] = useState(10);
  const [ratePct, setRatePct] = useState('6.5');
  const [chain, setChain] = useState<OptionChainDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rev, setRev] = useState(0);
  const select = useAppStore((s) => s.select);
  const prefill = useTicketPrefill((s) => s.request);
  const inFlight = useRef(false);

  const rate = Number(ratePct) / 100;
  const rateOk = Number.isFinite(rate) && rate >= 0 && rate <= 0.5 && ratePct.trim() !== '';

  useEffect(() => {
    let alive = true;
    const load = async () => {
      if (inFlight.current) return;
      inFlight.current = true;
      const r = await fetchChain(client, { underlying, expiry, strikes, ...(rateOk ? { rate } : {}) });
      inFlight.current = false;
      if (!alive) return;
      if (r.ok) {
        setChain(r.value);
        setError(null);
        setRev((n) => n + 1);
      } else setError(r.error.message);
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [underlying, expiry, strikes, rate, rateOk]);

  const fill = (s: OptionSide) => {
    if (!chain) return;
    select(s.symbol);
    prefill({ symbol: s.symbol, qty: chain.lotSize, pricePaise: s.lastPaise, side: 'BUY' });
  };

  const sideCells = (s: OptionSide | null, right: 'CE' | 'PE', itm: boolean) => {
    if (!s) return [<td key="none" colSpan={10} className="oc-missing">–</td>];
    const x = itm ? ' oc-itm' : '';
    const cells = [
      <td key="oi" className={`num${x}`}>{formatQty(s.oi)}</td>,
      <td key="oic" className={`num${x} ${s.oiChange > 0 ? 'up' : s.oiChange < 0 ? 'down' : ''}`}>{formatQty(s.oiChange)}</td>,
      <td key="vol" className={`num${x}`}>{formatQty(s.volume)}</td>,
      <td key="iv" className={`num${x}`} data-testid="oc-iv">{formatIv(s.iv)}</td>,
      <td key="delta" className={`num${x}`}>{formatGreek(s.delta, 2)}</td>,
      <td key="gamma" className={`num${x}`}>{formatGreek(s.gamma, 4)}</td>,
      <td key="theta" className={`num${x}`}>{formatGreek(s.theta, 2)}</td>,
      <td key="vega" className={`num${x}`}>{formatGreek(s.vega, 2)}</td>,
      <td key="chg" className={`num${x} ${s.changePaise !== null && s.changePaise > 0 ? 'up' : s.changePaise !== null && s.changePaise < 0 ? 'down' : ''}`}>{s.changePaise === null ? '–' : formatPaise(s.changePaise)}</td>,
      <td key="ltp" className={`num${x}`}>
        <button type="button" className="oc-ltp" data-testid="oc-ltp" data-symbol={s.symbol} data-right={right} data-ltp-paise={s.lastPaise ?? ''} title={`Fill the order ticket: ${s.symbol}, 1 lot`} onClick={() => fill(s)}>
          {s.lastPaise === null ? '–' : formatPaise(s.lastPaise)}
        </button>
      </td>,
    ];
    return right === 'CE' ? cells : cells.reverse();
  };

  const head = ['OI', 'OI chg', 'Volume', 'IV %', 'Delta', 'Gamma', 'Theta', 'Vega', 'Chg', 'LTP'];

  return (
    <div className="option-chain" data-testid="option-chain" data-ready={chain !== null} data-rev={rev} data-underlying={chain?.underlying ?? ''} data-expiry={chain?.expiry ?? ''} data-now={chain?.now ?? ''}>
      <div className="oc-controls">
        <label>
          Underlying{' '}
          <select data-testid="oc-underlying" value={chain?.underlying ?? underlying ?? ''} onChange={(e) => { setUnderlying(e.target.value); setExpiry(undefined); }}>
            {(chain?.underlyings ?? []).map((u) => <option key={u} value={u}>{u}</option>)}
          </select>
        </label>
        <label>
          Expiry{' '}
          <select data-testid="oc-expiry" value={chain?.expiry ?? expiry ?? ''} onChange={(e) => setExpiry(e.target.value)}>
            {(chain?.expiries ?? []).map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label>
          Strikes ±{' '}
          <select data-testid="oc-strikes" value={strikes} onChange={(e) => setStrikes(Number(e.target.value))}>
            {[5, 10, 15, 20].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label title="Annual rate for the model (discounting and the forward)">
          Rate %{' '}
          <input data-testid="oc-rate" className={rateOk ? '' : 'invalid'} size={4} value={ratePct} onChange={(e) => setRatePct(e.target.value)} />
        </label>
        {chain && (
          <span className="oc-summary" data-testid="oc-summary">
            <button type="button" className="oc-symbol" data-testid="oc-index" onClick={() => select(chain.index)}>{chain.index}</button> {formatPaise(chain.spotPaise)} · fwd {formatPaise(chain.forwardPaise)} ·{' '}
            {chain.daysToExpiry.toFixed(2)} d · PCR <span data-testid="oc-pcr">{chain.pcr === null ? '–' : chain.pcr.toFixed(2)}</span> · Max pain{' '}
            <span data-testid="oc-maxpain">{chain.maxPainPaise === null ? '–' : formatPaise(chain.maxPainPaise)}</span> · lot {chain.lotSize}
          </span>
        )}
      </div>
      {error && <div className="panel-error" data-testid="oc-error">{error}</div>}
      {chain && (
        <div className="oc-scroll">
          <table className="oc-table">
            <thead>
              <tr>
                <th colSpan={10} className="oc-side-head">Calls (CE)</th>
                <th className="oc-strike-head">Strike</th>
                <th colSpan={10} className="oc-side-head">Puts (PE)</th>
              </tr>
              <tr>
                {head.map((h) => <th key={`c${h}`}>{h}</th>)}
                <th />
                {[...head].reverse().map((h) => <th key={`p${h}`}>{h}</th>)}
              </tr>
            </thead>
            <tbody>
              {chain.rows.map((r) => {
                const atm = r.strikePaise === chain.atmStrikePaise;
                const itmCe = r.strikePaise < chain.spotPaise;
                return (
                  <tr key={r.strikePaise} data-testid="oc-row" data-strike-paise={r.strikePaise} data-atm={atm} className={atm ? 'oc-atm' : ''}>
                    {sideCells(r.ce, 'CE', itmCe)}
                    <td className="oc-strike">
                      {r.ce ? (
                        <button type="button" className="oc-symbol" data-testid="oc-strike" data-symbol={r.ce.symbol} title={`Chart ${r.ce.symbol}`} onClick={() => select(r.ce!.symbol)}>
                          {formatPaise(r.strikePaise)}
                        </button>
                      ) : (
                        formatPaise(r.strikePaise)
                      )}
                    </td>
                    {sideCells(r.pe, 'PE', r.strikePaise > chain.spotPaise)}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
