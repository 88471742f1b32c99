/**
 * The telephony edge's media websocket under attack (SEC-02, SEC-03), and replays (SEC-01/06/03),
 * through the real server: the media websocket refuses unsigned upgrades before the upgrade, a
 * socket only gets a call when its `start` carries the unused token minted for that very call, a
 * query string is part of the signed URL, a replayed status callback or voice webhook has one
 * effect, and a socket that never presents `start` is closed. The forged webhooks (SEC-01) are in
 * security-webhooks.test.ts; the shared helpers are in security-support.ts.
 *
 * Side effects are observed where they land: a scan of the calls table (stream tokens and call
 * records both live there) and the fakes' connection/request counters.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { postForm } from '../fakes/twilio/util';
import { type E2e, eventually, mintStreamToken, PUBLIC_BASE_URL, startE2e } from './harness';
import { bindE2e, callSid, sideEffects, sign } from './security-support';

let e2e: E2e;

beforeAll(async () => {
  e2e = bindE2e(await startE2e());
});
afterAll(async () => {
  await e2e?.close();
});

const streamSid = () => `MZ${randomBytes(16).toString('hex')}`;
const MEDIA_WSS_URL = `${PUBLIC_BASE_URL.replace(/^https:/, 'wss:')}/twilio/media`;

/** The voice webhook, signed: mints and returns the call's stream token. */
const mintToken = (sid: string): Promise<string> => mintStreamToken(e2e, sid);

interface RawSocket {
  ws: WebSocket;
  /** HTTP status when the upgrade was refused, else 101. */
  handshake: Promise<number>;
  closed: Promise<number>;
  received: unknown[];
}

function openMedia(options: { signature?: string | null; query?: string } = {}): RawSocket {
  const signature = options.signature === undefined ? sign(MEDIA_WSS_URL, {}) : options.signature;
  const ws = new WebSocket(`${e2e.baseUrl.replace(/^http/, 'ws')}/twilio/media${options.query ?? ''}`, {
    headers: signature === null ? {} : { 'x-twilio-signature': signature },
    perMessageDeflate: false,
  });
  const received: unknown[] = [];
  ws.on('message', (data) => received.push(JSON.parse(data.toString())));
  ws.on('error', () => {});
  const handshake = new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, handshake, closed, received };
}

