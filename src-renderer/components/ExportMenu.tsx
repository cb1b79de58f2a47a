import './export.css';
import { useState } from 'react';
import type { ExportKind } from '../../src-engine/contract/records.js';
import { client } from '../engine/connection.js';
import { formatCount } from '../format/format.js';
import { EXPORT_CHOICES, fetchExport, istDayOf, saveCsv } from '../state/records-export.js';
import { errorText } from '../state/trading-actions.js';
import { useAppStore } from '../state/store.js';

/**
 * Export: the journal's orders, signals, trades (fills) or daily PnL over a range of IST days as a CSV
 * download (`records.export`; the same request in the desktop window and in serve). The range starts as
 * the feed's day; an empty end is open.
 */
export function ExportMenu() {
  const connected = useAppStore((s) => s.connection.state === 'open');
  const feedTime = useAppStore((s) => s.status?.feedTime ?? null);
  const [open, setOpen] = useState(false);
  const [what, setWhat] = useState<ExportKind>('orders');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const toggle = () => {
    if (!open && from === '' && to === '' && feedTime !== null) {
      const today = istDayOf(feedTime);
      setFrom(today);
      setTo(today);
    }
    setOpen(!open);
    setResult(null);
  };

  const download = async () => {
    setBusy(true);
    setResult(null);
    const r = await fetchExport(client, { what, ...(from !== '' ? { from } : {}), ...(to !== '' ? { to } : {}) });
    setBusy(false);
    if (!r.ok) {
      setResult({ ok: false, text: errorText(r.error) });
      return;
    }
    saveCsv(r.value.filename, r.value.csv);
    setResult({ ok: true, text: `${formatCount(r.value.rows)} row${r.value.rows === 1 ? '' : 's'} → ${r.value.filename}` });
  };

  return (
    <div className="export-menu">
      <button type="button" className="tab-button export-toggle" data-testid="export-open" aria-expanded={open} onClick={toggle}>
        Export
      </button>
      {open && (
        <div className="export-popover" role="dialog" aria-label="Export records as CSV" data-testid="export-popover">
          <label>
            Records
            <select value={what} data-testid="export-what" onChange={(e) => setWhat(e.target.value as ExportKind)}>
              {EXPORT_CHOICES.map((c) => (
                <option key={c.what} value={c.what}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            From (IST)
            <input type="date" value={from} data-testid="export-from" onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To (IST)
            <input type="date" value={to} data-testid="export-to" onChange={(e) => setTo(e.target.value)} />
          </label>
          <div className="export-actions">
            <button type="button" className="btn-small" disabled={!connected || busy || (from !== '' && to !== '' && from > to)} data-testid="export-download" onClick={() => void download()}>
              {busy ? 'Exporting…' : 'Download CSV'}
            </button>
            <button type="button" className="btn-link" data-testid="export-all" onClick={() => (setFrom(''), setTo(''))}>
              all days
            </button>
          </div>
          {result && (
            <div className={result.ok ? 'export-result muted' : 'export-result down'} data-testid="export-result" data-ok={result.ok}>
              {result.text}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
