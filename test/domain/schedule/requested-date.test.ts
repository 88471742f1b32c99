import { describe, expect, it } from 'vitest';
import { parseRequestedDate } from '../../../runtime/domain/schedule';
import { exampleShop, instant } from './fixtures/shops';

const shop = exampleShop();

function dateOf(text: string, nowIso: string): string {
  const parsed = parseRequestedDate(shop, text, instant(nowIso));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.date.toString();
}

describe('parseRequestedDate', () => {
  it('reads a real YYYY-MM-DD date', () => {
    expect(dateOf('2026-12-02', '2026-12-01T18:00:00Z')).toBe('2026-12-02');
    expect(dateOf(' 2028-02-29 ', '2026-12-01T18:00:00Z')).toBe('2028-02-29');
  });

  it('rejects dates that are not on the calendar', () => {
    for (const text of ['2026-02-29', '2026-04-31', '2026-00-10', '2026-13-01']) {
      const parsed = parseRequestedDate(shop, text, instant('2026-12-01T18:00:00Z'));
      expect(parsed.ok ? 'ok' : parsed.reason, text).toBe('invalid_date');
    }
  });

  it('rejects malformed text', () => {
    for (const text of ['', 'next tuesday', '12/02/2026', '2026-12-2', '2026-12-02T09:30', 'tomorow']) {
      const parsed = parseRequestedDate(shop, text, instant('2026-12-01T18:00:00Z'));
      expect(parsed.ok ? 'ok' : parsed.reason, text).toBe('malformed');
    }
  });

  it('reads today and tomorrow relative to the shop date', () => {
    expect(dateOf('today', '2026-12-01T18:00:00Z')).toBe('2026-12-01');
    expect(dateOf('Tomorrow', '2026-12-01T18:00:00Z')).toBe('2026-12-02');
  });

  it('at 23:58 local on December 1, "tomorrow" is December 2 although UTC is already December 2', () => {
    const lateEvening = '2026-12-02T05:58:00Z'; // 23:58 CST on December 1
    expect(dateOf('today', lateEvening)).toBe('2026-12-01');
    expect(dateOf('tomorrow', lateEvening)).toBe('2026-12-02');
  });

  it('at 23:58 the night before spring forward, "tomorrow" is the 23-hour day', () => {
    const lateEvening = '2026-03-08T05:58:00Z'; // 23:58 CST on Saturday, March 7
    expect(dateOf('today', lateEvening)).toBe('2026-03-07');
    expect(dateOf('tomorrow', lateEvening)).toBe('2026-03-08');
  });

  it('at 23:58 the night before fall back, "tomorrow" is the 25-hour day', () => {
    const lateEvening = '2026-11-01T04:58:00Z'; // 23:58 CDT on Saturday, October 31
    expect(dateOf('today', lateEvening)).toBe('2026-10-31');
    expect(dateOf('tomorrow', lateEvening)).toBe('2026-11-01');
  });

  it('at 23:58 on the 25-hour day itself, "tomorrow" is the next day', () => {
    expect(dateOf('tomorrow', '2026-11-02T05:58:00Z')).toBe('2026-11-02'); // 23:58 CST on November 1
  });
});
