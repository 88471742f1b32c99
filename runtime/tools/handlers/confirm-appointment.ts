import { Temporal } from 'temporal-polyfill';
import { ownAppointment } from '../../domain/booking/booking-service';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import { appointmentIdSchema, parseStartOrFail, startTimeSchema } from './slots-and-booking';

const NOT_FOUND = 'I could not find that appointment for this customer.';

export const confirmAppointmentTool = defineTool({
  name: 'confirm_appointment',
  description:
    'Record that the customer confirmed one of their own upcoming appointments (for example when they say yes on a reminder call). Only after they clearly confirm the date and time you read to them.',
  requiresCustomer: true,
  parameters: () =>
    z.strictObject({
      appointment_id: appointmentIdSchema,
      // The time the customer said yes to: if the appointment moved since it was read to them
      // (a reschedule on another call), confirming it would record a yes to a time never heard.
      start_time: startTimeSchema.check(
        z.describe(
          "The appointment's start_time you read to the customer, as the tool that showed it returned it",
        ),
      ),
    }),
  async execute(args, { session, deps }) {
    const now = deps.now();
    const heard = parseStartOrFail(deps.shop, args.start_time, now, 'start_time');
    const appointment = await ownAppointment(deps, session.customerId!, args.appointment_id);
    if (appointment?.status !== 'booked') throw new ToolFailure('NOT_FOUND', NOT_FOUND);
    if (Temporal.Instant.compare(Temporal.Instant.from(appointment.startUtc), now) <= 0) {
      throw new ToolFailure(
        'IN_PAST',
        'That appointment has already started, so there is nothing to confirm.',
      );
    }
    const current = presentAppointment(appointment, deps.shop, now);
    if (!Temporal.Instant.from(appointment.startUtc).equals(heard.toInstant())) {
      throw new ToolFailure(
        'CONFLICT',
        `That appointment is now on ${current.spoken}, not at the time you read; tell the customer the new time and ask again.`,
        { details: { appointment: current } },
      );
    }
    const confirmed = await deps.appointments.confirm(
      appointment,
      session.callSid,
      now.toString({ smallestUnit: 'second' }),
    );
    // The condition fails only if it was moved, cancelled or changed hands since the read above.
    if (!confirmed)
      throw new ToolFailure(
        'CONFLICT',
        'That appointment was changed a moment ago; let me look it up again.',
      );
    return {
      result: {
        confirmed: true,
        ...(appointment.confirmedAt ? { already_confirmed: true } : {}),
        appointment: current,
      },
    };
  },
});
