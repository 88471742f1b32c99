/**
 * The calls table failing (throttled past the SDK's retries) while Twilio is asking what to do:
 * every webhook that answers in TwiML still answers, with a way to the shop, never Twilio's
 * "application error"; a media stream whose token cannot be checked is closed, and the process —
 * and every other call on it — carries on.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type E2e, eventually, mintStreamToken, PUBLIC_BASE_URL, startE2e } from './harness';
import { say } from './model-script';

/** The SDK makes three attempts (runtime/data/dynamo-client.ts): fail them all. */
const EVERY_ATTEMPT = 3;
const sid = (prefix: string) =>
  `${prefix}${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;

describe('the calls table failing', () => {
  let e2e: E2e;
  const post = (path: string, params: Record<string, string>) =>
    e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}${path}`,
      signedUrl: `${PUBLIC_BASE_URL}${path}`,
      params: { AccountSid: e2e.twilio.accountSid, ...params },
    });
  const logLine = (msg: string) => e2e.logs.find((line) => line.msg === msg);

  beforeAll(async () => {
    e2e = await startE2e({ dynamoFaults: true });
    e2e.openai.setScript(() => say('Okay.'));
  });
  afterAll(async () => e2e?.close());

  it('the voice webhook answers with a transfer to the shop, not an error', async () => {
    e2e.dynamo!.failNext('PutItem', 'throttling', EVERY_ATTEMPT);
    const answer = await post('/twilio/voice', {
      CallSid: sid('CA'),
      From: '+12175550123',
      To: '+12175550142',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/text\/xml/);
    expect(answer.body).toContain('<Dial');
    expect(answer.body).toContain('+12175550199');
    expect(answer.body).toContain('not available right now');
    expect(logLine('webhook failed: answering with the fallback')).toMatchObject({
      level: 50,
      route: '/twilio/voice',
      err: { name: 'ThrottlingException' },
    });
    expect(e2e.rawLogs()).not.toContain('Rate of requests');
  });

  it('a dropped stream that cannot be looked up goes to the shop', async () => {
    e2e.dynamo!.failNext('GetItem', 'throttling', EVERY_ATTEMPT);
    const answer = await post('/twilio/stream-ended', { CallSid: sid('CA') });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Dial');
    expect(answer.body).toContain('we lost the line');
  });

  it('an answered reminder call that cannot be set up hangs up quietly', async () => {
    e2e.dynamo!.failNext('PutItem', 'throttling', EVERY_ATTEMPT);
    const answer = await post('/twilio/outbound?appointmentId=apt_0123456789', {
      CallSid: sid('CA'),
      To: '+12175550123',
      AnsweredBy: 'human',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Hangup/>');
  });

  it('a status callback that cannot be recorded gets a bare 500, without the AWS error text', async () => {
    e2e.dynamo!.failNext('UpdateItem', 'throttling', EVERY_ATTEMPT);
    const answer = await post('/twilio/status', { CallSid: sid('CA'), CallStatus: 'completed' });
    expect(answer.status).toBe(500);
    expect(answer.body).toBe('internal error');
  });

  it('a body that cannot be parsed is still a plain 4xx, not the hand-off', async () => {
    const answer = await fetch(`${e2e.baseUrl}/twilio/voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).not.toContain('<Dial');
  });

  it('a stream whose token cannot be checked is closed with 1011; the server and other calls go on', async () => {
    const other = await e2e.startCall();
    await other.waitForHeard(/How can I help/);

    const callSid = sid('CA');
    const token = await mintStreamToken(e2e, callSid);
    const url = `${PUBLIC_BASE_URL.replace(/^https:/, 'wss:')}/twilio/media`;
    const ws = new WebSocket(`${e2e.baseUrl.replace(/^http/, 'ws')}/twilio/media`, {
      headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(e2e.twilio.authToken, url, {}) },
    });
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await new Promise((resolve) => ws.once('open', resolve));
    e2e.dynamo!.failNext('UpdateItem', 'throttling', EVERY_ATTEMPT);
    const streamSid = sid('MZ');
    ws.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid,
        start: {
          accountSid: e2e.twilio.accountSid,
          streamSid,
          callSid,
          tracks: ['inbound'],
          customParameters: { token, direction: 'inbound' },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    expect(await closed).toBe(1011);
    expect(logLine('media stream token could not be checked: closing the stream')).toBeDefined();

    expect((await fetch(`${e2e.baseUrl}/healthz`)).status).toBe(200);
    await other.say('Are you still there?');
    await other.waitForHeard('Okay.');
    await other.hangup();
    await eventually('the other call has ended', () => e2e.server.registry.size === 0);
  });
});
