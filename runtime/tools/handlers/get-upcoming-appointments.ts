import * as z from '../../zod';
import { defineTool } from '../define-tool';
import { presentAppointment } from '../present';

export const getUpcomingAppointments = defineTool({
  name: 'get_upcoming_appointments',
  description:
    'List the upcoming appointments of the customer on this call; one already under way is marked in_progress.',
  requiresCustomer: true,
  parameters: () => z.strictObject({}),
  async execute(_args, { session, deps }) {
    const customerId = session.customerId!;
    const now = deps.now();
    const [appointments, vehicles] = await Promise.all([
      deps.appointments.listUpcoming(customerId, now.toString({ smallestUnit: 'second' })),
      deps.vehicles.listForCustomer(customerId),
    ]);
    return {
      result: { appointments: appointments.map((a) => presentAppointment(a, deps.shop, now, vehicles)) },
    };
  },
});
