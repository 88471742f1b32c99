/**
 * SEC-20 canary: a full scripted call carrying unique fake PII (a name, the caller ID, an email, a
 * VIN) through speech, transcripts, tool calls and spoken answers, plus signed webhooks, a forged
 * one and hostile media frames; then every byte the server logged is searched for each canary and
 * for secrets (API keys, the Twilio auth token, stream token, signatures). None may appear, and no
 * caller- or attacker-supplied text may break a log line.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Writable } from 'node:stream';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger, scrubLogString } from '../../runtime/observability/logger';
import { withCheckDigit } from '../domain/vin/fixtures';
import { type E2e, eventually, PUBLIC_BASE_URL, startE2e } from './harness';
import { callTools, lastUserText, latestToolResults, say } from './model-script';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
});
afterAll(async () => {
  await e2e?.close();
});

/** A VIN with a correct check digit and a serial unique to this run. */
function uniqueVin(): string {
  return withCheckDigit(`1HGCM82603A${String(randomInt(100_000, 999_999))}`);
}

const suffix = randomBytes(3).toString('hex');
const CANARY = {
  firstName: 'Zebulon',
  lastName: `Quixotefeld${suffix.replace(/\d/g, 'x')}`,
  phone: `+1312555${String(randomInt(1000, 9999))}`,
  email: `zebulon.quixotefeld.${suffix}@canary.example`,
  vin: uniqueVin(),
  /** A phrase only the caller says (transcripts must not be logged). */
  callerPhrase: `purple marmalade ${suffix}`,
  /** A phrase only the assistant says. */
  assistantPhrase: `tangerine zeppelin ${suffix}`,
};
const FORGED_SIGNATURE = `Q2FuYXJ5${randomBytes(12).toString('base64')}`;

