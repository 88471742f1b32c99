import { rescheduleAppointment } from '../../domain/booking/booking-service';
import { syncReminder } from '../../reminders/reminder-sync';
import * as z from '../../zod';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import { presentReminder } from './reminder-result';
import { appointmentIdSchema, failBooking, parseStartOrFail, startTimeSchema } from './slots-and-booking';

export const rescheduleAppointmentTool = defineTool({
  name: 'reschedule_appointment',
  description:
    "Move one of the customer's own upcoming appointments to a new start time (same service and vehicle). " +
    'Check the new time with get_available_slots and confirm it with the caller first.',
  requiresCustomer: true,
  parameters: () =>
    z.strictObject({
      appointment_id: appointmentIdSchema,
      new_start_time: startTimeSchema,
    }),
  async execute(args, { session, deps }) {
    const now = deps.now();
    const start = parseStartOrFail(deps.shop, args.new_start_time, now, 'new_start_time');
    const outcome = await rescheduleAppointment(deps, {
      customerId: session.customerId!,
      appointmentId: args.appointment_id,
      start,
    });
    if (!outcome.ok) failBooking(outcome, 'new_start_time');
    const customer = await deps.customers.get(session.customerId!);
    const reminder = await syncReminder(deps, outcome.appointment, customer, 'rescheduled');
    return {
      result: {
        rescheduled: true,
        ...(outcome.previous ? { previous: presentAppointment(outcome.previous, deps.shop, now) } : {}),
        appointment: presentAppointment(outcome.appointment, deps.shop, now),
        ...presentReminder(reminder, now),
      },
    };
  },
});
