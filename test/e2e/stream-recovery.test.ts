/**
 * A media stream that drops mid-call (RES-01, RES-02): Twilio requests the <Connect action> URL,
 * the server answers with a fresh stream for the same call, and the conversation carries on from
 * its persisted state; a second drop goes to the shop; a call that ended on purpose just hangs up.
 * Also the per-caller limit on concurrent calls (SEC-16).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall } from '../fakes/twilio-fake';
import { type E2e, eventually, startE2e } from './harness';
import { callTools, lastUserText, latestToolResults, messages, say, toolResultsOf } from './model-script';
import { seedBookings } from './scenarios';

let e2e: E2e;
beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => e2e?.close());

/** The server's side of the live media sockets is cut, as when a task dies. */
function dropStreams(): void {
  for (const client of e2e.server.app.websocketServer.clients) client.terminate();
}

/** What Twilio does when <Connect> ends without the call ending: it requests the action URL. */
function connectAction(call: FakeCall, from: string): Promise<FakeCall> {
  expect(call.stream?.connectAction).toBe('https://voice.bartsautomotive.test/twilio/stream-ended');
  return e2e.startCall({ callSid: call.callSid, webhookPath: '/twilio/stream-ended', from });
}

describe('a dropped media stream', () => {
  it('is resumed once with the conversation intact, and a second drop goes to the shop', async () => {
    e2e.openai.setScript((request) => say(`Noted: ${lastUserText(request)}`));
    const from = '+12175550601';
    const first = await e2e.startCall({ from });
    await first.waitForHeard(/How can I help you today\?/);
    await first.say('My car makes a clicking noise.');
    await first.waitForHeard('Noted: My car makes a clicking noise.', 8000);
    await eventually(
      'the turn saved',
      async () => (await e2e.deps.calls.loadConversation(first.callSid))?.messages.length,
    );

    dropStreams();
    await first.closed;
    const second = await connectAction(first, from);
    expect(second.webhookResponse.body).toMatch(/<Say>Sorry about that, one moment please\.<\/Say><Connect/);
    await second.waitForHeard('Sorry about that, we got cut off. Where were we?');
    await second.say('It happens when I turn left.');
    await second.waitForHeard('Noted: It happens when I turn left.', 8000);
    const history = messages(e2e.openai.requests.at(-1)!).map((m) => m.content);
    expect(history).toContain('My car makes a clicking noise.');

    dropStreams();
    await second.closed;
    const third = await connectAction(second, from);
    expect(third.stream).toBeNull();
    expect(third.webhookResponse.body).toMatch(
      /<Say>I'm sorry, we lost the line.*<\/Say><Dial .*>\+12175550199<\/Dial>/,
    );
  });

  it("keeps the call's cancellation allowance: a resumed stream does not grant another", async () => {
    const caller = { phone: '+12175550602', first: 'Agnes', last: 'Skinner' };
    const { appointments } = await seedBookings(e2e, caller, 2);
    const [firstId, secondId] = appointments.map((a) => a.appointment_id);
    const cancel = (appointmentId: string, token?: string) =>
      callTools({
        name: 'cancel_appointment',
        arguments: { appointment_id: appointmentId, ...(token ? { confirmation_token: token } : {}) },
      });
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      const answered = latestToolResults(request).cancel_appointment;
      if (answered?.confirmation) return say('Shall I cancel it?');
      if (answered) return say(answered.ok ? 'Cancelled.' : `Not cancelled: ${answered.error.code}.`);
      if (/yes/i.test(user)) {
        const token = toolResultsOf(request, 'cancel_appointment').at(-1)?.confirmation?.confirmation_token;
        return cancel(firstId!, token);
      }
      if (/first/i.test(user)) return cancel(firstId!);
      if (/second/i.test(user)) return cancel(secondId!);
      return say('Okay.');
    });
    const first = await e2e.startCall({ from: caller.phone });
    await first.waitForHeard(/How can I help/);
    await first.say('Please cancel my first appointment.');
    await first.waitForHeard('Shall I cancel it?', 8000);
    await first.say('Yes.');
    await first.waitForHeard('Cancelled.', 8000);
    await eventually(
      'the cancellation counted in the saved state',
      async () => (await e2e.deps.calls.loadConversation(first.callSid))?.gate?.cancellations === 1,
    );

    dropStreams();
    await first.closed;
    const second = await connectAction(first, caller.phone);
    await second.waitForHeard('Sorry about that, we got cut off. Where were we?');
    await second.say('Now cancel the second one as well.');
    await second.waitForHeard('Not cancelled: LIMIT_REACHED.', 8000);
    await second.hangup();
  });

  it('is not resumed when the call ended on purpose', async () => {
    const from = '+12175550602';
    const call = await e2e.startCall({ from });
    await call.waitForHeard(/How can I help/);
    await call.hangup();
    await eventually(
      'the final state saved',
      async () => (await e2e.deps.calls.loadConversation(call.callSid))?.finished,
    );
    const after = await connectAction(call, from);
    expect(after.stream).toBeNull();
    expect(after.webhookResponse.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>',
    );
  });
});

describe('calls per caller number', () => {
  it('gives a third concurrent call from one number the shop instead of the assistant', async () => {
    const from = '+12175550603';
    const calls = [await e2e.startCall({ from }), await e2e.startCall({ from })];
    await Promise.all(calls.map((call) => call.waitForHeard(/How can I help/)));
    const third = await e2e.startCall({ from });
    expect(third.stream).toBeNull();
    expect(third.webhookResponse.body).toMatch(
      /<Say>.*all our lines are busy.*<\/Say><Dial>\+12175550199<\/Dial>/i,
    );
    const other = await e2e.startCall({ from: '+12175550604' });
    await other.waitForHeard(/How can I help/);
    await Promise.all([...calls, other].map((call) => call.hangup()));
  });

  it('counts calls with the caller ID withheld as one caller, so withholding it lifts no limit', async () => {
    // Twilio's From for a withheld number is "anonymous" (or a placeholder that is no real number).
    const calls = [await e2e.startCall({ from: 'anonymous' }), await e2e.startCall({ from: 'anonymous' })];
    await Promise.all(calls.map((call) => call.waitForHeard(/How can I help/)));
    const third = await e2e.startCall({ from: 'anonymous' });
    expect(third.stream).toBeNull();
    expect(third.webhookResponse.body).toMatch(/all our lines are busy/i);
    await Promise.all(calls.map((call) => call.hangup()));
  });
});
