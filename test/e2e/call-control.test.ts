/**
 * The assistant acting on the call itself: hanging up after the goodbye has played, handing the
 * caller to a person, the caller pressing 0, silence, and the call's time limit. Asserted on the
 * REST requests the Twilio fake received and on what the caller heard before them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCall, RestRequest } from '../fakes/twilio-fake';
import { type E2e, eventually, PUBLIC_BASE_URL, startE2e } from './harness';
import { callTools, lastMessage, lastUserText, messages, say } from './model-script';
import { callThatFailsItsHangUp } from './scenarios';

const GREETING = /How can I help you today\?/;

function callUpdates(e2e: E2e, call: FakeCall): RestRequest[] {
  return e2e.twilio.restRequests.filter(
    (r) => r.method === 'POST' && r.path.endsWith(`/Calls/${call.callSid}.json`),
  );
}

async function callRecord(e2e: E2e, call: FakeCall) {
  return eventually('the call record', async () => {
    const record = await e2e.deps.calls.getCallRecord(call.callSid);
    return record?.outcome ? record : null;
  });
}

describe('end_call and transfer_to_human', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ deepgram: { ttsRealtime: true, ttsBytesPerChar: 40 } });
  });
  afterAll(async () => e2e?.close());

  it('plays the goodbye to the end, then hangs up through the REST API', async () => {
    e2e.openai.setScript((request) =>
      /that's all/i.test(lastUserText(request))
        ? {
            kind: 'tools',
            text: 'Thanks for calling, have a great day. Goodbye!',
            calls: [{ name: 'end_call', arguments: { reason: 'caller is done' } }],
          }
        : say('Okay.'),
    );
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.say("That's all, thank you.");
    const closed = await call.closed;
    expect(closed.code).toBe(1000);
    const [hangUp] = callUpdates(e2e, call);
    expect(hangUp?.params).toEqual({ Status: 'completed' });
    expect(hangUp?.user).toBe(e2e.twilio.accountSid);
    expect(call.heard()).toContain('Goodbye!');
    const lastMark = call.marksEchoed.at(-1)!;
    expect(lastMark.cleared).toBe(false);
    expect(lastMark.at).toBeLessThanOrEqual(hangUp!.at);
    expect(await callRecord(e2e, call)).toMatchObject({ outcome: 'assistant_ended' });
  });

  it('a caller who hangs up as the goodbye plays: the call leaves the registry with its record written at once', async () => {
    e2e.openai.setScript((request) =>
      /that's all/i.test(lastUserText(request))
        ? {
            kind: 'tools',
            text: 'Thanks for calling Barts, we will see you on Thursday morning, have a really great day. Goodbye!',
            calls: [{ name: 'end_call', arguments: { reason: 'caller is done' } }],
          }
        : say('Okay.'),
    );
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.say("That's all, thank you.");
    await call.waitForHeard('Thanks for calling Barts');
    const hungUpAt = performance.now();
    await call.hangup();
    // The goodbye's playback is never reported now; the stop must not wait out its 20 s cap.
    await eventually('the call left the registry', () => e2e.server.registry.size === 0, 3000);
    expect(performance.now() - hungUpAt).toBeLessThan(3000);
    expect(await e2e.deps.calls.getCallRecord(call.callSid)).toMatchObject({ outcome: 'assistant_ended' });
    expect(call.heard()).not.toContain('Goodbye!');
    expect(callUpdates(e2e, call)).toEqual([]);
  });

  it('announces a transfer, then redirects the live call to <Dial> the shop with a fallback', async () => {
    e2e.openai.setScript((request) =>
      /person/i.test(lastUserText(request))
        ? {
            kind: 'tools',
            text: 'Of course, let me connect you.',
            calls: [{ name: 'transfer_to_human', arguments: { reason: 'caller asked for a person' } }],
          }
        : say('Okay.'),
    );
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.say('Can I talk to a person please?');
    await call.closed;
    const [transfer] = callUpdates(e2e, call);
    expect(call.heard()).toContain('let me connect you.');
    expect(transfer?.params.Twiml).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="25" action="${PUBLIC_BASE_URL}/twilio/transfer-status" method="POST">${e2e.config.shop.transferNumber}</Dial></Response>`,
    );
    expect(await callRecord(e2e, call)).toMatchObject({ outcome: 'transferred' });

    const outcome = (DialCallStatus: string) =>
      e2e.twilio.signedPost({
        transportUrl: `${e2e.baseUrl}/twilio/transfer-status`,
        signedUrl: `${PUBLIC_BASE_URL}/twilio/transfer-status`,
        params: { CallSid: call.callSid, AccountSid: e2e.twilio.accountSid, DialCallStatus },
      });
    const unanswered = await outcome('no-answer');
    expect(unanswered.body).toMatch(/<Say>I'm sorry, nobody at the shop could pick up.*<\/Say><Hangup\/>/);
    const answered = await outcome('completed');
    expect(answered.body).not.toContain('<Say>');
  });

  it('transfers when the caller presses 0, cutting off whatever was playing', async () => {
    e2e.openai.setScript(() => say('Okay.'));
    const call = await e2e.startCall();
    await call.waitForHeard(/Thanks for calling/);
    call.pressDigit('0');
    await call.closed;
    expect(call.clears.length).toBeGreaterThan(0);
    expect(call.heard()).toContain('Let me connect you with someone at the shop.');
    expect(callUpdates(e2e, call)[0]?.params.Twiml).toContain('<Dial');
  });

  it('closes the stream itself when the hang-up request fails', async () => {
    const call = await callThatFailsItsHangUp(e2e, 500);
    await call.say('Okay bye.');
    const closed = await call.closed;
    expect(closed.code).toBe(1000);
    expect(call.heard()).toContain('Goodbye!');
  });
});

describe('silence and the time limit', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ env: { SILENCE_PROMPT_MS: '1200', MAX_CALL_MS: '6000' } });
  });
  afterAll(async () => e2e?.close());

  it('asks "Are you still there?" after a silence, then says goodbye and hangs up', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    await call.waitForHeard('Are you still there?', 4000);
    await call.closed;
    expect(call.heard()).toMatch(/so I'll hang up now.*Goodbye\.$/);
    expect(callUpdates(e2e, call)[0]?.params).toEqual({ Status: 'completed' });
    expect(await callRecord(e2e, call)).toMatchObject({ outcome: 'silence' });
  });

  it('a noise that never became words does not keep the silence prompt away', async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    // A cough: speech energy (SpeechStarted) but no words, so no turn and no answer follow.
    await call.say('');
    await call.waitForHeard('Are you still there?', 4000);
    await call.hangup();
  });

  it('keeps the silence timer away while the caller talks, and closes politely at the time limit', async () => {
    e2e.openai.setScript(() => say('Mm-hm.'));
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    let open = true;
    void call.closed.then(() => {
      open = false;
    });
    for (let i = 0; open; i++) {
      await call.say(`Point number ${i}.`).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(call.heard()).not.toContain('Are you still there?');
    expect(call.heard()).toContain('reached the time limit for this call');
    expect(await callRecord(e2e, call)).toMatchObject({ outcome: 'max_duration' });
  });
});

describe('leaving the assistant while a tool is still running', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ dynamoFaults: true });
  });
  afterAll(async () => e2e?.close());

  it('a failed transfer after 0 was pressed mid-tool leaves a conversation the model still accepts', async () => {
    e2e.openai.setScript((request) => {
      if (/openings/i.test(lastUserText(request)) && lastMessage(request).role === 'user') {
        return callTools({
          name: 'get_available_slots',
          arguments: { date: 'tomorrow', service_type: 'oil_change' },
        });
      }
      return say('Okay, what else can I do for you?');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const release = e2e.dynamo!.holdNext('Query');
    e2e.twilio.failNextRest({ method: 'POST', pathIncludes: `/Calls/${call.callSid}.json` }, 500);
    await call.say('Any openings tomorrow?');
    await eventually('the slots tool is waiting on DynamoDB', () =>
      e2e.openai.requests.some((r) => /openings/i.test(lastUserText(r))),
    );
    call.pressDigit('0');
    await call.waitForHeard(/I couldn't connect you/);
    release();
    await eventually('the tool result is in', async () =>
      (await e2e.deps.calls.loadConversation(call.callSid))?.messages.some((m: any) => m.role === 'tool'),
    );
    const before = e2e.openai.requests.length;
    await call.say('Hello, are you there?');
    await call.waitForHeard('what else can I do for you?');
    const next = e2e.openai.requests.slice(before).at(-1)!;
    const roles = messages(next).map((m) => m.role);
    const toolCall = roles.lastIndexOf('tool') - 1;
    expect(roles[toolCall]).toBe('assistant');
    expect(messages(next)[toolCall + 2]).toMatchObject({
      role: 'assistant',
      content: expect.stringMatching(/connect you/),
    });
    await call.hangup();
  });
});
