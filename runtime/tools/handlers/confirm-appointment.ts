import { Temporal } from 'temporal-polyfill';
import { ownAppointment } from '../../domain/booking/booking-service';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import { appointmentIdSchema } from './slots-and-booking';

const NOT_FOUND = 'I could not find that appointment for this customer.';

export const confirmAppointmentTool = defineTool({
  name: 'confirm_appointment',
  description:
    'Record that the customer confirmed one of their own upcoming appointments (for example when they say yes on a reminder call). Only after they clearly confirm the date and time you read to them.',
  requiresCustomer: true,
  parameters: () => z.strictObject({ appointment_id: appointmentIdSchema }),
  async execute(args, { session, deps }) {
    const now = deps.now();
    const appointment = await ownAppointment(deps, session.customerId!, args.appointment_id);
    if (appointment?.status !== 'booked') throw new ToolFailure('NOT_FOUND', NOT_FOUND);
    if (Temporal.Instant.compare(Temporal.Instant.from(appointment.startUtc), now) <= 0) {
      throw new ToolFailure(
        'IN_PAST',
        'That appointment has already started, so there is nothing to confirm.',
      );
    }
    const at = now.toString({ smallestUnit: 'second' });
    const confirmed = await deps.appointments.confirm(
      appointment.appointmentId,
      session.customerId!,
      session.callSid,
      at,
    );
    // The condition only fails if it was cancelled (or changed hands) since the read above.
    if (!confirmed)
      throw new ToolFailure(
        'CONFLICT',
        'That appointment was changed a moment ago; let me look it up again.',
      );
    return {
      result: {
        confirmed: true,
        ...(appointment.confirmedAt ? { already_confirmed: true } : {}),
        appointment: presentAppointment(appointment, deps.shop, now),
      },
    };
  },
});
