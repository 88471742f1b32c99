import { bookAppointment } from '../../domain/booking/booking-service';
import { syncReminder } from '../../reminders/reminder-sync';
import * as z from '../../zod';
import { ToolFailure } from '../contract';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';
import { presentReminder } from './reminder-result';
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
    'service and vehicle back to the caller and get a clear yes before calling this. Unless the customer ' +
    "record already says reminder_calls 'agreed' or 'opted_out', first ask: \"May we call this number with " +
    'an automated reminder before the appointment? You can opt out any time." and pass the answer as ' +
    'reminder_call_consent.',
  requiresCustomer: true,
  parameters: (shop) =>
    z.strictObject({
      vehicle_id: vehicleIdSchema,
      service_type: serviceTypeSchema(shop),
      start_time: startTimeSchema,
      notes: z
        .optional(z.string().check(z.trim(), z.maxLength(500)))
        .check(z.describe('What the caller said about the problem')),
      reminder_call_consent: z
        .optional(z.boolean())
        .check(
          z.describe(
            'The caller\'s answer to "May we call you with an automated reminder?"; omit if it was not asked',
          ),
        ),
    }),
  async execute(args, { session, deps }) {
    const customerId = session.customerId!;
    const vehicle = await deps.vehicles.get(customerId, args.vehicle_id);
    if (!vehicle) throw new ToolFailure('NOT_FOUND', 'I could not find that vehicle on the customer record.');
    const start = parseStartOrFail(deps.shop, args.start_time, deps.now(), 'start_time');
    // Consent is about the phone number, not this appointment: it is stored even if the slot is taken.
    // A yes counts only from the number the reminder would ring (CMP-02), so nobody can sign another
    // number up for automated calls, or undo its opt-out; a no counts from anywhere.
    let consentRefused = false;
    if (args.reminder_call_consent === true) {
      const onFile = await deps.customers.get(customerId);
      consentRefused = !session.callerPhone || onFile?.phone !== session.callerPhone;
    }
    if (args.reminder_call_consent !== undefined && !consentRefused) {
      await deps.customers.setReminderPreference(
        customerId,
        args.reminder_call_consent,
        deps.now().toString({ smallestUnit: 'second' }),
        { callSid: session.callSid },
      );
    }
    const outcome = await bookAppointment(deps, {
      customerId,
      vehicleId: vehicle.vehicleId,
      serviceId: args.service_type,
      start,
      callSid: session.callSid,
      ...(args.notes ? { notes: args.notes } : {}),
    });
    if (!outcome.ok) failBooking(outcome, 'start_time');
    const customer = await deps.customers.get(customerId);
    const reminder = await syncReminder(deps, outcome.appointment, customer, 'booked');
    return {
      result: {
        booked: true,
        ...(outcome.replayed ? { already_booked: true } : {}),
        appointment: presentAppointment(outcome.appointment, deps.shop, deps.now(), [vehicle]),
        ...presentReminder(reminder, deps.now()),
        ...(consentRefused
          ? {
              reminder_call_consent_not_recorded:
                'A yes to reminder calls only counts from the number they would ring, and the caller is on another number.',
            }
          : {}),
      },
    };
  },
});
