import { useCallback, useState, type Dispatch, type SetStateAction } from 'react';
import { create } from 'zustand';

/**
 * What the Backtest tab keeps while it is not on screen (the trading panel renders only the active tab, so
 * the panel's own state goes when another tab is picked): the selected run and the form's inputs (strategy,
 * params, symbols, dates, timeframe, product, qty, fill, slippage, charges, data source, walk-forward), by name.
 */
export interface BacktestUiState {
  /** The run whose progress, headline and trades the tab shows (null: none picked yet). */
  selected: string | null;
  select(id: string | null): void;
  /** The form's inputs by name (absent: the input's initial value). */
  form: Readonly<Record<string, unknown>>;
  setField(name: string, value: unknown): void;
}

export const useBacktestStore = create<BacktestUiState>()((set) => ({
  selected: null,
  select: (selected) => set({ selected }),
  form: {},
  setField: (name, value) => set((s) => ({ form: { ...s.form, [name]: value } })),
}));

/**
 * useState for one of the Backtest form's inputs, kept in useBacktestStore under `name` so it outlives the tab;
 * `initial` until the input is first set. The setter takes a value or an updater, like React's.
 */
export function useBacktestField<T>(name: string, initial: T): [T, Dispatch<SetStateAction<T>>] {
  // the first render's initial value, one object (a selector must not return a new one each call)
  const [init] = useState(initial);
  const value = useBacktestStore((s) => (name in s.form ? (s.form[name] as T) : init));
  const set = useCallback(
    (next: SetStateAction<T>) => {
      const { form, setField } = useBacktestStore.getState();
      const prev = name in form ? (form[name] as T) : init;
      setField(name, typeof next === 'function' ? (next as (p: T) => T)(prev) : next);
    },
    [name, init],
  );
  return [value, set];
}
