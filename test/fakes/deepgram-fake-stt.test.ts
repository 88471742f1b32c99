/**
 * The Deepgram fake's live STT (/v1/listen), driven through the real @deepgram/sdk (our STT adapter
 * and the raw SDK): the query and headers, transcripts and endpointing, control messages, idle
 * timeouts and kills. TTS and upgrades are in deepgram-fake-tts.test.ts.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeepgramClient } from '../../runtime/providers/deepgram/deepgram-client';
import type { TranscriptEvent } from '../../runtime/providers/interfaces';
import {
  API_KEY,
  closeFakes,
  openStt,
  silent,
  sleep,
  speech,
  start,
  until,
  watchRawSocket,
} from './deepgram-fake-test-support';
import { silence } from './fake-audio';

afterEach(closeFakes);

describe('Deepgram fake: live STT (/v1/listen)', () => {
  it('sees the query our adapter sends and the SDK headers', async () => {
    const fake = await start();
    const { session } = await openStt(fake);
    const conn = fake.stt[0]!;
    expect(conn.query).toMatchObject({
      model: 'nova-3',
      encoding: 'mulaw',
      sample_rate: '8000',
      channels: '1',
      interim_results: 'true',
      vad_events: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
    });
    expect(conn.headers.authorization).toBe(`Token ${API_KEY}`);
    expect(conn.headers['user-agent']).toMatch(/@deepgram\/sdk/);
    session.close();
    await until(() => conn.closed, 2000, 'close');
  });

  it('turns speech in the audio into SpeechStarted, interims, a final and UtteranceEnd', async () => {
    const fake = await start();
    const { send, events, finals } = await openStt(fake);
    const text = 'Hello there, this is Sam.';
    send([...silent(10), ...speech(text), ...silent(60)]);
    await until(() => events.some((e) => e.kind === 'utteranceEnd'), 2000, 'UtteranceEnd');

    const kinds = events.map((e) =>
      e.kind === 'transcript' ? (e.speechFinal ? 'final' : 'interim') : e.kind,
    );
    expect(kinds[0]).toBe('speechStarted');
    expect(kinds.filter((k) => k === 'final')).toHaveLength(1);
    expect(kinds.indexOf('interim')).toBeGreaterThan(0);
    expect(kinds.indexOf('interim')).toBeLessThan(kinds.indexOf('final'));
    expect(kinds.at(-1)).toBe('utteranceEnd');
    const final = finals()[0] as TranscriptEvent;
    expect(final).toMatchObject({ text, isFinal: true, speechFinal: true });
    for (const e of events) {
      if (e.kind === 'transcript' && !e.isFinal) expect(text.startsWith(e.text)).toBe(true);
    }

    const conn = fake.stt[0]!;
    expect(conn.transcripts).toEqual([text]);
    const sent = conn.sent.map((s) => s.message);
    const speechMs = speech(text).length * 20;
    expect(sent[0]).toEqual({ type: 'SpeechStarted', channel: [0, 1], timestamp: 0.2 });
    // At most one interim per 100 ms of audio.
    const interims = sent.filter((m) => m.type === 'Results' && !m.is_final);
    expect(interims.length).toBeLessThanOrEqual(speechMs / 100);
    const result = sent.find((m) => m.type === 'Results' && m.speech_final);
    expect(result).toMatchObject({
      type: 'Results',
      channel_index: [0, 1],
      start: 0,
      duration: (200 + speechMs + 300) / 1000,
      is_final: true,
      speech_final: true,
      from_finalize: false,
      metadata: { request_id: conn.requestId, model_info: { arch: 'nova-3' } },
    });
    const alt = result.channel.alternatives[0];
    expect(alt.transcript).toBe(text);
    expect(alt.confidence).toBeGreaterThan(0);
    expect(alt.words.map((w: any) => w.punctuated_word)).toEqual(['Hello', 'there,', 'this', 'is', 'Sam.']);
    expect(alt.words.map((w: any) => w.word)).toEqual(['hello', 'there', 'this', 'is', 'sam']);
    expect(alt.words[0]).toMatchObject({ start: 0.2, end: 0.25 }); // 5 characters of 10 ms, then the space
    const last = alt.words.at(-1);
    expect(last.end).toBe((200 + speechMs) / 1000);
    expect(sent.at(-1)).toEqual({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: last.end });
    expect(conn.audioBytes).toBe((70 + speech(text).length) * 160);
    expect(conn.lastSpeechFrameAt).toBeDefined();
    expect(conn.frameArrivals).toHaveLength(70 + speech(text).length);
  });

  it('gets frames handed over together as one message, and a frame on its own at once', async () => {
    const fake = await start();
    const { session } = await openStt(fake, 300);
    for (const frame of silent(3)) session.sendAudio(frame); // one read from Twilio's socket
    const conn = await until(
      () => (fake.stt[0]?.audioBytes === 480 ? fake.stt[0] : undefined),
      1000,
      '3 frames',
    );
    expect(conn.audioMessages).toBe(1);
    expect(conn.frameArrivals).toHaveLength(3);
    session.sendAudio(silence());
    await until(() => (conn.audioBytes === 640 ? true : undefined), 1000, 'the 4th frame');
    expect(conn.audioMessages).toBe(2);
  });

  it('endpoints in audio time, not wall-clock time', async () => {
    const fake = await start();
    const { send, finals } = await openStt(fake, 300);
    send([...speech('Brakes please'), ...silent(10)]); // 200 ms of silent audio
    await sleep(120);
    expect(finals()).toHaveLength(0);
    send(silent(4)); // 280 ms
    await sleep(40);
    expect(finals()).toHaveLength(0);
    send(silent(1)); // 300 ms: the endpoint
    const final = await until(() => finals()[0], 500, 'the final');
    expect(final).toMatchObject({ text: 'Brakes please' });
    expect(performance.now() - final.at).toBeLessThan(250); // it came with the 300th ms, not later
  });

  it('falls back to wall-clock endpointing when the audio stops altogether', async () => {
    const fake = await start();
    const { send, finals, events } = await openStt(fake, 100);
    send(speech('Oil change'));
    const final = await until(() => finals()[0], 1000, 'the final');
    const lastFrame = fake.stt[0]!.frameArrivals.at(-1)!;
    expect(final.text).toBe('Oil change');
    expect(final.at - lastFrame).toBeGreaterThanOrEqual(95);
    expect(final.at - lastFrame).toBeLessThan(600);
    // utterance_end_ms=1000 is reached by wall-clock too: no more audio is coming.
    await until(() => events.some((e) => e.kind === 'utteranceEnd'), 2000, 'UtteranceEnd');
  });

  it('delays every message by sttDelayMs, keeping their order', async () => {
    const fake = await start({ sttDelayMs: 150 });
    const { send, events, finals } = await openStt(fake);
    const sentAt = performance.now();
    send([...speech('Tires'), ...silent(20)]);
    const final = await until(() => finals()[0], 1000, 'the final');
    expect(events[0]!.kind).toBe('speechStarted');
    expect(events[0]!.at - sentAt).toBeGreaterThanOrEqual(145);
    expect(final.at - sentAt).toBeGreaterThanOrEqual(145);
    fake.setOptions({ sttDelayMs: 0 });
    send([...speech('Wipers'), ...silent(20)]);
    const second = await until(() => finals()[1], 1000, 'the second final');
    expect(second.text).toBe('Wipers');
  });

  it('answers Finalize, ignores KeepAlive, and ends CloseStream with Results, Metadata and 1000', async () => {
    const fake = await start();
    const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
    const socket = await client.listen.v1.connect({
      model: 'nova-3',
      encoding: 'mulaw',
      sample_rate: 8000,
      endpointing: 300,
      reconnectAttempts: 0,
    } as any);
    const { messages, closed } = await watchRawSocket(socket);
    socket.sendMedia(Buffer.concat(speech('Alignment')));
    socket.sendKeepAlive({ type: 'KeepAlive' });
    socket.sendFinalize({ type: 'Finalize' });
    const finalized = await until(() => messages.find((m) => m.type === 'Results'), 1000, 'Finalize result');
    expect(finalized).toMatchObject({ is_final: true, speech_final: false, from_finalize: true });
    expect(finalized.channel.alternatives[0].transcript).toBe('Alignment');
    expect(messages).toHaveLength(1); // KeepAlive has no reply; no interim without interim_results

    socket.sendMedia(Buffer.concat(speech('Rotation')));
    socket.sendCloseStream({ type: 'CloseStream' });
    await until(() => closed(), 1000, 'close');
    expect(closed()).toEqual({ code: 1000, reason: '' });
    const [last, metadata] = messages.slice(-2);
    expect(last).toMatchObject({ type: 'Results', is_final: true, speech_final: true });
    expect(last.channel.alternatives[0].transcript).toBe('Rotation');
    const conn = fake.stt[0]!;
    expect(metadata).toMatchObject({
      type: 'Metadata',
      transaction_key: 'deprecated',
      request_id: conn.requestId,
      channels: 1,
      duration: conn.audioBytes / 8000,
    });
    expect(metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(conn.controlMessages.map((m) => m.type)).toEqual(['KeepAlive', 'Finalize', 'CloseStream']);
    expect(conn.transcripts).toEqual(['Alignment', 'Rotation']);
    expect(conn.closed).toEqual({ code: 1000, reason: '', by: 'fake' });
  });

  it('closes 1008 DATA-0000 on an empty binary frame, and records non-JSON text', async () => {
    const fake = await start();
    const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
    const socket = await client.listen.v1.connect({ model: 'nova-3', reconnectAttempts: 0 } as any);
    const { closed } = await watchRawSocket(socket);
    (socket as any).sendBinary('not json'); // a text frame that is not JSON
    socket.sendMedia(new Uint8Array(0));
    await until(() => closed(), 1000, 'close');
    expect(closed()).toEqual({ code: 1008, reason: 'DATA-0000' });
    expect(fake.stt[0]!.controlMessages).toEqual([{ type: '<invalid-json>', text: 'not json' }]);
  });

  it('times out an idle connection with 1011 NET-0001 (KeepAlive alone does not help)', async () => {
    const fake = await start({ idleTimeoutMs: 150 });
    const { closed, session } = await openStt(fake);
    const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
    const raw = await client.listen.v1.connect({ model: 'nova-3', reconnectAttempts: 0 } as any);
    raw.connect();
    await raw.waitForOpen();
    const keepAlive = setInterval(() => {
      if (raw.readyState === 1) raw.sendKeepAlive({ type: 'KeepAlive' });
    }, 30);
    try {
      const info = await until(closed, 1000, 'the idle close');
      expect(info).toMatchObject({ code: 1011, reason: 'NET-0001', expected: false });
      await until(() => fake.stt[1]?.closed, 1000, 'the keep-alive-only connection closing');
      expect(fake.stt[1]!.closed).toEqual({ code: 1011, reason: 'NET-0001', by: 'fake' });
    } finally {
      clearInterval(keepAlive);
    }
    session.close();
    expect(fake.stt).toHaveLength(2); // reconnectAttempts: 0, so no second try
  });

  it('audio keeps a connection alive past the idle timeout', async () => {
    const fake = await start({ idleTimeoutMs: 150 });
    const { send, closed, session } = await openStt(fake);
    for (let i = 0; i < 8; i++) {
      send(silent(2));
      await sleep(40);
    }
    expect(closed()).toBeUndefined();
    session.close();
    await until(() => fake.stt[0]!.closed, 1000, 'close');
    expect(fake.stt[0]!.closed?.code).toBe(1000);
  });

  it('kill(1011) reaches our adapter as an unexpected close, without a reconnect', async () => {
    const fake = await start();
    const { closed } = await openStt(fake);
    fake.stt[0]!.kill(1011, 'NET-0000');
    const info = await until(closed, 1000, 'close');
    expect(info).toMatchObject({ code: 1011, reason: 'NET-0000', expected: false });
    expect(fake.stt[0]!.closed).toEqual({ code: 1011, reason: 'NET-0000', by: 'fake' });
    await sleep(100);
    expect(fake.stt).toHaveLength(1);
  });

  it('our adapter closing is a client close (CloseStream first)', async () => {
    const fake = await start();
    const { session, closed } = await openStt(fake);
    session.close();
    const info = await until(closed, 1000, 'close');
    expect(info.expected).toBe(true);
    await until(() => fake.stt[0]!.closed, 1000, 'the fake seeing the close');
    expect(fake.stt[0]!.closed?.code).toBe(1000);
    expect(fake.stt[0]!.controlMessages.map((m) => m.type)).toEqual(['CloseStream']);
  });
});
