/** Call set-ups more than one test file needs. */
import type { FakeCall } from '../fakes/twilio-fake';
import type { E2e } from './harness';
import { callTools, lastUserText, say } from './model-script';

/** A call whose model hangs up on "bye", with the next hang-up request answered by `status`. */
export async function callThatFailsItsHangUp(e2e: E2e, status: number): Promise<FakeCall> {
  e2e.openai.setScript((request) =>
    /bye/i.test(lastUserText(request))
      ? callTools({ name: 'end_call', arguments: { reason: 'done' } })
      : say('Okay.'),
  );
  const call = await e2e.startCall();
  await call.waitForHeard(/How can I help you today\?/);
  e2e.twilio.failNextRest({ method: 'POST', pathIncludes: `/Calls/${call.callSid}.json` }, status);
  return call;
}

export interface SeededBookings {
  customerId: string;
  appointments: { appointment_id: string; spoken: string }[];
}

/**
 * A customer of `phone` with a vehicle and `count` oil changes on separate days from three days
 * out, booked through the tools. `slot` picks each day's first or last slot, so two customers
 * seeded on the same days do not compete for one.
 */
export async function seedBookings(
  e2e: E2e,
  customer: { phone: string; first: string; last: string },
  count: number,
  slot: 'first' | 'last' = 'last',
): Promise<SeededBookings> {
  const created = await e2e.tool(
    'create_customer',
    { first_name: customer.first, last_name: customer.last },
    { callerPhone: customer.phone },
  );
  const who = { customerId: created.customerId as string, callerPhone: customer.phone };
  const vehicle = await e2e.tool('add_vehicle', { year: 2012, make: 'Ford', model: 'Focus' }, who);
  const appointments: SeededBookings['appointments'] = [];
  for (let day = 3; appointments.length < count; day++) {
    const date = new Date(Date.now() + day * 86_400_000).toISOString().slice(0, 10);
    const slots = await e2e.tool('get_available_slots', { date, service_type: 'oil_change' }, who);
    if (slots.slots.length === 0) continue;
    const booked = await e2e.tool(
      'book_appointment',
      {
        vehicle_id: vehicle.vehicle.vehicle_id,
        service_type: 'oil_change',
        start_time: (slot === 'first' ? slots.slots[0] : slots.slots.at(-1)).start_time,
      },
      who,
    );
    appointments.push(booked.appointment);
  }
  return { customerId: who.customerId, appointments };
}
