import { removeReminders } from '../../reminders/reminder-sync';
import * as z from '../../zod';
import { defineTool } from '../define-tool';

export const optOutOfRemindersTool = defineTool({
  name: 'opt_out_of_reminders',
  description:
    'Record that the customer on this call does not want automated reminder calls any more (for example ' +
    '"stop calling me" or "no more reminder calls"). It stops reminder calls for all their appointments; the ' +
    'appointments themselves stay booked. Tell them they will get no more reminder calls.',
  requiresCustomer: true,
  parameters: () => z.strictObject({}),
  async execute(_args, { session, deps }) {
    const customerId = session.customerId!;
    const now = deps.now();
    // The opt-out is recorded first: the dialer re-checks it before every call (CMP-06), so even a
    // schedule that fails to delete below can no longer call.
    await deps.customers.setReminderPreference(customerId, false, now.toString({ smallestUnit: 'second' }), {
      callSid: session.callSid,
    });
    const upcoming = await deps.appointments.listUpcoming(
      customerId,
      now.toString({ smallestUnit: 'second' }),
    );
    await Promise.all(upcoming.map((appointment) => removeReminders(deps, appointment.appointmentId)));
    return { result: { opted_out: true, upcoming_appointments_kept: upcoming.length } };
  },
});
