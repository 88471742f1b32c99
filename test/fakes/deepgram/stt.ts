/**
 * One `/v1/listen` connection of the Deepgram fake (protocols.md B.1). Audio time (bytes / 8) drives
 * voice activity, interim results, endpointing and UtteranceEnd; the choices are listed in the
 * header of ../deepgram-fake.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { BYTES_PER_MS, FRAME_BYTES, isSpeech } from '../fake-audio';
import type { ResolvedOptions, SttConnection } from './types';
import { Outbox, SocketState, seconds } from './util';

/** Interim results go out at most this often (in audio time), and only when the text grew. */
const INTERIM_EVERY_MS = 100;
const MAX_ARRIVALS = 10_000;
const WORD_CONFIDENCE = 0.99;
const MODEL_NAME = '2-general-nova';
const MODEL_VERSION = '2024-01-18.26916';

interface Utterance {
  chars: { ch: string; ms: number }[];
  /** Audio time at the end of the last speech window. */
  speechEndMs: number;
  lastInterimMs: number;
  lastInterimText: string;
}

interface Word {
  word: string;
  start: number;
  end: number;
  confidence: number;
  punctuated_word: string;
}

type FinalKind = 'endpoint' | 'finalize' | 'close';

export interface SttInit {
  id: number;
  ws: WebSocket;
  query: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  options: () => ResolvedOptions;
}

export class SttSession implements SttConnection {
  readonly id: number;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly requestId: string;
  audioBytes = 0;
  audioMessages = 0;
  readonly controlMessages: any[] = [];
  readonly sent: { at: number; message: any }[] = [];
  readonly transcripts: string[] = [];
  lastSpeechFrameAt?: number;
  readonly frameArrivals: number[] = [];

  private readonly options: () => ResolvedOptions;
  private readonly state: SocketState;
  private readonly outbox: Outbox;
  private readonly modelUuid = randomUUID();
  private readonly created = new Date().toISOString();
  private readonly sha = createHash('sha256');
  /** Audio bytes analysed so far (audio time = this / 8 ms). */
  private analysed = 0;
  private inSpeech = false;
  private utterance: Utterance | undefined;
  /** Audio time where the audio not yet covered by a final result starts. */
  private segmentStartMs = 0;
  /** Set after a final with words, until UtteranceEnd is sent or new words arrive. */
  private lastWordEndMs: number | undefined;
  private lastFrameAt: number;
  private lastActivityAt: number;
  private sawAudio = false;
  private streamClosing = false;
  private stallTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(init: SttInit) {
    this.id = init.id;
    this.query = init.query;
    this.headers = init.headers;
    this.requestId = init.requestId;
    this.options = init.options;
    this.state = new SocketState(init.ws, () => this.dispose());
    this.outbox = new Outbox(init.ws, this.sent);
    this.lastFrameAt = this.lastActivityAt = performance.now();
    init.ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    this.armIdle();
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

  private get audioMs(): number {
    return this.analysed / BYTES_PER_MS;
  }

  /** `endpointingMs` option, else the query's `endpointing`, else 10. `endpointing=false`: finals without speech_final. */
  private endpointing(): { ms: number; speechFinal: boolean } {
    const forced = this.options().endpointingMs;
    if (forced !== undefined) return { ms: forced, speechFinal: true };
    const raw = this.query.endpointing;
    if (raw === 'false') return { ms: 10, speechFinal: false };
    const ms = Number(raw);
    return raw !== undefined && raw !== '' && Number.isFinite(ms) && ms >= 0
      ? { ms, speechFinal: true }
      : { ms: 10, speechFinal: true };
  }

  private utteranceEndMs(): number | undefined {
    const ms = Number(this.query.utterance_end_ms);
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      this.onText(data.toString('utf8'));
      return;
    }
    const at = performance.now();
    if (data.length === 0) {
      this.kill(1008, 'DATA-0000');
      return;
    }
    this.audioBytes += data.length;
    this.audioMessages++;
    // One entry per 20 ms of audio, so a message that carries several Twilio frames counts each.
    for (let i = 0; i < Math.ceil(data.length / FRAME_BYTES); i++) this.frameArrivals.push(at);
    if (this.frameArrivals.length > MAX_ARRIVALS)
      this.frameArrivals.splice(0, this.frameArrivals.length - MAX_ARRIVALS);
    this.lastFrameAt = this.lastActivityAt = at;
    this.sawAudio = true;
    if (this.streamClosing || !this.state.open) return;
    this.sha.update(data);
    if (isSpeech(data)) this.lastSpeechFrameAt = at;
    for (let offset = 0; offset < data.length; offset += FRAME_BYTES) {
      this.analyse(data.subarray(offset, offset + FRAME_BYTES));
    }
    this.armStall();
  }

