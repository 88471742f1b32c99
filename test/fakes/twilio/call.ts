/**
 * One simulated call's Media Stream (protocols.md A.1–A.5): the caller's side of the websocket and
 * the paced inbound audio; playback.ts decides what the caller has heard and when marks come back.
 * One shared `Ticker` drives every call of a fake.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  BYTES_PER_MS,
  encodeSpeech,
  FILLER_BYTE,
  FRAME_BYTES,
  FRAME_MS,
  silence,
  toFrames,
} from '../fake-audio';
import { Playback } from './playback';
import type { StreamStatusReporter } from './stream-status';
import type { FakeCall, HttpResult, ParsedStream, StreamStatusDelivery } from './types';

/** How often the shared timer wakes; every call's schedule is computed from elapsed time, so lateness never accumulates. */
const TICK_MS = 5;
/** say() always carries at least this much speech. */
const MIN_SPEECH_MS = 300;
/** With realtime: false, silence sent after each say() burst (there is no background silence then). */
const BURST_TRAILING_SILENCE_FRAMES = 25;
const SILENCE_FRAME = silence(FRAME_BYTES);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One timer for all calls of a fake; it stops when no call is live. */
export class Ticker {
  private readonly members = new Set<CallRuntime>();
  private timer: NodeJS.Timeout | undefined;

  add(call: CallRuntime): void {
    this.members.add(call);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  remove(call: CallRuntime): void {
    this.members.delete(call);
    if (this.members.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const call of this.members) call.service(performance.now());
  }
}

export interface CallRuntimeInit {
  accountSid: string;
  callSid: string;
  streamSid: string;
  webhookResponse: HttpResult;
  stream: ParsedStream | null;
  realtime: boolean;
  ticker: Ticker;
  /** Called once when the stream ends (either side), e.g. to update the REST call resource. */
  onClosed: () => void;
}

export class CallRuntime implements FakeCall {
  /**
   * Benchmark hook (bench/): called right after each inbound media frame is written to the socket,
   * with performance.now() and whether it carried speech. Unset everywhere else; it never changes
   * what is sent or when.
   */
  static onMediaSent?: (call: CallRuntime, at: number, speech: boolean) => void;

  readonly callSid: string;
  readonly streamSid: string;
  readonly webhookResponse: HttpResult;
  readonly stream: ParsedStream | null;
  readonly received: { at: number; message: any }[] = [];
  readonly marksEchoed: { name: string; at: number; cleared: boolean }[] = [];
  readonly clears: number[] = [];
  readonly protocolErrors: string[] = [];
  readonly streamStatusCallbacks: StreamStatusDelivery[] = [];
  /** Set by the fake when the TwiML asked for stream status callbacks. */
  streamStatus: StreamStatusReporter | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  upgradeRejected?: number;

  private readonly init: CallRuntimeInit;
  private ws: WebSocket | undefined;
  private open = false;
  private ended = false;
  private resolveClosed!: (result: { code: number; reason: string }) => void;
  private seq = 0;
  // Inbound (caller → server) audio.
  private mediaStart = 0;
  private framesSent = 0;
  private readonly speechFrames: Buffer[] = [];
  private speechQueued = 0;
  private speechSent = 0;
  private readonly sayWaiters: {
    until: number;
    resolve: (at: number) => void;
    reject: (err: Error) => void;
  }[] = [];
  // Outbound (server → caller) playback.
  private readonly playback = new Playback({
    echoMark: (name, cleared) => this.echoMark(name, cleared),
    heardFailure: (match, heard, why) => {
      const errors =
        this.protocolErrors.length > 0 ? `; protocol errors: ${this.protocolErrors.join(' | ')}` : '';
      return `waitForHeard(${String(match)}) failed on ${this.callSid}: ${why}; heard so far: ${JSON.stringify(heard)}${errors}`;
    },
  });
  private firstMedia: number | undefined;

