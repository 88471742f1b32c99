/**
 * A reminder call from end to end: the real dialer places the call on the Twilio fake, the fake
 * "answers" it by requesting our signed /twilio/outbound webhook (with AnsweredBy, as synchronous
 * AMD does), and the same call loop takes over — or, for a machine, a voicemail is left.
 */
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppointmentsRepository } from '../../runtime/data/appointments-repo';
import { CustomersRepository } from '../../runtime/data/customers-repo';
import { createDocumentClient } from '../../runtime/data/dynamo-client';
import { ReminderStateRepository } from '../../runtime/data/reminder-state-repo';
import { MemoryMetricSink } from '../../runtime/observability/metrics';
import { dialReminder } from '../../runtime/reminders/dialer';
import { TwilioOutboundCaller } from '../../runtime/reminders/outbound-caller';
import { NoopReminderScheduler } from '../../runtime/reminders/reminder-scheduler';
import type { ServerMetrics } from '../../runtime/server/metrics-route';
import { type E2e, eventually, PUBLIC_BASE_URL, startE2e } from './harness';
import { callTools, lastUserText, latestToolResults, say, systemPrompt, toolResultsOf } from './model-script';

let e2e: E2e;
let appointments: AppointmentsRepository;
let customers: CustomersRepository;

beforeAll(async () => {
  e2e = await startE2e();
  const db = createDocumentClient();
  appointments = new AppointmentsRepository(db, e2e.config.tables);
  customers = new CustomersRepository(db, e2e.config.tables.customers);
});
afterAll(async () => e2e?.close());

let phoneCounter = 0;

/** A consenting customer with an oil change three days out at the day's last slot. */
async function bookedCustomer() {
  const phone = `+1217555${String(3000 + phoneCounter++).padStart(4, '0')}`;
  const customer = await e2e.tool(
    'create_customer',
    { first_name: 'Edna', last_name: 'Krabappel' },
    { callerPhone: phone },
  );
  const who = { customerId: customer.customerId as string, callerPhone: phone };
  const vehicle = await e2e.tool('add_vehicle', { year: 2016, make: 'Toyota', model: 'Corolla' }, who);
  let day = Temporal.Now.plainDateISO('America/Chicago').add({ days: 3 });
  let slots = await e2e.tool(
    'get_available_slots',
    { date: day.toString(), service_type: 'oil_change' },
    who,
  );
  if (slots.slots.length === 0) {
    day = Temporal.PlainDate.from(slots.next_available_days[0].date);
    slots = { slots: slots.next_available_days[0].slots };
  }
  const booked = await e2e.tool(
    'book_appointment',
    {
      vehicle_id: vehicle.vehicle.vehicle_id,
      service_type: 'oil_change',
      start_time: slots.slots[0].start_time,
      reminder_call_consent: true,
    },
    who,
  );
  return { phone, who, appointmentId: booked.appointment.appointment_id as string, day, slots: slots.slots };
}

/** The dialer's run, the day before the appointment at 10:00 shop time. */
async function dial(appointmentId: string, day: Temporal.PlainDate): Promise<string> {
  const outcome = await runDialer(appointmentId, day);
  if (outcome.outcome !== 'called') throw new Error(`the dialer did not call: ${JSON.stringify(outcome)}`);
  return outcome.callSid;
}

async function runDialer(appointmentId: string, day: Temporal.PlainDate) {
  const now = day
    .subtract({ days: 1 })
    .toZonedDateTime({ timeZone: 'America/Chicago', plainTime: '10:00' })
    .toInstant();
  const db = createDocumentClient();
  return dialReminder(
    { appointmentId, version: 1 },
    {
      shop: e2e.config.shop,
      appointments,
      customers,
      state: new ReminderStateRepository(db, e2e.config.tables.appointments),
      caller: new TwilioOutboundCaller(
        async () => ({ accountSid: e2e.twilio.accountSid, authToken: e2e.twilio.authToken }),
        e2e.twilio.restBaseUrl,
      ),
      scheduler: new NoopReminderScheduler(),
      publicBaseUrl: PUBLIC_BASE_URL,
      now: () => now,
      metrics: new MemoryMetricSink(),
    },
  );
}

function answer(callSid: string, phone: string, appointmentId: string, answeredBy: string) {
  return e2e.startCall({
    callSid,
    webhookPath: `/twilio/outbound?appointmentId=${appointmentId}`,
    direction: 'outbound-api',
    from: e2e.config.shop.phoneNumber,
    to: phone,
    extraParams: { AnsweredBy: answeredBy },
  });
}

async function statusCallback(
  callSid: string,
  appointmentId: string,
  CallStatus: string,
  AnsweredBy: string,
) {
  const path = `/twilio/status?appointmentId=${appointmentId}`;
  return e2e.twilio.signedPost({
    transportUrl: `${e2e.baseUrl}${path}`,
    signedUrl: `${PUBLIC_BASE_URL}${path}`,
    params: { CallSid: callSid, AccountSid: e2e.twilio.accountSid, CallStatus, AnsweredBy },
  });
}

