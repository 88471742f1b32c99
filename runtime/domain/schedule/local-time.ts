/**
 * Local wall-clock time in a shop's zone ↔ instants, with DST gaps and overlaps made explicit
 * (reliability DAT-06/DAT-07). Conversions never use the default 'compatible' disambiguation, which
 * silently moves a time in a spring-forward gap by an hour.
 */
import { Temporal } from 'temporal-polyfill';

export type LocalTimeResolution =
  /** The wall-clock time happens exactly once. */
  | { kind: 'ok'; zoned: Temporal.ZonedDateTime }
  /** The wall-clock time is skipped (spring forward); `resumesAt` is the instant the clock jumps to. */
  | { kind: 'nonexistent'; resumesAt: Temporal.ZonedDateTime }
  /** The wall-clock time happens twice (fall back): first at `earlier`, again at `later`. */
  | { kind: 'ambiguous'; earlier: Temporal.ZonedDateTime; later: Temporal.ZonedDateTime };

/**
 * Resolves a local date-time in `timeZone` with 'reject' semantics, classifying why it would be rejected:
 * 'earlier' and 'later' disambiguation give the same instant only when the time exists exactly once;
 * when they differ, both keep the wall-clock reading in an overlap and neither does in a gap.
 */
export function resolveLocalTime(timeZone: string, local: Temporal.PlainDateTime): LocalTimeResolution {
  const earlier = local.toZonedDateTime(timeZone, { disambiguation: 'earlier' });
  const later = local.toZonedDateTime(timeZone, { disambiguation: 'later' });
  // One instant: exactly what 'reject' would return (same instant, zone and calendar), without a
  // third conversion, which in the polyfill costs as much as the other two.
  if (earlier.epochNanoseconds === later.epochNanoseconds) return { kind: 'ok', zoned: earlier };
  if (earlier.toPlainDateTime().equals(local) && later.toPlainDateTime().equals(local)) {
    return { kind: 'ambiguous', earlier, later };
  }
  return { kind: 'nonexistent', resumesAt: earlier.getTimeZoneTransition('next') ?? later };
}

/**
 * The instant a wall-clock boundary of opening hours falls on. A boundary inside a gap is the moment
 * the clock jumps past it. A repeated boundary takes the reading that keeps the interval shorter
 * (opening at the second occurrence, closing at the first), so no doubtful time is ever offered.
 */
export function boundaryInstant(
  timeZone: string,
  local: Temporal.PlainDateTime,
  edge: 'open' | 'close',
): Temporal.ZonedDateTime {
  const resolved = resolveLocalTime(timeZone, local);
  switch (resolved.kind) {
    case 'ok':
      return resolved.zoned;
    case 'nonexistent':
      return resolved.resumesAt;
    case 'ambiguous':
      return edge === 'open' ? resolved.later : resolved.earlier;
  }
}

/** "YYYY-MM-DDTHH:MM" on the wall clock of the value's zone: the stored `localStart` form. */
export function formatLocal(zdt: Temporal.ZonedDateTime): string {
  return zdt.toPlainDateTime().toString({ smallestUnit: 'minute' });
}

/** "YYYY-MM-DDTHH:MM:SSZ": the UTC form used for `startUtc`, slice keys and sorting. */
export function formatUtc(value: Temporal.Instant | Temporal.ZonedDateTime): string {
  return formatUtcMs(value.epochMilliseconds);
}

/**
 * formatUtc of an epoch time in milliseconds, truncated to the second like Temporal's
 * `toString({ smallestUnit: 'second' })` (a test holds the two to the same output). Slot building
 * formats a dozen of these per candidate, and Date's formatter is ~20x cheaper than the polyfill's.
 */
export function formatUtcMs(epochMs: number): string {
  const iso = new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
  return `${iso.slice(0, -5)}Z`;
}

/** A wall-clock time "HH:MM" on a date, as a PlainDateTime (no zone yet). */
export function localDateTime(date: Temporal.PlainDate, time: string): Temporal.PlainDateTime {
  return date.toPlainDateTime(Temporal.PlainTime.from(time));
}
