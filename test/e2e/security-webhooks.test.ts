/**
 * The telephony edge's webhooks under attack (SEC-01), through the real server: forged or tampered
 * webhooks, the reminder-call webhook included, get 403 and cause no side effect (no item in the
 * calls table, no provider session), while the genuine, correctly signed request is acted on. The
 * media websocket (SEC-02, SEC-03) and replays (SEC-01/06/03) are in security-media-socket.test.ts;
 * the shared helpers are in security-support.ts.
 *
 * Side effects are observed where they land: a scan of the calls table (stream tokens and call
 * records both live there) and the fakes' connection/request counters.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postForm } from '../fakes/twilio/util';
import { type E2e, PUBLIC_BASE_URL, startE2e } from './harness';
import { bindE2e, callSid, scanCalls, sideEffects, sign } from './security-support';

let e2e: E2e;

beforeAll(async () => {
  e2e = bindE2e(await startE2e());
});
afterAll(async () => {
  await e2e?.close();
});

interface Endpoint {
  path: string;
  params: () => Record<string, string>;
  /** The answer to a genuine request, and what it must have left behind. */
  accepted: (
    answer: { status: number; body: string; headers: Record<string, string> },
    params: Record<string, string>,
    calls: string[],
  ) => void;
}

const ENDPOINTS: Endpoint[] = [
  {
    path: '/twilio/voice',
    params: () => ({
      CallSid: callSid(),
      AccountSid: e2e.twilio.accountSid,
      From: '+12175550123',
      To: '+12175550142',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    }),
    accepted: (answer, params, calls) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<Stream');
      expect(calls).toContain(`CALL#${params.CallSid}|STREAM_TOKEN`);
    },
  },
  {
    path: '/twilio/status',
    params: () => ({
      CallSid: callSid(),
      AccountSid: e2e.twilio.accountSid,
      CallStatus: 'completed',
      CallDuration: '42',
    }),
    accepted: (answer, params, calls) => {
      expect(answer.status).toBe(204);
      expect(calls).toContain(`CALL#${params.CallSid}|RECORD`);
    },
  },
  {
    path: '/twilio/transfer-status',
    params: () => ({
      CallSid: callSid(),
      AccountSid: e2e.twilio.accountSid,
      DialCallStatus: 'no-answer',
    }),
    accepted: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/xml/);
      expect(answer.body).toContain('<Say');
    },
  },
  {
    path: '/twilio/stream-status',
    params: () => ({
      CallSid: callSid(),
      AccountSid: e2e.twilio.accountSid,
      StreamSid: `MZ${randomBytes(16).toString('hex')}`,
      StreamEvent: 'stream-error',
      StreamError: '31921 Stream - WebSocket - Close Error',
    }),
    accepted: (answer, params, calls) => {
      expect(answer.status).toBe(204);
      expect(calls).toContain(`CALL#${params.CallSid}|RECORD`);
    },
  },
  {
    // <Connect action>: for a call with no stream to resume, the shop is dialled.
    path: '/twilio/stream-ended',
    params: () => ({ CallSid: callSid(), AccountSid: e2e.twilio.accountSid }),
    accepted: (answer) => {
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<Dial');
    },
  },
];

interface Forgery {
  name: string;
  /** What is sent, given what a genuine request would carry. */
  build: (
    path: string,
    params: Record<string, string>,
  ) => { query?: string; params: Record<string, string>; signature: string | null };
}

const FORGERIES: Forgery[] = [
  { name: 'missing signature', build: (_path, params) => ({ params, signature: null }) },
  {
    name: 'empty signature',
    build: (_path, params) => ({ params, signature: '' }),
  },
  {
    name: 'a changed parameter',
    build: (path, params) => ({
      params: { ...params, CallSid: callSid() },
      signature: sign(`${PUBLIC_BASE_URL}${path}`, params),
    }),
  },
  {
    name: 'an added parameter',
    build: (path, params) => ({
      params: { ...params, Digits: '1234' },
      signature: sign(`${PUBLIC_BASE_URL}${path}`, params),
    }),
  },
  {
    name: 'a removed parameter',
    build: (path, params) => {
      const { AccountSid: _dropped, ...rest } = params;
      return { params: rest, signature: sign(`${PUBLIC_BASE_URL}${path}`, params) };
    },
  },
  {
    name: 'the wrong host',
    build: (path, params) => ({ params, signature: sign(`https://attacker.example${path}`, params) }),
  },
  {
    name: 'http instead of https',
    build: (path, params) => ({
      params,
      signature: sign(`${PUBLIC_BASE_URL.replace(/^https:/, 'http:')}${path}`, params),
    }),
  },
  {
    name: 'a query string reordered relative to what was signed',
    build: (path, params) => ({
      query: '?b=2&a=1',
      params,
      signature: sign(`${PUBLIC_BASE_URL}${path}?a=1&b=2`, params),
    }),
  },
  {
    name: 'a signature made for another webhook path',
    build: (path, params) => ({
      params,
      signature: sign(
        `${PUBLIC_BASE_URL}${path === '/twilio/voice' ? '/twilio/status' : '/twilio/voice'}`,
        params,
      ),
    }),
  },
  {
    name: 'a signature made with another auth token',
    build: (path, params) => ({
      params,
      signature: sign(`${PUBLIC_BASE_URL}${path}`, params, 'f'.repeat(32)),
    }),
  },
];

