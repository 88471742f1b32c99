/**
 * Parsing of the `start_time` and `date` tool arguments the language model produces (DAT-08: the
 * server checks every date it is given). Failures carry a reason code and one sentence the voice
 * assistant can act on or relay.
 */
import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../../config/shop-config';
import { resolveLocalTime } from './local-time';
import { shopToday } from './shop-clock';
import { spokenTime, spokenWallClock } from './spoken';

export type StartParseFailure = 'malformed' | 'invalid_date' | 'nonexistent' | 'ambiguous';

export type ParsedStart =
  | {
      ok: true;
      /** The start in the shop's zone. */
      start: Temporal.ZonedDateTime;
      /** 'instant' when the text carried an offset or Z, 'local' when it was shop wall-clock time. */
      form: 'instant' | 'local';
    }
  | { ok: false; reason: StartParseFailure; message: string };

export type DateParseFailure = 'malformed' | 'invalid_date';

export type ParsedDate =
  | { ok: true; date: Temporal.PlainDate }
  | { ok: false; reason: DateParseFailure; message: string };

// YYYY-MM-DD, T (or a space), HH:MM, optional :SS(.fraction), optional Z or ±HH[:MM] offset.
const START_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date-time from numeric fields, or undefined (month 13, February 30, 24:00, …). */
function realDateTime(fields: (string | undefined)[]): Temporal.PlainDateTime | undefined {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields.map((field) =>
    Number(field ?? 0),
  );
  try {
    return Temporal.PlainDateTime.from({ year, month, day, hour, minute, second }, { overflow: 'reject' });
  } catch {
    return undefined;
  }
}

function malformedStart(shop: ShopConfig, text: string, now: Temporal.Instant): ParsedStart {
  const example = `${shopToday(shop, now).add({ days: 1 }).toString()}T09:30`;
  return {
    ok: false,
    reason: 'malformed',
    message: `I couldn't read the start time "${text}"; give it as the shop's local time like ${example}.`,
  };
}

/**
 * Parses `start_time`: either an instant (ISO 8601 with an offset or Z, e.g. "2026-12-02T09:30:00-06:00")
 * or local wall-clock time in the shop's zone ("2026-12-02T09:30", seconds optional). A local time in a
 * DST gap or overlap is refused, never shifted or guessed. `now` supplies the example date in the
 * message for unreadable text.
 */
export function parseRequestedStart(shop: ShopConfig, text: string, now: Temporal.Instant): ParsedStart {
  const trimmed = text.trim();
  const match = START_PATTERN.exec(trimmed);
  if (!match) return malformedStart(shop, trimmed, now);
  const local = realDateTime(match.slice(1, 7));
  if (!local) {
    return {
      ok: false,
      reason: 'invalid_date',
      message: `"${trimmed}" is not a real date and time, so please check the day and the time.`,
    };
  }

  if (match[7]) {
    let instant: Temporal.Instant;
    try {
      instant = Temporal.Instant.from(trimmed.replace(' ', 'T'));
    } catch {
      return malformedStart(shop, trimmed, now);
    }
    return { ok: true, start: instant.toZonedDateTimeISO(shop.timeZone), form: 'instant' };
  }

  // Re-read the text itself so a fraction of a second is kept (and later refused as not aligned).
  const resolved = resolveLocalTime(shop.timeZone, Temporal.PlainDateTime.from(trimmed.replace(' ', 'T')));
  const wall = spokenWallClock(local);
  switch (resolved.kind) {
    case 'ok':
      return { ok: true, start: resolved.zoned, form: 'local' };
    case 'nonexistent':
      return {
        ok: false,
        reason: 'nonexistent',
        message:
          `${wall.time} on ${wall.date} doesn't exist because the clocks jump forward to ` +
          `${spokenTime(resolved.resumesAt)} that night, so please pick another time.`,
      };
    case 'ambiguous':
      return {
        ok: false,
        reason: 'ambiguous',
        message:
          `${wall.time} on ${wall.date} happens twice because the clocks go back an hour that night, ` +
          `so please pick a different time.`,
      };
  }
}

/**
 * Parses a `date` argument: "YYYY-MM-DD" (a real calendar date), or "today" / "tomorrow" relative to
 * the shop's local date — at 23:58 in the shop, "tomorrow" is the next local day even when UTC has
 * already moved on.
 */
export function parseRequestedDate(shop: ShopConfig, text: string, now: Temporal.Instant): ParsedDate {
  const trimmed = text.trim();
  const keyword = trimmed.toLowerCase();
  if (keyword === 'today') return { ok: true, date: shopToday(shop, now) };
  if (keyword === 'tomorrow') return { ok: true, date: shopToday(shop, now).add({ days: 1 }) };

  const match = DATE_PATTERN.exec(trimmed);
  if (!match) {
    return {
      ok: false,
      reason: 'malformed',
      message: `I couldn't read the date "${trimmed}"; give it as YYYY-MM-DD, or say today or tomorrow.`,
    };
  }
  const local = realDateTime([...match.slice(1, 4), '0', '0', '0']);
  if (!local) {
    return {
      ok: false,
      reason: 'invalid_date',
      message: `"${trimmed}" is not a real calendar date, so please check the day.`,
    };
  }
  return { ok: true, date: local.toPlainDate() };
}
