import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { candidateSlots, SLOT_STEP_MINUTES } from '../../../runtime/domain/schedule';
import { exampleShop, halfHours, instant, startTimes } from './fixtures/shops';

const shop = exampleShop();
const now = instant('2026-12-01T12:00:00Z'); // Tuesday, December 1, 6:00 AM in Chicago

describe('candidateSlots on ordinary days (example shop)', () => {
  it('offers an oil change every 30 minutes from 08:00 to 17:30 on a Monday', () => {
    const slots = candidateSlots(shop, 'oil_change', '2026-12-07', now);
    expect(SLOT_STEP_MINUTES).toBe(30);
    expect(startTimes(slots)).toEqual(halfHours('08:00', '17:30'));
    expect(slots).toHaveLength(20);
  });

  it('describes each candidate in local, UTC and slice form', () => {
    const [first] = candidateSlots(shop, 'oil_change', '2026-12-07', now);
    expect(first).toEqual({
      localStart: '2026-12-07T08:00',
      localEnd: '2026-12-07T08:30',
      startUtc: '2026-12-07T14:00:00Z',
      endUtc: '2026-12-07T14:30:00Z',
      slices: ['2026-12-07T14:00:00Z', '2026-12-07T14:15:00Z'],
    });
  });

  it('lets a two-hour brake service start no later than 16:00', () => {
    const slots = candidateSlots(shop, 'brake_service', '2026-12-07', now);
    expect(startTimes(slots)).toEqual(halfHours('08:00', '16:00'));
    expect(slots.at(-1)).toMatchObject({ localEnd: '2026-12-07T18:00', endUtc: '2026-12-08T00:00:00Z' });
    expect(slots.at(-1)!.slices).toHaveLength(8);
  });

  it('keeps a 45-minute job on the 30-minute grid and inside hours', () => {
    expect(startTimes(candidateSlots(shop, 'tire_rotation', '2026-12-07', now))).toEqual(
      halfHours('08:00', '17:00'),
    );
  });

  it('uses Saturday hours 09:00–15:00', () => {
    expect(startTimes(candidateSlots(shop, 'oil_change', '2026-12-05', now))).toEqual(
      halfHours('09:00', '14:30'),
    );
    expect(startTimes(candidateSlots(shop, 'brake_service', '2026-12-05', now))).toEqual(
      halfHours('09:00', '13:00'),
    );
  });

  it('offers nothing on a Sunday or a listed closed date', () => {
    expect(candidateSlots(shop, 'oil_change', '2026-12-06', now)).toEqual([]);
    expect(candidateSlots(shop, 'oil_change', '2026-12-25', now)).toEqual([]);
    expect(candidateSlots(shop, 'oil_change', '2027-01-01', now)).toEqual([]);
  });

  it('uses daylight-time offsets in summer', () => {
    const [first] = candidateSlots(shop, 'oil_change', '2026-07-06', instant('2026-07-01T00:00:00Z'));
    expect(first).toMatchObject({ localStart: '2026-07-06T08:00', startUtc: '2026-07-06T13:00:00Z' });
  });

  it('offers starts in each interval of split hours, walking from each opening time', () => {
    const split = exampleShop({
      openingHours: {
        monday: [
          { open: '08:15', close: '12:00' },
          { open: '13:00', close: '15:00' },
        ],
      },
    });
    expect(startTimes(candidateSlots(split, 'inspection', '2026-12-07', now))).toEqual([
      '08:15',
      '08:45',
      '09:15',
      '09:45',
      '10:15',
      '10:45',
      '13:00',
      '13:30',
      '14:00',
    ]);
  });
});

