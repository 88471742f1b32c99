/**
 * Booking, rescheduling and cancelling: the rules (domain/schedule) applied to the stored
 * calendar (data/appointments-repo). Capacity is never decided from a read alone: the read only
 * picks which bay to try, and the conditional transaction decides.
 */
import { Temporal } from 'temporal-polyfill';
import { baysForService, type ShopConfig } from '../../config/shop-config';
import type { AppointmentsRepository, SlotLock } from '../../data/appointments-repo';
import { stableId } from '../../data/ids';
import type { Appointment } from '../../data/records';
import {
  candidateSlots,
  freeBays,
  lockKey,
  nextDates,
  type SlotCandidate,
  type SlotRejectionReason,
  validateRequestedSlot,
} from '../schedule';

export interface BookingDependencies {
  shop: ShopConfig;
  appointments: AppointmentsRepository;
  now: () => Temporal.Instant;
}

export type BookingFailureReason = SlotRejectionReason | 'SLOT_TAKEN' | 'NOT_FOUND' | 'CONFLICT';

export type BookingOutcome =
  | { ok: true; appointment: Appointment; replayed: boolean }
  | { ok: false; reason: BookingFailureReason; message: string };

export interface DayAvailability {
  date: string;
  slots: SlotCandidate[];
}

const SLOT_TAKEN_MESSAGE = 'That time was just taken.';
const MAX_INTENT_GENERATIONS = 5;

function heldSet(locks: readonly SlotLock[], ignoreAppointmentId?: string): Set<string> {
  const held = new Set<string>();
  for (const lock of locks) {
    if (lock.appointmentId !== ignoreAppointmentId) held.add(lockKey(lock.bay, lock.sliceUtc));
  }
  return held;
}

function serviceOf(shop: ShopConfig, serviceId: string) {
  const service = shop.services.find((s) => s.id === serviceId);
  if (!service) throw new Error(`unknown service ${serviceId}`);
  return service;
}

export async function availableSlots(
  deps: BookingDependencies,
  serviceId: string,
  localDate: string,
): Promise<SlotCandidate[]> {
  const candidates = candidateSlots(deps.shop, serviceId, localDate, deps.now());
  if (candidates.length === 0) return [];
  const held = heldSet(await deps.appointments.locksOn(localDate));
  const bays = baysForService(deps.shop, serviceOf(deps.shop, serviceId));
  return candidates.filter((slot) => freeBays(bays, slot.slices, held).length > 0);
}

/** The requested day, and when it has nothing free, the next few days that do. */
export async function findAvailability(
  deps: BookingDependencies,
  serviceId: string,
  localDate: string,
  options: { alternatives?: number; searchDays?: number } = {},
): Promise<{ requested: DayAvailability; alternatives: DayAvailability[] }> {
  const requested = { date: localDate, slots: await availableSlots(deps, serviceId, localDate) };
  const alternatives: DayAvailability[] = [];
  if (requested.slots.length === 0) {
    const wanted = options.alternatives ?? 3;
    const days = nextDates(deps.shop, localDate, options.searchDays ?? 14);
    // Days are independent reads; fetch them in small parallel batches and stop once enough.
    for (let i = 0; i < days.length && alternatives.length < wanted; i += 4) {
      const batch = await Promise.all(
        days
          .slice(i, i + 4)
          .map(async (date) => ({ date, slots: await availableSlots(deps, serviceId, date) })),
      );
      for (const day of batch)
        if (day.slots.length > 0 && alternatives.length < wanted) alternatives.push(day);
    }
  }
  return { requested, alternatives };
}

export interface BookingRequest {
  customerId: string;
  vehicleId: string;
  serviceId: string;
  start: Temporal.ZonedDateTime;
  notes?: string;
  callSid: string;
}