  /** One 20 ms window (or less) of audio. */
  private analyse(window: Buffer): void {
    const base = this.analysed;
    const startMs = this.audioMs;
    this.analysed += window.length;
    const endMs = this.audioMs;
    if (!isSpeech(window)) {
      this.inSpeech = false;
      this.checkSilence(0);
      return;
    }
    if (!this.inSpeech) {
      this.inSpeech = true;
      if (this.query.vad_events === 'true') {
        this.send({ type: 'SpeechStarted', channel: [0, 1], timestamp: seconds(startMs) });
      }
    }
    this.utterance ??= { chars: [], speechEndMs: endMs, lastInterimMs: startMs, lastInterimText: '' };
    const utterance = this.utterance;
    for (let i = 0; i < window.length; i++) {
      const byte = window[i]!;
      if (byte < 0x20 || byte > 0x7e) continue;
      const ch = String.fromCharCode(byte);
      utterance.chars.push({ ch, ms: (base + i) / BYTES_PER_MS });
      if (ch !== ' ') this.lastWordEndMs = undefined; // new words: the pending word gap is over
    }
    utterance.speechEndMs = endMs;
    if (this.query.interim_results !== 'true') return;
    const text = textOf(utterance);
    if (
      text.length > utterance.lastInterimText.length &&
      endMs - utterance.lastInterimMs >= INTERIM_EVERY_MS
    ) {
      utterance.lastInterimMs = endMs;
      utterance.lastInterimText = text;
      this.send(this.results(utterance, { isFinal: false, speechFinal: false, fromFinalize: false }));
    }
  }

