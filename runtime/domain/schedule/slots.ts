/**
 * Candidate appointment slots for a service on a local date (DAT-07): walk the shop's wall clock from
 * each opening time, skip local times a DST change removes or repeats, and measure each job in real
 * elapsed minutes so it ends before closing even across a change.
 */
import { Temporal } from 'temporal-polyfill';
import { BOOKING_SLICE_MINUTES, type ServiceConfig, type ShopConfig } from '../../config/shop-config';
import { formatLocal, formatUtcMs, resolveLocalTime } from './local-time';
import { openingIntervals } from './opening-hours';
import { shopToday } from './shop-clock';

/** Offered starts are every this many minutes from each interval's opening time. */
export const SLOT_STEP_MINUTES = 30;
/** A booking must start at least this long after now, unless the caller says otherwise. */
export const DEFAULT_MIN_LEAD_MINUTES = 60;
/**
 * A start offered as the earliest one stays bookable this long past the lead time: between the
 * offer and the caller's confirmed yes a few minutes pass, and refusing the very time we offered
 * as "too soon" would be absurd. A start that has passed is refused all the same.
 */
export const OFFERED_START_GRACE_MINUTES = 15;
/** Bookings may be made this many days ahead of the shop's local today (inclusive). */
export const DEFAULT_MAX_ADVANCE_DAYS = 90;

export interface SlotOptions {
  /** Minutes between now and the earliest start; default 60. */
  minLeadMinutes?: number;
  /** Last bookable date is the shop's local today plus this many days; default 90. */
  maxAdvanceDays?: number;
  /** Spacing of offered starts; a positive multiple of 15, default 30. */
  stepMinutes?: number;
}

/** One possible appointment: the shop-local form that is stored, the UTC form and its bay-lock slices. */
export interface SlotCandidate {
  /** "YYYY-MM-DDTHH:MM" on the shop's wall clock. */
  localStart: string;
  localEnd: string;
  /** "YYYY-MM-DDTHH:MM:SSZ". */
  startUtc: string;
  endUtc: string;
  /** UTC start of each 15-minute slice the job occupies ("YYYY-MM-DDTHH:MM:SSZ"); bay-lock keys use them. */
  slices: string[];
}

export interface BookingWindow {
  /** The earliest instant a job may start (now + lead time). */
  earliestStart: Temporal.Instant;
  /** The last local date that may be booked. */
  lastDate: Temporal.PlainDate;
  minLeadMinutes: number;
  maxAdvanceDays: number;
}

