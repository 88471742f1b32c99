/**
 * When a reminder call goes out: pure functions of the shop's reminder settings, the appointment's
 * start and an injected "now". Nothing here reads the clock or the process time zone (DAT-06).
 *
 * The rules, as a shop owner would expect them:
 * 1. Nominal moment = the appointment's start minus the lead time. Whole days of the lead time are
 *    calendar days on the shop's wall clock (24 h = the same local time the day before, also across a
 *    DST change); the remaining hours are real elapsed hours. So 24 h before Monday 10:00 is Sunday
 *    10:00 even when Sunday is 23 or 25 hours long, and 30 h before it is Sunday 10:00 minus 6 h.
 * 2. The calling window (shop setting, always inside 08:00–21:00) applies on the nominal day:
 *    - too late in the day → the latest start the window allows that day (window end minus
 *      END_MARGIN_MINUTES, so a call placed a minute late by the scheduler is still inside);
 *    - too early in the day → the window's start that same day, if that still leaves MIN_NOTICE
 *      before the appointment; otherwise the previous day's latest start. A reminder never comes
 *      after the appointment it is about, and moves as little as possible.
 * 3. No reminder when that moment is closer than MIN_NOTICE to the start, or comes less than
 *    MIN_AFTER_BOOKING after now (the plan is made as they book or move it): a call an hour after
 *    they hung up reminds them of nothing they could have forgotten.
 * 4. The window holds in the shop's zone and in every zone the customer's number points at
 *    (CMP-05: calling hours are the called party's). When those differ, the reminder moves to the
 *    schedulable moment nearest the nominal one, in quarter hours; with none, there is no reminder.
 * Closed days are not skipped: a call on a Sunday inside the window is fine for a reminder.
 */
import { Temporal } from 'temporal-polyfill';
import { LEGAL_CALLING_WINDOW, minutesOfDay, type ShopConfig } from '../config/shop-config';
import { resolveLocalTime } from '../domain/schedule';

/** A reminder closer than this to the appointment is pointless (the customer is on the way). */
export const MIN_NOTICE = Temporal.Duration.from({ hours: 1 });
/** Scheduler fires up to a minute late and a call takes minutes: never start right at the window end. */
export const END_MARGIN_MINUTES = 15;
/** A reminder this soon after the booking (or its move) is not a reminder. */
export const MIN_AFTER_BOOKING = Temporal.Duration.from({ hours: 4 });
/** A no-answer/busy/failed first attempt is retried once, this much later, if still inside the window. */
export const RETRY_DELAY = Temporal.Duration.from({ minutes: 30 });

export type ReminderSettings = Pick<ShopConfig, 'timeZone' | 'reminders'>;

export type ReminderPlan =
  | {
      kind: 'call';
      /** The moment the dialer should run, in the shop's zone. */
      at: Temporal.ZonedDateTime;
      /** `at(...)` body for EventBridge Scheduler plus the zone it is read in. */
      expression: { at: string; timeZone: string };
      /** How the calling window changed the nominal moment. */
      adjusted: 'none' | 'later_same_day' | 'earlier_same_day' | 'previous_day' | 'callee_time_zone';
    }
  | { kind: 'none'; reason: 'too_soon' | 'disabled' | 'no_calling_time' };

interface Window {
  startMinutes: number;
  /** Latest minute of the day a reminder may be scheduled to start. */
  latestMinutes: number;
  /** The window's real end: no call is placed at or after it. */
  endMinutes: number;
}

function callingWindow(shop: ReminderSettings): Window {
  const { start, end } = shop.reminders.callingWindow;
  // The schema already enforces the legal bounds; intersecting again costs nothing and keeps this
  // module safe for any caller.
  const startMinutes = Math.max(minutesOfDay(start), minutesOfDay(LEGAL_CALLING_WINDOW.start));
  const endMinutes = Math.min(minutesOfDay(end), minutesOfDay(LEGAL_CALLING_WINDOW.end));
  const latestMinutes = Math.max(startMinutes, endMinutes - END_MARGIN_MINUTES);
  return { startMinutes, latestMinutes, endMinutes };
}