describe('SEC-20: no PII or secrets in the logs', () => {
  it('runs a call full of canary PII and logs none of it', async () => {
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/marmalade/.test(user)) {
        return callTools({
          name: 'create_customer',
          arguments: { first_name: CANARY.firstName, last_name: CANARY.lastName, email: CANARY.email },
        });
      }
      const results = latestToolResults(request);
      if (results.create_customer) {
        return callTools({ name: 'add_vehicle', arguments: { vin: CANARY.vin } });
      }
      if (results.add_vehicle) {
        // Spoken PII, plus CR/LF and a forged JSON log line in what the assistant says.
        return say(
          `Thanks ${CANARY.firstName} ${CANARY.lastName}, ${CANARY.assistantPhrase}. Your car ${CANARY.vin} is on file\r\n{"level":60,"msg":"INJECTED"}\nat ${CANARY.email}.`,
        );
      }
      return say('Okay.');
    });

    const call = await e2e.startCall({ from: CANARY.phone });
    await call.waitForHeard(/How can I help you today\?/);
    await call.say(
      `Hi, this is ${CANARY.firstName} ${CANARY.lastName}, ${CANARY.callerPhrase}, my email is ${CANARY.email} and my VIN is ${CANARY.vin}. "}{"level":60,"msg":"INJECTED"}`,
    );
    await call.waitForHeard(new RegExp(CANARY.assistantPhrase), 10_000);
    await call.say('Thank you, goodbye.');
    await call.waitForHeard(/Okay\./, 8000);
    await call.hangup();
    const record = await eventually('the call record', () =>
      e2e.deps.calls.getCallRecord(call.callSid).then((r) => (r?.outcome ? r : null)),
    );
    // The PII did travel through the call (else the canary proves nothing).
    const transcript = JSON.stringify(record.transcript);
    expect(transcript).toContain(CANARY.callerPhrase);
    expect(transcript).toContain(CANARY.assistantPhrase);
    expect(e2e.openai.requests.some((r) => JSON.stringify(r.body).includes(CANARY.vin))).toBe(true);
    expect((await e2e.tool('lookup_customer', {}, { callerPhone: CANARY.phone })).customerId).toBeTruthy();

    // Signed webhooks whose parameters carry the caller's number, and one forged request.
    const statusParams = {
      CallSid: call.callSid,
      AccountSid: e2e.twilio.accountSid,
      From: CANARY.phone,
      To: '+12175550142',
      CallStatus: 'completed',
      CallDuration: '12',
    };
    const statusSignature = twilio.getExpectedTwilioSignature(
      e2e.twilio.authToken,
      `${PUBLIC_BASE_URL}/twilio/status`,
      statusParams,
    );
    const status = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/status`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/status`,
      params: statusParams,
    });
    expect(status.status).toBe(204);
    const forged = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
      params: { ...statusParams, CallSid: `CA${randomBytes(16).toString('hex')}` },
      signature: FORGED_SIGNATURE,
    });
    expect(forged.status).toBe(403);
    const transfer = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/transfer-status`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/transfer-status`,
      params: { CallSid: call.callSid, AccountSid: e2e.twilio.accountSid, DialCallStatus: `no-answer` },
    });
    expect(transfer.status).toBe(200);

    // Attacker-controlled strings that the media route does log: a start's callSid, an event name.
    const mediaUrl = `${PUBLIC_BASE_URL.replace(/^https:/, 'wss:')}/twilio/media`;
    const ws = new WebSocket(`${e2e.baseUrl.replace(/^http/, 'ws')}/twilio/media`, {
      headers: {
        'x-twilio-signature': twilio.getExpectedTwilioSignature(e2e.twilio.authToken, mediaUrl, {}),
      },
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const hostileStart = (callSid: string) =>
      JSON.stringify({
        event: 'start',
        streamSid: 'MZ1',
        start: {
          accountSid: e2e.twilio.accountSid,
          streamSid: 'MZ1',
          callSid,
          customParameters: { token: call.stream!.parameters.token! },
        },
      });
    ws.send(JSON.stringify({ event: `\r\n{"level":60,"msg":"INJECTED"} ${CANARY.phone}`, streamSid: 'MZ' }));
    ws.send(hostileStart(`\r\n{"level":60,"msg":"INJECTED"}\n${CANARY.phone}`));
    // A well-formed replay of the (used) token: refused and closed, with the call's SID logged.
    ws.send(hostileStart(call.callSid));
    await new Promise((resolve) => ws.once('close', resolve));
    await eventually('the call is gone', () => e2e.server.registry.size === 0);

    const voiceSignature = twilio.getExpectedTwilioSignature(
      e2e.twilio.authToken,
      `${PUBLIC_BASE_URL}/twilio/voice`,
      {
        CallSid: call.callSid,
        AccountSid: e2e.twilio.accountSid,
        From: CANARY.phone,
        To: '+12175550142',
        CallStatus: 'ringing',
        Direction: 'inbound',
        ApiVersion: '2010-04-01',
        Caller: CANARY.phone,
        Called: '+12175550142',
      },
    );
    const raw = e2e.rawLogs();
    expect(raw.length).toBeGreaterThan(0);
    const digits = CANARY.phone.replace(/\D/g, '');
    const canaries: Record<string, string> = {
      firstName: CANARY.firstName,
      lastName: CANARY.lastName,
      phone: CANARY.phone,
      phoneDigits: digits,
      phoneNational: digits.slice(1),
      phoneUrlEncoded: encodeURIComponent(CANARY.phone),
      email: CANARY.email,
      emailLocalPart: CANARY.email.split('@')[0]!,
      vin: CANARY.vin,
      vinLowerCase: CANARY.vin.toLowerCase(),
      callerPhrase: CANARY.callerPhrase,
      assistantPhrase: CANARY.assistantPhrase,
      streamToken: call.stream!.parameters.token!,
      mediaSignature: twilio.getExpectedTwilioSignature(e2e.twilio.authToken, mediaUrl, {}),
      voiceSignature,
      statusSignature,
      forgedSignature: FORGED_SIGNATURE,
      openAiKey: 'sk-test-e2e',
      deepgramKey: 'dg-test-e2e',
      twilioAuthToken: e2e.twilio.authToken,
      twilioBasicAuth: Buffer.from(`${e2e.twilio.accountSid}:${e2e.twilio.authToken}`).toString('base64'),
    };
    const leaks = Object.entries(canaries)
      .filter(([, value]) => raw.toLowerCase().includes(value.toLowerCase()))
      .map(([name]) => ({
        name,
        lines: raw
          .split('\n')
          .filter((line) => line.toLowerCase().includes(canaries[name]!.toLowerCase()))
          .slice(0, 3),
      }));
    expect(leaks).toEqual([]);
  });

  it('writes one JSON object per line: caller text cannot inject CR/LF or forged log lines', () => {
    const raw = e2e.rawLogs();
    expect(raw).not.toContain('\r');
    const lines = raw.split('\n').filter((line) => line.length > 0);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(typeof parsed, line).toBe('object');
      expect(parsed.msg, line).not.toBe('INJECTED');
    }
    // No logged string value carries a raw or escaped line break taken from caller text.
    const breaks = lines.filter((line) => /\\r|\\n/.test(line));
    expect(breaks).toEqual([]);
  });
});

