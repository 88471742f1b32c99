import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { candidateSlots, validateRequestedSlot } from '../../../runtime/domain/schedule';
import { allDayShop, exampleShop, instant, weekBefore } from './fixtures/shops';

const shop = exampleShop();
const now = instant('2026-12-01T18:00:00Z'); // Tuesday, December 1, 12:00 PM in Chicago
const at = (text: string) => Temporal.ZonedDateTime.from(`${text}[America/Chicago]`);

function rejection(serviceId: string, start: Temporal.ZonedDateTime, when = now) {
  const result = validateRequestedSlot(shop, serviceId, start, when);
  if (result.ok) throw new Error(`expected a rejection, got ${result.slot.localStart}`);
  return result;
}

describe('validateRequestedSlot accepts', () => {
  it('an offered candidate, returning exactly that candidate', () => {
    const result = validateRequestedSlot(shop, 'oil_change', at('2026-12-02T09:30'), now);
    const offered = candidateSlots(shop, 'oil_change', '2026-12-02', now).find((s) =>
      s.localStart.endsWith('09:30'),
    );
    expect(result).toEqual({ ok: true, slot: offered });
  });

  it('any quarter-hour start, not only the 30-minute grid, and the last start that still fits', () => {
    const quarter = validateRequestedSlot(shop, 'oil_change', at('2026-12-02T09:15'), now);
    expect(quarter.ok && quarter.slot.slices).toEqual(['2026-12-02T15:15:00Z', '2026-12-02T15:30:00Z']);
    const last = validateRequestedSlot(shop, 'brake_service', at('2026-12-02T16:00'), now);
    expect(last.ok && last.slot.localEnd).toBe('2026-12-02T18:00');
  });

  it('a start given in another zone, judged on the shop clock', () => {
    const utc = Temporal.Instant.from('2026-12-02T15:30:00Z').toZonedDateTimeISO('UTC');
    const result = validateRequestedSlot(shop, 'oil_change', utc, now);
    expect(result.ok && result.slot.localStart).toBe('2026-12-02T09:30');
  });

  it('a job across spring forward, measured in elapsed time', () => {
    const allDay = allDayShop();
    const start = at('2026-03-08T01:30');
    const result = validateRequestedSlot(allDay, 'brake_service', start, weekBefore('2026-03-08'));
    expect(result.ok && result.slot).toMatchObject({
      localEnd: '2026-03-08T04:30',
      endUtc: '2026-03-08T09:30:00Z',
    });
  });
});

describe('validateRequestedSlot refuses', () => {
  it('an unknown service, listing the real ones', () => {
    const result = rejection('teleport', at('2026-12-02T09:30'));
    expect(result.reason).toBe('UNKNOWN_SERVICE');
    expect(result.message).toContain('oil_change');
  });

  it('a start off the quarter hour, suggesting the neighbours', () => {
    const result = rejection('oil_change', at('2026-12-02T09:10'));
    expect(result).toEqual({
      ok: false,
      reason: 'NOT_ALIGNED',
      message: 'Appointments start on the quarter hour, so please pick a time like 9:00 AM or 9:15 AM.',
    });
    expect(rejection('oil_change', at('2026-12-02T09:30:30')).reason).toBe('NOT_ALIGNED');
  });

  it('a start in the past', () => {
    const result = rejection('oil_change', at('2026-12-01T09:00'));
    expect(result.reason).toBe('IN_PAST');
    expect(result.message).toBe(
      'Tuesday, December 1 at 9:00 AM has already passed, so please pick a later time.',
    );
  });

  it('a start inside the lead time, naming the earliest quarter hour', () => {
    const result = rejection('oil_change', at('2026-12-01T12:45'), instant('2026-12-01T18:05:00Z'));
    expect(result.reason).toBe('TOO_SOON');
    expect(result.message).toBe(
      'We need at least 1 hour of notice, so please pick a time from Tuesday, December 1 at 1:15 PM on.',
    );
  });

  it('the earliest start offered stays bookable for a few minutes while the caller says yes', () => {
    // At 12:00 the earliest offer is 1:00 PM; the yes comes at 12:10, inside the lead time.
    expect(
      validateRequestedSlot(shop, 'oil_change', at('2026-12-01T13:00'), instant('2026-12-01T18:10:00Z')).ok,
    ).toBe(true);
    expect(rejection('oil_change', at('2026-12-01T13:00'), instant('2026-12-01T18:16:00Z')).reason).toBe(
      'TOO_SOON',
    );
  });

  it('a date past the 90-day booking window', () => {
    expect(validateRequestedSlot(shop, 'oil_change', at('2027-03-01T09:00'), now).ok).toBe(true);
    const result = rejection('oil_change', at('2027-03-02T09:00'));
    expect(result.reason).toBe('TOO_FAR');
    expect(result.message).toBe(
      'We only book up to 90 days ahead, so please pick a date on or before Monday, March 1, 2027.',
    );
  });

  it('a closed weekday or holiday', () => {
    expect(rejection('oil_change', at('2026-12-06T10:00')).message).toBe(
      "We're closed on Sunday, December 6, so please pick another day.",
    );
    expect(rejection('oil_change', at('2026-12-25T10:00')).reason).toBe('CLOSED');
  });

  it('a job that would run past closing, saying the latest start', () => {
    const result = rejection('brake_service', at('2026-12-02T16:30'));
    expect(result.reason).toBe('OUTSIDE_HOURS');
    expect(result.message).toBe(
      "On Wednesday, December 2 we're open from 8:00 AM to 6:00 PM, and the brake service takes 2 hours, " +
        'so it has to start and finish within those hours, starting by 4:00 PM at the latest.',
    );
    expect(rejection('oil_change', at('2026-12-02T07:30')).reason).toBe('OUTSIDE_HOURS');
    expect(rejection('oil_change', at('2026-12-02T18:00')).reason).toBe('OUTSIDE_HOURS');
  });

  it('a job across a lunch break, or one longer than any interval', () => {
    const split = exampleShop({
      openingHours: {
        wednesday: [
          { open: '08:00', close: '12:00' },
          { open: '13:00', close: '15:00' },
        ],
      },
      services: [
        { id: 'inspection', name: 'inspection', durationMinutes: 60 },
        { id: 'engine_rebuild', name: 'engine rebuild', durationMinutes: 300 },
      ],
    });
    const across = validateRequestedSlot(split, 'inspection', at('2026-12-02T11:30'), now);
    expect(across.ok ? 'ok' : across.reason).toBe('OUTSIDE_HOURS');
    const tooLong = validateRequestedSlot(split, 'engine_rebuild', at('2026-12-02T08:00'), now);
    expect(tooLong.ok ? '' : tooLong.message).toBe(
      "On Wednesday, December 2 we're open from 8:00 AM to 12:00 PM and from 1:00 PM to 3:00 PM, " +
        "and the engine rebuild takes 5 hours, so it doesn't fit that day.",
    );
  });

  it('a local time that happens twice on the fall-back night, even when given as an instant', () => {
    const allDay = allDayShop();
    for (const start of ['2026-11-01T01:30:00-05:00', '2026-11-01T01:30:00-06:00']) {
      const zoned = Temporal.Instant.from(start).toZonedDateTimeISO('America/Chicago');
      const result = validateRequestedSlot(allDay, 'oil_change', zoned, weekBefore('2026-11-01'));
      expect(result.ok ? 'ok' : result.reason).toBe('AMBIGUOUS_TIME');
    }
  });
});
