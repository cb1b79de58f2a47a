import { describe, expect, it } from 'vitest';
import { kiteStatusText } from './KiteSettings.js';

describe('kiteStatusText', () => {
  it('shows the user when active and asks for a new login after expiry or a refusal', () => {
    expect(kiteStatusText({ state: 'active', userId: 'AB1234', expiresAt: 1 })).toBe('AB1234');
    expect(kiteStatusText({ state: 'none' })).toBe('not logged in');
    expect(kiteStatusText({ state: 'expired', userId: 'AB1234', message: 'the Kite session expired at 06:00 IST; log in again' })).toBe('log in again');
    expect(kiteStatusText({ state: 'error', message: 'Kite refused the login' })).toBe('log in again');
  });
});
