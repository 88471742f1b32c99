import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  formatUtc,
  hoursOn,
  isClosedDate,
  nextDates,
  openingIntervals,
} from '../../../runtime/domain/schedule';
import { exampleShop } from './fixtures/shops';

const shop = exampleShop();
const date = (text: string) => Temporal.PlainDate.from(text);

describe('closed dates', () => {
  it('is open on weekdays and Saturdays, closed on Sundays and listed dates', () => {
    expect(isClosedDate(shop, date('2026-12-07'))).toBe(false); // Monday
    expect(isClosedDate(shop, date('2026-12-05'))).toBe(false); // Saturday
    expect(isClosedDate(shop, date('2026-12-06'))).toBe(true); // Sunday
    expect(isClosedDate(shop, date('2026-12-25'))).toBe(true); // Friday, listed
    expect(isClosedDate(shop, date('2027-01-01'))).toBe(true); // Friday, listed
    expect(hoursOn(shop, date('2026-12-25'))).toEqual([]);
  });
});

describe('openingIntervals', () => {
  it('gives a winter weekday as instants in standard time', () => {
    const [interval, ...rest] = openingIntervals(shop, date('2026-12-07'));
    expect(rest).toEqual([]);
    expect(formatUtc(interval!.open)).toBe('2026-12-07T14:00:00Z');
    expect(formatUtc(interval!.close)).toBe('2026-12-08T00:00:00Z');
    expect(interval!.local).toEqual({ open: '08:00', close: '18:00' });
  });

  it('gives a summer Saturday in daylight time', () => {
    const [interval] = openingIntervals(shop, date('2026-07-11'));
    expect(formatUtc(interval!.open)).toBe('2026-07-11T14:00:00Z');
    expect(formatUtc(interval!.close)).toBe('2026-07-11T20:00:00Z');
  });

  it('sorts split hours by opening time', () => {
    const split = exampleShop({
      openingHours: {
        monday: [
          { open: '13:00', close: '17:00' },
          { open: '08:00', close: '12:00' },
        ],
      },
    });
    expect(openingIntervals(split, date('2026-12-07')).map((i) => i.local.open)).toEqual(['08:00', '13:00']);
  });

  it('has no intervals on a closed date', () => {
    expect(openingIntervals(shop, date('2026-12-06'))).toEqual([]);
  });

  it('closes at the moment of the jump when closing time falls in the spring-forward gap', () => {
    const night = exampleShop({ openingHours: { sunday: [{ open: '00:00', close: '02:30' }] } });
    const [interval] = openingIntervals(night, date('2026-03-08'));
    expect(formatUtc(interval!.close)).toBe('2026-03-08T08:00:00Z');
  });
});

describe('nextDates', () => {
  it('lists the following open dates, skipping Sundays and listed closed dates', () => {
    expect(nextDates(shop, '2026-12-24', 4)).toEqual([
      '2026-12-24',
      '2026-12-26',
      '2026-12-28',
      '2026-12-29',
    ]);
  });

  it('answers in PlainDates when given one', () => {
    const dates = nextDates(shop, date('2026-12-31'), 2);
    expect(dates.map((d) => d.toString())).toEqual(['2026-12-31', '2027-01-02']);
  });

  it('returns nothing for a count of zero', () => {
    expect(nextDates(shop, '2026-12-24', 0)).toEqual([]);
  });
});
