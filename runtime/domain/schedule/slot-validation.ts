/**
 * Server-side check of a requested appointment start (DAT-08), used by booking and rescheduling:
 * the start must be on the quarter hour, in the future with the lead time, within the booking window,
 * on an open day, a local time that happens exactly once, and the whole job must fit in one opening
 * interval. Failures carry a reason code and one sentence the assistant can say to the caller.
 */
import { Temporal } from 'temporal-polyfill';
import { BOOKING_SLICE_MINUTES, type ServiceConfig, type ShopConfig } from '../../config/shop-config';
import { resolveLocalTime } from './local-time';
import { type OpeningInterval, openingIntervals } from './opening-hours';
import {
  bookingWindow,
  buildSlot,
  findService,
  OFFERED_START_GRACE_MINUTES,
  type SlotCandidate,
  type SlotOptions,
  startHasPassed,
} from './slots';
import { spokenDate, spokenDateTime, spokenDuration, spokenPlainDate, spokenTime } from './spoken';

export type SlotRejectionReason =
  | 'UNKNOWN_SERVICE'
  | 'NOT_ALIGNED'
  | 'IN_PAST'
  | 'TOO_SOON'
  | 'TOO_FAR'
  | 'CLOSED'
  | 'AMBIGUOUS_TIME'
  | 'OUTSIDE_HOURS';

export type SlotValidation =
  | { ok: true; slot: SlotCandidate }
  | { ok: false; reason: SlotRejectionReason; message: string };

function reject(reason: SlotRejectionReason, message: string): SlotValidation {
  return { ok: false, reason, message };
}

function isAligned(start: Temporal.ZonedDateTime): boolean {
  return (
    start.minute % BOOKING_SLICE_MINUTES === 0 &&
    start.second === 0 &&
    start.millisecond === 0 &&
    start.microsecond === 0 &&
    start.nanosecond === 0
  );
}

/** "from 8:00 AM to 12:00 PM and from 1:00 PM to 5:00 PM" */
function spokenHours(intervals: OpeningInterval[]): string {
  return intervals.map((i) => `from ${spokenTime(i.open)} to ${spokenTime(i.close)}`).join(' and ');
}

/** The latest quarter-hour start at which the job still fits in one of the intervals, if any. */
function latestStart(
  intervals: OpeningInterval[],
  durationMinutes: number,
): Temporal.ZonedDateTime | undefined {
  for (const interval of [...intervals].reverse()) {
    let start = interval.close
      .subtract({ minutes: durationMinutes })
      .round({ smallestUnit: 'minute', roundingIncrement: BOOKING_SLICE_MINUTES, roundingMode: 'floor' });
    while (Temporal.ZonedDateTime.compare(start, interval.open) >= 0) {
      if (resolveLocalTime(start.timeZoneId, start.toPlainDateTime()).kind === 'ok') return start;
      start = start.subtract({ minutes: BOOKING_SLICE_MINUTES });
    }
  }
  return undefined;
}

function outsideHours(
  svc: ServiceConfig,
  start: Temporal.ZonedDateTime,
  intervals: OpeningInterval[],
  now: Temporal.Instant,
): SlotValidation {
  const day = `On ${spokenDate(start, now)} we're open ${spokenHours(intervals)}`;
  const latest = latestStart(intervals, svc.durationMinutes);
  const job = `the ${svc.name} takes ${spokenDuration(svc.durationMinutes)}`;
  if (!latest) return reject('OUTSIDE_HOURS', `${day}, and ${job}, so it doesn't fit that day.`);
  return reject(
    'OUTSIDE_HOURS',
    `${day}, and ${job}, so it has to start and finish within those hours, ` +
      `starting by ${spokenTime(latest)} at the latest.`,
  );
}

/**
 * Checks a requested start for a service and returns the slot to book, or why not. The start may be in
 * any zone; it is judged on the shop's wall clock. Any quarter-hour start is accepted, not only the
 * offered 30-minute grid, so `candidateSlots` ⊆ accepted starts.
 */
export function validateRequestedSlot(
  shop: ShopConfig,
  serviceId: string,
  requestedStart: Temporal.ZonedDateTime,
  now: Temporal.Instant,
  options: SlotOptions = {},
): SlotValidation {
  const svc = findService(shop, serviceId);
  if (!svc) {
    const known = shop.services.map((s) => s.id).join(', ');
    return reject('UNKNOWN_SERVICE', `"${serviceId}" is not one of our services, which are: ${known}.`);
  }
  const start = requestedStart.withTimeZone(shop.timeZone);
  const window = bookingWindow(shop, now, options);

  if (!isAligned(start)) {
    const before = start.round({ smallestUnit: 'minute', roundingIncrement: 15, roundingMode: 'floor' });
    const after = before.add({ minutes: BOOKING_SLICE_MINUTES });
    return reject(
      'NOT_ALIGNED',
      'Appointments start on the quarter hour, ' +
        `so please pick a time like ${spokenTime(before)} or ${spokenTime(after)}.`,
    );
  }
  if (startHasPassed(start.toInstant(), now)) {
    return reject(
      'IN_PAST',
      `${spokenDateTime(start, now)} has already passed, so please pick a later time.`,
    );
  }
  const earliestBookable = window.earliestStart.subtract({ minutes: OFFERED_START_GRACE_MINUTES });
  if (Temporal.Instant.compare(start.toInstant(), earliestBookable) < 0) {
    const earliest = window.earliestStart
      .toZonedDateTimeISO(shop.timeZone)
      .round({ smallestUnit: 'minute', roundingIncrement: 15, roundingMode: 'ceil' });
    return reject(
      'TOO_SOON',
      `We need at least ${spokenDuration(window.minLeadMinutes)} of notice, ` +
        `so please pick a time from ${spokenDateTime(earliest, now)} on.`,
    );
  }
  if (Temporal.PlainDate.compare(start.toPlainDate(), window.lastDate) > 0) {
    return reject(
      'TOO_FAR',
      `We only book up to ${window.maxAdvanceDays} days ahead, ` +
        `so please pick a date on or before ${spokenPlainDate(shop.timeZone, window.lastDate, now)}.`,
    );
  }
  const intervals = openingIntervals(shop, start.toPlainDate());
  if (intervals.length === 0) {
    return reject('CLOSED', `We're closed on ${spokenDate(start, now)}, so please pick another day.`);
  }
  if (resolveLocalTime(shop.timeZone, start.toPlainDateTime()).kind !== 'ok') {
    return reject(
      'AMBIGUOUS_TIME',
      `${spokenTime(start)} happens twice on ${spokenDate(start, now)} because the clocks go back that night, ` +
        'so please pick a different time.',
    );
  }
  const end = start.add({ minutes: svc.durationMinutes });
  const fits = intervals.some(
    (i) =>
      Temporal.ZonedDateTime.compare(start, i.open) >= 0 && Temporal.ZonedDateTime.compare(end, i.close) <= 0,
  );
  if (!fits) return outsideHours(svc, start, intervals, now);
  return { ok: true, slot: buildSlot(start, svc.durationMinutes) };
}