  constructor(init: CallRuntimeInit) {
    this.init = init;
    this.callSid = init.callSid;
    this.streamSid = init.streamSid;
    this.webhookResponse = init.webhookResponse;
    this.stream = init.stream;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Opens the websocket; resolves once `connected` and `start` are sent, or the upgrade failed with an HTTP answer. */
  connect(url: string, headers: Record<string, string>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
      this.ws = ws;
      let settled = false;
      ws.on('unexpected-response', (_req, res) => {
        this.upgradeRejected = res.statusCode ?? 0;
        res.resume();
        settled = true;
        resolve();
        ws.terminate();
      });
      ws.on('open', () => {
        settled = true;
        this.onOpen();
        resolve();
      });
      ws.on('error', (err) => {
        if (!settled) {
          settled = true;
          reject(new Error(`Twilio fake could not open the media stream ${url}: ${err.message}`));
        }
      });
      ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
      ws.on('close', (code, reason) => {
        const why =
          this.upgradeRejected !== undefined
            ? `upgrade rejected with HTTP ${this.upgradeRejected}`
            : reason.toString();
        this.finish({ code, reason: why });
      });
    });
  }

  /** Marks a call without a stream as over right away. */
  finishWithoutStream(reason: string): void {
    this.finish({ code: 1006, reason });
  }

  streamStatusDelivered(): Promise<void> {
    return this.streamStatus?.settled() ?? Promise.resolve();
  }

  firstMediaAt(): number | undefined {
    return this.firstMedia;
  }

  heard(): string {
    if (this.open) this.playback.advance(performance.now());
    return this.playback.heard;
  }

  waitForHeard(match: RegExp | string, timeoutMs = 5000): Promise<string> {
    return this.playback.waitFor(match, timeoutMs, this.ended);
  }

  say(text: string, options: { bytesPerChar?: number } = {}): Promise<number> {
    const promise = new Promise<number>((resolve, reject) => {
      if (!this.open) return reject(new Error(`say(${JSON.stringify(text)}): the call has no open stream`));
      let audio = encodeSpeech(text, options.bytesPerChar ?? 80);
      const minBytes = MIN_SPEECH_MS * BYTES_PER_MS;
      if (audio.length < minBytes) {
        audio = Buffer.concat([audio, Buffer.alloc(minBytes - audio.length, FILLER_BYTE)]);
      }
      const frames = toFrames(audio);
      this.speechFrames.push(...frames);
      this.speechQueued += frames.length;
      this.sayWaiters.push({ until: this.speechQueued, resolve, reject });
      if (!this.init.realtime) {
        const now = performance.now();
        while (this.speechFrames.length > 0) this.sendFrame(now);
        for (let i = 0; i < BURST_TRAILING_SILENCE_FRAMES; i++) this.sendFrame(now);
      }
    });
    // Callers that fire and forget must not get an unhandled rejection when the call ends first.
    promise.catch(() => {});
    return promise;
  }

  pressDigit(digit: string): void {
    this.requireOpen('pressDigit');
    this.send({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: this.nextSeq(),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  async hangup(): Promise<void> {
    this.endStream();
    await this.closedOrTerminate();
  }

  /** Twilio ends the stream (caller hung up, REST Status=completed, or a redirect): `stop`, then close 1000. */
  endStream(): void {
    if (!this.open) return;
    this.send({
      event: 'stop',
      sequenceNumber: this.nextSeq(),
      streamSid: this.streamSid,
      stop: { accountSid: this.init.accountSid, callSid: this.callSid },
    });
    this.stopLive();
    this.ws!.close(1000);
  }

  sendRaw(data: string | Buffer): void {
    this.requireOpen('sendRaw');
    this.ws!.send(data);
  }

  /** Abrupt teardown (fake.close()). */
  async terminate(): Promise<void> {
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    await this.closed;
  }

  /** Called by the Ticker: sends the inbound frames that are due and runs the playback clock. */
  service(now: number): void {
    if (!this.open) return;
    if (this.init.realtime) {
      while (this.open && this.mediaStart + this.framesSent * FRAME_MS <= now) this.sendFrame(now);
    }
    this.playback.advance(now);
    this.playback.checkWaiters();
  }

  private async closedOrTerminate(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 2000);
    });
    if ((await Promise.race([this.closed, late])) === 'late') this.ws?.terminate();
    clearTimeout(timer);
    await this.closed;
  }

