import { describe, expect, it } from 'vitest';
import { useBacktestStore } from './backtest-store.js';

describe('backtest tab store', () => {
  it('keeps the selected run until another is picked', () => {
    expect(useBacktestStore.getState().selected).toBeNull();
    useBacktestStore.getState().select('bt-1');
    expect(useBacktestStore.getState().selected).toBe('bt-1');
    useBacktestStore.getState().select('bt-2');
    expect(useBacktestStore.getState().selected).toBe('bt-2');
    useBacktestStore.getState().select(null);
    expect(useBacktestStore.getState().selected).toBeNull();
  });
});
