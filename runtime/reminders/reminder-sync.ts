/**
 * Keeps an appointment's reminder schedule in step with the appointment, for the booking tools.
 * Never throws: the booking is already committed when these run, so a Scheduler failure is logged
 * (ids only), counted, and reported as "no reminder" — it must not turn a booking into an error.
 */

import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { Appointment, Customer } from '../data/records';
import { zonesOfNumber } from '../domain/phone-zones';
import type { Logger } from '../observability/logger';
import { METRICS, type MetricSink } from '../observability/metrics';
import { type ReminderScheduler, reminderScheduleName } from './reminder-scheduler';
import { planReminder } from './reminder-time';

export interface ReminderSyncDependencies {
  shop: ShopConfig;
  reminders: ReminderScheduler;
  metrics: MetricSink;
  now: () => Temporal.Instant;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

export type ReminderSyncResult =
  | { status: 'scheduled'; at: Temporal.ZonedDateTime }
  | {
      status: 'none';
      reason:
        | 'no_consent'
        | 'opted_out'
        | 'disabled'
        | 'too_soon'
        | 'no_calling_time'
        | 'not_configured'
        | 'cancelled';
    }
  | { status: 'failed' };

/** Whether this customer may get automated reminder calls at all (CMP-02, CMP-06). */
export function mayRemind(customer: Pick<Customer, 'reminderConsent' | 'remindersOptedOut'> | null) {
  if (!customer || customer.remindersOptedOut) return 'opted_out' as const;
  return customer.reminderConsent ? ('yes' as const) : ('no_consent' as const);
}

/**
 * Creates (booking) or replaces (reschedule) the reminder of `appointment`. When the appointment no
 * longer gets a reminder — no consent, too soon, reminders off — any existing schedule is removed.
 */
export async function syncReminder(
  deps: ReminderSyncDependencies,
  appointment: Appointment,
  customer: Customer | null,
  change: 'booked' | 'rescheduled',
): Promise<ReminderSyncResult> {
  const existing = change === 'rescheduled';
  const removeStale = async () => {
    // Only a reschedule can leave a schedule for the old time behind.
    if (existing) await removeReminders(deps, appointment.appointmentId);
  };
  if (appointment.status !== 'booked') {
    await removeReminders(deps, appointment.appointmentId);
    return { status: 'none', reason: 'cancelled' };
  }
  const allowed = mayRemind(customer);
  if (allowed !== 'yes') {
    await removeStale();
    return { status: 'none', reason: allowed };
  }
  const start = Temporal.Instant.from(appointment.startUtc).toZonedDateTimeISO(appointment.timeZone);
  const plan = planReminder(deps.shop, start, deps.now(), zonesOfNumber(customer?.phone ?? ''));
  if (plan.kind === 'none') {
    await removeStale();
    return { status: 'none', reason: plan.reason };
  }
  if (!deps.reminders.configured) {
    await deps.reminders.put(scheduleFor(appointment, plan.expression));
    return { status: 'none', reason: 'not_configured' };
  }
  try {
    await deps.reminders.put(scheduleFor(appointment, plan.expression), { expectExisting: existing });
    // A pending retry belongs to the old time (its version no longer matches); tidy it away.
    if (existing) await deleteQuietly(deps, reminderScheduleName(appointment.appointmentId, 2), appointment);
    return { status: 'scheduled', at: plan.at };
  } catch (error) {
    reportFailure(deps, 'put', appointment.appointmentId, error);
    return { status: 'failed' };
  }
}

/** Removes the reminder and its retry (cancel, opt-out). Returns false if a delete failed. */
export async function removeReminders(
  deps: ReminderSyncDependencies,
  appointmentId: string,
): Promise<boolean> {
  const results = await Promise.all(
    ([1, 2] as const).map((attempt) =>
      deleteQuietly(deps, reminderScheduleName(appointmentId, attempt), { appointmentId }),
    ),
  );
  return results.every(Boolean);
}

function scheduleFor(appointment: Appointment, expression: { at: string; timeZone: string }) {
  return {
    name: reminderScheduleName(appointment.appointmentId, 1),
    at: expression.at,
    timeZone: expression.timeZone,
    event: { appointmentId: appointment.appointmentId, version: appointment.version, attempt: 1 as const },
  };
}

async function deleteQuietly(
  deps: ReminderSyncDependencies,
  name: string,
  appointment: Pick<Appointment, 'appointmentId'>,
): Promise<boolean> {
  try {
    await deps.reminders.delete(name);
    return true;
  } catch (error) {
    // The dialer re-checks the appointment when a stale schedule fires, so a leftover never calls.
    reportFailure(deps, 'delete', appointment.appointmentId, error);
    return false;
  }
}

function reportFailure(
  deps: ReminderSyncDependencies,
  operation: 'put' | 'delete',
  appointmentId: string,
  error: unknown,
): void {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  deps.logger?.error(
    {
      appointmentId,
      operation,
      err: { name: e?.name ?? 'Error', status: e?.$metadata?.httpStatusCode },
    },
    'reminder schedule change failed; the appointment itself is unaffected',
  );
  deps.metrics.count(METRICS.reminderScheduleFailures, { ShopId: deps.shop.shopId });
}
