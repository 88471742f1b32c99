/**
 * Shared helpers for the media socket tests under hostile input (media-hostile-frames.test.ts,
 * media-fuzz.test.ts): the frame-size limit and other constants, `scriptCodes` (the scripted model
 * that echoes a spoken code), `mintToken` (a stream token through the signed voice webhook), and
 * `RawSocket`, a hand-driven media socket.
 *
 * Not a test file: a test file calls `useMediaE2e` at its top level, which registers that file's
 * hooks (its own harness, started once and closed after; after each test every call has ended and
 * the server is healthy) and points these helpers at the harness.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import WebSocket from 'ws';
import { decodeSpeech, encodeSpeech, silence, toFrames } from '../fakes/fake-audio';
import { type E2e, eventually, mintStreamToken, PUBLIC_BASE_URL, startE2e } from './harness';
import { lastUserText, say } from './model-script';

/** The harness of the test file that imported this module (each test file gets its own module). */
let e2e: E2e;

/** Registers the calling test file's hooks; `ready` gets the harness before the first test. */
export function useMediaE2e(ready: (started: E2e) => void): void {
  beforeAll(async () => {
    e2e = await startE2e();
    ready(e2e);
  });
  afterAll(async () => {
    await e2e?.close();
  });
  afterEach(async () => {
    await eventually('every call has ended', () => e2e.server.registry.size === 0, 8000);
    const health = await fetch(`${e2e.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });
}

export const GREETING = /How can I help you today\?/;
export const MAX_PAYLOAD = 64 * 1024;
export const SILENCE_B64 = silence().toString('base64');
export const hex = () => randomBytes(16).toString('hex');

/** The model answers a spoken code with that code, anything else with "Okay." */
export function scriptCodes(): void {
  e2e.openai.setScript((request) => {
    const code = /code (\w+)/.exec(lastUserText(request))?.[1];
    return say(code ? `Your code was ${code}.` : 'Okay.');
  });
}

/** A stream token for `callSid`, minted through the signed voice webhook of this file's harness. */
export const mintToken = (callSid: string): Promise<string> => mintStreamToken(e2e, callSid);

/**
 * A hand-driven media socket for what the Twilio fake will not send: frames before `start`, exact
 * frame sizes, junk in volume. It plays back instantly (marks echo at once) and records what the
 * server said.
 */
export class RawSocket {
  readonly callSid = `CA${hex()}`;
  readonly streamSid = `MZ${hex()}`;
  readonly received: any[] = [];
  readonly closed: Promise<number>;
  closeCode?: number;
  private seq = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString());
      this.received.push(message);
      if (message.event === 'mark')
        this.json({ event: 'mark', streamSid: this.streamSid, mark: message.mark });
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(): Promise<RawSocket> {
    const url = `${PUBLIC_BASE_URL.replace(/^https:/, 'wss:')}/twilio/media`;
    const ws = new WebSocket(`${e2e.baseUrl.replace(/^http/, 'ws')}/twilio/media`, {
      headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature(e2e.twilio.authToken, url, {}) },
      perMessageDeflate: false,
    });
    const socket = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    socket.json({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    return socket;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.ws.send(data, () => resolve()));
  }

  json(message: object): Promise<void> {
    return this.send(JSON.stringify(message));
  }

  nextSeq(): string {
    return String(++this.seq);
  }

  /** Presents `start` with a freshly minted token for this socket's call. */
  async authenticate(): Promise<void> {
    const token = await mintToken(this.callSid);
    await this.json(this.startMessage(token));
  }

  startMessage(token: string, callSid = this.callSid) {
    return {
      event: 'start',
      sequenceNumber: this.nextSeq(),
      streamSid: this.streamSid,
      start: {
        accountSid: e2e.twilio.accountSid,
        streamSid: this.streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters: { token, direction: 'inbound' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    };
  }

  media(audio: Buffer, overrides: { sequenceNumber?: string } = {}) {
    const seq = overrides.sequenceNumber ?? this.nextSeq();
    return {
      event: 'media',
      sequenceNumber: seq,
      streamSid: this.streamSid,
      media: {
        track: 'inbound',
        chunk: seq,
        timestamp: String(Number(seq) * 20),
        payload: audio.toString('base64'),
      },
    };
  }

  /** Speech, then enough silence for the STT fake to end the utterance (it runs on audio time). */
  async speak(text: string): Promise<void> {
    for (const frame of [...toFrames(encodeSpeech(text)), ...Array.from({ length: 60 }, () => silence())]) {
      await this.json(this.media(frame));
    }
  }

  /** Everything the server has sent as audio, decoded. */
  heard(): string {
    return this.received
      .filter((m) => m.event === 'media')
      .map((m) => decodeSpeech(Buffer.from(m.media.payload, 'base64')))
      .join('');
  }

  async hangUp(): Promise<void> {
    await this.json({
      event: 'stop',
      streamSid: this.streamSid,
      stop: { accountSid: 'AC', callSid: this.callSid },
    });
    if (this.isOpen) this.ws.close(1000);
    await this.closed;
  }
}
