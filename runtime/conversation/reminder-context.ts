/**
 * What an outbound reminder call is about. The party on the line is the number we dialled, so the
 * customer is looked up by that number exactly as an inbound caller is by caller ID: identity comes
 * from the call, and the appointment must be one of that customer's own upcoming ones.
 */
import type { ShopConfig } from '../config/shop-config';
import type { ToolSession } from '../tools/contract';
import type { ToolInvoker } from '../tools/invoker';
import { spokenPhone } from './phrases';

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
