import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  candidateSlots,
  spokenClockTime,
  spokenDate,
  spokenDateTime,
  spokenDuration,
  spokenPlainDate,
  spokenTime,
  spokenWallClock,
} from '../../../runtime/domain/schedule';
import { exampleShop, instant } from './fixtures/shops';

const chicago = (text: string) => Temporal.ZonedDateTime.from(`${text}[America/Chicago]`);
const now = instant('2026-12-01T18:00:00Z'); // December 1, 2026 in Chicago

describe('spoken formats', () => {
  it('says date and time with the weekday, without the current year', () => {
    expect(spokenDateTime(chicago('2026-12-02T09:30'), now)).toBe('Wednesday, December 2 at 9:30 AM');
    expect(spokenDate(chicago('2026-12-02T09:30'), now)).toBe('Wednesday, December 2');
  });

  it('adds the year when it is not the current one, or when no "now" is given', () => {
    expect(spokenDateTime(chicago('2027-01-02T09:30'), now)).toBe('Saturday, January 2, 2027 at 9:30 AM');
    expect(spokenDate(chicago('2026-12-02T09:30'))).toBe('Wednesday, December 2, 2026');
  });

  it("decides the current year on the shop's clock, not UTC's", () => {
    const newYearsEveLocal = instant('2027-01-01T05:30:00Z'); // 11:30 PM on December 31, 2026 in Chicago
    expect(spokenDate(chicago('2027-01-02T09:00'), newYearsEveLocal)).toBe('Saturday, January 2, 2027');
    expect(spokenDate(chicago('2026-12-31T09:00'), newYearsEveLocal)).toBe('Thursday, December 31');
  });

  it('says times on a 12-hour clock with plain spaces, noon as 12:00 PM and midnight as 12:00 AM', () => {
    expect(spokenTime(chicago('2026-12-02T09:05'))).toBe('9:05 AM');
    expect(spokenTime(chicago('2026-12-02T12:00'))).toBe('12:00 PM');
    expect(spokenTime(chicago('2026-12-02T00:00'))).toBe('12:00 AM');
    expect(spokenTime(chicago('2026-12-02T17:45'))).toBe('5:45 PM');
    expect(spokenDateTime(chicago('2026-12-02T17:45'), now)).not.toMatch(/[\u00a0\u202f]/);
  });

  it("reads every minute of the day as ICU's en-US 12-hour clock does", () => {
    const icu = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      hour: 'numeric',
      minute: '2-digit',
      hourCycle: 'h12',
    });
    for (let minuteOfDay = 0; minuteOfDay < 24 * 60; minuteOfDay++) {
      const parts = icu.formatToParts(new Date(Date.UTC(2026, 11, 2, 0, minuteOfDay)));
      const part = (type: string) => parts.find((p) => p.type === type)?.value;
      const expected = `${part('hour')}:${part('minute')} ${part('dayPeriod')}`;
      expect(spokenClockTime(Math.floor(minuteOfDay / 60), minuteOfDay % 60)).toBe(expected);
    }
  });

  it("speaks in the value's own zone", () => {
    const instantInUtc = Temporal.Instant.from('2026-12-02T15:30:00Z');
    expect(spokenTime(instantInUtc.toZonedDateTimeISO('America/Chicago'))).toBe('9:30 AM');
    expect(spokenTime(instantInUtc.toZonedDateTimeISO('America/Los_Angeles'))).toBe('7:30 AM');
    expect(spokenDate(instantInUtc.toZonedDateTimeISO('Pacific/Kiritimati'), now)).toBe(
      'Thursday, December 3',
    );
  });

  it('says a calendar date and a wall-clock reading that may not exist', () => {
    expect(spokenPlainDate('America/Chicago', Temporal.PlainDate.from('2026-12-25'), now)).toBe(
      'Friday, December 25',
    );
    expect(spokenWallClock(Temporal.PlainDateTime.from('2026-03-08T02:30'))).toEqual({
      date: 'Sunday, March 8',
      time: '2:30 AM',
    });
  });

  it('says durations in hours and minutes', () => {
    expect(spokenDuration(15)).toBe('15 minutes');
    expect(spokenDuration(60)).toBe('1 hour');
    expect(spokenDuration(90)).toBe('1 hour and 30 minutes');
    expect(spokenDuration(120)).toBe('2 hours');
    expect(spokenDuration(135)).toBe('2 hours and 15 minutes');
  });

  it("says a slot's start on the shop's wall clock", () => {
    const shop = exampleShop();
    const [slot] = candidateSlots(shop, 'oil_change', '2026-12-02', now);
    expect(slot).toMatchObject({ localStart: '2026-12-02T08:00', startUtc: '2026-12-02T14:00:00Z' });
    const start = Temporal.Instant.from(slot!.startUtc).toZonedDateTimeISO(shop.timeZone);
    expect(spokenDateTime(start, now)).toBe('Wednesday, December 2 at 8:00 AM');
    expect(spokenTime(start)).toBe('8:00 AM');
  });
});