const refusalLines = () =>
  e2e.logs.filter((line) => line.msg === 'webhook refused: Twilio signature invalid');

describe('SEC-01: every Twilio webhook is validated before any side effect', () => {
  for (const endpoint of ENDPOINTS) {
    describe(`POST ${endpoint.path}`, () => {
      for (const forgery of FORGERIES) {
        it(`refuses ${forgery.name} with 403 and changes nothing`, async () => {
          const before = await sideEffects();
          const refusals = refusalLines();
          const genuine = endpoint.params();
          const forged = forgery.build(endpoint.path, genuine);
          const answer = await postForm(
            `${e2e.baseUrl}${endpoint.path}${forged.query ?? ''}`,
            forged.params,
            forged.signature === null ? {} : { 'x-twilio-signature': forged.signature },
          );
          expect(answer.status).toBe(403);
          expect(answer.headers['content-type'] ?? '').not.toMatch(/xml/);
          expect(answer.body).not.toContain('<Response');
          expect(await sideEffects()).toEqual(before);
          // One line says which route refused (a misconfigured token shows up in the logs).
          expect(refusalLines().slice(refusals.length)).toEqual([
            expect.objectContaining({ level: 40, route: endpoint.path.split('?')[0] }),
          ]);
        });
      }

      it('accepts the genuine, correctly signed request and acts on it', async () => {
        const params = endpoint.params();
        const answer = await e2e.twilio.signedPost({
          transportUrl: `${e2e.baseUrl}${endpoint.path}`,
          signedUrl: `${PUBLIC_BASE_URL}${endpoint.path}`,
          params,
        });
        endpoint.accepted(answer, params, await scanCalls());
      });
    });
  }

  it('checks the signature before the form: a forged but malformed form is 403, not 400', async () => {
    const before = await sideEffects();
    const answer = await postForm(
      `${e2e.baseUrl}/twilio/voice`,
      { CallSid: 'not-a-sid' },
      { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
    );
    expect(answer.status).toBe(403);
    expect(await sideEffects()).toEqual(before);
  });
});

describe('SEC-01: the reminder-call webhook', () => {
  it('refuses a forged /twilio/outbound (query string included in the signature) with no side effect', async () => {
    const path = '/twilio/outbound?appointmentId=apt_7K3M9Q2XAB';
    const params = {
      CallSid: callSid(),
      AccountSid: e2e.twilio.accountSid,
      To: '+12175550123',
      AnsweredBy: 'human',
    };
    const before = await sideEffects();
    for (const signedUrl of [
      `${PUBLIC_BASE_URL}/twilio/outbound?appointmentId=apt_0000000000`,
      `${PUBLIC_BASE_URL}/twilio/outbound`,
      `http://voice.bartsautomotive.test${path}`,
    ]) {
      const answer = await e2e.twilio.signedPost({
        transportUrl: `${e2e.baseUrl}${path}`,
        signedUrl,
        params,
      });
      expect(answer.status).toBe(403);
    }
    expect(await sideEffects()).toEqual(before);
  });
});

describe('the local metrics endpoint', () => {
  it('answers a request from the task itself, and is a plain 404 to one that came through a proxy', async () => {
    const direct = await fetch(`${e2e.baseUrl}/internal/metrics`);
    expect(direct.status).toBe(200);
    expect(await direct.json()).toMatchObject({
      activeCalls: expect.any(Number),
      toolCallMs: expect.any(Object),
    });
    const proxied = await fetch(`${e2e.baseUrl}/internal/metrics`, {
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(proxied.status).toBe(404);
    expect(await proxied.text()).not.toMatch(/activeCalls|toolCallMs|memoryBytes/);
  });

  it('tells /healthz through the load balancer only whether the task is up, not its load or keys', async () => {
    const direct = await fetch(`${e2e.baseUrl}/healthz`);
    expect(await direct.json()).toEqual({
      status: 'ok',
      activeCalls: expect.any(Number),
      providersConfigured: true,
    });
    const proxied = await fetch(`${e2e.baseUrl}/healthz`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual({ status: 'ok' });
  });
});