function wholeNumber(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}`);
  return value;
}

/** The booking window as of `now`, in the shop's zone. */
export function bookingWindow(
  shop: ShopConfig,
  now: Temporal.Instant,
  options: SlotOptions = {},
): BookingWindow {
  const minLeadMinutes = wholeNumber(options.minLeadMinutes ?? DEFAULT_MIN_LEAD_MINUTES, 'minLeadMinutes', 0);
  const maxAdvanceDays = wholeNumber(options.maxAdvanceDays ?? DEFAULT_MAX_ADVANCE_DAYS, 'maxAdvanceDays', 0);
  return {
    earliestStart: now.add({ minutes: minLeadMinutes }),
    lastDate: shopToday(shop, now).add({ days: maxAdvanceDays }),
    minLeadMinutes,
    maxAdvanceDays,
  };
}

/**
 * A start at `now` itself counts as passed: by the time the caller has said yes it is. Offering
 * (candidateSlots) and booking (validateRequestedSlot) share this, so nothing offered is refused.
 */
export function startHasPassed(start: Temporal.Instant, now: Temporal.Instant): boolean {
  return Temporal.Instant.compare(start, now) <= 0;
}

export function findService(shop: ShopConfig, serviceId: string): ServiceConfig | undefined {
  return shop.services.find((svc) => svc.id === serviceId);
}

function requireService(shop: ShopConfig, serviceId: string): ServiceConfig {
  const svc = findService(shop, serviceId);
  if (!svc) throw new RangeError(`unknown service "${serviceId}"`);
  return svc;
}

const SLICE_MS = BOOKING_SLICE_MINUTES * 60_000;

/** The slot of a job starting at `start`; its end and slices are measured in elapsed time, not wall clock. */
export function buildSlot(
  start: Temporal.ZonedDateTime,
  durationMinutes: number,
  end: Temporal.ZonedDateTime = start.add({ minutes: durationMinutes }),
): SlotCandidate {
  const sliceCount = durationMinutes / BOOKING_SLICE_MINUTES;
  if (!Number.isInteger(sliceCount) || sliceCount < 1) {
    throw new RangeError(
      `duration ${durationMinutes} is not a positive multiple of ${BOOKING_SLICE_MINUTES}`,
    );
  }
  const startMs = start.epochMilliseconds;
  return {
    localStart: formatLocal(start),
    localEnd: formatLocal(end),
    startUtc: formatUtcMs(startMs),
    endUtc: formatUtcMs(end.epochMilliseconds),
    slices: Array.from({ length: sliceCount }, (_, i) => formatUtcMs(startMs + i * SLICE_MS)),
  };
}

/** The slot's start back in the shop's zone. */
export function slotStart(shop: ShopConfig, slot: SlotCandidate): Temporal.ZonedDateTime {
  return Temporal.Instant.from(slot.startUtc).toZonedDateTimeISO(shop.timeZone);
}

function toPlainDate(date: Temporal.PlainDate | string): Temporal.PlainDate {
  return typeof date === 'string' ? Temporal.PlainDate.from(date, { overflow: 'reject' }) : date;
}

/**
 * Candidate starts for a service on a local date, in time order: every `stepMinutes` of wall-clock
 * time from each opening (rounded up to the quarter hour), keeping only local times that exist exactly
 * once, jobs that finish by closing (in real elapsed minutes), starts at least the lead time after
 * `now`, and dates within the booking window. Bay availability is not considered here (see `bays.ts`).
 * Throws on an unknown service id.
 */
export function candidateSlots(
  shop: ShopConfig,
  serviceId: string,
  localDate: Temporal.PlainDate | string,
  now: Temporal.Instant,
  options: SlotOptions = {},
): SlotCandidate[] {
  const svc = requireService(shop, serviceId);
  const date = toPlainDate(localDate);
  const step = wholeNumber(options.stepMinutes ?? SLOT_STEP_MINUTES, 'stepMinutes', BOOKING_SLICE_MINUTES);
  if (step % BOOKING_SLICE_MINUTES !== 0) throw new RangeError('stepMinutes must be a multiple of 15');
  const window = bookingWindow(shop, now, options);
  if (Temporal.PlainDate.compare(date, window.lastDate) > 0) return [];
  return dayCandidates(shop, svc, date, step)
    .filter((c) => {
      const start = Temporal.Instant.fromEpochMilliseconds(c.startMs);
      return !startHasPassed(start, now) && Temporal.Instant.compare(start, window.earliestStart) >= 0;
    })
    .map((c) => c.slot);
}

interface DayCandidate {
  slot: SlotCandidate;
  startMs: number;
}

/**
 * Candidates depend only on the shop's hours, the service and the date, never on `now`, so each day
 * is walked once per shop (a few ms of Temporal arithmetic) and then only filtered. Shop configs are
 * parsed once and never changed in place; the cache is keyed by the config object and bounded.
 */
const dayCache = new WeakMap<ShopConfig, Map<string, readonly DayCandidate[]>>();
const DAYS_CACHED_PER_SHOP = 512;

function dayCandidates(
  shop: ShopConfig,
  svc: ServiceConfig,
  date: Temporal.PlainDate,
  step: number,
): readonly DayCandidate[] {
  let days = dayCache.get(shop);
  if (!days) {
    days = new Map();
    dayCache.set(shop, days);
  }
  const key = `${date.toString()}|${svc.id}|${svc.durationMinutes}|${step}`;
  let candidates = days.get(key);
  if (!candidates) {
    candidates = walkDay(shop, svc, date, step);
    if (days.size >= DAYS_CACHED_PER_SHOP) days.delete(days.keys().next().value!);
    days.set(key, candidates);
  }
  return candidates;
}

function walkDay(
  shop: ShopConfig,
  svc: ServiceConfig,
  date: Temporal.PlainDate,
  step: number,
): readonly DayCandidate[] {
  const candidates: DayCandidate[] = [];
  for (const interval of openingIntervals(shop, date)) {
    // Starts stay on the quarter hour (slices are lock keys), so an 08:05 opening offers 08:15 first.
    const firstStart = interval.openLocal.round({
      smallestUnit: 'minute',
      roundingIncrement: BOOKING_SLICE_MINUTES,
      roundingMode: 'ceil',
    });
    for (
      let local = firstStart;
      Temporal.PlainDateTime.compare(local, interval.closeLocal) < 0;
      local = local.add({ minutes: step })
    ) {
      const resolved = resolveLocalTime(shop.timeZone, local);
      if (resolved.kind !== 'ok') continue;
      const start = resolved.zoned;
      const end = start.add({ minutes: svc.durationMinutes });
      if (Temporal.ZonedDateTime.compare(start, interval.open) < 0) continue;
      if (Temporal.ZonedDateTime.compare(end, interval.close) > 0) continue;
      // Frozen: every caller of this day shares the objects.
      const slot = buildSlot(start, svc.durationMinutes, end);
      Object.freeze(slot.slices);
      candidates.push({ slot: Object.freeze(slot), startMs: start.epochMilliseconds });
    }
  }
  return Object.freeze(candidates);
}
