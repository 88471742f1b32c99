/**
 * Timestamps the fakes do not record themselves, taken on the fakes' side of each wire so that
 * provider time can be subtracted exactly: when each inbound frame left the fake Twilio, when the
 * fake model wrote the delta that completed the first sentence, and when the fake TTS got a Flush
 * and sent that piece's first audio byte. The probes observe; they never change what is sent.
 */
import { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { SentenceSplitter } from '../runtime/conversation/sentence-splitter';
import type { DeepgramFake, TtsConnection } from '../test/fakes/deepgram-fake';
import { CallRuntime } from '../test/fakes/twilio/call';

/** Every utterance and answer carries its call and turn, e.g. "c17 t2" or "c17 t2b". */
export const TAG = /\bc(\d+) t(\d+)(b?)\b/g;

export function lastTag(text: string): string | undefined {
  return [...text.matchAll(TAG)].at(-1)?.[0];
}

export interface FrameLog {
  sentAt: number[];
  speech: boolean[];
}

export interface TtsProbe {
  flushes: { at: number; text: string }[];
  binarySends: number[];
}

interface SseState {
  text: string;
  splitter: SentenceSplitter;
  done: boolean;
}

export class Probes {
  readonly frames = new Map<CallRuntime, FrameLog>();
  /** Tag of an answer → when the delta completing its first sentence was written. */
  readonly firstSentenceAt = new Map<string, number>();
  private readonly tts = new WeakMap<TtsConnection, TtsProbe>();
  private readonly sse = new WeakMap<ServerResponse, SseState>();
  private restore: (() => void)[] = [];

  install(deepgram: DeepgramFake): void {
    CallRuntime.onMediaSent = (call, at, speech) => {
      let log = this.frames.get(call);
      if (!log) {
        log = { sentAt: [], speech: [] };
        this.frames.set(call, log);
      }
      log.sentAt.push(at);
      log.speech.push(speech);
    };
    this.restore.push(() => {
      CallRuntime.onMediaSent = undefined;
    });
    this.installSse();
    this.installTts(deepgram);
  }

  ttsOf(connection: TtsConnection): TtsProbe | undefined {
    return this.tts.get(connection);
  }

  /** Forgets one level's records (the fakes' own arrays are cleared by the driver). */
  clear(): void {
    this.frames.clear();
    this.firstSentenceAt.clear();
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  /** The fake model writes each SSE event with res.write: run the server's own splitter over the deltas. */
  private installSse(): void {
    const original = ServerResponse.prototype.write;
    const probes = this;
    ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      if (typeof chunk === 'string' && chunk.startsWith('data: {')) probes.observeSse(this, chunk);
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof original;
    this.restore.push(() => {
      ServerResponse.prototype.write = original;
    });
  }

  private observeSse(res: ServerResponse, event: string): void {
    const at = performance.now();
    let state = this.sse.get(res);
    if (state?.done) return;
    let delta: unknown;
    try {
      delta = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
    } catch {
      return;
    }
    if (typeof delta !== 'string' || delta === '') return;
    if (!state) {
      state = { text: '', splitter: new SentenceSplitter(), done: false };
      this.sse.set(res, state);
    }
    state.text += delta;
    if (state.splitter.push(delta).length === 0) return;
    state.done = true;
    const tag = lastTag(state.text);
    if (tag && !this.firstSentenceAt.has(tag)) this.firstSentenceAt.set(tag, at);
  }

  /** New TTS sockets are pushed onto `deepgram.tts`; hook each one before its first Speak can arrive. */
  private installTts(deepgram: DeepgramFake): void {
    const list = deepgram.tts;
    const push = list.push;
    list.push = (...items: TtsConnection[]) => {
      for (const item of items) this.attachTts(item);
      return push.apply(list, items);
    };
    this.restore.push(() => {
      list.push = push;
    });
  }

  private attachTts(connection: TtsConnection): void {
    // The session keeps its socket private; the probe only listens to it and times binary sends.
    const ws = (connection as unknown as { ws: WebSocket }).ws;
    const probe: TtsProbe = { flushes: [], binarySends: [] };
    this.tts.set(connection, probe);
    let pending = '';
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const at = performance.now();
      let message: { type?: string; text?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message.type === 'Speak' && typeof message.text === 'string') pending += message.text;
      else if (message.type === 'Flush') {
        probe.flushes.push({ at, text: pending });
        pending = '';
      } else if (message.type === 'Clear') pending = '';
    });
    const send = ws.send.bind(ws) as (...args: unknown[]) => void;
    ws.send = ((data: unknown, ...rest: unknown[]) => {
      if (typeof data !== 'string') probe.binarySends.push(performance.now());
      send(data, ...rest);
    }) as typeof ws.send;
  }
}
