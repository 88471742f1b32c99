/**
 * Shared helpers for the Deepgram fake tests (deepgram-fake-stt.test.ts, deepgram-fake-tts.test.ts):
 * `start()` a fake, `until()` a condition holds, open our STT and TTS adapters against a fake
 * (`openStt`, `openTts`), make speech and silence frames, and make a raw websocket upgrade.
 *
 * Not a test file and registers no hooks: each test file registers `closeFakes` in its own afterEach,
 * so the fakes it started are closed in that file's context.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createDeepgramClient } from '../../runtime/providers/deepgram/deepgram-client';
import { DeepgramSpeechToText } from '../../runtime/providers/deepgram/deepgram-stt';
import { DeepgramTextToSpeech } from '../../runtime/providers/deepgram/deepgram-tts';
import type { ProviderClose, TranscriptEvent } from '../../runtime/providers/interfaces';
import { type DeepgramFake, type DeepgramFakeOptions, startDeepgramFake } from './deepgram-fake';
import { decodeSpeech, encodeSpeech, silence, toFrames } from './fake-audio';

export const API_KEY = 'dg-test-key';
const fakes: DeepgramFake[] = [];

/** Closes every fake `start()` started; register it in afterEach of each test file. */
export async function closeFakes() {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

export async function start(options: DeepgramFakeOptions = {}): Promise<DeepgramFake> {
  const fake = await startDeepgramFake(options);
  fakes.push(fake);
  return fake;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until<T>(
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

export async function openStt(fake: DeepgramFake, endpointingMs = 300, apiKey = API_KEY) {
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

export async function openTts(fake: DeepgramFake) {
  const client = createDeepgramClient({ apiKey: API_KEY, baseUrl: fake.baseUrl });
  const tts = new DeepgramTextToSpeech(client, 'aura-2-thalia-en');
  const audio: { at: number; chunk: Buffer }[] = [];
  const events: {
    kind: 'flushed' | 'cleared' | 'closed' | 'warning';
    at: number;
    info?: ProviderClose;
    code?: string;
  }[] = [];
  const session = await tts.open({
    audio: (chunk) => audio.push({ at: performance.now(), chunk }),
    flushed: () => events.push({ kind: 'flushed', at: performance.now() }),
    cleared: () => events.push({ kind: 'cleared', at: performance.now() }),
    closed: (info) => events.push({ kind: 'closed', at: performance.now(), info }),
    warning: ({ code }) => events.push({ kind: 'warning', at: performance.now(), code }),
  });
  const heard = () => decodeSpeech(Buffer.concat(audio.map((a) => a.chunk)));
  return { session, audio, events, heard };
}

export const speech = (text: string) => toFrames(encodeSpeech(text));
export const silent = (frames: number) => Array.from({ length: frames }, () => silence());

/** A raw upgrade: the HTTP status and headers of the answer (101 or an error), and the error body. */
export function rawUpgrade(url: string, headers: Record<string, string> = {}) {
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

/**
 * Records what an SDK socket (listen or speak) receives and how it closes, then opens it: for the
 * tests of what the fake does with any client, not only our adapters.
 */
export async function watchRawSocket(socket: {
  on(event: 'message', listener: (message: any) => void): void;
  on(event: 'close', listener: (event: { code: number; reason: string }) => void): void;
  connect(): unknown;
  waitForOpen(): Promise<unknown>;
}) {
  const messages: any[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (m) => messages.push(m));
  socket.on('close', (e) => {
    closed = { code: e.code, reason: e.reason };
  });
  socket.connect();
  await socket.waitForOpen();
  return { messages, closed: () => closed };
}