export async function bookAppointment(
  deps: BookingDependencies,
  request: BookingRequest,
): Promise<BookingOutcome> {
  const now = deps.now();
  const validation = validateRequestedSlot(deps.shop, request.serviceId, request.start, now);
  if (!validation.ok) return { ok: false, reason: validation.reason, message: validation.message };
  const slot = validation.slot;

  // The same call asking for the same thing again gets the appointment it already has (DAT-04).
  let appointmentId = '';
  for (let generation = 0; generation < MAX_INTENT_GENERATIONS; generation++) {
    appointmentId = stableId('apt', [
      request.callSid,
      request.customerId,
      request.vehicleId,
      request.serviceId,
      slot.startUtc,
      String(generation),
    ]);
    const existing = await deps.appointments.get(appointmentId);
    if (!existing) break;
    if (existing.status === 'booked') return { ok: true, appointment: existing, replayed: true };
  }

  const lockDate = slot.localStart.slice(0, 10);
  const held = heldSet(await deps.appointments.locksOn(lockDate));
  const bays = freeBays(
    baysForService(deps.shop, serviceOf(deps.shop, request.serviceId)),
    slot.slices,
    held,
  );
  const timestamp = now.toString({ smallestUnit: 'second' });
  for (const bay of bays) {
    const appointment: Appointment = {
      appointmentId,
      customerId: request.customerId,
      vehicleId: request.vehicleId,
      serviceId: request.serviceId,
      bay,
      localStart: slot.localStart,
      localEnd: slot.localEnd,
      timeZone: deps.shop.timeZone,
      startUtc: slot.startUtc,
      endUtc: slot.endUtc,
      slices: slot.slices,
      lockDate,
      status: 'booked',
      version: 1,
      ...(request.notes ? { notes: request.notes } : {}),
      createdByCallSid: request.callSid,
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    const outcome = await deps.appointments.book(appointment);
    if (outcome === 'done') return { ok: true, appointment, replayed: false };
    if (outcome === 'duplicate') {
      const existing = await deps.appointments.get(appointmentId);
      if (existing?.status === 'booked') return { ok: true, appointment: existing, replayed: true };
      return { ok: false, reason: 'CONFLICT', message: 'That booking changed while I was making it.' };
    }
    if (outcome === 'owner_missing') {
      return {
        ok: false,
        reason: 'NOT_FOUND',
        message: 'I could not find that vehicle on the customer record.',
      };
    }
  }
  return { ok: false, reason: 'SLOT_TAKEN', message: SLOT_TAKEN_MESSAGE };
}

/** The customer's own active appointment, or null: another customer's id looks exactly like a missing one. */
export async function ownAppointment(
  deps: BookingDependencies,
  customerId: string,
  appointmentId: string,
): Promise<Appointment | null> {
  const appointment = await deps.appointments.get(appointmentId);
  if (!appointment || appointment.customerId !== customerId) return null;
  return appointment;
}

export async function rescheduleAppointment(
  deps: BookingDependencies,
  request: { customerId: string; appointmentId: string; start: Temporal.ZonedDateTime },
): Promise<BookingOutcome & { previous?: Appointment }> {
  const now = deps.now();
  const current = await ownAppointment(deps, request.customerId, request.appointmentId);
  if (current?.status !== 'booked') return notFound();
  if (hasStarted(current, now)) {
    return {
      ok: false,
      reason: 'IN_PAST',
      message: 'That appointment has already started, so it cannot be moved.',
    };
  }
  const validation = validateRequestedSlot(deps.shop, current.serviceId, request.start, now);
  if (!validation.ok) return { ok: false, reason: validation.reason, message: validation.message };
  const slot = validation.slot;
  const lockDate = slot.localStart.slice(0, 10);
  const held = heldSet(await deps.appointments.locksOn(lockDate), current.appointmentId);
  const eligible = freeBays(
    baysForService(deps.shop, serviceOf(deps.shop, current.serviceId)),
    slot.slices,
    held,
  );
  // Keeping the same bay keeps the transaction smallest when the new time overlaps the old one.
  const bays = eligible.includes(current.bay)
    ? [current.bay, ...eligible.filter((b) => b !== current.bay)]
    : eligible;
  // The new time gets a fresh reminder and needs a fresh confirmation: drop the old time's state.
  const {
    confirmedAt: _confirmedAt,
    confirmedByCallSid: _confirmedBy,
    reminderStatus: _status,
    reminderAttempt: _attempt,
    reminderClaimedAt: _claimedAt,
    reminderCallSid: _callSid,
    reminderAnsweredBy: _answeredBy,
    reminderRetryAt: _retryAt,
    reminderUpdatedAt: _reminderUpdatedAt,
    ...kept
  } = current;
  for (const bay of bays) {
    const next: Appointment = {
      ...kept,
      bay,
      localStart: slot.localStart,
      localEnd: slot.localEnd,
      startUtc: slot.startUtc,
      endUtc: slot.endUtc,
      slices: slot.slices,
      lockDate,
      version: current.version + 1,
      updatedAt: now.toString({ smallestUnit: 'second' }),
    };
    const outcome = await deps.appointments.reschedule(current, next);
    if (outcome === 'done') return { ok: true, appointment: next, replayed: false, previous: current };
    if (outcome === 'stale') return conflict();
  }
  return { ok: false, reason: 'SLOT_TAKEN', message: SLOT_TAKEN_MESSAGE };
}

export async function cancelAppointment(
  deps: BookingDependencies,
  request: { customerId: string; appointmentId: string; reason?: string },
): Promise<BookingOutcome> {
  const now = deps.now();
  const current = await ownAppointment(deps, request.customerId, request.appointmentId);
  if (!current) return notFound();
  if (current.status === 'cancelled') return { ok: true, appointment: current, replayed: true };
  if (hasStarted(current, now)) {
    return {
      ok: false,
      reason: 'IN_PAST',
      message: 'That appointment has already started, so it cannot be cancelled.',
    };
  }
  const cancelled: Appointment = {
    ...current,
    status: 'cancelled',
    version: current.version + 1,
    ...(request.reason ? { cancelReason: request.reason } : {}),
    updatedAt: now.toString({ smallestUnit: 'second' }),
  };
  const outcome = await deps.appointments.cancel(current, cancelled);
  return outcome === 'done' ? { ok: true, appointment: cancelled, replayed: false } : conflict();
}

function hasStarted(appointment: Appointment, now: Temporal.Instant): boolean {
  return Temporal.Instant.compare(Temporal.Instant.from(appointment.startUtc), now) <= 0;
}

function notFound(): BookingOutcome {
  return { ok: false, reason: 'NOT_FOUND', message: 'I could not find that appointment for this customer.' };
}

function conflict(): BookingOutcome {
  return {
    ok: false,
    reason: 'CONFLICT',
    message: 'That appointment was changed a moment ago; let me look it up again before changing it.',
  };
}
