/**
 * What the dialer does when a reminder schedule fires. Everything is re-checked against the stored
 * appointment and customer, because the schedule may be stale by now (DAT-09, CMP-05, CMP-06), and
 * the reminder is claimed with a conditional write before Twilio is called, so a duplicate or
 * concurrent delivery of the same event never places a second call.
 */

import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { AppointmentsRepository } from '../data/appointments-repo';
import type { CustomersRepository } from '../data/customers-repo';
import type { Appointment } from '../data/records';
import type { ReminderStateRepository } from '../data/reminder-state-repo';
import { zonesOfNumber } from '../domain/phone-zones';
import type { Logger } from '../observability/logger';
import { METRICS, type MetricSink } from '../observability/metrics';
import { CallOutcomeUnknownError, CallRejectedError, type OutboundCaller } from './outbound-caller';
import {
  type ReminderEvent,
  type ReminderScheduler,
  reminderEventSchema,
  reminderScheduleName,
} from './reminder-scheduler';
import { mayRemind } from './reminder-sync';
import { insideCallingWindow, MIN_NOTICE, planRetry, scheduleExpression } from './reminder-time';

/** Seconds Twilio lets the phone ring before reporting no-answer (voicemail usually picks up ~20 s). */
export const RING_SECONDS = 25;

