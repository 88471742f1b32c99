/**
 * Every provider fault ends in speech: each one is injected through a protocol fake, and the test
 * asserts the caller hears an answer or an apology within a stated bound, the call continues or goes
 * to a person, nothing is booked twice or lost, and the number of requests stays small (no storm).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall } from '../fakes/twilio-fake';
import { type E2e, eventually, startE2e } from './harness';
import { callTools, firstSlot, lastUserText, latestToolResults, say, toolResultsOf } from './model-script';
import { callThatFailsItsHangUp } from './scenarios';

const GREETING = /How can I help you today\?/;
/** The model's first-token budget in these tests; the apology must follow within a second of it. */
const BUDGET_MS = 1500;

function updatesOf(e2e: E2e, call: FakeCall) {
  return e2e.twilio.restRequests.filter(
    (r) => r.method === 'POST' && r.path.endsWith(`/Calls/${call.callSid}.json`),
  );
}

describe('OpenAI faults', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ env: { LLM_FIRST_TOKEN_BUDGET_MS: String(BUDGET_MS) } });
  });
  afterAll(async () => e2e?.close());

  it('429 with retry-after: retried once by the SDK, and the caller gets the answer', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const before = e2e.openai.requests.length;
    e2e.openai.queue(
      { kind: 'error', status: 429, headers: { 'retry-after': '0.3' } },
      { kind: 'text', text: 'We open at eight.' },
    );
    await call.say('When do you open?');
    await call.waitForHeard('We open at eight.', 5000);
    expect(e2e.openai.requests.length - before).toBe(2);
    await call.hangup();
  });

  it('500 on every attempt: two requests, then an apology, and the call goes on', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const before = e2e.openai.requests.length;
    e2e.openai.queue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    await call.say('When do you open?');
    await call.waitForHeard(/I'm sorry, I had a problem on my end/, 5000);
    expect(e2e.openai.requests.length - before).toBe(2);
    e2e.openai.queue({ kind: 'text', text: 'We open at eight.' });
    await call.say('When do you open?');
    await call.waitForHeard('We open at eight.', 5000);
    await call.hangup();
  });

  it(`a hang before any header: the apology comes within the ${BUDGET_MS} ms budget plus a second`, async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    e2e.openai.queue({ kind: 'hang' }, { kind: 'hang' });
    const spokenAt = await call.say('When do you open?');
    await call.waitForHeard(/I'm sorry, I had a problem on my end/, 5000);
    const apologyAt = call.received.filter((r) => r.message.event === 'media').at(-1)!.at;
    expect(apologyAt - spokenAt).toBeLessThan(BUDGET_MS + 300 + 1000); // + endpointing + speech
    await call.hangup();
  });

  it('a stream cut mid-answer: not retried once the answer had begun, and an apology follows', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const before = e2e.openai.requests.length;
    e2e.openai.queue({ kind: 'cut', text: 'We are open from eight. And on Saturday we', afterChunks: 5 });
    await call.say('When do you open?');
    await call.waitForHeard(/I'm sorry, I had a problem/, 5000);
    expect(e2e.openai.requests.length - before).toBe(1);
    await call.hangup();
  });

  it(`a stream that stalls mid-answer, its socket open: the apology comes within the ${BUDGET_MS} ms budget`, async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const before = e2e.openai.requests.length;
    e2e.openai.queue({
      kind: 'text',
      text: 'We are open from eight. And on Saturday we',
      chunkChars: 24,
      interChunkMs: 60_000,
    });
    await call.say('When do you open?');
    await call.waitForHeard(/We are open from eight\./, 5000);
    const firstSentenceAt = performance.now();
    await call.waitForHeard(/We are open from eight\..*I'm sorry, I had a problem on my end/, 5000);
    expect(performance.now() - firstSentenceAt).toBeLessThan(BUDGET_MS + 1500);
    expect(call.heard()).not.toContain('Saturday');
    expect(e2e.openai.requests.length - before).toBe(1);
    await call.hangup();
  });

  it('an error event mid-stream: the words already streamed are spoken, then an apology', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    e2e.openai.queue({
      kind: 'midstream-error',
      text: 'We are open from eight. And on Saturday we',
      afterChunks: 6,
      error: { message: 'overloaded', type: 'server_error' },
    });
    await call.say('When do you open?');
    await call.waitForHeard(/We are open from eight\..*I'm sorry, I had a problem/, 5000);
    expect(call.heard()).not.toContain('overloaded');
    await call.hangup();
  });

  it('two failed turns in a row: the caller is handed to a person', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    e2e.openai.queue(...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 503 })));
    await call.say('When do you open?');
    await call.waitForHeard(/I'm sorry, I had a problem/, 5000);
    await call.say('Hello?');
    await call.closed;
    expect(call.heard()).toMatch(/Let me connect you with someone at the shop\.$/);
    expect(updatesOf(e2e, call)[0]?.params.Twiml).toContain('<Dial');
  });
});

