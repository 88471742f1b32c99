import * as z from 'zod';
import { bookAppointment } from '../../domain/booking/booking-service';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import {
  failBooking,
  parseStartOrFail,
  serviceTypeSchema,
  startTimeSchema,
  vehicleIdSchema,
} from './slots-and-booking';

export const bookAppointmentTool = defineTool({
  name: 'book_appointment',
  description:
    'Book an appointment for the customer on this call, for one of their vehicles. Read the date, time, ' +
    'service and vehicle back to the caller and get a clear yes before calling this.',
  requiresCustomer: true,
  parameters: (shop) =>
    z.strictObject({
      vehicle_id: vehicleIdSchema,
      service_type: serviceTypeSchema(shop),
      start_time: startTimeSchema,
      notes: z.string().trim().max(500).optional().describe('What the caller said about the problem'),
    }),
  async execute(args, { session, deps }) {
    const customerId = session.customerId!;
    const vehicle = await deps.vehicles.get(customerId, args.vehicle_id);
    if (!vehicle) throw new ToolFailure('NOT_FOUND', 'I could not find that vehicle on the customer record.');
    const start = parseStartOrFail(deps.shop, args.start_time, deps.now(), 'start_time');
    const outcome = await bookAppointment(deps, {
      customerId,
      vehicleId: vehicle.vehicleId,
      serviceId: args.service_type,
      start,
      callSid: session.callSid,
      ...(args.notes ? { notes: args.notes } : {}),
    });
    if (!outcome.ok) failBooking(outcome, 'start_time');
    return {
      result: {
        booked: true,
        ...(outcome.replayed ? { already_booked: true } : {}),
        appointment: presentAppointment(outcome.appointment, deps.shop, deps.now(), [vehicle]),
      },
    };
  },
});
