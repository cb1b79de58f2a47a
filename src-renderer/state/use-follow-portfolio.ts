import { useEffect, useRef } from 'react';
import { followPortfolio } from './equity-sync.js';

const pageVisible = (): boolean => document.visibilityState !== 'hidden';

/**
 * Runs `load` now and again on portfolio pushes (throttled, see followPortfolio) while the component
 * is mounted and the page visible; reloads when the page becomes visible again. A new `key` starts over.
 * The latest `onValue`/`onError` are used, so they need not be stable.
 */
export function useFollowPortfolio<T>(key: string | null, load: () => Promise<T>, onValue: (v: T) => void, onError: (e: unknown) => void): void {
  const latest = useRef({ load, onValue, onError });
  latest.current = { load, onValue, onError };
  useEffect(() => {
    if (key === null) return;
    const feed = followPortfolio(
      () => latest.current.load(),
      { value: (v) => latest.current.onValue(v), error: (e) => latest.current.onError(e) },
      { visible: pageVisible },
    );
    const onVisibility = (): void => {
      if (pageVisible()) feed.refresh();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      feed.stop();
    };
  }, [key]);
}