describe('Deepgram faults', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e();
  });
  afterAll(async () => e2e?.close());

  it('STT closed with 1011 mid-call: reconnected within a second and the conversation goes on', async () => {
    e2e.openai.setScript((request) => say(`You said: ${lastUserText(request)}`));
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const sttBefore = e2e.deepgram.stt.length;
    e2e.deepgram.stt.at(-1)!.kill(1011, 'NET-0000');
    const killedAt = performance.now();
    await eventually('a new STT socket', () => e2e.deepgram.stt.length > sttBefore, 1000);
    expect(performance.now() - killedAt).toBeLessThan(1000);
    await call.say('Are you still with me?');
    await call.waitForHeard('You said: Are you still with me?', 5000);
    await call.hangup();
  });

  it('STT refused when the call starts: Twilio tells the caller and dials the shop', async () => {
    e2e.deepgram.refuseNext('/v1/listen', 1, 503);
    const call = await e2e.startCall();
    await call.closed;
    const [handOff] = updatesOf(e2e, call);
    expect(handOff?.params.Twiml).toMatch(/<Say>I'm sorry, I'm having trouble on my end.*<\/Say><Dial/);
    const openTts = e2e.deepgram.tts.filter((t) => !t.closed);
    await eventually('no TTS socket left open', () => openTts.every((t) => t.closed));
  });

  it('TTS lost for good and the transfer refused: the stream is closed, and the stream-ended webhook resumes the call', async () => {
    e2e.openai.setScript(() => say('Okay.'));
    const from = '+12175550642';
    const call = await e2e.startCall({ from });
    await call.waitForHeard(GREETING);
    e2e.deepgram.refuseNext('/v1/speak', 3, 503);
    e2e.twilio.failNextRest({ method: 'POST', pathIncludes: `/Calls/${call.callSid}.json` }, 500);
    e2e.deepgram.tts.at(-1)!.kill(1011, 'NET-0000');
    expect((await call.closed).code).toBe(1000);
    expect(updatesOf(e2e, call)).toHaveLength(1);
    // What Twilio does next: it asks the <Connect action> URL, and the call gets a fresh stream.
    const resumed = await e2e.startCall({ callSid: call.callSid, webhookPath: '/twilio/stream-ended', from });
    expect(resumed.webhookResponse.body).toContain('<Connect');
    await resumed.waitForHeard('Sorry about that, we got cut off. Where were we?');
    await resumed.hangup();
  });

  it('TTS socket dropped mid-answer: a new socket speaks the rest of the answer', async () => {
    const answer = 'First, we check the oil level. Then we look at the filter. Last, we top up the fluids.';
    e2e.openai.setScript(() => say(answer, { chunkChars: 6, interChunkMs: 40 }));
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const ttsBefore = e2e.deepgram.tts.length;
    await call.say('How does an oil change go?');
    await call.waitForHeard('First, we check', 5000);
    e2e.deepgram.tts.at(-1)!.kill(1011, 'NET-0000');
    await call.waitForHeard('Last, we top up the fluids.', 8000);
    expect(e2e.deepgram.tts.length).toBe(ttsBefore + 1);
    await call.hangup();
  });
});

describe('Twilio REST and DynamoDB faults', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ dynamoFaults: true });
  });
  afterAll(async () => e2e?.close());

  it('a 429 on the hang-up is retried, and the call ends', async () => {
    const call = await callThatFailsItsHangUp(e2e, 429);
    await call.say('Bye now.');
    await call.closed;
    expect(updatesOf(e2e, call).map((r) => r.params.Status)).toEqual(['completed', 'completed']);
  });

  it('throttling and a transaction conflict while booking: one appointment, confirmed aloud', async () => {
    const phone = '+12175550404';
    const customer = await e2e.tool(
      'create_customer',
      { first_name: 'Lenny', last_name: 'Leonard' },
      { callerPhone: phone },
    );
    const who = { customerId: customer.customerId as string, callerPhone: phone };
    const vehicle = await e2e.tool('add_vehicle', { year: 2010, make: 'Ford', model: 'Fusion' }, who);
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      const results = latestToolResults(request);
      if (/book/i.test(user))
        return callTools({
          name: 'get_available_slots',
          arguments: { date: 'tomorrow', service_type: 'oil_change' },
        });
      const slotsResult = toolResultsOf(request, 'get_available_slots').at(-1);
      const args = () => ({
        vehicle_id: vehicle.vehicle.vehicle_id,
        service_type: 'oil_change',
        start_time: firstSlot(slotsResult.result).start_time,
      });
      if (results.get_available_slots) return callTools({ name: 'book_appointment', arguments: args() });
      if (results.book_appointment?.confirmation) return say('Shall I book it?');
      if (/yes/i.test(user)) {
        const token = toolResultsOf(request, 'book_appointment').at(-1).confirmation.confirmation_token;
        e2e.dynamo!.failNext('TransactWriteItems', 'throttling', 2);
        e2e.dynamo!.failNext('TransactWriteItems', 'transaction_conflict', 1);
        return callTools({ name: 'book_appointment', arguments: { ...args(), confirmation_token: token } });
      }
      if (results.book_appointment?.ok) return say('Booked.');
      return say(`Problem: ${results.book_appointment?.error?.code}.`);
    });
    const call = await e2e.startCall({ from: phone });
    await call.waitForHeard(/Hi Lenny/);
    await call.say('Please book an oil change tomorrow.');
    await call.waitForHeard('Shall I book it?', 8000);
    await call.say('Yes.');
    await call.waitForHeard('Booked.', 8000);
    const transactions = e2e.dynamo!.operations.filter((o) => o === 'TransactWriteItems');
    expect(transactions.length).toBeGreaterThanOrEqual(4);
    expect(transactions.length).toBeLessThanOrEqual(6);
    const upcoming = await e2e.tool('get_upcoming_appointments', {}, who);
    expect(upcoming.appointments).toHaveLength(1);
    await call.hangup();
  });
});