  /** `extraMs`: wall-clock time without any audio, counted as silence by the stall fallback. */
  private checkSilence(extraMs: number): void {
    const now = this.audioMs + extraMs;
    const endpointing = this.endpointing();
    if (this.utterance && now - this.utterance.speechEndMs >= endpointing.ms) this.finalize('endpoint');
    const utteranceEnd = this.utteranceEndMs();
    if (
      this.lastWordEndMs !== undefined &&
      utteranceEnd !== undefined &&
      now - this.lastWordEndMs >= utteranceEnd
    ) {
      this.send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(this.lastWordEndMs) });
      this.lastWordEndMs = undefined;
    }
  }

  private finalize(kind: FinalKind): void {
    const utterance = this.utterance;
    const fromFinalize = kind === 'finalize';
    if (!utterance) {
      // Finalize with only silence since the last final: an empty final that says so.
      if (fromFinalize && this.audioMs > this.segmentStartMs) {
        this.send(this.results(undefined, { isFinal: true, speechFinal: false, fromFinalize }));
        this.segmentStartMs = this.audioMs;
      }
      return;
    }
    const speechFinal = kind === 'close' || (kind === 'endpoint' && this.endpointing().speechFinal);
    this.send(this.results(utterance, { isFinal: true, speechFinal, fromFinalize }));
    this.utterance = undefined;
    this.segmentStartMs = this.audioMs;
    const words = wordsOf(utterance);
    if (words.length > 0) {
      this.transcripts.push(textOf(utterance));
      this.lastWordEndMs = words[words.length - 1]!.end * 1000;
    }
  }

  private results(
    utterance: Utterance | undefined,
    flags: { isFinal: boolean; speechFinal: boolean; fromFinalize: boolean },
  ) {
    const transcript = utterance ? textOf(utterance) : '';
    const words = utterance ? wordsOf(utterance) : [];
    return {
      type: 'Results' as const,
      channel_index: [0, 1],
      duration: seconds(this.audioMs - this.segmentStartMs),
      start: seconds(this.segmentStartMs),
      is_final: flags.isFinal,
      speech_final: flags.speechFinal,
      from_finalize: flags.fromFinalize,
      channel: {
        alternatives: [{ transcript, confidence: transcript ? WORD_CONFIDENCE : 0, words }],
      },
      metadata: {
        request_id: this.requestId,
        model_info: { name: MODEL_NAME, version: MODEL_VERSION, arch: this.arch() },
        model_uuid: this.modelUuid,
      },
    };
  }

  private arch(): string {
    const model = this.query.model ?? 'base';
    return /^nova-\d/.exec(model)?.[0] ?? model;
  }

  private onText(text: string): void {
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      this.controlMessages.push({ type: '<invalid-json>', text });
      return;
    }
    this.controlMessages.push(message);
    if (!this.state.open || this.streamClosing) return;
    const type = message?.type;
    if (type === 'KeepAlive') {
      // KeepAlive alone does not keep a connection that never sent audio (B.1 Timeout).
      if (this.sawAudio) this.lastActivityAt = performance.now();
    } else if (type === 'Finalize') {
      this.finalize('finalize');
    } else if (type === 'CloseStream') {
      this.streamClosing = true;
      this.clearTimers();
      this.finalize('close');
      this.send({
        type: 'Metadata',
        transaction_key: 'deprecated',
        request_id: this.requestId,
        sha256: this.sha.digest('hex'),
        created: this.created,
        duration: seconds(this.audioMs),
        channels: Number(this.query.channels ?? 1) || 1,
        models: [this.modelUuid],
        model_info: {
          [this.modelUuid]: { name: MODEL_NAME, version: MODEL_VERSION, arch: this.arch() },
        },
      });
      this.outbox.drain(() => this.state.close(1000, ''));
    }
    // Anything else is recorded and ignored.
  }

  private send(message: object): void {
    this.outbox.push(message, this.options().sttDelayMs);
  }

  /**
   * The wall-clock fallback for bursty clients: once no audio at all has arrived for `endpointing`
   * ms, the time since the last frame counts as silence (for endpointing and UtteranceEnd).
   */
  private armStall(): void {
    if (this.stallTimer || !this.state.open || this.streamClosing) return;
    const utteranceEnd = this.utteranceEndMs();
    const wordGapPending = this.lastWordEndMs !== undefined && utteranceEnd !== undefined;
    if (!this.utterance && !wordGapPending) return;
    const gap = performance.now() - this.lastFrameAt;
    let wait = this.endpointing().ms - gap;
    if (wait <= 0 && !this.utterance && wordGapPending) {
      wait = utteranceEnd! - (this.audioMs + gap - this.lastWordEndMs!);
    }
    this.stallTimer = setTimeout(() => this.onStall(), Math.max(1, Math.ceil(wait)));
  }

  private onStall(): void {
    this.stallTimer = undefined;
    if (!this.state.open || this.streamClosing) return;
    const gap = performance.now() - this.lastFrameAt;
    if (gap >= this.endpointing().ms) {
      this.inSpeech = false;
      this.checkSilence(gap);
    }
    this.armStall();
  }

  private armIdle(): void {
    const wait = this.options().idleTimeoutMs - (performance.now() - this.lastActivityAt);
    this.idleTimer = setTimeout(
      () => {
        this.idleTimer = undefined;
        if (!this.state.open || this.streamClosing) return;
        if (performance.now() - this.lastActivityAt >= this.options().idleTimeoutMs) {
          this.kill(1011, 'NET-0001');
        } else this.armIdle();
      },
      Math.max(1, Math.ceil(wait)),
    );
  }

  private clearTimers(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.stallTimer = this.idleTimer = undefined;
  }

  private dispose(): void {
    this.clearTimers();
    this.outbox.dispose();
  }
}

function textOf(utterance: Utterance): string {
  return utterance.chars
    .map((c) => c.ch)
    .join('')
    .trim();
}

/** Words split on spaces; a word ends where the next character starts (the last one: at the end of speech). */
function wordsOf(utterance: Utterance): Word[] {
  const words: Word[] = [];
  let current: { text: string; startMs: number } | undefined;
  const push = (endMs: number) => {
    if (!current) return;
    const bare = current.text.toLowerCase().replace(/[^a-z0-9'-]/g, '');
    words.push({
      word: bare || current.text.toLowerCase(),
      start: seconds(current.startMs),
      end: seconds(endMs),
      confidence: WORD_CONFIDENCE,
      punctuated_word: current.text,
    });
    current = undefined;
  };
  for (const { ch, ms } of utterance.chars) {
    if (ch === ' ') push(ms);
    else if (current) current.text += ch;
    else current = { text: ch, startMs: ms };
  }
  push(utterance.speechEndMs);
  return words;
}
