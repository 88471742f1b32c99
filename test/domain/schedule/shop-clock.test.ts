import { describe, expect, it } from 'vitest';
import {
  describeNowForPrompt,
  shopLocalDay,
  shopNow,
  shopToday,
  weekdayOf,
} from '../../../runtime/domain/schedule';
import { exampleShop, instant } from './fixtures/shops';

const shop = exampleShop();

describe('shop clock', () => {
  it("gives the shop's local date and weekday, not UTC's", () => {
    // 23:58 on Tuesday, December 1 in Chicago is already Wednesday in UTC.
    const now = instant('2026-12-02T05:58:00Z');
    expect(shopToday(shop, now).toString()).toBe('2026-12-01');
    expect(shopLocalDay(shop, now)).toEqual({ date: '2026-12-01', weekday: 'tuesday' });
    expect(shopNow(shop, now).toPlainTime().toString({ smallestUnit: 'minute' })).toBe('23:58');
  });

  it('moves to the next local date at local midnight', () => {
    expect(shopLocalDay(shop, instant('2026-12-02T06:00:00Z'))).toEqual({
      date: '2026-12-02',
      weekday: 'wednesday',
    });
  });

  it('maps every ISO weekday to its config key', () => {
    const monday = shopToday(shop, instant('2026-12-07T18:00:00Z'));
    expect(Array.from({ length: 7 }, (_, i) => weekdayOf(monday.add({ days: i })))).toEqual([
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
    ]);
  });

  it('describes now for the prompt with weekday, full date, time and zone', () => {
    expect(describeNowForPrompt(shop, instant('2026-12-01T22:05:00Z'))).toBe(
      'Tuesday, December 1, 2026, 4:05 PM (America/Chicago)',
    );
    // Daylight time: 13:00Z is 8:00 AM CDT.
    expect(describeNowForPrompt(shop, instant('2026-07-06T13:00:00Z'))).toBe(
      'Monday, July 6, 2026, 8:00 AM (America/Chicago)',
    );
  });

  it('describes now in the zone of the shop it is given', () => {
    const honolulu = exampleShop({ timeZone: 'Pacific/Honolulu' });
    expect(describeNowForPrompt(honolulu, instant('2026-12-02T05:58:00Z'))).toBe(
      'Tuesday, December 1, 2026, 7:58 PM (Pacific/Honolulu)',
    );
  });
});
