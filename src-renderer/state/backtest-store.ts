import { create } from 'zustand';

/**
 * What the Backtest tab keeps while it is not on screen (the trading panel renders only the active tab, so
 * the panel's own state goes when another tab is picked): the selected run.
 */
export interface BacktestUiState {
  /** The run whose progress, headline and trades the tab shows (null: none picked yet). */
  selected: string | null;
  select(id: string | null): void;
}

export const useBacktestStore = create<BacktestUiState>()((set) => ({
  selected: null,
  select: (selected) => set({ selected }),
}));