/** A wall-clock minute of a local date as an instant; a time skipped by DST becomes the jump. */
function atMinute(timeZone: string, date: Temporal.PlainDate, minutes: number): Temporal.ZonedDateTime {
  const local = date.toPlainDateTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
  const resolved = resolveLocalTime(timeZone, local);
  if (resolved.kind === 'ok') return resolved.zoned;
  if (resolved.kind === 'nonexistent') return resolved.resumesAt;
  return resolved.earlier;
}

const minuteOfDay = (zdt: Temporal.ZonedDateTime) => zdt.hour * 60 + zdt.minute + zdt.second / 60;

/** The shop's zone and the ones the callee's number points at, each once. */
function zonesToHonour(shop: ReminderSettings, calleeZones: readonly string[]): string[] {
  return [...new Set([shop.timeZone, ...calleeZones])];
}

/** True when `at` falls inside [start, lastMinute] of the window on every zone's wall clock. */
function insideEverywhere(
  window: Window,
  at: Temporal.Instant,
  zones: readonly string[],
  lastMinute: number,
) {
  return zones.every((zone) => {
    const minute = minuteOfDay(at.toZonedDateTimeISO(zone));
    return minute >= window.startMinutes && minute <= lastMinute;
  });
}

const QUARTER_HOUR = Temporal.Duration.from({ minutes: 15 });
/** Windows recur daily: a moment further than this from the nominal one means they never overlap. */
const MAX_SHIFT_STEPS = (48 * 60) / 15;

/** The schedulable moment in [earliest, latest] nearest `nominal`, in quarter hours; earlier on a tie. */
function nearestSchedulable(
  window: Window,
  zones: readonly string[],
  nominal: Temporal.Instant,
  earliest: Temporal.Instant,
  latest: Temporal.Instant,
): Temporal.Instant | null {
  const fits = (at: Temporal.Instant) =>
    Temporal.Instant.compare(at, earliest) >= 0 &&
    Temporal.Instant.compare(at, latest) <= 0 &&
    insideEverywhere(window, at, zones, window.latestMinutes);
  let before = nominal;
  let after = nominal;
  for (let step = 0; step <= MAX_SHIFT_STEPS; step++) {
    if (fits(before)) return before;
    if (fits(after)) return after;
    before = before.subtract(QUARTER_HOUR);
    after = after.add(QUARTER_HOUR);
  }
  return null;
}

/** The nominal moment: whole days on the wall clock, the rest in elapsed hours (rule 1). */
export function nominalReminderTime(
  shop: ReminderSettings,
  appointmentStart: Temporal.ZonedDateTime,
): Temporal.ZonedDateTime {
  const hours = shop.reminders.leadTimeHours;
  const start = appointmentStart.withTimeZone(shop.timeZone);
  // ZonedDateTime arithmetic adds days on the wall clock and hours in exact time: exactly rule 1.
  return start.subtract({ days: Math.floor(hours / 24), hours: hours % 24 });
}

/** The `at()` form: the shop's wall clock to the second; UTC only where the wall clock repeats. */
export function scheduleExpression(zdt: Temporal.ZonedDateTime): { at: string; timeZone: string } {
  const wall = zdt.toPlainDateTime();
  const resolved = resolveLocalTime(zdt.timeZoneId, wall);
  // Scheduler's reading of a repeated (fall-back) local time is undocumented (DAT-09): say it in UTC.
  if (resolved.kind !== 'ok') {
    return {
      at: zdt.withTimeZone('UTC').toPlainDateTime().toString({ smallestUnit: 'second' }),
      timeZone: 'UTC',
    };
  }
  return { at: wall.toString({ smallestUnit: 'second' }), timeZone: zdt.timeZoneId };
}