export interface DialerDependencies {
  shop: ShopConfig;
  appointments: Pick<AppointmentsRepository, 'get'>;
  customers: Pick<CustomersRepository, 'get'>;
  state: ReminderStateRepository;
  caller: OutboundCaller;
  /** Creates the single retry schedule; a no-op scheduler means no retries. */
  scheduler: ReminderScheduler;
  /** The public origin Twilio reaches the voice server at, e.g. https://voice.example.com */
  publicBaseUrl: string;
  now: () => Temporal.Instant;
  metrics: MetricSink;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export type DialOutcome =
  | { outcome: 'called'; callSid: string; retryAt: string | null }
  | {
      outcome: 'skipped';
      reason:
        | 'not_found'
        | 'cancelled'
        | 'moved'
        | 'in_past'
        | 'already_reminded'
        | 'already_confirmed'
        | 'opted_out'
        | 'no_consent'
        | 'already_claimed'
        | 'outside_window';
    }
  | { outcome: 'failed'; reason: 'rejected_by_twilio' | 'outcome_unknown' };

export function parseReminderEvent(raw: unknown): ReminderEvent {
  const parsed = reminderEventSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
    throw new Error(`not a reminder event: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Why this appointment must not be called now, or null when it may (before claiming). */
function reasonToSkip(
  appointment: Appointment | null,
  event: ReminderEvent,
  now: Temporal.Instant,
): Extract<DialOutcome, { outcome: 'skipped' }>['reason'] | null {
  if (!appointment) return 'not_found';
  if (appointment.status !== 'booked') return 'cancelled';
  if (appointment.version !== event.version) return 'moved';
  const latest = Temporal.Instant.from(appointment.startUtc).subtract(MIN_NOTICE);
  if (Temporal.Instant.compare(now, latest) > 0) return 'in_past';
  if (appointment.confirmedAt) return 'already_confirmed';
  const status = appointment.reminderStatus;
  if (event.attempt === 1 ? status !== undefined : status !== 'retry_scheduled') return 'already_reminded';
  return null;
}

export async function dialReminder(rawEvent: unknown, deps: DialerDependencies): Promise<DialOutcome> {
  const event = parseReminderEvent(rawEvent);
  const { appointmentId, attempt } = event;
  const log = (outcome: DialOutcome) => {
    deps.logger?.info({ appointmentId, attempt, ...outcome }, 'reminder dial finished');
    return outcome;
  };
  const now = deps.now();
  const appointment = await deps.appointments.get(appointmentId);
  const skip = reasonToSkip(appointment, event, now);
  if (skip || !appointment) return log({ outcome: 'skipped', reason: skip ?? 'not_found' });
  const customer = await deps.customers.get(appointment.customerId);
  const allowed = mayRemind(customer);
  if (allowed !== 'yes' || !customer)
    return log({ outcome: 'skipped', reason: allowed === 'yes' ? 'opted_out' : allowed });

  const stamp = () => deps.now().toString({ smallestUnit: 'second' });
  if (!(await deps.state.claim(appointmentId, event.version, attempt, stamp()))) {
    return log({ outcome: 'skipped', reason: 'already_claimed' });
  }
  // Checked at dial time, not only when scheduling: retries and delays can push past the window.
  if (!insideCallingWindow(deps.shop, deps.now(), zonesOfNumber(customer.phone))) {
    await deps.state.finishClaim(appointmentId, attempt, 'skipped_outside_window', stamp());
    return log({ outcome: 'skipped', reason: 'outside_window' });
  }

  let callSid: string;
  try {
    ({ callSid } = await deps.caller.placeCall({
      to: customer.phone,
      from: deps.shop.phoneNumber,
      url: `${deps.publicBaseUrl}/twilio/outbound?appointmentId=${appointmentId}`,
      statusCallback: `${deps.publicBaseUrl}/twilio/status?appointmentId=${appointmentId}`,
      ringSeconds: RING_SECONDS,
      timeLimitSeconds: deps.shop.calls.maxCallMinutes * 60,
    }));
  } catch (error) {
    if (error instanceof CallRejectedError) {
      await deps.state.finishClaim(appointmentId, attempt, 'failed', stamp());
      deps.metrics.count(METRICS.reminderCallFailures, { ShopId: deps.shop.shopId });
      deps.logger?.warn(
        { appointmentId, attempt, status: error.status, code: error.code },
        'Twilio rejected the reminder call',
      );
      return log({ outcome: 'failed', reason: 'rejected_by_twilio' });
    }
    if (error instanceof CallOutcomeUnknownError) {
      // Not retried: a reminder missed is better than the customer called twice.
      await deps.state.finishClaim(appointmentId, attempt, 'unconfirmed', stamp());
      deps.metrics.count(METRICS.reminderCallFailures, { ShopId: deps.shop.shopId });
      deps.logger?.warn({ appointmentId, attempt, code: error.code }, 'reminder call request unanswered');
      return log({ outcome: 'failed', reason: 'outcome_unknown' });
    }
    // Transient (5xx, 429, no connection): give the claim back, then fail so the invocation is retried.
    await deps.state.release(appointmentId, attempt, stamp());
    deps.metrics.count(METRICS.reminderCallFailures, { ShopId: deps.shop.shopId });
    throw error;
  }
  deps.metrics.count(METRICS.reminderCallsPlaced, { ShopId: deps.shop.shopId });

  const start = Temporal.Instant.from(appointment.startUtc).toZonedDateTimeISO(appointment.timeZone);
  const retryAt =
    attempt === 1 ? await scheduleRetry(deps, event, start, zonesOfNumber(customer.phone)) : null;
  // Nothing after a placed call may throw: a retried invocation would find the claim and not dial,
  // but the error would page someone for a call that went out fine.
  try {
    const recorded = await deps.state.recordPlaced(appointmentId, attempt, callSid, retryAt, stamp());
    if (!recorded) deps.logger?.warn({ appointmentId, callSid }, 'reminder state changed while dialing');
  } catch (error) {
    deps.logger?.error(
      { appointmentId, callSid, err: { name: (error as Error).name } },
      'could not record the reminder call',
    );
  }
  return log({ outcome: 'called', callSid, retryAt });
}

/**
 * Creates the single retry schedule up front, while the dialer has the Scheduler access; it only
 * dials if the status callback marks the first attempt unanswered (reminderStatus 'retry_scheduled').
 */
async function scheduleRetry(
  deps: DialerDependencies,
  event: ReminderEvent,
  start: Temporal.ZonedDateTime,
  calleeZones: readonly string[],
): Promise<string | null> {
  if (!deps.scheduler.configured) return null;
  const at = planRetry(deps.shop, start, deps.now(), calleeZones);
  if (!at) return null;
  const expression = scheduleExpression(at);
  try {
    await deps.scheduler.put({
      name: reminderScheduleName(event.appointmentId, 2),
      at: expression.at,
      timeZone: expression.timeZone,
      event: { appointmentId: event.appointmentId, version: event.version, attempt: 2 },
    });
    return at.toInstant().toString({ smallestUnit: 'second' });
  } catch (error) {
    deps.metrics.count(METRICS.reminderScheduleFailures, { ShopId: deps.shop.shopId });
    deps.logger?.error(
      { appointmentId: event.appointmentId, err: { name: (error as Error).name } },
      'could not schedule the reminder retry',
    );
    return null;
  }
}