describe('a reminder call', () => {
  it("a person answers: the shop's automated assistant reminds them and records the confirmation", async () => {
    const { phone, appointmentId, day } = await bookedCustomer();
    let prompt = '';
    e2e.openai.setScript((request) => {
      prompt = systemPrompt(request);
      if (/I'll be there/i.test(lastUserText(request))) {
        // The model confirms the time it was shown: the appointment in the reminder's context.
        const shown = /"start_time":"([^"]+)"/.exec(prompt)?.[1];
        return callTools({
          name: 'confirm_appointment',
          arguments: { appointment_id: appointmentId, start_time: shown },
        });
      }
      if (latestToolResults(request).confirm_appointment?.ok) return say('Great, see you then. Goodbye!');
      return say('Okay.');
    });
    const callSid = await dial(appointmentId, day);
    const call = await answer(callSid, phone, appointmentId, 'human');
    expect(call.stream?.url).toBe('wss://voice.bartsautomotive.test/twilio/media');
    await call.waitForHeard(
      /Hello Edna, this is Sophie, the automated assistant from Bart's Automotive, calling to remind you of your oil change for your 2016 Toyota Corolla on .+\. Can you still make it\?/,
    );
    await call.say("Yes, I'll be there.");
    await call.waitForHeard('Great, see you then.', 8000);
    expect(prompt).toContain('outbound reminder call');
    expect((await appointments.get(appointmentId))?.confirmedAt).toBeTruthy();
    await call.hangup();
    expect((await statusCallback(callSid, appointmentId, 'completed', 'human')).status).toBe(204);
    await eventually(
      'reminded',
      async () => (await appointments.get(appointmentId))?.reminderStatus === 'reminded',
    );
  });

  it('a person answers and reschedules in the same call, with the read-back confirmation', async () => {
    const { phone, appointmentId, day, slots } = await bookedCustomer();
    const later = slots.at(-1).start_time as string;
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/later|yes, move it/i.test(user)) {
        const pending = toolResultsOf(request, 'reschedule_appointment').at(-1)?.confirmation;
        const token = /yes, move it/i.test(user) ? { confirmation_token: pending.confirmation_token } : {};
        return callTools({
          name: 'reschedule_appointment',
          arguments: { appointment_id: appointmentId, new_start_time: later, ...token },
        });
      }
      const moved = latestToolResults(request).reschedule_appointment;
      if (moved?.confirmation) return say(`${moved.confirmation.summary} Is that right?`);
      if (moved?.ok) return say('Done, it is moved.');
      return say('Okay.');
    });
    const call = await answer(await dial(appointmentId, day), phone, appointmentId, 'human');
    await call.waitForHeard(/Can you still make it\?/);
    await call.say('Not at that time, can we do later that day?');
    await call.waitForHeard(/Is that right\?/, 8000);
    await call.say('Yes, move it.');
    await call.waitForHeard('Done, it is moved.', 8000);
    const moved = await appointments.get(appointmentId);
    expect(moved?.status).toBe('booked');
    expect(moved?.version).toBe(2);
    await call.hangup();
  });

  it('a machine answers: a short voicemail after the beep, with the callback number, then hang-up', async () => {
    const { phone, appointmentId, day } = await bookedCustomer();
    const sttBefore = e2e.deepgram.stt.length;
    const metrics = (query = '') =>
      fetch(`${e2e.baseUrl}/internal/metrics${query}`).then((r) => r.json() as Promise<ServerMetrics>);
    await metrics('?reset=1');
    const call = await answer(await dial(appointmentId, day), phone, appointmentId, 'machine_end_beep');
    expect(call.stream).toBeNull();
    // The webhook's own look-up of the customer is timed like the calls' tool calls.
    expect((await metrics()).toolCallMs).toEqual({ lookup_customer: expect.objectContaining({ count: 1 }) });
    expect(call.webhookResponse.body).toMatch(
      /<Say>Hello Edna, this is Sophie, the automated assistant of Bart's Automotive, with a reminder of your oil change .+ please call us at 2 1 7, 5 5 5, 0 1 4 2\. Thank you, goodbye\.<\/Say><Hangup\/>/,
    );
    expect(e2e.deepgram.stt.length).toBe(sttBefore);
  });

  it('the customer opts out: recorded, and the dialer places no further reminder calls', async () => {
    const { phone, who, appointmentId, day } = await bookedCustomer();
    e2e.openai.setScript((request) => {
      if (/stop calling/i.test(lastUserText(request)))
        return callTools({ name: 'opt_out_of_reminders', arguments: {} });
      if (latestToolResults(request).opt_out_of_reminders?.ok)
        return say('Understood, no more reminder calls.');
      return say('Okay.');
    });
    const call = await answer(await dial(appointmentId, day), phone, appointmentId, 'human');
    await call.waitForHeard(/Can you still make it\?/);
    await call.say('Yes, but please stop calling me with reminders.');
    await call.waitForHeard('Understood, no more reminder calls.', 8000);
    await call.hangup();
    expect((await customers.get(who.customerId))?.remindersOptedOut).toBe(true);
    const profile = await e2e.tool('lookup_customer', {}, { callerPhone: phone });
    expect(profile.customer.reminder_calls).toBe('opted_out');
    // A later appointment of the same customer gets no reminder call.
    const slots = await e2e.tool(
      'get_available_slots',
      { date: day.add({ days: 1 }).toString(), service_type: 'inspection' },
      who,
    );
    const vehicles = profile.vehicles as { vehicle_id: string }[];
    const next = await e2e.tool(
      'book_appointment',
      {
        vehicle_id: vehicles[0]!.vehicle_id,
        service_type: 'inspection',
        start_time: (slots.slots[0] ?? slots.next_available_days[0].slots[0]).start_time,
      },
      who,
    );
    expect(await runDialer(next.appointment.appointment_id, day.add({ days: 1 }))).toMatchObject({
      outcome: 'skipped',
      reason: 'opted_out',
    });
  });
});
