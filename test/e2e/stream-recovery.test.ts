/**
 * A media stream that drops mid-call (RES-01, RES-02): Twilio requests the <Connect action> URL,
 * the server answers with a fresh stream for the same call, and the conversation carries on from
 * its persisted state; a second drop goes to the shop; a call that ended on purpose just hangs up.
 * Also the per-caller limit on concurrent calls (SEC-16).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall } from '../fakes/twilio-fake';
import { type E2e, eventually, startE2e } from './harness';
import { lastUserText, messages, say } from './model-script';

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
});
