import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { istTime } from '../core/nse-calendar.js';
import { order as fixtureOrder } from '../model/testing.js';
import { openDatabase } from '../persistence/db.js';
import { SignalJournal } from '../persistence/journal-repo.js';
import { TradingRepo } from '../persistence/trading-repo.js';
import { bootEngine } from './bootstrap.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the engine host prunes the journal at start', () => {
  it('keeps journal.retentionDays of signals, never orders or fills', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kd-boot-retention-'));
    dirs.push(dataDir);
    const db = openDatabase(join(dataDir, 'kitedesk.sqlite'));
    const signals = new SignalJournal(db);
    const trading = new TradingRepo(db, 'paper');
    for (const day of ['2026-11-01', '2026-11-12', '2026-11-19']) {
      const ts = istTime(day, '10:00');
      signals.append({ ts, symbol: 'INFY', strategy: 'x', type: 'ema_crossover', side: 'BUY', confidence: 1, reason: day, pricePaise: 100, timeframe: '1m', barTime: null, snapshot: {} });
      const o = fixtureOrder({ orderId: `O${day}`, clientId: `C${day.replaceAll('-', '')}`, tsInit: ts, tsUpdate: ts });
      trading.orderChanged(o, 'placed', 'paper');
      trading.fill({ fillId: `F${day}`, orderId: o.orderId, clientId: o.clientId, symbol: 'INFY', exchange: 'NSE', side: 'BUY', product: 'MIS', strategy: 'x', qty: 1, pricePaise: 100, tsEvent: ts, chargesPaise: 0, charges: { brokeragePaise: 0, sttPaise: 0, exchangeTxnPaise: 0, sebiPaise: 0, stampDutyPaise: 0, gstPaise: 0, dpPaise: 0, totalPaise: 0 } });
    }
    db.close();
    const profile = join(dataDir, 'profile.yaml');
    writeFileSync(profile, 'strategies: []\njournal:\n  retentionDays: 7\nfeed:\n  backfillMinutes: 0\n');
    const logs: string[] = [];
    const booted = bootEngine({ dataDir, configFile: profile, overrides: { simStart: '2026-11-20T10:00:00+05:30' }, log: (_l, m, d) => logs.push(`${m} ${JSON.stringify(d ?? {})}`) });
    try {
      // today is Friday 2026-11-20 on the feed clock: keep 2026-11-13 … today
      const check = openDatabase(join(dataDir, 'kitedesk.sqlite'));
      const left = (check.prepare('SELECT reason FROM signals ORDER BY ts').all() as { reason: string }[]).map((r) => r.reason);
      expect(left).toEqual(['2026-11-19']);
      expect((check.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n).toBe(3);
      expect((check.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n).toBe(3);
      check.close();
      expect(logs.find((l) => l.startsWith('journal retention'))).toContain('"before":"2026-11-13"');
    } finally {
      booted.shutdown();
    }
  });
});
