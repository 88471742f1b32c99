/** Shared argument schemas and failure mapping for the tools that take times and services. */
import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../../config/shop-config';
import type { BookingOutcome } from '../../domain/booking/booking-service';
import { parseRequestedStart } from '../../domain/schedule';
import * as z from '../../zod';
import { type ToolErrorCode, ToolFailure } from '../contract';

export function serviceTypeSchema(shop: ShopConfig) {
  const ids = shop.services.map((s) => s.id) as [string, ...string[]];
  return z
    .enum(ids)
    .check(z.describe(`One of: ${shop.services.map((s) => `${s.id} (${s.name})`).join(', ')}`));
}

export const startTimeSchema = z
  .string()
  .check(
    z.minLength(10),
    z.maxLength(40),
    z.describe(
      "Start as the shop's local time 'YYYY-MM-DDTHH:MM', or ISO 8601 with offset exactly as get_available_slots returned it",
    ),
  );

export const appointmentIdSchema = z
  .string()
  .check(
    z.regex(
      /^apt_[0-9A-Z]{10}$/,
      'must be an appointment_id as returned by another tool, e.g. "apt_7K3M9Q2XAB"',
    ),
  );

export const vehicleIdSchema = z
  .string()
  .check(
    z.regex(/^veh_[0-9A-Z]{10}$/, 'must be a vehicle_id as returned by another tool, e.g. "veh_4N8C2T7Q1D"'),
  );

export function parseStartOrFail(shop: ShopConfig, text: string, now: Temporal.Instant, field: string) {
  const parsed = parseRequestedStart(shop, text, now);
  if (!parsed.ok) throw new ToolFailure('INVALID_ARGUMENT', parsed.message, { field });
  return parsed.start;
}

const REASON_TO_CODE: Record<string, ToolErrorCode> = {
  SLOT_TAKEN: 'SLOT_TAKEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUTSIDE_HOURS: 'OUTSIDE_HOURS',
  CLOSED: 'CLOSED',
  IN_PAST: 'IN_PAST',
};

/** Turns a failed booking outcome into the tool error the model sees. */
export function failBooking(outcome: Extract<BookingOutcome, { ok: false }>, field: string): never {
  const code = REASON_TO_CODE[outcome.reason] ?? 'INVALID_ARGUMENT';
  throw new ToolFailure(code, outcome.message, code === 'INVALID_ARGUMENT' ? { field } : {});
}
