import { useState, type FormEvent } from 'react';
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

  const save = async (next: string[]): Promise<boolean> => {
    setBusy(true);
    const err = await saveWatchlist(client, next);
    setBusy(false);
    setError(err);
    return err === null;
  };

  const onAdd = async (e: FormEvent) => {
    e.preventDefault();
    const sym = draft.trim().toUpperCase();
    if (!sym) return;
    if (await save([...symbols, sym])) setDraft('');
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
          placeholder="Add symbol (e.g. INFY)"
          aria-label="Symbol to add"
          spellCheck={false}
          autoComplete="off"
          maxLength={32}
        />
        <button type="submit" disabled={busy || !connected || draft.trim() === ''}>
          Add
        </button>
      </form>
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
