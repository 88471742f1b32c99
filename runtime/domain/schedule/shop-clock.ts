/**
 * "Now" as the shop sees it. The current instant is always passed in (never read from the clock
 * here), and everything is computed in the shop's zone, so the process's own TZ cannot matter.
 */
import type { Temporal } from 'temporal-polyfill';
import { type ShopConfig, WEEKDAYS, type Weekday } from '../../config/shop-config';
import { spokenDate, spokenTime } from './spoken';

/** The current instant on the shop's wall clock. */
export function shopNow(shop: ShopConfig, now: Temporal.Instant): Temporal.ZonedDateTime {
  return now.toZonedDateTimeISO(shop.timeZone);
}

/** Today's date in the shop's zone (not UTC's, not the server's). */
export function shopToday(shop: ShopConfig, now: Temporal.Instant): Temporal.PlainDate {
  return shopNow(shop, now).toPlainDate();
}

/** The config weekday key ("monday" … "sunday") of a calendar date. */
export function weekdayOf(date: Temporal.PlainDate): Weekday {
  return WEEKDAYS[date.dayOfWeek - 1]!;
}

export interface ShopLocalDay {
  /** "YYYY-MM-DD" in the shop's zone. */
  date: string;
  weekday: Weekday;
}

/** Today's local date and weekday in the shop's zone. */
export function shopLocalDay(shop: ShopConfig, now: Temporal.Instant): ShopLocalDay {
  const today = shopToday(shop, now);
  return { date: today.toString(), weekday: weekdayOf(today) };
}

/** "Tuesday, December 1, 2026, 4:05 PM (America/Chicago)": the line the prompt carries every turn. */
export function describeNowForPrompt(shop: ShopConfig, now: Temporal.Instant): string {
  const local = shopNow(shop, now);
  return `${spokenDate(local)}, ${spokenTime(local)} (${shop.timeZone})`;
}
