/**
 * Who is on the line, from the call alone: an inbound caller by caller ID, and on a reminder call
 * the customer by the number we dialled (the appointment must be one of that customer's own upcoming
 * ones). The model never decides identity.
 */
import type { ShopConfig } from '../config/shop-config';
import type { ToolSession } from '../tools/contract';
import type { ToolInvoker } from '../tools/invoker';
import { spokenPhone } from './phrases';
import type { CallContext } from './prompt';

export interface ReminderAppointment {
  appointment_id: string;
  service?: string;
  vehicle?: string;
  spoken?: string;
}

export interface ReminderContext {
  customerId: string;
  firstName: string;
  appointment: ReminderAppointment;
  /** The customer's whole record as lookup_customer shows it, for the system prompt. */
  profile: Record<string, unknown>;
}

/** Null when the customer or the appointment is gone (cancelled or moved since the dial). */
export async function findReminderContext(
  invoker: ToolInvoker,
  session: ToolSession,
  appointmentId: string,
): Promise<ReminderContext | null> {
  const lookup = await invoker.invoke({ tool: 'lookup_customer', arguments: {}, session: { ...session } });
  if (!lookup.ok || !lookup.session.customerId) return null;
  const profile = lookup.result as {
    customer?: { first_name?: string };
    upcoming_appointments?: ReminderAppointment[];
  };
  const appointment = profile.upcoming_appointments?.find((a) => a.appointment_id === appointmentId);
  if (!appointment) return null;
  return {
    customerId: lookup.session.customerId,
    firstName: profile.customer?.first_name ?? 'there',
    appointment,
    profile: lookup.result,
  };
}

export function describeReminderAppointment(appointment: ReminderAppointment): string {
  return [
    appointment.service ?? 'appointment',
    appointment.vehicle && `for your ${appointment.vehicle}`,
    appointment.spoken && `on ${appointment.spoken}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** Left on an answering machine: who calls, what about, and how to call back. No other details. */
export function voicemailMessage(shop: ShopConfig, context: ReminderContext): string {
  return (
    `Hello ${context.firstName}, this is ${shop.assistant.personaName}, the automated assistant of ${shop.displayName}, ` +
    `with a reminder of your ${describeReminderAppointment(context.appointment)}. ` +
    `If you need to change it, please call us at ${spokenPhone(shop.phoneNumber)}. Thank you, goodbye.`
  );
}

/** The call's context for the prompt and greeting; binds `session.customerId` when the caller is known. */
export async function identifyCaller(
  invoker: ToolInvoker,
  session: ToolSession,
  appointmentId: string | undefined,
): Promise<CallContext> {
  if (!session.callerPhone) return { kind: 'new_caller' };
  if (appointmentId) {
    const reminder = await findReminderContext(invoker, session, appointmentId);
    if (reminder) {
      session.customerId = reminder.customerId;
      return { kind: 'reminder', ...reminder };
    }
  }
  const lookup = await invoker.invoke({ tool: 'lookup_customer', arguments: {}, session: { ...session } });
  if (!lookup.ok) return { kind: 'new_caller' };
  session.customerId = lookup.session.customerId;
  const customer = (lookup.result as { customer?: { first_name?: string } }).customer;
  return { kind: 'known_customer', firstName: customer?.first_name ?? 'there', profile: lookup.result };
}