  private onOpen(): void {
    this.open = true;
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: this.nextSeq(),
      start: {
        accountSid: this.init.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        customParameters: { ...(this.stream?.parameters ?? {}) },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: this.streamSid,
    });
    const now = performance.now();
    this.mediaStart = now;
    this.playback.start(now);
    this.init.ticker.add(this);
    this.service(now);
  }

  private sendFrame(now: number): void {
    const speech = this.speechFrames.shift();
    this.framesSent++;
    this.send({
      event: 'media',
      sequenceNumber: this.nextSeq(),
      media: {
        track: 'inbound',
        chunk: String(this.framesSent),
        timestamp: String((this.framesSent - 1) * FRAME_MS),
        payload: (speech ?? SILENCE_FRAME).toString('base64'),
      },
      streamSid: this.streamSid,
    });
    CallRuntime.onMediaSent?.(this, performance.now(), speech !== undefined);
    if (!speech) return;
    this.speechSent++;
    while (this.sayWaiters[0] && this.sayWaiters[0].until <= this.speechSent) {
      this.sayWaiters.shift()!.resolve(this.init.realtime ? performance.now() : now);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const at = performance.now();
    if (isBinary) {
      this.received.push({ at, message: { event: '<binary>', bytes: data.length } });
      this.protocolErrors.push(
        `binary frame of ${data.length} bytes (Twilio warning 31950: use JSON text frames)`,
      );
      return;
    }
    const text = data.toString('utf8');
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      this.received.push({ at, message: { event: '<invalid-json>', text } });
      this.protocolErrors.push(`text frame that is not JSON (Twilio warning 31950): ${text.slice(0, 80)}`);
      return;
    }
    this.received.push({ at, message });
    if (!this.open) return; // after `stop`: Twilio no longer listens
    const event = message?.event;
    if (event !== 'media' && event !== 'mark' && event !== 'clear') {
      this.protocolErrors.push(`unexpected message event ${JSON.stringify(event)}: ${text.slice(0, 120)}`);
      return;
    }
    if (message.streamSid !== this.streamSid) {
      this.protocolErrors.push(
        `${event} with streamSid ${JSON.stringify(message.streamSid)} ignored (stream is ${this.streamSid})`,
      );
      return;
    }
    this.playback.advance(at);
    if (event === 'media') {
      const payload = message.media?.payload;
      if (typeof payload !== 'string' || !BASE64.test(payload)) {
        this.protocolErrors.push(`media without a base64 media.payload: ${text.slice(0, 120)}`);
        return;
      }
      const audio = Buffer.from(payload, 'base64');
      this.firstMedia ??= at;
      this.playback.enqueueAudio(audio);
    } else if (event === 'mark') {
      const name = message.mark?.name;
      if (typeof name !== 'string') {
        this.protocolErrors.push(`mark without a string mark.name: ${text.slice(0, 120)}`);
        return;
      }
      this.playback.enqueueMark(name, at);
    } else {
      this.clears.push(at);
      this.playback.clear();
    }
    this.playback.checkWaiters();
  }

  private echoMark(name: string, cleared: boolean): void {
    if (!this.open) return;
    this.send({ event: 'mark', sequenceNumber: this.nextSeq(), streamSid: this.streamSid, mark: { name } });
    this.marksEchoed.push({ name, at: performance.now(), cleared });
  }

  private requireOpen(what: string): void {
    if (!this.open || !this.ws) throw new Error(`${what}: the call ${this.callSid} has no open stream`);
  }

  private nextSeq(): string {
    this.seq++;
    return String(this.seq);
  }

  private send(message: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** The stream stops: no more frames, no more playback (audio still queued is never heard). */
  private stopLive(): void {
    if (!this.open) return;
    this.playback.advance(performance.now());
    this.playback.checkWaiters();
    this.open = false;
    this.init.ticker.remove(this);
  }

  private finish(result: { code: number; reason: string }): void {
    if (this.ended) return;
    this.stopLive();
    this.ended = true;
    for (const waiter of this.sayWaiters.splice(0)) {
      waiter.reject(new Error(`the call ${this.callSid} ended before the speech was sent`));
    }
    this.playback.rejectWaiters(`the stream closed (${result.code})`);
    this.init.onClosed();
    this.resolveClosed(result);
  }
}
