import { z } from 'zod';
import { IST_OFFSET_MS } from '../../core/ist.js';
import { timeframeMs, type StrategyTimeframe } from '../strategy.js';

const DAY_MS = 86_400_000;

/** Minutes after IST midnight of an epoch-ms instant. */
export function istMinuteOfDay(ms: number): number {
  return Math.floor((((ms + IST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 60_000);
}

/** IST calendar day number of an epoch-ms instant (changes at IST midnight). */
export function istDay(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS);
}

/** `HH:MM` (IST) as a zod schema with a default. */
export const hhmm = (def: string) =>
  z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h, IST)')
    .default(def);

export function hhmmToMinutes(s: string): number {
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

/** Minute of day (IST) at which a start-labelled bar of `tf` closes. */
export function barEndMinute(t: number, tf: StrategyTimeframe): number {
  return istMinuteOfDay(t + timeframeMs(tf));
}

/** prevA ≤ prevB and a > b: `a` crossed above `b` (false while any value is NaN). */
export function crossedAbove(prevA: number, prevB: number, a: number, b: number): boolean {
  return prevA <= prevB && a > b;
}

/** prevA ≥ prevB and a < b. */
export function crossedBelow(prevA: number, prevB: number, a: number, b: number): boolean {
  return prevA >= prevB && a < b;
}

/** Integer period schema: 1..1000 with a default. */
export const period = (def: number) => z.number().int().min(1).max(1000).default(def);
