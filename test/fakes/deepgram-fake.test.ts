/**
 * The Deepgram fake, driven through the real @deepgram/sdk (our adapters and the raw SDK), plus a
 * plain `ws` client where the SDK hides the HTTP answer of a refused upgrade.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDeepgramClient } from '../../runtime/providers/deepgram/deepgram-client';
import { DeepgramSpeechToText } from '../../runtime/providers/deepgram/deepgram-stt';
import { DeepgramTextToSpeech } from '../../runtime/providers/deepgram/deepgram-tts';
import type { ProviderClose, TranscriptEvent } from '../../runtime/providers/interfaces';
import { type DeepgramFake, type DeepgramFakeOptions, startDeepgramFake } from './deepgram-fake';
import { decodeSpeech, encodeSpeech, silence, toFrames } from './fake-audio';

const API_KEY = 'dg-test-key';
const fakes: DeepgramFake[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function start(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  const fake = await startDeepgramFake(options);
  fakes.push(fake);
  return fake;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  probe: () => T | undefined | false,
  timeoutMs = 2000,
  what = 'condition',
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type SttEvent =
  | { kind: 'speechStarted'; at: number }
  | ({ kind: 'transcript'; at: number } & TranscriptEvent)
  | { kind: 'utteranceEnd'; at: number }
  | ({ kind: 'closed'; at: number } & ProviderClose);

async function openStt(fake: DeepgramFake, endpointingMs = 300, apiKey = API_KEY) {
  const client = createDeepgramClient({ apiKey, baseUrl: fake.baseUrl });
  const stt = new DeepgramSpeechToText(client, { model: 'nova-3', endpointingMs, utteranceEndMs: 1000 });
  const events: SttEvent[] = [];
  const at = () => performance.now();
  const session = await stt.open({
    speechStarted: () => events.push({ kind: 'speechStarted', at: at() }),
    transcript: (event) => events.push({ kind: 'transcript', at: at(), ...event }),
    utteranceEnd: () => events.push({ kind: 'utteranceEnd', at: at() }),
    closed: (info) => events.push({ kind: 'closed', at: at(), ...info }),
  });
  const send = (audio: Buffer[]) => {
    for (const frame of audio) session.sendAudio(frame);
  };
  const finals = () =>
    events.filter(
      (e): e is Extract<SttEvent, { kind: 'transcript' }> => e.kind === 'transcript' && e.speechFinal,
    );
  const closed = () => events.find((e): e is Extract<SttEvent, { kind: 'closed' }> => e.kind === 'closed');
  return { session, events, send, finals, closed };
}

async function openTts(fake: DeepgramFake) {
  const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
  const tts = new DeepgramTextToSpeech(client, 'aura-2-thalia-en');
  const audio: { at: number; chunk: Buffer }[] = [];
  const events: { kind: 'flushed' | 'cleared' | 'closed'; at: number; info?: ProviderClose }[] = [];
  const session = await tts.open({
    audio: (chunk) => audio.push({ at: performance.now(), chunk }),
    flushed: () => events.push({ kind: 'flushed', at: performance.now() }),
    cleared: () => events.push({ kind: 'cleared', at: performance.now() }),
    closed: (info) => events.push({ kind: 'closed', at: performance.now(), info }),
  });
  const heard = () => decodeSpeech(Buffer.concat(audio.map((a) => a.chunk)));
  return { session, audio, events, heard };
}

const speech = (text: string) => toFrames(encodeSpeech(text));
const silent = (frames: number) => Array.from({ length: frames }, () => silence());

/** A raw upgrade: the HTTP status and headers of the answer (101 or an error), and the error body. */
function rawUpgrade(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      let upgraded: Record<string, unknown> = {};
      ws.on('upgrade', (res) => {
        upgraded = res.headers;
      });
      ws.on('open', () => {
        resolve({ status: 101, headers: upgraded, body: '' });
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      ws.on('error', (err) => {
        if (!/Unexpected server response/.test(err.message)) reject(err);
      });
    },
  );
}

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
    const messages: any[] = [];
    let closed: { code: number; reason: string } | undefined;
    socket.on('message', (m) => messages.push(m));
    socket.on('close', (e) => {
      closed = { code: e.code, reason: e.reason };
    });
    socket.connect();
    await socket.waitForOpen();
    socket.sendMedia(Buffer.concat(speech('Alignment')));
    socket.sendKeepAlive({ type: 'KeepAlive' });
    socket.sendFinalize({ type: 'Finalize' });
    const finalized = await until(() => messages.find((m) => m.type === 'Results'), 1000, 'Finalize result');
    expect(finalized).toMatchObject({ is_final: true, speech_final: false, from_finalize: true });
    expect(finalized.channel.alternatives[0].transcript).toBe('Alignment');
    expect(messages).toHaveLength(1); // KeepAlive has no reply; no interim without interim_results

    socket.sendMedia(Buffer.concat(speech('Rotation')));
    socket.sendCloseStream({ type: 'CloseStream' });
    await until(() => closed, 1000, 'close');
    expect(closed).toEqual({ code: 1000, reason: '' });
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
    let closed: { code: number; reason: string } | undefined;
    socket.on('close', (e) => {
      closed = { code: e.code, reason: e.reason };
    });
    socket.connect();
    await socket.waitForOpen();
    (socket as any).sendBinary('not json'); // a text frame that is not JSON
    socket.sendMedia(new Uint8Array(0));
    await until(() => closed, 1000, 'close');
    expect(closed).toEqual({ code: 1008, reason: 'DATA-0000' });
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
    const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
    const socket = await client.speak.v1.connect({
      model: 'aura-2-thalia-en',
      encoding: 'mulaw',
      sample_rate: 8000,
      reconnectAttempts: 0,
    } as any);
    const messages: any[] = [];
    let closed: { code: number; reason: string } | undefined;
    socket.on('message', (m) => messages.push(m));
    socket.on('close', (e) => {
      closed = { code: e.code, reason: e.reason };
    });
    socket.connect();
    await socket.waitForOpen();
    socket.sendText({ type: 'Speak', text: 'x'.repeat(2001) });
    await until(() => messages.find((m) => m.type === 'Warning'), 1000, 'Warning');
    expect(fake.tts[0]!.spoken).toEqual([]);
    socket.sendText({ type: 'Shout', text: 'hi' } as any);
    await until(() => closed, 1000, 'close');
    expect(closed).toEqual({ code: 1008, reason: 'DATA-0000' });
    expect(messages[0]).toMatchObject({ type: 'Metadata' });
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
