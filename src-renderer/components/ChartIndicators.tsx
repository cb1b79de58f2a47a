import { useEffect, useRef, useState } from 'react';
import { chartIndicatorDef } from '../../src-engine/contract/chart-schemas.js';
import { INDICATOR_MENU, addIndicator, indicatorTitle, layoutOf, removeIndicator, setIndicatorParams, specOf, type IndicatorChoice } from '../state/chart-layout.js';
import { useChartStore } from '../state/chart-store.js';
import { useAppStore } from '../state/store.js';
import { lineColor } from '../format/chart-indicator-data.js';

/**
 * The chart's indicator bar: an "Indicators" menu (price overlays, then panes) and one chip per
 * indicator on this timeframe's chart; a chip opens its parameter form (checked by the contract's
 * rules, the refusal shown inline) and has a remove button.
 */
export function ChartIndicators() {
  const tf = useAppStore((s) => s.chart.tf);
  const layout = useChartStore((s) => layoutOf(s.layouts, tf));
  const changeLayout = useChartStore((s) => s.changeLayout);
  const [menu, setMenu] = useState(false);
  const [editing, setEditing] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!menu) return;
    const close = (e: MouseEvent) => {
      if (menuRef.current && !menuRef.current.contains(e.target as Node)) setMenu(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setMenu(false);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', onKey);
    };
  }, [menu]);

  const add = (name: string) => {
    setMenu(false);
    setError(changeLayout(tf, (l) => addIndicator(l, name)));
  };

  return (
    <span className="chart-indicators" data-testid="chart-indicators" data-count={layout.indicators.length}>
      <span className="indicator-menu-wrap" ref={menuRef}>
        <button type="button" className="tf-button" data-testid="indicators-button" aria-expanded={menu} onClick={() => setMenu((m) => !m)}>
          ƒx Indicators
        </button>
        {menu && (
          <div className="indicator-menu" role="menu" data-testid="indicator-menu">
            {(['price', 'pane'] as const).map((place) => (
              <div key={place} className="indicator-menu-group">
                <div className="indicator-menu-title">{place === 'price' ? 'On price' : 'Below'}</div>
                {INDICATOR_MENU.filter((d) => d.place === place).map((d) => (
                  <button key={d.name} type="button" role="menuitem" className="indicator-menu-item" data-testid={`indicator-add-${d.name}`} onClick={() => add(d.name)}>
                    {d.label}
                    {d.params.length > 0 && <span className="muted"> {d.params.map((p) => p.default).join(', ')}</span>}
                  </button>
                ))}
              </div>
            ))}
          </div>
        )}
      </span>
      {layout.indicators.map((c, slot) => (
        <IndicatorChip
          key={c.id}
          choice={c}
          slot={slot}
          editing={editing === c.id}
          onEdit={() => {
            setError(null);
            setEditing(editing === c.id ? null : c.id);
          }}
          onApply={(raw) => {
            const err = changeLayout(tf, (l) => setIndicatorParams(l, c.id, raw));
            setError(err);
            if (err === null) setEditing(null);
          }}
          onRemove={() => {
            setError(null);
            if (editing === c.id) setEditing(null);
            changeLayout(tf, (l) => removeIndicator(l, c.id));
          }}
        />
      ))}
      {error !== null && (
        <span className="indicator-error" role="alert" data-testid="indicator-error">
          {error}
          <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </span>
      )}
    </span>
  );
}

function IndicatorChip({
  choice,
  slot,
  editing,
  onEdit,
  onApply,
  onRemove,
}: {
  choice: IndicatorChoice;
  slot: number;
  editing: boolean;
  onEdit: () => void;
  onApply: (raw: string[]) => void;
  onRemove: () => void;
}) {
  const def = chartIndicatorDef(choice.name)!;
  const [values, setValues] = useState<string[]>(() => choice.params.map(String));
  useEffect(() => setValues(choice.params.map(String)), [choice.params, editing]);
  return (
    <span className="indicator-chip" data-testid="indicator-chip" data-spec={specOf(choice)} data-name={choice.name}>
      <span className="indicator-swatch" style={{ background: lineColor(def, slot, 0) }} />
      <button type="button" className="indicator-chip-label" data-testid="indicator-edit" title="Parameters" onClick={onEdit} disabled={def.params.length === 0}>
        {indicatorTitle(choice)}
      </button>
      <button type="button" className="indicator-chip-remove" data-testid="indicator-remove" aria-label={`Remove ${indicatorTitle(choice)}`} onClick={onRemove}>
        ×
      </button>
      {editing && (
        <form
          className="indicator-form"
          data-testid="indicator-form"
          onSubmit={(e) => {
            e.preventDefault();
            onApply(values);
          }}
        >
          {def.params.map((p, i) => (
            <label key={p.key}>
              {p.label}
              <input
                data-testid={`indicator-param-${p.key}`}
                inputMode="decimal"
                value={values[i] ?? ''}
                title={`${p.min}…${p.max}${p.integer ? ', whole' : ''}`}
                onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))}
              />
            </label>
          ))}
          <button type="submit" className="tf-button" data-testid="indicator-apply">
            Apply
          </button>
        </form>
      )}
    </span>
  );
}