function startFrame(args: { callSid: string; token?: string; accountSid?: string; streamSid?: string }) {
  const sid = args.streamSid ?? streamSid();
  return JSON.stringify({
    event: 'start',
    sequenceNumber: '1',
    streamSid: sid,
    start: {
      accountSid: args.accountSid ?? e2e.twilio.accountSid,
      streamSid: sid,
      callSid: args.callSid,
      tracks: ['inbound'],
      customParameters: args.token === undefined ? {} : { token: args.token, direction: 'inbound' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  });
}

/** Opens a signed socket and presents `start`; resolves once the server has answered it. */
async function presentStart(frame: string): Promise<RawSocket> {
  const socket = openMedia();
  expect(await socket.handshake).toBe(101);
  socket.ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.ws.send(frame);
  return socket;
}

/** A call that was let in: the server speaks (outbound media) on its socket. */
async function expectAccepted(socket: RawSocket): Promise<void> {
  await eventually('the greeting audio', () =>
    socket.received.some((m) => (m as { event?: string }).event === 'media'),
  );
}

async function hangUp(socket: RawSocket, sid: string): Promise<void> {
  socket.ws.send(
    JSON.stringify({ event: 'stop', streamSid: 'MZ', stop: { accountSid: 'AC', callSid: sid } }),
  );
  await socket.closed;
  await eventually('the call is gone', () => e2e.server.registry.size === 0);
}

describe('SEC-02: the media websocket upgrade must carry the signature over the wss:// URL', () => {
  const cases: { name: string; signature: () => string | null; query?: string }[] = [
    { name: 'no signature', signature: () => null },
    {
      name: 'a signature over the https:// URL instead of wss://',
      signature: () => sign(`${PUBLIC_BASE_URL}/twilio/media`, {}),
    },
    {
      name: 'a signature over ws:// instead of wss://',
      signature: () => sign(MEDIA_WSS_URL.replace(/^wss:/, 'ws:'), {}),
    },
    {
      name: 'a signature over another host',
      signature: () => sign('wss://attacker.example/twilio/media', {}),
    },
    {
      name: 'a signature made with another auth token',
      signature: () => sign(MEDIA_WSS_URL, {}, 'f'.repeat(32)),
    },
    {
      name: 'a query string (signed with it)',
      signature: () => sign(`${MEDIA_WSS_URL}?token=abc`, {}),
      query: '?token=abc',
    },
    {
      name: 'a query string (signature over the bare URL)',
      signature: () => sign(MEDIA_WSS_URL, {}),
      query: '?x=1',
    },
  ];
  for (const c of cases) {
    it(`refuses an upgrade with ${c.name} before the upgrade, opening no provider`, async () => {
      const before = await sideEffects();
      const socket = openMedia({ signature: c.signature(), ...(c.query ? { query: c.query } : {}) });
      expect(await socket.handshake).toBe(403);
      await socket.closed;
      expect(await sideEffects()).toEqual(before);
    });
  }

  it('lets a correctly signed upgrade through (and a socket without start gets no call)', async () => {
    const before = await sideEffects();
    const socket = openMedia();
    expect(await socket.handshake).toBe(101);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await sideEffects()).toEqual(before);
    socket.ws.close(1000);
    await socket.closed;
  });
});

describe('SEC-03: a media socket is bound to one call by a single-use token', () => {
  it('closes a start that presents call A’s token for call B with 1008, opening no provider', async () => {
    const [a, b] = [callSid(), callSid()];
    const [tokenA, tokenB] = [await mintToken(a), await mintToken(b)];
    const before = await sideEffects();
    const forged = await presentStart(startFrame({ callSid: b, token: tokenA }));
    expect(await forged.closed).toBe(1008);
    expect(await sideEffects()).toEqual(before);

    // Neither token was burnt by the forgery: call B still connects with its own.
    const genuine = await presentStart(startFrame({ callSid: b, token: tokenB }));
    await expectAccepted(genuine);
    expect(e2e.deepgram.stt.length).toBe(before.stt + 1);
    await hangUp(genuine, b);
  });

  it('closes the second use of a token, and leaves the first call running', async () => {
    const sid = callSid();
    const token = await mintToken(sid);
    const first = await presentStart(startFrame({ callSid: sid, token }));
    await expectAccepted(first);
    const before = await sideEffects();
    const replay = await presentStart(startFrame({ callSid: sid, token }));
    expect(await replay.closed).toBe(1008);
    expect(await sideEffects()).toEqual(before);
    expect(first.ws.readyState).toBe(WebSocket.OPEN);
    await hangUp(first, sid);

    // Replaying the captured handshake and token after the call ended is refused too.
    const afterwards = await presentStart(startFrame({ callSid: sid, token }));
    expect(await afterwards.closed).toBe(1008);
  });

  it('closes a start whose accountSid is not ours, opening no provider', async () => {
    const sid = callSid();
    const token = await mintToken(sid);
    const before = await sideEffects();
    const foreign = await presentStart(
      startFrame({ callSid: sid, token, accountSid: `AC${randomBytes(16).toString('hex')}` }),
    );
    expect(await foreign.closed).toBe(1008);
    expect(await sideEffects()).toEqual(before);
  });

  it('closes a start whose callSid is not the call the token was minted for', async () => {
    const token = await mintToken(callSid());
    const before = await sideEffects();
    const stranger = await presentStart(startFrame({ callSid: callSid(), token }));
    expect(await stranger.closed).toBe(1008);
    expect(await sideEffects()).toEqual(before);
  });

  it('closes a start with no token, an empty token or a made-up token', async () => {
    const sid = callSid();
    await mintToken(sid);
    const before = await sideEffects();
    for (const token of [undefined, '', randomBytes(18).toString('base64url')]) {
      const socket = await presentStart(
        startFrame({ callSid: sid, ...(token === undefined ? {} : { token }) }),
      );
      expect(await socket.closed, String(token)).toBe(1008);
    }
    expect(await sideEffects()).toEqual(before);
  });

  it('closes a start with a token that has outlived its TTL', async () => {
    const sid = callSid();
    const token = await mintToken(sid);
    const before = await sideEffects();
    // Only Date moves (timers stay real): the server's clock is three minutes past the mint.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 180_000 });
    try {
      const late = await presentStart(startFrame({ callSid: sid, token }));
      expect(await late.closed).toBe(1008);
    } finally {
      vi.useRealTimers();
    }
    // The refused token is not consumed (its item simply expires), so only providers are compared.
    expect({ ...(await sideEffects()), callsTable: before.callsTable }).toEqual(before);
  });
});

describe('SEC-01/06/03: query strings, replays and idle sockets', () => {
  it('validates the query string as part of the signed URL', async () => {
    const params = { CallSid: callSid(), AccountSid: e2e.twilio.accountSid, CallStatus: 'completed' };
    const genuine = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/status?a=1&b=2`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/status?a=1&b=2`,
      params,
    });
    expect(genuine.status).toBe(204);
    const before = await sideEffects();
    const added = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/status?x=1`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/status`,
      params: { ...params, CallSid: callSid() },
    });
    expect(added.status).toBe(403);
    expect(await sideEffects()).toEqual(before);
  });

  it('gives a replayed status callback one effect, whatever idempotency header it carries', async () => {
    const params = { CallSid: callSid(), AccountSid: e2e.twilio.accountSid, CallStatus: 'completed' };
    const signature = sign(`${PUBLIC_BASE_URL}/twilio/status`, params);
    for (const idempotency of ['idem-1', 'idem-1', 'idem-2']) {
      const answer = await postForm(`${e2e.baseUrl}/twilio/status`, params, {
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': idempotency,
      });
      expect(answer.status).toBe(204);
    }
    const record = await e2e.deps.calls.getCallRecord(params.CallSid);
    expect(record?.statusHistory).toHaveLength(1);
  });

  it('mints no second stream token when a voice webhook is replayed for a call already streaming', async () => {
    e2e.openai.setScript(() => ({ kind: 'text', text: 'Okay.' }));
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help/);
    const replay = await e2e.twilio.signedPost({
      transportUrl: `${e2e.baseUrl}/twilio/voice`,
      signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
      params: {
        CallSid: call.callSid,
        AccountSid: e2e.twilio.accountSid,
        From: '+12175551234',
        To: '+12175550142',
        CallStatus: 'ringing',
        Direction: 'inbound',
      },
    });
    expect(replay.status).toBe(200);
    expect(replay.body).not.toContain('<Stream');
    await call.hangup();
  });

  it('closes a signed socket that never presents start', async () => {
    const socket = openMedia();
    expect(await socket.handshake).toBe(101);
    expect(await socket.closed).toBe(1008);
  }, 10_000);
});
