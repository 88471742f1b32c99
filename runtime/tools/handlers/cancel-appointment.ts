import { cancelAppointment } from '../../domain/booking/booking-service';
import { removeReminders } from '../../reminders/reminder-sync';
import * as z from '../../zod';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import { appointmentIdSchema, failBooking } from './slots-and-booking';

export const cancelAppointmentTool = defineTool({
  name: 'cancel_appointment',
  description:
    "Cancel one of the customer's own upcoming appointments. Confirm which one with the caller first.",
  requiresCustomer: true,
  parameters: () =>
    z.strictObject({
      appointment_id: appointmentIdSchema,
      reason: z.optional(z.string().check(z.trim(), z.maxLength(300))),
    }),
  async execute(args, { session, deps }) {
    const outcome = await cancelAppointment(deps, {
      customerId: session.customerId!,
      appointmentId: args.appointment_id,
      ...(args.reason ? { reason: args.reason } : {}),
    });
    if (!outcome.ok) failBooking(outcome, 'appointment_id');
    // Also on a replay: deleting is idempotent, and a first attempt may have failed to delete.
    await removeReminders(deps, outcome.appointment.appointmentId);
    return {
      result: {
        cancelled: true,
        ...(outcome.replayed ? { already_cancelled: true } : {}),
        appointment: presentAppointment(outcome.appointment, deps.shop, deps.now()),
      },
    };
  },
});
