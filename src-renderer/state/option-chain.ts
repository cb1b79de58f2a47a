import { create } from 'zustand';
import { optionChainSchema, type OptionChainDto } from '../../src-engine/contract/options-schemas.js';
import type { EngineClient } from '../engine/connection.js';
import { describeError, type ShownError } from '../engine/errors.js';

type Caller = Pick<EngineClient, 'call'>;

export interface ChainQuery {
  underlying?: string | undefined;
  expiry?: string | undefined;
  strikes?: number;
  rate?: number;
}

/** `options.chain`: one snapshot (the tab polls it for live), validated with the contract's schema. */
export async function fetchChain(client: Caller, q: ChainQuery): Promise<{ ok: true; value: OptionChainDto } | { ok: false; error: ShownError }> {
  try {
    const input = {
      ...(q.underlying ? { underlying: q.underlying } : {}),
      ...(q.expiry ? { expiry: q.expiry } : {}),
      ...(q.strikes !== undefined ? { strikes: q.strikes } : {}),
      ...(q.rate !== undefined ? { rate: q.rate } : {}),
    };
    return { ok: true, value: optionChainSchema.parse(await client.call('options.chain', input, { timeoutMs: 10_000 })) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

/** What a click in the chain asks the order ticket to take: the contract, one lot, a LIMIT at the clicked price. */
export interface TicketPrefill {
  symbol: string;
  qty: number;
  pricePaise: number | null;
  side: 'BUY' | 'SELL';
  /** Increments on every request, so the same contract clicked twice fills the ticket twice. */
  seq: number;
}

interface PrefillState {
  prefill: TicketPrefill | null;
  request(p: Omit<TicketPrefill, 'seq'>): void;
}

export const useTicketPrefill = create<PrefillState>((set) => ({
  prefill: null,
  request: (p) => set((s) => ({ prefill: { ...p, seq: (s.prefill?.seq ?? 0) + 1 } })),
}));

/** Percent with one decimal (IV 0.1312 → "13.1"), or an en dash. */
export function formatIv(iv: number | null): string {
  return iv === null ? '–' : (iv * 100).toFixed(1);
}

/** A Greek with `digits` decimals, or an en dash. */
export function formatGreek(v: number | null, digits: number): string {
  return v === null ? '–' : v.toFixed(digits);
}

/** OI and volume in lots-free units, compact: 1,23,450 → "1.23L", 12,34,56,700 → "12.35Cr" (Indian grouping). */
export function formatQty(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e7) return `${(n / 1e7).toFixed(2)}Cr`;
  if (a >= 1e5) return `${(n / 1e5).toFixed(2)}L`;
  return n.toLocaleString('en-IN');
}
