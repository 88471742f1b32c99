/**
 * One phone call end to end through the real server: Twilio fake → our media stream → Deepgram
 * fake (STT) → OpenAI fake (model + tools on DynamoDB Local) → Deepgram fake (TTS) → Twilio fake's
 * playback clock. Assertions are on protocol effects and stored data, not on wording.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMetrics } from '../../runtime/server/metrics-route';
import type { ChatRequest } from '../fakes/openai-fake';
import { type E2e, eventually, startE2e } from './harness';
import {
  callTools,
  firstSlot,
  lastMessage,
  lastUserText,
  latestToolResults,
  say,
  systemPrompt,
  toolResultsOf,
} from './model-script';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.close();
});
afterEach(() => {
  e2e.openai.setScript(() => say('Okay.'));
});

const GREETING = /How can I help you today\?/;

describe('a new caller books an oil change', () => {
  it('creates the customer and vehicle, finds a slot, books it and confirms it aloud', async () => {
    e2e.openai.setScript((request: ChatRequest) => {
      const user = lastUserText(request);
      if (/oil change/i.test(user)) {
        return callTools({
          name: 'create_customer',
          arguments: { first_name: 'Homer', last_name: 'Simpson' },
        });
      }
      if (/the first one|yes, book it/i.test(user)) {
        const vehicle = toolResultsOf(request, 'add_vehicle').at(-1).result.vehicle;
        const slot = firstSlot(toolResultsOf(request, 'get_available_slots').at(-1).result);
        const pending = toolResultsOf(request, 'book_appointment').at(-1)?.confirmation;
        return callTools({
          name: 'book_appointment',
          arguments: {
            vehicle_id: vehicle.vehicle_id,
            service_type: 'oil_change',
            start_time: slot.start_time,
            ...(/yes, book it/i.test(user) ? { confirmation_token: pending.confirmation_token } : {}),
          },
        });
      }
      const results = latestToolResults(request);
      if (results.create_customer) {
        return callTools({
          name: 'add_vehicle',
          arguments: { year: 2015, make: 'Plymouth', model: 'Junkerolla' },
        });
      }
      if (results.add_vehicle) {
        return callTools({
          name: 'get_available_slots',
          arguments: { date: 'tomorrow', service_type: 'oil_change' },
        });
      }
      if (results.get_available_slots) {
        const slot = firstSlot(results.get_available_slots.result);
        return say(`The first opening is ${slot.spoken}. Does that work?`);
      }
      if (results.book_appointment?.confirmation) {
        return say(`To confirm: ${results.book_appointment.confirmation.summary} Shall I?`);
      }
      if (results.book_appointment?.ok) {
        return say(`You're all set: ${results.book_appointment.result.appointment.spoken}.`);
      }
      return say('Sorry, could you repeat that?');
    });

    const call = await e2e.startCall({ from: '+12175550199' });
    await call.waitForHeard(GREETING);
    await call.say('Hi, this is Homer Simpson, I need an oil change for my car.');
    await call.waitForHeard(/The first opening is .+\.\s?Does that work\?/, 8000);
    await call.say('Yes, the first one please.');
    await call.waitForHeard(/To confirm: Book oil change on .+\.\s?Shall I\?/, 8000);
    await call.say('Yes, book it.');
    await call.waitForHeard(/You're all set: .+\./, 8000);
    expect(call.protocolErrors).toEqual([]);

    const customerId = await e2e.deps.invoker
      .invoke({
        tool: 'lookup_customer',
        arguments: {},
        session: { shopId: 'example', callSid: call.callSid, callerPhone: '+12175550199', customerId: null },
      })
      .then((r) => (r.ok ? r.session.customerId : null));
    expect(customerId).toBeTruthy();
    const upcoming = await e2e.tool('get_upcoming_appointments', {}, { customerId });
    expect(upcoming.appointments).toHaveLength(1);
    expect(upcoming.appointments[0]).toMatchObject({ service_type: 'oil_change' });

    await call.hangup();
    const record = await eventually('the call record', () =>
      e2e.deps.calls.getCallRecord(call.callSid).then((r) => (r?.outcome ? r : null)),
    );
    expect(record).toMatchObject({ direction: 'inbound', customerId, outcome: 'caller_hung_up' });
    const transcript = record.transcript as { role: string; text: string }[];
    expect(transcript.filter((t) => t.role === 'tool').map((t) => t.text)).toEqual([
      'create_customer ok',
      'add_vehicle ok',
      'get_available_slots ok',
      'book_appointment CONFIRMATION_REQUIRED',
      'book_appointment ok',
    ]);
  });
});

describe('a known caller', () => {
  it('is greeted by name, the prompt carries their record, and they reschedule', async () => {
    const phone = '+12175550177';
    const customer = await e2e.tool(
      'create_customer',
      { first_name: 'Marge', last_name: 'Bouvier' },
      { callerPhone: phone },
    );
    const who = { customerId: customer.customerId as string, callerPhone: phone };
    const vehicle = await e2e.tool('add_vehicle', { year: 2019, make: 'Honda', model: 'Odyssey' }, who);
    const slots = await e2e.tool(
      'get_available_slots',
      { date: 'tomorrow', service_type: 'inspection' },
      who,
    );
    const day = slots.slots.length > 0 ? slots : slots.next_available_days[0];
    const booked = await e2e.tool(
      'book_appointment',
      {
        vehicle_id: vehicle.vehicle.vehicle_id,
        service_type: 'inspection',
        start_time: day.slots[0].start_time,
      },
      who,
    );
    const appointmentId = booked.appointment.appointment_id as string;
    const newStart = day.slots.at(-1).start_time as string;

    let prompt = '';
    e2e.openai.setScript((request) => {
      prompt = systemPrompt(request);
      const user = lastUserText(request);
      if (/move my inspection|please do/i.test(user)) {
        const pending = toolResultsOf(request, 'reschedule_appointment').at(-1)?.confirmation;
        const token = /please do/i.test(user) ? { confirmation_token: pending.confirmation_token } : {};
        return callTools({
          name: 'reschedule_appointment',
          arguments: { appointment_id: appointmentId, new_start_time: newStart, ...token },
        });
      }
      const moved = latestToolResults(request).reschedule_appointment;
      if (moved?.confirmation) return say(`${moved.confirmation.summary} Okay?`);
      if (moved)
        return say(moved.ok ? `Done, it is now ${moved.result.appointment.spoken}.` : 'That did not work.');
      return say('Okay.');
    });

    const call = await e2e.startCall({ from: phone });
    await call.waitForHeard(/Hi Marge, thanks for calling/);
    await call.say('Can you move my inspection to later that day?');
    await call.waitForHeard(/Move the inspection .+ to .+\.\s?Okay\?/, 8000);
    await call.say('Yes please do.');
    await call.waitForHeard(/Done, it is now .+\./, 8000);
    expect(prompt).toContain('known customer, Marge');
    expect(prompt).toContain(appointmentId);
    const upcoming = await e2e.tool('get_upcoming_appointments', {}, who);
    expect(upcoming.appointments[0].start_time).toBe(newStart);
    await call.hangup();
  });
});

describe('tools', () => {
  it('runs two parallel tool calls of one model response and answers from both results', async () => {
    e2e.openai.setScript((request) => {
      if (/brakes and tires/i.test(lastUserText(request))) {
        return callTools(
          { name: 'get_available_slots', arguments: { date: 'tomorrow', service_type: 'brake_service' } },
          { name: 'get_available_slots', arguments: { date: 'tomorrow', service_type: 'tire_rotation' } },
        );
      }
      const last = lastMessage(request);
      if (last.role === 'tool') {
        const toolMessages = request.body.messages.filter((m: { role: string }) => m.role === 'tool');
        const services = toolMessages
          .slice(-2)
          .map((m: { content: string }) => JSON.parse(m.content).result.service_type);
        return say(`I checked ${services.join(' and ')}.`);
      }
      return say('Okay.');
    });
    const metrics = (query = '') =>
      fetch(`${e2e.baseUrl}/internal/metrics${query}`).then((r) => r.json() as Promise<ServerMetrics>);
    await metrics('?reset=1');
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.say('When can you look at my brakes and tires?');
    await call.waitForHeard('I checked brake_service and tire_rotation.', 8000);
    // The server timed every tool call by tool, for its local metrics endpoint: the caller's lookup
    // at the start of the call, and the two the model asked for.
    const { toolCallMs } = await metrics();
    expect(Object.keys(toolCallMs).sort()).toEqual(['get_available_slots', 'lookup_customer']);
    expect(toolCallMs.lookup_customer!.count).toBe(1);
    const slots = toolCallMs.get_available_slots!;
    expect(slots.count).toBe(2);
    expect(slots.p50).toBeGreaterThan(0);
    expect(slots.max).toBeGreaterThanOrEqual(slots.p99);
    const toolRequest = e2e.openai.requests.at(-1)!.body;
    const assistant = toolRequest.messages.at(-3);
    expect(assistant.tool_calls).toHaveLength(2);
    expect(toolRequest.messages.at(-2).tool_call_id).toBe(assistant.tool_calls[0].id);
    expect(toolRequest.messages.at(-1).tool_call_id).toBe(assistant.tool_calls[1].id);
    await call.hangup();
  });

  it('relays a tool error as speech, never silence', async () => {
    e2e.openai.setScript((request) => {
      if (/cancel/i.test(lastUserText(request))) {
        return callTools({ name: 'cancel_appointment', arguments: { appointment_id: 'apt_0000000000' } });
      }
      const result = latestToolResults(request).cancel_appointment;
      if (result) return say(result.ok ? 'Cancelled.' : `I could not do that: ${result.error.code}.`);
      return say('Okay.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.say('Please cancel my appointment.');
    // The caller is unknown, so the tool refuses: the model hears why and says so.
    await call.waitForHeard(/I could not do that: (CUSTOMER_REQUIRED|NOT_FOUND)\./, 8000);
    await call.hangup();
  });
});

describe('streaming', () => {
  it('plays the first sentence before the model has finished its answer', async () => {
    const answer = 'Sure thing. We are open until six tonight and nine to three on Saturday, closed Sunday.';
    e2e.openai.setScript(() => say(answer, { chunkChars: 4, interChunkMs: 40 }));
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const requestsBefore = e2e.openai.requests.length;
    const spokenAt = await call.say('When are you open?');
    await call.waitForHeard('closed Sunday.', 10_000);
    const timeline = e2e.openai.timeline.find((t) => t.requestIndex === requestsBefore)!;
    const firstAnswerAudio = call.received.find((r) => r.at > spokenAt && r.message.event === 'media')!.at;
    expect(timeline.doneAt).toBeDefined();
    expect(firstAnswerAudio).toBeLessThan(timeline.doneAt!);
    await call.hangup();
  });

  it("opens the model's connection while the caller is still talking, and the answer uses it", async () => {
    e2e.openai.setScript(() => say('We open at eight.'));
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    // What the server's idle timeout does between two turns: no pooled connection is left.
    e2e.openai.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const connections = e2e.openai.connections;
    const requests = e2e.openai.requests.length;
    await call.say('When do you open in the morning?');
    // The last speech frame is out, the utterance has not ended: connected, nothing requested yet.
    expect(e2e.openai.connections).toBe(connections + 1);
    expect(e2e.openai.requests.length).toBe(requests);
    await call.waitForHeard('We open at eight.');
    expect(e2e.openai.requests.length).toBe(requests + 1);
    expect(e2e.openai.connections).toBe(connections + 1);
    await call.hangup();
  });

  it('opens Deepgram with the phone-call settings and never sends a WAV header to Twilio', async () => {
    const sttBefore = e2e.deepgram.stt.length;
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const stt = e2e.deepgram.stt[sttBefore]!;
    expect(stt.query).toMatchObject({
      model: 'nova-3',
      encoding: 'mulaw',
      sample_rate: '8000',
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
    });
    const tts = e2e.deepgram.tts.at(-1)!;
    expect(tts.query).toMatchObject({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    const firstMedia = call.received.find((r) => r.message.event === 'media')!.message;
    expect(Buffer.from(firstMedia.media.payload, 'base64').subarray(0, 4).toString('latin1')).not.toBe(
      'RIFF',
    );
    expect(call.received.every((r) => ['media', 'mark', 'clear'].includes(r.message.event))).toBe(true);
    await call.hangup();
    await eventually('provider sockets closed', () => stt.closed && tts.closed);
  });
});

describe('concurrency', () => {
  it('carries 20 concurrent calls with no cross-talk', async () => {
    e2e.openai.setScript((request) => {
      const code = /code (\w+)/.exec(lastUserText(request))?.[1];
      return say(code ? `Your code was ${code}.` : 'Okay.');
    });
    const codes = Array.from({ length: 20 }, (_, i) => `Z${i}Q${(i * 7919) % 1000}`);
    await Promise.all(
      // Each from its own number: one number gets two calls at once (SEC-16).
      codes.map(async (code, i) => {
        const call = await e2e.startCall({ from: `+1217555${String(7000 + i)}` });
        await call.waitForHeard(GREETING, 10_000);
        await call.say(`My code ${code} thanks`);
        await call.waitForHeard(`Your code was ${code}.`, 15_000);
        expect(call.heard()).not.toMatch(new RegExp(`Your code was (?!${code}\\.)`));
        expect(call.protocolErrors).toEqual([]);
        await call.hangup();
      }),
    );
    await eventually('all calls ended', () => e2e.server.registry.size === 0);
  });
});
