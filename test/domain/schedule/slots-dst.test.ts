import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { candidateSlots, resolveLocalTime, type SlotCandidate } from '../../../runtime/domain/schedule';
import { allDayShop, exampleShop, halfHours, startTimes, weekBefore } from './fixtures/shops';

const CHICAGO = 'America/Chicago';
const shop = allDayShop(CHICAGO);
const SPRING_FORWARD = '2026-03-08'; // 02:00 CST → 03:00 CDT
const FALL_BACK = '2026-11-01'; // 02:00 CDT → 01:00 CST
const NORMAL_SUNDAY = '2026-03-15';

/** Every candidate's local time exists exactly once and converts back to its UTC start. */
function expectRoundTrips(slots: SlotCandidate[]) {
  for (const slot of slots) {
    const local = Temporal.PlainDateTime.from(slot.localStart);
    const zoned = local.toZonedDateTime(CHICAGO, { disambiguation: 'reject' }); // throws in a gap or overlap
    expect(zoned.toInstant().toString(), slot.localStart).toBe(slot.startUtc);
    expect(resolveLocalTime(CHICAGO, local).kind).toBe('ok');
  }
}

function expectSlices(slots: SlotCandidate[], minutes: number) {
  for (const slot of slots) {
    expect(slot.slices).toHaveLength(minutes / 15);
    const start = Temporal.Instant.from(slot.startUtc);
    const end = Temporal.Instant.from(slot.endUtc);
    expect(end.since(start).total('minutes')).toBe(minutes);
    slot.slices.forEach((slice, i) => {
      expect(slice).toBe(start.add({ minutes: 15 * i }).toString({ smallestUnit: 'second' }));
    });
  }
}

describe('candidateSlots across DST in America/Chicago (shop open 00:00–23:45)', () => {
  it('offers 47 oil-change starts on an ordinary day: 00:00 … 23:00', () => {
    expect(startTimes(candidateSlots(shop, 'oil_change', NORMAL_SUNDAY, weekBefore(NORMAL_SUNDAY)))).toEqual(
      halfHours('00:00', '23:00'),
    );
  });

  it('offers no 02:xx start on the spring-forward day and loses exactly the two missing half hours', () => {
    const slots = candidateSlots(shop, 'oil_change', SPRING_FORWARD, weekBefore(SPRING_FORWARD));
    const times = startTimes(slots);
    expect(times.filter((t) => t.startsWith('02:'))).toEqual([]);
    expect(times).toEqual(halfHours('00:00', '23:00').filter((t) => !t.startsWith('02:')));
    expect(slots).toHaveLength(45);
    expectRoundTrips(slots);
    expectSlices(slots, 30);
    expect(slots.find((s) => s.localStart.endsWith('01:30'))!.startUtc).toBe('2026-03-08T07:30:00Z');
    expect(slots.find((s) => s.localStart.endsWith('03:00'))!.startUtc).toBe('2026-03-08T08:00:00Z');
  });

  it('offers no repeated 01:xx start on the fall-back day, and no local time twice', () => {
    const slots = candidateSlots(shop, 'oil_change', FALL_BACK, weekBefore(FALL_BACK));
    const times = startTimes(slots);
    expect(times.filter((t) => t.startsWith('01:'))).toEqual([]);
    expect(new Set(times).size).toBe(times.length);
    expect(new Set(slots.map((s) => s.startUtc)).size).toBe(slots.length);
    expect(times).toEqual(halfHours('00:00', '23:00').filter((t) => !t.startsWith('01:')));
    expect(slots).toHaveLength(45);
    expectRoundTrips(slots);
    expectSlices(slots, 30);
    expect(slots.find((s) => s.localStart.endsWith('00:30'))!.startUtc).toBe('2026-11-01T05:30:00Z');
    expect(slots.find((s) => s.localStart.endsWith('02:00'))!.startUtc).toBe('2026-11-01T08:00:00Z');
  });

  it('measures a job across spring forward in elapsed time: 01:00 + 2 h ends at 04:00 local', () => {
    const slots = candidateSlots(shop, 'brake_service', SPRING_FORWARD, weekBefore(SPRING_FORWARD));
    expect(slots.find((s) => s.localStart === '2026-03-08T01:00')).toEqual({
      localStart: '2026-03-08T01:00',
      localEnd: '2026-03-08T04:00',
      startUtc: '2026-03-08T07:00:00Z',
      endUtc: '2026-03-08T09:00:00Z',
      slices: [
        '2026-03-08T07:00:00Z',
        '2026-03-08T07:15:00Z',
        '2026-03-08T07:30:00Z',
        '2026-03-08T07:45:00Z',
        '2026-03-08T08:00:00Z',
        '2026-03-08T08:15:00Z',
        '2026-03-08T08:30:00Z',
        '2026-03-08T08:45:00Z',
      ],
    });
    expectSlices(slots, 120);
    expectRoundTrips(slots);
  });

  it('measures a job across fall back in elapsed time: 00:30 + 2 h ends at 01:30 standard time', () => {
    const slots = candidateSlots(shop, 'brake_service', FALL_BACK, weekBefore(FALL_BACK));
    expect(slots.find((s) => s.localStart === '2026-11-01T00:30')).toMatchObject({
      localEnd: '2026-11-01T01:30',
      startUtc: '2026-11-01T05:30:00Z',
      endUtc: '2026-11-01T07:30:00Z',
    });
    expectSlices(slots, 120);
    expectRoundTrips(slots);
  });

  it('keeps the last start of the day where the wall clock says, on both change days', () => {
    for (const day of [SPRING_FORWARD, FALL_BACK]) {
      expect(startTimes(candidateSlots(shop, 'brake_service', day, weekBefore(day))).at(-1)).toBe('21:30');
    }
  });

  it('measures closing in elapsed time when the change falls inside the opening hours', () => {
    // Open 00:00–04:00: 3 real hours on spring-forward night, 5 on fall-back night.
    const night = exampleShop({
      openingHours: { sunday: [{ open: '00:00', close: '04:00' }] },
      services: [{ id: 'long_job', name: 'long job', durationMinutes: 240 }],
    });
    expect(
      candidateSlots(night, 'long_job', '2026-03-15', weekBefore('2026-03-15')).map((s) => s.localStart),
    ).toEqual(['2026-03-15T00:00']);
    expect(candidateSlots(night, 'long_job', SPRING_FORWARD, weekBefore(SPRING_FORWARD))).toEqual([]);
    expect(
      candidateSlots(night, 'long_job', FALL_BACK, weekBefore(FALL_BACK)).map((s) => s.localEnd),
    ).toEqual([
      '2026-11-01T03:00', // 00:00 CDT + 4 h = 03:00 CST, before the 04:00 CST close
      '2026-11-01T03:30',
    ]);
  });
});