export function planReminder(
  shop: ReminderSettings,
  appointmentStart: Temporal.ZonedDateTime,
  now: Temporal.Instant,
  calleeZones: readonly string[] = [],
): ReminderPlan {
  if (!shop.reminders.enabled) return { kind: 'none', reason: 'disabled' };
  const window = callingWindow(shop);
  const start = appointmentStart.withTimeZone(shop.timeZone);
  const latestAllowed = start.toInstant().subtract(MIN_NOTICE);
  const nominal = nominalReminderTime(shop, start);
  const zones = zonesToHonour(shop, calleeZones);
  if (zones.length > 1) {
    const earliest = now.add(MIN_AFTER_BOOKING);
    const at = nearestSchedulable(window, zones, nominal.toInstant(), earliest, latestAllowed);
    if (!at) return { kind: 'none', reason: 'no_calling_time' };
    const zoned = at.toZonedDateTimeISO(shop.timeZone);
    const adjusted = at.equals(nominal.toInstant()) ? 'none' : 'callee_time_zone';
    return { kind: 'call', at: zoned, expression: scheduleExpression(zoned), adjusted };
  }
  const day = nominal.toPlainDate();
  const minute = minuteOfDay(nominal);

  let at = nominal;
  let adjusted: Extract<ReminderPlan, { kind: 'call' }>['adjusted'] = 'none';
  if (minute > window.latestMinutes) {
    at = atMinute(shop.timeZone, day, window.latestMinutes);
    adjusted = 'earlier_same_day';
  } else if (minute < window.startMinutes) {
    at = atMinute(shop.timeZone, day, window.startMinutes);
    adjusted = 'later_same_day';
    if (Temporal.Instant.compare(at.toInstant(), latestAllowed) > 0) {
      at = atMinute(shop.timeZone, day.subtract({ days: 1 }), window.latestMinutes);
      adjusted = 'previous_day';
    }
  }
  if (Temporal.Instant.compare(at.toInstant(), latestAllowed) > 0)
    return { kind: 'none', reason: 'too_soon' };
  if (Temporal.Instant.compare(at.toInstant(), now.add(MIN_AFTER_BOOKING)) < 0) {
    return { kind: 'none', reason: 'too_soon' };
  }
  return { kind: 'call', at, expression: scheduleExpression(at), adjusted };
}

/**
 * Whether a call may be placed at `now` (dial-time check, CMP-05): inside [window start, window end)
 * in the shop's zone and in every zone the callee's number points at.
 */
export function insideCallingWindow(
  shop: ReminderSettings,
  now: Temporal.Instant,
  calleeZones: readonly string[] = [],
): boolean {
  const window = callingWindow(shop);
  return zonesToHonour(shop, calleeZones).every((zone) => {
    const minute = minuteOfDay(now.toZonedDateTimeISO(zone));
    return minute >= window.startMinutes && minute < window.endMinutes;
  });
}

/**
 * The one retry after an unanswered first attempt: RETRY_DELAY after `now`, only if that is still a
 * schedulable time inside today's window and at least MIN_NOTICE before the appointment.
 */
export function planRetry(
  shop: ReminderSettings,
  appointmentStart: Temporal.ZonedDateTime,
  now: Temporal.Instant,
  calleeZones: readonly string[] = [],
): Temporal.ZonedDateTime | null {
  if (!shop.reminders.enabled) return null;
  const window = callingWindow(shop);
  const at = now.add(RETRY_DELAY).toZonedDateTimeISO(shop.timeZone);
  const today = now.toZonedDateTimeISO(shop.timeZone).toPlainDate();
  const zones = zonesToHonour(shop, calleeZones);
  if (
    !at.toPlainDate().equals(today) ||
    !insideEverywhere(window, at.toInstant(), zones, window.latestMinutes)
  ) {
    return null;
  }
  const latestAllowed = appointmentStart.toInstant().subtract(MIN_NOTICE);
  return Temporal.Instant.compare(at.toInstant(), latestAllowed) <= 0 ? at : null;
}
