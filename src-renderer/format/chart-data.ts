import type { Candle } from '../../src-engine/contract/schemas.js';

/** Chart-library-free shapes; structurally compatible with lightweight-charts' bar and histogram data. */
export interface BarPoint {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}
export interface VolumePoint {
  time: number;
  value: number;
  color: string;
}

export const UP_COLOR = '#26a69a';
export const DOWN_COLOR = '#ef5350';
const UP_VOL = 'rgba(38, 166, 154, 0.45)';
const DOWN_VOL = 'rgba(239, 83, 80, 0.45)';

/** Candle (paise, epoch ms) → chart bar (rupees, UTC seconds). */
export function toBar(c: Candle): BarPoint {
  return { time: Math.floor(c.t / 1000), open: c.o / 100, high: c.h / 100, low: c.l / 100, close: c.c / 100 };
}

export function toVolume(c: Candle): VolumePoint {
  return { time: Math.floor(c.t / 1000), value: c.v, color: c.c >= c.o ? UP_VOL : DOWN_VOL };
}