describe('the example shop around the DST changes (normal hours, unaffected)', () => {
  const example = exampleShop();
  const sundayHours = exampleShop({
    openingHours: { ...example.openingHours, sunday: [{ open: '09:00', close: '15:00' }] },
  });

  it('is closed on both change Sundays, and normal on the Mondays after', () => {
    expect(candidateSlots(example, 'oil_change', SPRING_FORWARD, weekBefore(SPRING_FORWARD))).toEqual([]);
    expect(candidateSlots(example, 'oil_change', FALL_BACK, weekBefore(FALL_BACK))).toEqual([]);
    expect(startTimes(candidateSlots(example, 'oil_change', '2026-03-09', weekBefore('2026-03-09')))).toEqual(
      halfHours('08:00', '17:30'),
    );
    expect(candidateSlots(example, 'oil_change', '2026-03-09', weekBefore('2026-03-09'))[0]!.startUtc).toBe(
      '2026-03-09T13:00:00Z',
    );
    expect(candidateSlots(example, 'oil_change', '2026-11-02', weekBefore('2026-11-02'))[0]!.startUtc).toBe(
      '2026-11-02T14:00:00Z',
    );
  });

  it('with Sunday hours, offers the same local times on a change day as on any Sunday', () => {
    for (const day of [SPRING_FORWARD, FALL_BACK]) {
      const slots = candidateSlots(sundayHours, 'brake_service', day, weekBefore(day));
      expect(startTimes(slots)).toEqual(halfHours('09:00', '13:00'));
      expectRoundTrips(slots);
      expectSlices(slots, 120);
    }
    expect(
      candidateSlots(sundayHours, 'oil_change', SPRING_FORWARD, weekBefore(SPRING_FORWARD))[0]!.startUtc,
    ).toBe('2026-03-08T14:00:00Z');
    expect(candidateSlots(sundayHours, 'oil_change', FALL_BACK, weekBefore(FALL_BACK))[0]!.startUtc).toBe(
      '2026-11-01T15:00:00Z',
    );
  });
});
