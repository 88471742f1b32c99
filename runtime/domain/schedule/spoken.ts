/**
 * Spoken-friendly renderings of shop times ("Wednesday, December 2 at 9:30 AM"), always in the zone of
 * the value being spoken (a shop time is a ZonedDateTime in the shop's zone), never the process's zone.
 *
 * Built from Intl.DateTimeFormat parts rather than its whole output, so ICU's punctuation choices
 * (", " vs " at ", narrow no-break spaces before AM/PM) cannot leak into what the voice says.
 */
import type { Temporal } from 'temporal-polyfill';

interface SpokenParts {
  weekday: string;
  month: string;
  day: string;
  year: string;
  /** "9:30 AM" */
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function spokenParts(zdt: Temporal.ZonedDateTime): SpokenParts {
  const parts = formatterFor(zdt.timeZoneId).formatToParts(new Date(zdt.epochMilliseconds));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    weekday: part('weekday'),
    month: part('month'),
    day: part('day'),
    year: part('year'),
    time: spokenClockTime(zdt.hour, zdt.minute),
  };
}

/**
 * "9:30 AM" for a wall-clock hour (0–23) and minute; noon is "12:00 PM" and midnight "12:00 AM".
 * Plain arithmetic rather than Intl: a slot list says a dozen of these, and the reading is the same.
 */
export function spokenClockTime(hour: number, minute: number): string {
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  return `${hour12}:${String(minute).padStart(2, '0')} ${hour < 12 ? 'AM' : 'PM'}`;
}

/** The year is said only when it differs from the current year where the time is (always, without `now`). */
function needsYear(zdt: Temporal.ZonedDateTime, now: Temporal.Instant | undefined): boolean {
  return now === undefined || now.toZonedDateTimeISO(zdt.timeZoneId).year !== zdt.year;
}

/** "Wednesday, December 2" (or "Saturday, January 2, 2027" when the year is not the current one). */
export function spokenDate(zdt: Temporal.ZonedDateTime, now?: Temporal.Instant): string {
  const p = spokenParts(zdt);
  const date = `${p.weekday}, ${p.month} ${p.day}`;
  return needsYear(zdt, now) ? `${date}, ${p.year}` : date;
}

/** "9:30 AM"; noon is "12:00 PM" and midnight "12:00 AM". */
export function spokenTime(zdt: Temporal.ZonedDateTime): string {
  return spokenClockTime(zdt.hour, zdt.minute);
}

/** "Wednesday, December 2 at 9:30 AM" (year added when it is not the current one). */
export function spokenDateTime(zdt: Temporal.ZonedDateTime, now?: Temporal.Instant): string {
  return `${spokenDate(zdt, now)} at ${spokenTime(zdt)}`;
}

/** A calendar date in a zone, spoken: noon always exists, so the date is never shifted. */
export function spokenPlainDate(timeZone: string, date: Temporal.PlainDate, now?: Temporal.Instant): string {
  return spokenDate(date.toZonedDateTime({ timeZone, plainTime: '12:00' }), now);
}

/** Wall-clock reading of a local date-time that may not exist in any zone (e.g. inside a DST gap). */
export function spokenWallClock(local: Temporal.PlainDateTime): { date: string; time: string } {
  const p = spokenParts(local.toZonedDateTime('UTC'));
  return { date: `${p.weekday}, ${p.month} ${p.day}`, time: p.time };
}

/** "30 minutes", "1 hour", "1 hour and 30 minutes", "2 hours". */
export function spokenDuration(totalMinutes: number): string {
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  const hourText = hours === 1 ? '1 hour' : `${hours} hours`;
  const minuteText = minutes === 1 ? '1 minute' : `${minutes} minutes`;
  if (hours === 0) return minuteText;
  if (minutes === 0) return hourText;
  return `${hourText} and ${minuteText}`;
}
