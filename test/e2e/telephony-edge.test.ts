/**
 * What reaches the server from outside Twilio's signed traffic: forged webhooks, unsigned or
 * replayed websocket upgrades, and garbage on a live media socket.
 */

import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type E2e, eventually, PUBLIC_BASE_URL, startE2e } from './harness';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.close();
});

const voiceForm = (e2eHarness: E2e) => ({
  CallSid: `CA${'1'.repeat(32)}`,
  AccountSid: e2eHarness.twilio.accountSid,
  From: '+12175550123',
  To: '+12175550142',
  CallStatus: 'ringing',
  Direction: 'inbound',
});

describe('signed webhooks', () => {
  it('refuses an unsigned or wrongly signed voice webhook with 403 and mints no token', async () => {
    const unsigned = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
      params: voiceForm(e2e),
      signature: null,
    });
    expect(unsigned.status).toBe(403);
    const wrongHost = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: 'https://attacker.example/twilio/voice',
      params: voiceForm(e2e),
    });
    expect(wrongHost.status).toBe(403);
    expect(unsigned.body).not.toContain('<Stream');
  });

  it('answers a signed voice webhook with a <Connect><Stream> on the public wss URL and no query string', async () => {
    const answer = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
      params: voiceForm(e2e),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/xml/);
    expect(answer.body).toContain(
      '<Connect action="https://voice.bartsautomotive.test/twilio/stream-ended" method="POST"><Stream url="wss://voice.bartsautomotive.test/twilio/media" statusCallback="https://voice.bartsautomotive.test/twilio/stream-status" statusCallbackMethod="POST">',
    );
    expect(answer.body).toMatch(/<Parameter name="token" value="[\w-]{20,}"\/>/);
    expect(answer.body).toContain('<Parameter name="direction" value="inbound"/>');
  });

  it('records a signed status callback and refuses an unsigned one', async () => {
    const callSid = `CA${'2'.repeat(32)}`;
    const params = {
      CallSid: callSid,
      AccountSid: e2e.twilio.accountSid,
      CallStatus: 'completed',
      CallDuration: '42',
    };
    const forged = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/status`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/status`,
      params,
      signature: 'bm90IGEgc2lnbmF0dXJl',
    });
    expect(forged.status).toBe(403);
    expect(await e2e.deps.calls.getCallRecord(callSid)).toBeNull();
    const signed = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/status`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/status`,
      params,
    });
    expect(signed.status).toBe(204);
    expect(await e2e.deps.calls.getCallRecord(callSid)).toMatchObject({
      lastStatus: 'completed',
      statusHistory: [{ status: 'completed', durationSeconds: 42 }],
    });
  });
});

describe('the stream status callbacks', () => {
  it("record the stream's start and end on the call record, signed like Twilio's", async () => {
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help/);
    await call.hangup();
    await call.streamStatusDelivered();
    expect(call.streamStatusCallbacks).toEqual([
      { event: 'stream-started', status: 204 },
      { event: 'stream-stopped', status: 204 },
    ]);
    const record = await e2e.deps.calls.getCallRecord(call.callSid);
    expect(record?.statusHistory).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'stream-started' }),
        expect.objectContaining({ status: 'stream-stopped' }),
      ]),
    );
    expect(call.protocolErrors).toEqual([]);
  });

  it("record Twilio's error when the stream could not be opened", async () => {
    const call = await e2e.startCall({ streamSignature: null });
    expect(call.upgradeRejected).toBe(403);
    await call.streamStatusDelivered();
    expect(call.streamStatusCallbacks).toEqual([{ event: 'stream-error', status: 204 }]);
    const record = await e2e.deps.calls.getCallRecord(call.callSid);
    expect(record?.statusHistory).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 'stream-error', detail: expect.stringMatching(/^31920 /) }),
      ]),
    );
  });
});

describe('the media websocket', () => {
  it('refuses an upgrade without a valid signature', async () => {
    const call = await e2e.startCall({ streamSignature: null });
    expect(call.upgradeRejected).toBe(403);
    const forged = await e2e.startCall({ streamSignature: 'A4bwX+jEn7t6pbxmn9lc35vKg34=' });
    expect(forged.upgradeRejected).toBe(403);
  });

  it('closes a stream whose token was already used, before any provider connection opens', async () => {
    const first = await e2e.startCall();
    await first.waitForHeard(/How can I help/);
    const sttBefore = e2e.deepgram.stt.length;
    // Replay the same call's stream with the same token from a second socket.
    const replay = new WebSocket(`${e2e.baseUrl.replace('http', 'ws')}/twilio/media`, {
      headers: { 'x-twilio-signature': signatureOf(e2e, 'wss://voice.bartsautomotive.test/twilio/media') },
    });
    await new Promise((resolve) => replay.once('open', resolve));
    replay.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    replay.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: `MZ${'3'.repeat(32)}`,
        start: {
          accountSid: e2e.twilio.accountSid,
          streamSid: `MZ${'3'.repeat(32)}`,
          callSid: first.callSid,
          tracks: ['inbound'],
          customParameters: first.stream!.parameters,
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    const code = await new Promise<number>((resolve) => replay.once('close', (c) => resolve(c)));
    expect(code).toBe(1008);
    expect(e2e.deepgram.stt.length).toBe(sttBefore);
    await first.hangup();
  });

  it('ignores malformed frames on a live call and keeps serving it', async () => {
    e2e.openai.setScript(() => ({ kind: 'text', text: 'Still here.' }));
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help/);
    for (const junk of [
      'not json',
      '{"event":"media"}',
      '{"event":"media","streamSid":"MZ","media":{"payload":"***"}}',
      '{"event":"launch-missiles"}',
      '[]',
      'null',
    ]) {
      call.sendRaw(junk);
    }
    call.sendRaw(Buffer.from([1, 2, 3]));
    await call.say('Are you still there?');
    await call.waitForHeard('Still here.', 8000);
    const health = await fetch(`${e2e.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    await call.hangup();
    await eventually('call removed', () => e2e.server.registry.size === 0);
  });
});

function signatureOf(harness: E2e, url: string): string {
  return twilio.getExpectedTwilioSignature(harness.twilio.authToken, url, {});
}