describe('candidateSlots relative to now', () => {
  it('drops starts before now plus the default one-hour lead', () => {
    const tuesdayMorning = instant('2026-12-01T16:10:00Z'); // 10:10 AM in Chicago
    expect(startTimes(candidateSlots(shop, 'oil_change', '2026-12-01', tuesdayMorning))[0]).toBe('11:30');
  });

  it('keeps a start exactly at the lead time, and honours a custom lead', () => {
    const tenThirty = instant('2026-12-01T16:30:00Z'); // 10:30 AM in Chicago
    expect(startTimes(candidateSlots(shop, 'oil_change', '2026-12-01', tenThirty))[0]).toBe('11:30');
    expect(
      startTimes(candidateSlots(shop, 'oil_change', '2026-12-01', tenThirty, { minLeadMinutes: 15 }))[0],
    ).toBe('11:00');
  });

  it('never offers a start at now itself, even with no lead: booking it would say it has passed', () => {
    const tenThirty = instant('2026-12-01T16:30:00Z');
    expect(
      startTimes(candidateSlots(shop, 'oil_change', '2026-12-01', tenThirty, { minLeadMinutes: 0 }))[0],
    ).toBe('11:00');
  });

  it('offers nothing on past dates or once the day is over', () => {
    expect(candidateSlots(shop, 'oil_change', '2026-11-30', now)).toEqual([]);
    expect(candidateSlots(shop, 'oil_change', '2026-12-01', instant('2026-12-01T23:00:00Z'))).toEqual([]);
  });

  it('offers nothing after the booking window (90 days by default)', () => {
    // Today is December 1 locally; March 1, 2027 is day 90 and March 2 day 91.
    expect(candidateSlots(shop, 'oil_change', '2027-03-01', now)).not.toEqual([]);
    expect(candidateSlots(shop, 'oil_change', '2027-03-02', now)).toEqual([]);
    expect(candidateSlots(shop, 'oil_change', '2027-03-02', now, { maxAdvanceDays: 120 })).not.toEqual([]);
  });

  it('refuses an unknown service, a bad date and a bad step', () => {
    expect(() => candidateSlots(shop, 'teleport', '2026-12-07', now)).toThrow(/unknown service/);
    expect(() => candidateSlots(shop, 'oil_change', '2026-02-30', now)).toThrow(RangeError);
    expect(() => candidateSlots(shop, 'oil_change', '2026-12-07', now, { stepMinutes: 20 })).toThrow(
      RangeError,
    );
  });

  it('offers a 15-minute grid when asked', () => {
    const slots = candidateSlots(shop, 'oil_change', '2026-12-07', now, { stepMinutes: 15 });
    expect(startTimes(slots).slice(0, 3)).toEqual(['08:00', '08:15', '08:30']);
    expect(slots).toHaveLength(39);
  });

  it('offers only what is still ahead each time the same day is asked again later', () => {
    const morning = candidateSlots(shop, 'oil_change', '2026-12-07', instant('2026-12-07T15:10:00Z'));
    const afternoon = candidateSlots(shop, 'oil_change', '2026-12-07', instant('2026-12-07T20:10:00Z'));
    expect(startTimes(morning)[0]).toBe('10:30'); // 09:10 in Chicago plus the hour of lead
    expect(startTimes(afternoon)[0]).toBe('15:30');
    expect(candidateSlots(shop, 'oil_change', '2026-12-07', now)).toHaveLength(20);
  });

  it('keeps to the lead time to the nanosecond, though starts are compared from the cached day', () => {
    // now + 60 min lands half a microsecond after 08:00 Chicago (14:00Z): 08:00 is too early.
    const justAfter = Temporal.Instant.from('2026-12-07T13:00:00.0000005Z');
    expect(startTimes(candidateSlots(shop, 'oil_change', '2026-12-07', justAfter))[0]).toBe('08:30');
    const exactly = Temporal.Instant.from('2026-12-07T13:00:00Z');
    expect(startTimes(candidateSlots(shop, 'oil_change', '2026-12-07', exactly))[0]).toBe('08:00');
  });

  it('hands out slots no caller can change for the next one', () => {
    const [first] = candidateSlots(shop, 'oil_change', '2026-12-07', now);
    expect(() => {
      (first as { localStart: string }).localStart = '2026-12-07T07:00';
    }).toThrow(TypeError);
    expect(() => first!.slices.push('x')).toThrow(TypeError);
    expect(candidateSlots(shop, 'oil_change', '2026-12-07', now)[0]!.localStart).toBe('2026-12-07T08:00');
  });
});
