/**
 * When the shop is open on a given local date: closed dates, weekday hours, and each opening
 * interval as real instants in the shop's zone.
 */
import { Temporal } from 'temporal-polyfill';
import { minutesOfDay, type ShopConfig } from '../../config/shop-config';
import { boundaryInstant, localDateTime } from './local-time';
import { weekdayOf } from './shop-clock';

/** How far `nextDates` looks ahead before giving up (the schema guarantees one open weekday). */
const NEXT_DATES_HORIZON_DAYS = 731;

export interface LocalHours {
  /** "HH:MM" local wall-clock opening time. */
  open: string;
  /** "HH:MM" local wall-clock closing time (after `open`, same day). */
  close: string;
}

export interface OpeningInterval {
  /** The configured wall-clock times. */
  local: LocalHours;
  openLocal: Temporal.PlainDateTime;
  closeLocal: Temporal.PlainDateTime;
  /** The instants the shop opens and closes (a boundary in a DST gap is the moment the clock jumps). */
  open: Temporal.ZonedDateTime;
  close: Temporal.ZonedDateTime;
}

/** Whether the date is listed in `closedDates`. */
export function isListedClosedDate(shop: ShopConfig, date: Temporal.PlainDate): boolean {
  return shop.closedDates.includes(date.toString());
}

/** The configured hours for the date's weekday, sorted by opening time; empty on a closed date. */
export function hoursOn(shop: ShopConfig, date: Temporal.PlainDate): LocalHours[] {
  if (isListedClosedDate(shop, date)) return [];
  return [...shop.openingHours[weekdayOf(date)]].sort((a, b) => minutesOfDay(a.open) - minutesOfDay(b.open));
}

/** Closed all day: a listed closed date, or a weekday without opening hours. */
export function isClosedDate(shop: ShopConfig, date: Temporal.PlainDate): boolean {
  return hoursOn(shop, date).length === 0;
}

/** The date's opening intervals as instants, in order; intervals a DST change leaves empty are dropped. */
export function openingIntervals(shop: ShopConfig, date: Temporal.PlainDate): OpeningInterval[] {
  return hoursOn(shop, date)
    .map((hours) => {
      const openLocal = localDateTime(date, hours.open);
      const closeLocal = localDateTime(date, hours.close);
      return {
        local: { open: hours.open, close: hours.close },
        openLocal,
        closeLocal,
        open: boundaryInstant(shop.timeZone, openLocal, 'open'),
        close: boundaryInstant(shop.timeZone, closeLocal, 'close'),
      };
    })
    .filter((interval) => Temporal.ZonedDateTime.compare(interval.open, interval.close) < 0);
}

/**
 * Up to `count` open dates on or after `fromDate`, in order (looks at most two years ahead). Given a
 * "YYYY-MM-DD" string it answers in strings, given a PlainDate in PlainDates.
 */
export function nextDates(
  shop: ShopConfig,
  fromDate: Temporal.PlainDate,
  count: number,
): Temporal.PlainDate[];
export function nextDates(shop: ShopConfig, fromDate: string, count: number): string[];
export function nextDates(
  shop: ShopConfig,
  fromDate: Temporal.PlainDate | string,
  count: number,
): Temporal.PlainDate[] | string[] {
  const start =
    typeof fromDate === 'string' ? Temporal.PlainDate.from(fromDate, { overflow: 'reject' }) : fromDate;
  const dates: Temporal.PlainDate[] = [];
  for (let offset = 0; dates.length < count && offset < NEXT_DATES_HORIZON_DAYS; offset++) {
    const date = start.add({ days: offset });
    if (!isClosedDate(shop, date)) dates.push(date);
  }
  return typeof fromDate === 'string' ? dates.map((date) => date.toString()) : dates;
}
