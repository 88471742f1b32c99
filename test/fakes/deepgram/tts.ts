/**
 * One `/v1/speak` connection of the Deepgram fake (protocols.md B.2): Speak text is buffered, each
 * Flush synthesizes it with encodeSpeech into raw audio (never a WAV header), sent as binary frames
 * and followed by `Flushed`. The choices are listed in the header of ../deepgram-fake.ts.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { BYTES_PER_MS, encodeSpeech } from '../fake-audio';
import type { ResolvedOptions, TtsConnection } from './types';
import { SocketState } from './util';

const MAX_SPEAK_CHARS = 2000;
const FLUSH_LIMIT = 20;
const FLUSH_WINDOW_MS = 60_000;
/** Characters of Speak text per minute; past that the socket is closed 1008 DATA-0001. */
const CHAR_LIMIT = 2400;
const CHAR_WINDOW_MS = 60_000;

interface Job {
  seq: number;
  flushAt: number;
  audio: Buffer;
  offset: number;
  firstByteAt?: number;
}

export interface TtsInit {
  id: number;
  ws: WebSocket;
  query: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  options: () => ResolvedOptions;
}

export class TtsSession implements TtsConnection {
  readonly id: number;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly requestId: string;
  readonly received: any[] = [];
  readonly spoken: string[] = [];
  flushes = 0;
  /** Flushes past the limit: answered with a Warning, their text left unsynthesized. */
  ignoredFlushes = 0;
  clears = 0;
  sentAudioBytes = 0;
  readonly sent: { at: number; message: any }[] = [];

  private readonly ws: WebSocket;
  private readonly options: () => ResolvedOptions;
  private readonly state: SocketState;
  private pending = '';
  private readonly jobs: Job[] = [];
  private readonly flushTimes: number[] = [];
  /** Speak texts received within the last CHAR_WINDOW_MS: when, and how long. */
  private readonly speakTimes: number[] = [];
  private readonly speakChars: number[] = [];
  private charsInWindow = 0;
  /** Realtime pacing: when the audio sent so far has finished playing. */
  private audioEndsAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(init: TtsInit) {
    this.id = init.id;
    this.query = init.query;
    this.headers = init.headers;
    this.requestId = init.requestId;
    this.ws = init.ws;
    this.options = init.options;
    this.state = new SocketState(init.ws, () => this.dispose());
    init.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.sendJson({
      type: 'Metadata',
      request_id: this.requestId,
      model_name: this.query.model ?? 'aura-asteria-en',
      model_version: '2025-04-07.0',
      model_uuid: randomUUID(),
    });
  }

  get closed() {
    return this.state.closed;
  }

  kill(code = 1011, reason = 'NET-0000'): void {
    this.dispose();
    this.state.close(code, reason);
  }

  terminate(): void {
    this.dispose();
    this.state.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.received.push({ type: '<binary>', bytes: data.length });
      if (this.state.open) this.kill(1003, 'MESSAGE-0000');
      return;
    }
    const text = data.toString('utf8');
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      this.received.push({ type: '<invalid-json>', text });
      if (this.state.open) this.kill(1008, 'DATA-0000');
      return;
    }
    this.received.push(message);
    if (!this.state.open) return;
    switch (message?.type) {
      case 'Speak':
        if (typeof message.text !== 'string') this.kill(1008, 'DATA-0000');
        else if (message.text.length > MAX_SPEAK_CHARS) {
          this.sendJson({
            type: 'Warning',
            description: `Speak text exceeds the maximum of ${MAX_SPEAK_CHARS} characters; it was ignored.`,
            code: 'TEXT_TOO_LONG',
          });
        } else if (this.overCharLimit(message.text.length)) {
          this.kill(1008, 'DATA-0001');
        } else {
          this.spoken.push(message.text);
          this.pending += message.text;
        }
        return;
      case 'Flush':
        this.onFlush();
        return;
      case 'Clear':
        this.pending = '';
        this.jobs.length = 0;
        this.audioEndsAt = 0;
        this.stopTimer();
        this.sendJson({ type: 'Cleared', sequence_id: this.clears++ });
        return;
      case 'Close':
        this.kill(1000, '');
        return;
      default:
        this.kill(1008, 'DATA-0000');
    }
  }

  private overCharLimit(chars: number): boolean {
    const now = performance.now();
    while (this.speakTimes.length > 0 && this.speakTimes[0]! <= now - CHAR_WINDOW_MS) {
      this.speakTimes.shift();
      this.charsInWindow -= this.speakChars.shift()!;
    }
    this.speakTimes.push(now);
    this.speakChars.push(chars);
    this.charsInWindow += chars;
    return this.charsInWindow > CHAR_LIMIT;
  }

  private onFlush(): void {
    const now = performance.now();
    this.flushTimes.push(now);
    while (this.flushTimes[0]! < now - FLUSH_WINDOW_MS) this.flushTimes.shift();
    if (this.flushTimes.length > FLUSH_LIMIT) {
      // As documented: no more flushes are processed until the window has passed.
      this.flushTimes.pop();
      this.ignoredFlushes++;
      this.sendJson({
        type: 'Warning',
        description: `More than ${FLUSH_LIMIT} Flush messages in ${FLUSH_WINDOW_MS / 1000} s; this one was not processed.`,
        code: 'FLUSH_LIMIT_EXCEEDED',
      });
      return;
    }
    const audio = encodeSpeech(this.pending, this.options().ttsBytesPerChar);
    this.pending = '';
    this.jobs.push({ seq: this.flushes++, flushAt: now, audio, offset: 0 });
    if (!this.timer) this.pump();
  }

  /** Sends what is due of the queued flushes, in order; re-arms one timer for the rest. */
  private pump(): void {
    this.stopTimer();
    const options = this.options();
    const chunkBytes = Math.max(1, Math.floor(options.ttsChunkBytes));
    while (this.jobs[0] && this.state.open) {
      const job = this.jobs[0];
      const now = performance.now();
      if (job.audio.length > 0) {
        job.firstByteAt ??= Math.max(
          job.flushAt + options.ttsFirstByteMs,
          now,
          options.ttsRealtime ? this.audioEndsAt : 0,
        );
        if (now < job.firstByteAt) {
          this.schedule(job.firstByteAt - now);
          return;
        }
        while (job.offset < job.audio.length) {
          if (options.ttsRealtime) {
            const due = job.firstByteAt + job.offset / BYTES_PER_MS;
            if (due > now) {
              this.schedule(due - now);
              return;
            }
          }
          const chunk = job.audio.subarray(job.offset, job.offset + chunkBytes);
          this.ws.send(chunk, { binary: true });
          this.sentAudioBytes += chunk.length;
          job.offset += chunk.length;
        }
        this.audioEndsAt = job.firstByteAt + job.audio.length / BYTES_PER_MS;
      }
      this.jobs.shift();
      this.sendJson({ type: 'Flushed', sequence_id: job.seq });
    }
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(ms)));
  }

  private sendJson(message: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
    this.sent.push({ at: performance.now(), message });
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dispose(): void {
    this.stopTimer();
    this.jobs.length = 0;
  }
}
