import type { DepthLevel, DepthSnapshot } from '../../model/depth.js';
import { DEPTH_LEVELS, DEPTH_STRIDE, KIND_FULL, type TickBatch, divisorOf } from './tick-codec.js';

/**
 * The depth snapshot of row `row` of a decoded TickBatch, for MarketData.setDepth(); undefined when
 * the row carries no depth (not a full-mode tradable packet) or its segment does not price in paise
 * (CDS/BCD quote in fractions of a paisa).
 *
 * - Prices: the raw integers are paise for every divisor-100 segment (NSE, NFO, BSE, BFO, MCX).
 * - Levels without a price (all zeros: how Kite pads a thin book) are left out.
 * - Time: the packet's exchange timestamp (Unix seconds) in epoch ms, else its last-trade time, else
 *   `fallbackTsMs` (e.g. the receive time).
 */
export function depthFromBatch(batch: TickBatch, row: number, symbol: string, fallbackTsMs: number): DepthSnapshot | undefined {
  if (!Number.isSafeInteger(row) || row < 0 || row >= batch.count) {
    throw new RangeError(`depthFromBatch: row must be an integer in 0..${batch.count - 1}, got ${String(row)}`);
  }
  if (batch.kind[row] !== KIND_FULL || divisorOf(batch.token[row]!) !== 100) return undefined;
  const d = batch.depth;
  const base = row * DEPTH_STRIDE;
  const side = (offset: number): DepthLevel[] => {
    const out: DepthLevel[] = [];
    for (let l = 0; l < DEPTH_LEVELS; l++) {
      const o = base + offset + l * 3;
      const quantity = d[o]!;
      const pricePaise = d[o + 1]!;
      if (pricePaise === 0) continue;
      out.push({ pricePaise, quantity, orders: d[o + 2]! });
    }
    return out;
  };
  const exch = batch.exchangeTime[row]!;
  const ltt = batch.lastTradeTime[row]!;
  return { symbol, tsEvent: exch > 0 ? exch * 1000 : ltt > 0 ? ltt * 1000 : fallbackTsMs, buy: side(0), sell: side(DEPTH_LEVELS * 3) };
}
