/**
 * The Deepgram fake's TTS (/v1/speak) and its websocket upgrades (refusals, authentication, close()),
 * driven through the real @deepgram/sdk (our adapters and the raw SDK), plus a plain `ws` client
 * where the SDK hides the HTTP answer of a refused upgrade. Live STT is in deepgram-fake-stt.test.ts.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeepgramClient } from '../../runtime/providers/deepgram/deepgram-client';
import { joinUpTo } from '../../runtime/providers/deepgram/deepgram-tts';
import { startDeepgramFake } from './deepgram-fake';
import {
  API_KEY,
  closeFakes,
  openStt,
  openTts,
  rawUpgrade,
  sleep,
  start,
  until,
  watchRawSocket,
} from './deepgram-fake-test-support';

afterEach(closeFakes);

/** The SDK's speak socket itself, not our adapter: for what the fake does with any client. */
async function rawSpeakSocket(fake: Awaited<ReturnType<typeof start>>) {
  const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
  const socket = await client.speak.v1.connect({
    model: 'aura-2-thalia-en',
    encoding: 'mulaw',
    sample_rate: 8000,
    reconnectAttempts: 0,
  } as any);
  return { socket, ...(await watchRawSocket(socket)) };
}

describe('Deepgram fake: TTS (/v1/speak)', () => {
  it('sees mulaw 8000 with no container, sends Metadata first, and speaks the flushed text', async () => {
    const fake = await start();
    const { session, audio, events, heard } = await openTts(fake);
    const conn = fake.tts[0]!;
    expect(conn.query).toMatchObject({ model: 'aura-2-thalia-en', encoding: 'mulaw', sample_rate: '8000' });
    expect(conn.query.container ?? 'none').toBe('none');
    expect(conn.sent[0]!.message).toMatchObject({
      type: 'Metadata',
      request_id: conn.requestId,
      model_name: 'aura-2-thalia-en',
    });

    session.speak('Hello there.');
    session.speak(' How can I help?');
    session.flush();
    await until(() => events.some((e) => e.kind === 'flushed'), 1000, 'Flushed');
    const text = 'Hello there. How can I help?';
    expect(heard()).toBe(text);
    const bytes = audio.reduce((n, a) => n + a.chunk.length, 0);
    expect(bytes).toBe(text.length * 80);
    expect(conn.sentAudioBytes).toBe(bytes);
    expect(audio.every((a) => a.chunk.length <= 1600)).toBe(true);
    expect(audio[0]!.chunk.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
    expect(events.find((e) => e.kind === 'flushed')!.at).toBeGreaterThanOrEqual(audio.at(-1)!.at);
    expect(conn.spoken).toEqual(['Hello there.', ' How can I help?']);
    expect(conn.flushes).toBe(1);
    expect(conn.sent.at(-1)!.message).toEqual({ type: 'Flushed', sequence_id: 0 });

    session.speak('Second.');
    session.flush();
    await until(() => events.filter((e) => e.kind === 'flushed').length === 2, 1000, 'second Flushed');
    expect(conn.sent.at(-1)!.message).toEqual({ type: 'Flushed', sequence_id: 1 });
    expect(heard()).toBe(`${text}Second.`);
    session.close();
    await until(() => conn.closed, 1000, 'close');
    expect(conn.received.at(-1)).toEqual({ type: 'Close' });
    expect(events.at(-1)).toMatchObject({ kind: 'closed', info: { code: 1000, expected: true } });
  });

  it('honours ttsFirstByteMs and paces realtime audio at 8 bytes/ms', async () => {
    const fake = await start({ ttsFirstByteMs: 80, ttsRealtime: true, ttsChunkBytes: 800 });
    const { session, audio, events, heard } = await openTts(fake);
    const flushAt = performance.now();
    session.speak('Twenty chars of text'); // 1600 bytes = 200 ms, two chunks of 100 ms
    session.flush();
    await until(() => events.some((e) => e.kind === 'flushed'), 2000, 'Flushed');
    expect(heard()).toBe('Twenty chars of text');
    expect(audio).toHaveLength(2);
    expect(audio[0]!.at - flushAt).toBeGreaterThanOrEqual(75);
    expect(audio[1]!.at - audio[0]!.at).toBeGreaterThanOrEqual(90);
  });

  it('Clear drops unsent audio and answers Cleared; that flush never gets Flushed', async () => {
    const fake = await start({ ttsRealtime: true });
    const { session, audio, events, heard } = await openTts(fake);
    const long = 'This sentence is long enough to take more than a second to play out.';
    session.speak(long);
    session.flush();
    await until(() => audio.length > 0, 1000, 'first audio');
    session.clear();
    await until(() => events.some((e) => e.kind === 'cleared'), 1000, 'Cleared');
    const bytesAtClear = audio.reduce((n, a) => n + a.chunk.length, 0);
    await sleep(300);
    expect(audio.reduce((n, a) => n + a.chunk.length, 0)).toBe(bytesAtClear);
    expect(bytesAtClear).toBeLessThan(long.length * 80);
    expect(long.startsWith(heard())).toBe(true);
    expect(events.some((e) => e.kind === 'flushed')).toBe(false);
    const conn = fake.tts[0]!;
    expect(conn.clears).toBe(1);
    expect(conn.sent.at(-1)!.message).toEqual({ type: 'Cleared', sequence_id: 0 });

    fake.setOptions({ ttsRealtime: false });
    session.speak('After.');
    session.flush();
    await until(() => events.some((e) => e.kind === 'flushed'), 1000, 'Flushed');
    expect(heard().endsWith('After.')).toBe(true);
    expect(conn.sent.at(-1)!.message).toEqual({ type: 'Flushed', sequence_id: 1 });
  });

  it('warns on Speak over 2000 characters and closes 1008 DATA-0000 on an unknown type', async () => {
    const fake = await start();
    const { socket, messages, closed: closedNow } = await rawSpeakSocket(fake);
    socket.sendText({ type: 'Speak', text: 'x'.repeat(2001) });
    await until(() => messages.find((m) => m.type === 'Warning'), 1000, 'Warning');
    expect(fake.tts[0]!.spoken).toEqual([]);
    socket.sendText({ type: 'Shout', text: 'hi' } as any);
    await until(() => closedNow(), 1000, 'close');
    expect(closedNow()).toEqual({ code: 1008, reason: 'DATA-0000' });
    expect(messages[0]).toMatchObject({ type: 'Metadata' });
  });

  it('a 21st Flush within 60 s gets a Warning and is not processed; our adapter reports Warnings', async () => {
    const fake = await start();
    const { socket, messages } = await rawSpeakSocket(fake);
    for (let i = 0; i < 21; i++) {
      socket.sendText({ type: 'Speak', text: `Piece ${i}.` });
      socket.sendFlush({ type: 'Flush' });
    }
    await until(() => messages.find((m) => m.type === 'Warning'), 1000, 'Warning');
    await until(() => messages.filter((m) => m.type === 'Flushed').length === 20, 1000, '20 Flushed');
    await sleep(100);
    expect(messages.filter((m) => m.type === 'Flushed')).toHaveLength(20);
    expect(fake.tts[0]!.ignoredFlushes).toBe(1);
    socket.close();

    const ours = await openTts(fake);
    ours.session.speak('x'.repeat(2001));
    ours.session.flush();
    await until(() => ours.events.find((e) => e.kind === 'warning'), 1000, 'warning()');
    expect(ours.events.find((e) => e.kind === 'warning')).toMatchObject({ code: 'TEXT_TOO_LONG' });
  });

  it('our adapter stays inside the Flush limit: 30 pieces said at once are all spoken, one flushed() each', async () => {
    const fake = await start({ ttsFirstByteMs: 20 });
    const { session, events, heard } = await openTts(fake);
    const pieces = Array.from({ length: 30 }, (_, i) => `Piece ${i}.`);
    for (const piece of pieces) {
      session.speak(piece);
      session.flush();
    }
    await until(() => events.filter((e) => e.kind === 'flushed').length === 30, 3000, '30 flushed()');
    expect(heard()).toBe(pieces.join(''));
    expect(fake.tts[0]!.flushes).toBeLessThanOrEqual(20);
    expect(fake.tts[0]!.ignoredFlushes).toBe(0);
    expect(events.some((e) => e.kind === 'warning')).toBe(false);
    session.close();
  });

  it('past 20 flushes in 60 s our adapter speaks over the REST endpoint, in order, instead of going silent', async () => {
    const fake = await start({ ttsFirstByteMs: 5 });
    const { session, events, heard } = await openTts(fake);
    const pieces = Array.from({ length: 24 }, (_, i) => `Piece ${i}.`);
    for (const [i, piece] of pieces.entries()) {
      session.speak(piece);
      session.flush();
      await until(() => events.filter((e) => e.kind === 'flushed').length === i + 1, 2000, `flushed ${i}`);
    }
    expect(heard()).toBe(pieces.join(''));
    expect(fake.tts[0]!.flushes).toBe(20);
    expect(fake.tts[0]!.ignoredFlushes).toBe(0);
    expect(fake.speakRequests.map((r) => r.text)).toEqual(pieces.slice(20));
    expect(fake.speakRequests[0]!.query).toMatchObject({
      container: 'none',
      encoding: 'mulaw',
      sample_rate: '8000',
    });
    expect(events.filter((e) => e.kind === 'warning')).toMatchObject([{ code: 'FLUSH_WINDOW_SPENT' }]);
    session.close();
  });

  it('more than 2400 characters of Speak text within 60 s closes the socket 1008 DATA-0001', async () => {
    const fake = await start();
    const { socket, closed: closedNow } = await rawSpeakSocket(fake);
    socket.sendText({ type: 'Speak', text: 'x'.repeat(1500) });
    socket.sendText({ type: 'Speak', text: 'y'.repeat(900) });
    await sleep(50);
    expect(closedNow()).toBeUndefined();
    socket.sendText({ type: 'Speak', text: 'z' });
    await until(() => closedNow(), 1000, 'close');
    expect(closedNow()).toEqual({ code: 1008, reason: 'DATA-0001' });
  });

  it('past 2400 characters in 60 s our adapter speaks over the REST endpoint, in order, and the socket stays open', async () => {
    const fake = await start({ ttsFirstByteMs: 5, ttsBytesPerChar: 2 });
    const { session, events, heard } = await openTts(fake);
    const pieces = Array.from({ length: 12 }, (_, i) => `Piece ${i}: ${'word '.repeat(46)}end.`);
    for (const [i, piece] of pieces.entries()) {
      session.speak(piece);
      session.flush();
      await until(() => events.filter((e) => e.kind === 'flushed').length === i + 1, 2000, `flushed ${i}`);
    }
    expect(heard()).toBe(pieces.join(''));
    expect(fake.tts[0]!.closed).toBeUndefined();
    const overSocket = fake.tts[0]!.spoken;
    expect(overSocket.join('').length).toBeLessThanOrEqual(2400);
    expect([...overSocket, ...fake.speakRequests.map((r) => r.text)]).toEqual(pieces);
    expect(events.filter((e) => e.kind === 'warning')).toMatchObject([{ code: 'CHARACTER_WINDOW_SPENT' }]);
    session.close();
  });

  it('text sent over REST is joined into requests under the limit, in order, none split mid-piece', () => {
    const pieces = ['a'.repeat(1000), 'b'.repeat(1000), 'c'.repeat(1000), 'd'.repeat(300), 'e'.repeat(3000)];
    const requests = joinUpTo(pieces, 2400);
    expect(requests.map((r) => r.length)).toEqual([2001, 1301, 3000]);
    expect(requests.join(' ')).toBe(pieces.join(' '));
  });

  it('REST refuses more than 2400 characters with 413 and the documented body', async () => {
    const fake = await start();
    const response = await fetch(`${fake.baseUrl}/v1/speak?model=aura-2-thalia-en&container=none`, {
      method: 'POST',
      headers: { authorization: `Token ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2401) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      err_code: 'Payload Too Large',
      err_msg: 'Input text exceeds maximum character limit of 2400.',
    });
  });

  it('kill() reaches our TTS adapter as an unexpected close', async () => {
    const fake = await start();
    const { events } = await openTts(fake);
    fake.tts[0]!.kill(1011, 'NET-0002');
    await until(() => events.some((e) => e.kind === 'closed'), 1000, 'close');
    expect(events.at(-1)!.info).toMatchObject({ code: 1011, reason: 'NET-0002', expected: false });
  });

  it('refuses a container other than none, or an encoding the websocket does not have, with 400', async () => {
    const fake = await start();
    const ws = fake.baseUrl.replace('http', 'ws');
    const wav = await rawUpgrade(
      `${ws}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=wav`,
    );
    expect(wav.status).toBe(400);
    expect(wav.headers['dg-error']).toMatch(/container/);
    const mp3 = await rawUpgrade(`${ws}/v1/speak?model=aura-2-thalia-en&encoding=mp3`);
    expect(mp3.status).toBe(400);
    const ok = await rawUpgrade(`${ws}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&container=none`);
    expect(ok.status).toBe(101);
    expect(fake.tts).toHaveLength(1);
  });
});

describe('Deepgram fake: upgrades', () => {
  it('refuseNext makes our adapters’ open() reject, then lets the next one through', async () => {
    const fake = await start();
    fake.refuseNext('/v1/listen');
    await expect(openStt(fake)).rejects.toBeDefined();
    expect(fake.stt).toHaveLength(0);
    expect(fake.refused.map((r) => [r.path, r.status])).toEqual([['/v1/listen', 503]]);
    const { session } = await openStt(fake);
    session.close();

    fake.refuseNext('/v1/speak', 2, 429);
    await expect(openTts(fake)).rejects.toBeDefined();
    await expect(openTts(fake)).rejects.toBeDefined();
    const tts = await openTts(fake);
    tts.session.close();
    expect(fake.refused.map((r) => r.status)).toEqual([503, 429, 429]);
  });

  it('answers refused upgrades with dg-request-id, dg-error and the error body', async () => {
    const fake = await start();
    const ws = fake.baseUrl.replace('http', 'ws');
    fake.refuseNext('/v1/listen');
    const refused = await rawUpgrade(`${ws}/v1/listen?model=nova-3`);
    expect(refused.status).toBe(503);
    expect(refused.headers['dg-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.headers['dg-error']).toBeTruthy();
    expect(JSON.parse(refused.body)).toMatchObject({
      err_code: 'SERVICE_UNAVAILABLE',
      request_id: refused.headers['dg-request-id'],
    });
    const unknown = await rawUpgrade(`${ws}/v2/listen`);
    expect(unknown.status).toBe(404);
    const accepted = await rawUpgrade(`${ws}/v1/listen?model=nova-3`);
    expect(accepted.status).toBe(101);
    expect(accepted.headers['dg-request-id']).toBe(fake.stt[0]!.requestId);
  });

  it('requires Authorization: Token <apiKey> when apiKey is set', async () => {
    const fake = await start({ apiKey: 'right-key' });
    await expect(openStt(fake, 300, 'wrong-key')).rejects.toBeDefined();
    const ws = fake.baseUrl.replace('http', 'ws');
    const denied = await rawUpgrade(`${ws}/v1/speak?model=aura-2-thalia-en`, { authorization: 'Token nope' });
    expect(denied.status).toBe(401);
    expect(denied.headers['dg-error']).toBeTruthy();
    expect(JSON.parse(denied.body)).toMatchObject({ err_code: 'INVALID_AUTH' });
    expect(fake.stt).toHaveLength(0);
    const { session } = await openStt(fake, 300, 'right-key');
    expect(fake.stt[0]!.headers.authorization).toBe('Token right-key');
    session.close();
  });

  it('close() ends live sockets and returns', async () => {
    const fake = await startDeepgramFake();
    const stt = await openStt(fake);
    const tts = await openTts(fake);
    await fake.close();
    await until(stt.closed, 1000, 'STT close');
    await until(() => tts.events.some((e) => e.kind === 'closed'), 1000, 'TTS close');
    expect(stt.closed()!.expected).toBe(false);
    expect(fake.stt[0]!.closed?.by).toBe('fake');
  });
});
