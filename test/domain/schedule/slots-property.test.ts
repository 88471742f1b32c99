/**
 * Property tests (reliability DAT-07) over the US zones: random dates 2026–2030, random opening hours,
 * durations, "now" and lead times; and every DST transition date 2026–2030 with a shop open all day.
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { minutesOfDay, type ShopConfig } from '../../../runtime/config/shop-config';
import { candidateSlots, type SlotCandidate, validateRequestedSlot } from '../../../runtime/domain/schedule';
import { OFFERED_START_GRACE_MINUTES } from '../../../runtime/domain/schedule/slots';
import { allDayShop, everyDay, exampleShop, weekBefore } from './fixtures/shops';

const US_ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
] as const;

const FIRST_DAY = Temporal.PlainDate.from('2026-01-01');
const LAST_DAY = Temporal.PlainDate.from('2030-12-31');

/** Local dates on which the zone's offset changes, FIRST_DAY … LAST_DAY. */
function transitionDates(timeZone: string): Temporal.PlainDate[] {
  const dates: Temporal.PlainDate[] = [];
  let cursor: Temporal.ZonedDateTime | null = FIRST_DAY.toZonedDateTime(timeZone);
  for (;;) {
    cursor = cursor.getTimeZoneTransition('next');
    if (!cursor || Temporal.PlainDate.compare(cursor.toPlainDate(), LAST_DAY) > 0) return dates;
    dates.push(cursor.toPlainDate());
  }
}

const TRANSITIONS = Object.fromEntries(US_ZONES.map((zone) => [zone, transitionDates(zone)])) as Record<
  string,
  Temporal.PlainDate[]
>;

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** One or two non-overlapping intervals, on a 5-minute grid so openings off the quarter hour occur. */
const hoursArb = fc
  .oneof(
    fc.uniqueArray(fc.integer({ min: 0, max: 287 }), { minLength: 2, maxLength: 2 }),
    fc.uniqueArray(fc.integer({ min: 0, max: 287 }), { minLength: 4, maxLength: 4 }),
  )
  .map((points) => {
    const sorted = points.map((p) => p * 5).sort((a, b) => a - b);
    const intervals: { open: string; close: string }[] = [];
    for (let i = 0; i < sorted.length; i += 2)
      intervals.push({ open: hhmm(sorted[i]!), close: hhmm(sorted[i + 1]!) });
    return intervals;
  });

const caseArb = fc.constantFrom(...US_ZONES).chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    date: fc.oneof(
      fc.integer({ min: 0, max: LAST_DAY.since(FIRST_DAY).days }).map((d) => FIRST_DAY.add({ days: d })),
      TRANSITIONS[zone]!.length > 0 ? fc.constantFrom(...TRANSITIONS[zone]!) : fc.constant(FIRST_DAY),
    ),
    hours: hoursArb,
    duration: fc.integer({ min: 1, max: 40 }).map((n) => n * 15),
    nowOffsetMinutes: fc.integer({ min: -3 * 24 * 60, max: 24 * 60 }),
    lead: fc.integer({ min: 0, max: 180 }),
  }),
);

function shopFor(zone: string, hours: { open: string; close: string }[], duration: number): ShopConfig {
  return exampleShop({
    timeZone: zone,
    openingHours: everyDay(hours),
    closedDates: [],
    services: [{ id: 'job', name: 'job', durationMinutes: duration }],
  });
}

const instantOf = (utc: string) => Temporal.Instant.from(utc);

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** Counterexamples fast-check found; replayed on every run. */
const FOUND: Case[] = [
  // Lead 0 and "now" exactly on a grid start (12:30 CDT on the spring-forward day): offered, yet booking
  // it said IN_PAST. A start at now is not offered any more.
  {
    zone: 'America/Chicago',
    date: Temporal.PlainDate.from('2026-03-08'),
    hours: [
      { open: '00:00', close: '00:05' },
      { open: '05:50', close: '21:45' },
    ],
    duration: 15,
    nowOffsetMinutes: 690,
    lead: 0,
  },
];

