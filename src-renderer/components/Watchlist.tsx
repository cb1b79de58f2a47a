import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { InstrumentHit } from '../../src-engine/contract/instrument-search.js';
import type { Quote } from '../../src-engine/contract/schemas.js';
import { client } from '../engine/connection.js';
import { direction, formatChangeBps, formatChangePaise, formatPaise } from '../format/format.js';
import { saveWatchlist } from '../state/sync.js';
import { useAppStore } from '../state/store.js';
import { UniversePanel } from './UniversePanel.js';

function Row({ symbol, quote, selected, onSelect, onRemove, busy }: {
  symbol: string;
  quote: Quote | undefined;
  selected: boolean;
  onSelect: () => void;
  onRemove: () => void;
  busy: boolean;
}) {
  const dir = quote ? direction(quote.changePaise) : 'flat';
  return (
    <tr
      data-testid="watchlist-row"
      data-symbol={symbol}
      className={selected ? 'selected' : undefined}
      onClick={onSelect}
      aria-selected={selected}
    >
      <td className="wl-symbol">{symbol}</td>
      <td className="num">{quote ? formatPaise(quote.lastPaise) : '—'}</td>
      <td className={`num ${dir}`}>{quote ? formatChangePaise(quote.changePaise) : ''}</td>
      <td className={`num ${dir}`}>{quote ? formatChangeBps(quote.changeBps) : ''}</td>
      <td className="wl-actions">
        <button
          type="button"
          className="wl-remove"
          title={`Remove ${symbol}`}
          aria-label={`Remove ${symbol}`}
          disabled={busy}
          onClick={(e) => {
            e.stopPropagation();
            onRemove();
          }}
        >
          ×
        </button>
      </td>
    </tr>
  );
}

export function Watchlist() {
  const symbols = useAppStore((s) => s.watchlist);
  const quotes = useAppStore((s) => s.quotes);
  const selected = useAppStore((s) => s.selected);
  const select = useAppStore((s) => s.select);
  const connected = useAppStore((s) => s.connection.state === 'open');
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [hits, setHits] = useState<{ query: string; source: string; list: InstrumentHit[] } | null>(null);
  const [active, setActive] = useState(0);

  // the add box searches the instrument master (Kite's under the Kite feed) as the person types
  const query = draft.trim();
  useEffect(() => {
    if (!connected || query === '') {
      setHits(null);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      client.call('instruments.search', { query, limit: 12 }).then(
        (r) => {
          if (stale) return;
          setHits({ query, source: r.source, list: r.hits });
          setActive(Math.max(0, r.hits.findIndex((h) => h.addable)));
        },
        () => {
          if (!stale) setHits(null);
        },
      );
    }, 120);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [query, connected]);

  const save = async (next: string[]): Promise<boolean> => {
    setBusy(true);
    const err = await saveWatchlist(client, next);
    setBusy(false);
    setError(err);
    return err === null;
  };

  const add = async (sym: string) => {
    if (!sym) return;
    if (symbols.includes(sym)) {
      setDraft('');
      select(sym);
      return;
    }
    if (await save([...symbols, sym])) {
      setDraft('');
      setHits(null);
    }
  };

  // Enter takes the highlighted suggestion when it can go on the watchlist, else what was typed
  const onAdd = async (e: FormEvent) => {
    e.preventDefault();
    const pick = hits?.query === query ? hits.list[active] : undefined;
    await add(pick?.addable ? pick.symbol : query.toUpperCase());
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    const n = hits?.list.length ?? 0;
    if (n === 0) return;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % n);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + n) % n);
    } else if (e.key === 'Escape') {
      setHits(null);
    }
  };

  return (
    <aside className="watchlist">
      <div className="panel-title">
        Watchlist <span className="muted">{symbols.length}</span>
      </div>
      <form className="wl-add" onSubmit={onAdd}>
        <input
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          placeholder="Add symbol (e.g. INFY)"
          aria-label="Symbol to add"
          data-testid="wl-add-input"
          spellCheck={false}
          autoComplete="off"
          maxLength={64}
        />
        <button type="submit" data-testid="wl-add-button" disabled={busy || !connected || draft.trim() === ''}>
          Add
        </button>
      </form>
      {hits !== null && hits.query === query && (
        <ul className="wl-suggestions" role="listbox" data-testid="wl-suggestions" data-source={hits.source} data-count={hits.list.length}>
          {hits.list.length === 0 && <li className="muted wl-suggestion-none">No instrument matches {query.toUpperCase()}</li>}
          {hits.list.map((h, i) => (
            <li
              key={`${h.exchange}:${h.symbol}`}
              role="option"
              aria-selected={i === active}
              aria-disabled={!h.addable}
              className={`wl-suggestion${i === active ? ' active' : ''}${h.addable ? '' : ' disabled'}`}
              data-testid="wl-suggestion"
              data-symbol={h.symbol}
              data-exchange={h.exchange}
              data-addable={h.addable}
              title={h.addable ? `Add ${h.symbol} to the watchlist` : `${h.exchange}:${h.symbol} (${h.type}) cannot go on the watchlist yet: only NSE equities and NFO futures/options can`}
              onMouseDown={(e) => {
                e.preventDefault();
                if (h.addable) void add(h.symbol);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="wl-sugg-symbol">{h.symbol}</span>
              <span className="wl-sugg-name muted">{h.name}</span>
              <span className="wl-sugg-kind muted">
                {h.exchange} {h.type}
                {h.expiry ? ` ${h.expiry}` : ''}
                {h.known ? '' : h.addable ? ' · new' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div className="wl-error" role="alert">
          {error}
          <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      <div className="wl-scroll">
        <table className="wl-table">
          <thead>
            <tr>
              <th>Symbol</th>
              <th className="num">LTP ₹</th>
              <th className="num">Chg ₹</th>
              <th className="num">Chg %</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {symbols.map((sym) => (
              <Row
                key={sym}
                symbol={sym}
                quote={quotes[sym]}
                selected={sym === selected}
                busy={busy || !connected}
                onSelect={() => select(sym)}
                onRemove={() => void save(symbols.filter((s) => s !== sym))}
              />
            ))}
            {symbols.length === 0 && (
              <tr className="wl-empty">
                <td colSpan={5}>{connected ? 'No symbols. Add one above.' : 'Waiting for the engine…'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <UniversePanel />
    </aside>
  );
}