describe('the logger is the last line of defence', () => {
  const capture = () => {
    const chunks: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, done) {
          chunks.push(chunk.toString());
          done();
        },
      }),
    });
    return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
  };

  it('censors PII and secret fields by name, at the top level and nested', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        phone: CANARY.phone,
        email: CANARY.email,
        vin: CANARY.vin,
        token: 'stream-token-canary',
        customer: { firstName: CANARY.firstName, lastName: CANARY.lastName, phone: CANARY.phone },
        start: { customParameters: { token: 'stream-token-canary', caller: CANARY.phone } },
        req: { headers: { 'x-twilio-signature': FORGED_SIGNATURE, authorization: 'Token dg-test-e2e' } },
        config: { apiKey: 'sk-test-e2e', authToken: 'twilio-auth-canary' },
        callSid: `CA${'0123456789'.repeat(3)}ab`,
      },
      'arranged',
    );
    const line = lines()[0]!;
    for (const secret of [CANARY.phone, CANARY.email, CANARY.vin, CANARY.lastName, 'stream-token-canary']) {
      expect(line).not.toContain(secret);
    }
    for (const secret of [FORGED_SIGNATURE, 'dg-test-e2e', 'sk-test-e2e', 'twilio-auth-canary']) {
      expect(line).not.toContain(secret);
    }
    // Correlation ids survive: a hex SID with long digit runs is not mistaken for a phone number.
    expect(JSON.parse(line).callSid).toBe(`CA${'0123456789'.repeat(3)}ab`);
  });

  it('masks phone numbers, emails and VINs inside any logged string, and strips line breaks', () => {
    const { logger, lines } = capture();
    const hostile = `call me at ${CANARY.phone} or 3125550187\r\n{"level":60,"msg":"INJECTED"} ${CANARY.email} ${CANARY.vin.toLowerCase()}`;
    logger.warn({ reason: hostile, nested: [{ note: hostile }] }, `message ${hostile}`);
    logger.error(new Error(`failed for ${CANARY.email}\nsecond line`));
    logger.info(`interpolated %s`, hostile);
    const output = lines();
    expect(output).toHaveLength(3);
    for (const line of output) {
      const parsed = JSON.parse(line);
      expect(parsed.msg).not.toBe('INJECTED');
      expect(line).not.toMatch(/\\[rn]/);
      for (const secret of [CANARY.phone, '3125550187', CANARY.email, CANARY.vin.toLowerCase()]) {
        expect(line.toLowerCase()).not.toContain(secret.toLowerCase());
      }
    }
    expect(JSON.parse(output[0]!).reason).toContain(`…${CANARY.phone.slice(-4)}`);
    expect(JSON.parse(output[1]!).err.type).toBe('Error');
    expect(scrubLogString('turn 12 took 1234 ms at 2026-01-05T10:00:00Z')).toBe(
      'turn 12 took 1234 ms at 2026-01-05T10:00:00Z',
    );
  });
});