describe('candidateSlots properties over US zones, 2026–2030', () => {
  it('are increasing, unique, in the future, on the quarter hour, inside hours and never in a gap or overlap', () => {
    fc.assert(
      fc.property(caseArb, ({ zone, date, hours, duration, nowOffsetMinutes, lead }) => {
        const shop = shopFor(zone, hours, duration);
        const now = date.toZonedDateTime(zone).toInstant().add({ minutes: nowOffsetMinutes });
        const slots = candidateSlots(shop, 'job', date, now, { minLeadMinutes: lead });
        const earliest = now.add({ minutes: lead });

        slots.forEach((slot, i) => {
          const start = instantOf(slot.startUtc);
          const end = instantOf(slot.endUtc);
          if (i > 0) expect(Temporal.Instant.compare(instantOf(slots[i - 1]!.startUtc), start)).toBe(-1);
          expect(Temporal.Instant.compare(start, earliest)).toBeGreaterThanOrEqual(0);
          expect(Temporal.Instant.compare(start, now)).toBe(1);

          // Exists exactly once: 'reject' throws in both a gap and an overlap.
          const local = Temporal.PlainDateTime.from(slot.localStart);
          const zoned = local.toZonedDateTime(zone, { disambiguation: 'reject' });
          expect(zoned.toInstant().equals(start)).toBe(true);
          expect(local.toPlainDate().equals(date)).toBe(true);
          expect(local.minute % 15).toBe(0);

          // Inside one interval on the wall clock, on the 30-minute grid from its (rounded) opening,
          // and ending no later than the most generous reading of its closing time.
          const minute = local.hour * 60 + local.minute;
          const interval = hours.find(
            (h) => minute >= minutesOfDay(h.open) && minute < minutesOfDay(h.close),
          );
          expect(interval).toBeDefined();
          const firstStart = Math.ceil(minutesOfDay(interval!.open) / 15) * 15;
          expect((minute - firstStart) % 30).toBe(0);
          const closeLatest = date
            .toPlainDateTime(Temporal.PlainTime.from(interval!.close))
            .toZonedDateTime(zone, { disambiguation: 'later' });
          expect(Temporal.Instant.compare(end, closeLatest.toInstant())).toBeLessThanOrEqual(0);

          // Real elapsed duration, and one slice per 15 minutes.
          expect(end.since(start).total('minutes')).toBe(duration);
          expect(slot.slices).toEqual(
            Array.from({ length: duration / 15 }, (_, k) => start.add({ minutes: 15 * k }).toString()),
          );
        });
        expect(new Set(slots.map((s) => s.localStart)).size).toBe(slots.length);
      }),
      { numRuns: 400, examples: FOUND.map((c) => [c]) },
    );
  });

  it('agree with validateRequestedSlot: a grid time is offered exactly when it would be accepted (bar the grace)', () => {
    fc.assert(
      fc.property(caseArb, ({ zone, date, hours, duration, nowOffsetMinutes, lead }) => {
        const shop = shopFor(zone, hours, duration);
        const now = date.toZonedDateTime(zone).toInstant().add({ minutes: nowOffsetMinutes });
        const options = { minLeadMinutes: lead };
        const offered = new Map(
          candidateSlots(shop, 'job', date, now, options).map((s) => [s.localStart, s]),
        );

        for (const h of hours) {
          const first = Math.ceil(minutesOfDay(h.open) / 15) * 15;
          for (let minute = first; minute < minutesOfDay(h.close); minute += 30) {
            const local = date.toPlainDateTime(Temporal.PlainTime.from(hhmm(minute)));
            let zoned: Temporal.ZonedDateTime;
            try {
              zoned = local.toZonedDateTime(zone, { disambiguation: 'reject' });
            } catch {
              expect(offered.has(local.toString({ smallestUnit: 'minute' }))).toBe(false);
              continue;
            }
            const validation = validateRequestedSlot(shop, 'job', zoned, now, options);
            const candidate = offered.get(local.toString({ smallestUnit: 'minute' }));
            // One exception: a start just inside the lead time, kept bookable for a yes that
            // comes a few minutes after the offer (OFFERED_START_GRACE_MINUTES).
            const minutesAhead = zoned.toInstant().since(now).total('minutes');
            const inGrace = minutesAhead < lead && minutesAhead >= lead - OFFERED_START_GRACE_MINUTES;
            if (!candidate && inGrace && validation.ok) continue;
            expect(validation.ok ? validation.slot : undefined).toEqual(candidate);
          }
        }
      }),
      { numRuns: 300, examples: FOUND.map((c) => [c]) },
    );
  });
});

describe('every US DST transition date 2026–2030, shop open 00:00–23:45', () => {
  const cases = US_ZONES.flatMap((zone) => TRANSITIONS[zone]!.map((date) => ({ zone, date })));

  it('finds the transitions: two a year where DST is observed, none in Arizona and Hawaii', () => {
    expect(TRANSITIONS['America/Chicago']).toHaveLength(10);
    expect(TRANSITIONS['America/Phoenix']).toEqual([]);
    expect(TRANSITIONS['Pacific/Honolulu']).toEqual([]);
    expect(cases).toHaveLength(50);
  });

  it('loses exactly the skipped or repeated local times, compared with the same weekday a week later', () => {
    for (const { zone, date } of cases) {
      const shop = allDayShop(zone);
      for (const serviceId of ['oil_change', 'tire_rotation', 'brake_service']) {
        const changeDay = candidateSlots(shop, serviceId, date, weekBefore(date.toString()));
        const weekLater = date.add({ days: 7 });
        const normalDay = candidateSlots(shop, serviceId, weekLater, weekBefore(weekLater.toString()));
        const doubtful = normalDay
          .map((s: SlotCandidate) => date.toPlainDateTime(Temporal.PlainTime.from(s.localStart.slice(11))))
          .filter((local) => {
            try {
              local.toZonedDateTime(zone, { disambiguation: 'reject' });
              return false;
            } catch {
              return true;
            }
          });
        const label = `${zone} ${date} ${serviceId}`;
        expect(doubtful.length, label).toBeGreaterThan(0);
        expect(changeDay.length, label).toBe(normalDay.length - doubtful.length);
        expect(new Set(changeDay.map((s) => s.startUtc)).size, label).toBe(changeDay.length);
      }
    }
  });
});
