import type { DeepgramClient } from '@deepgram/sdk';
import type { TextToSpeech, TextToSpeechEvents, TextToSpeechSession } from '../interfaces';
import { OrderedMessages } from './deepgram-client';
import { DEEPGRAM_SOCKET_LIMITS, FlushPacer, type WindowSpent } from './flush-pacer';

/**
 * Deepgram Aura over one websocket per call: raw 8 kHz mu-law, never a WAV container, and never
 * more Flush messages or characters than the socket will take (flush-pacer.ts). Text is held here
 * until its flush goes out, so that when the socket's window is spent it can be synthesized over
 * the REST endpoint instead, in order, rather than wait up to a minute in silence or have the
 * socket closed under the call.
 */
export class DeepgramTextToSpeech implements TextToSpeech {
  constructor(
    private readonly client: DeepgramClient,
    private readonly voice: string,
  ) {}

  async open(events: TextToSpeechEvents): Promise<TextToSpeechSession> {
    const socket = await this.client.speak.v1.connect({
      model: this.voice,
      encoding: 'mulaw',
      sample_rate: 8000,
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: 5,
      // The SDK types model and encoding as closed enums; the voice comes from the shop config.
    } as unknown as Parameters<DeepgramClient['speak']['v1']['connect']>[0]);
    let closing = false;
    const open = () => socket.readyState === 1;
    const ordered = new OrderedMessages();
    /** Texts spoken since the last flush went out. */
    let unsent: string[] = [];
    const overRest = new Set<AbortController>();
    const overflowed = new Set<WindowSpent>();
    const pacer = new FlushPacer(
      () => {
        if (!open()) return;
        for (const text of unsent) socket.sendText({ type: 'Speak', text });
        unsent = [];
        socket.sendFlush({ type: 'Flush' });
      },
      {
        ...DEEPGRAM_SOCKET_LIMITS,
        size: () => unsent.reduce((chars, text) => chars + text.length, 0),
        overflow: (spent) => {
          const texts = unsent;
          unsent = [];
          if (!overflowed.has(spent)) {
            overflowed.add(spent);
            events.warning?.(WINDOW_SPENT_WARNINGS[spent]);
          }
          this.speakOverRest(texts, ordered, events, overRest, () => pacer.answered());
        },
      },
    );
    socket.on('message', (message: unknown) => {
      if (message instanceof Blob) {
        ordered.push(async () => events.audio(Buffer.from(await message.arrayBuffer())));
        return;
      }
      const { type, code, description } = message as { type?: string; code?: unknown; description?: unknown };
      if (type === 'Flushed') {
        ordered.push(() => {
          for (let answered = pacer.flushed(); answered > 0; answered--) events.flushed();
        });
      } else if (type === 'Cleared') {
        ordered.push(() => {
          pacer.cleared();
          events.cleared();
        });
      } else if (type === 'Warning') {
        ordered.push(() =>
          events.warning?.({ code: String(code ?? ''), description: String(description ?? '') }),
        );
      }
    });
    socket.on('close', (event) => {
      ordered.push(() => events.closed({ code: event.code, reason: event.reason, expected: closing }));
    });
    socket.on('error', () => {
      // Followed by a close event.
    });
    socket.connect();
    await socket.waitForOpen();
    return {
      speak(text) {
        if (text.trim()) unsent.push(text);
      },
      flush() {
        pacer.flush();
      },
      clear() {
        unsent = [];
        for (const request of overRest) request.abort();
        pacer.clear();
        if (open()) socket.sendClear({ type: 'Clear' });
      },
      close() {
        if (closing) return;
        closing = true;
        for (const request of overRest) request.abort();
        pacer.close();
        if (open()) socket.sendClose({ type: 'Close' });
        socket.close();
      },
    };
  }

  /**
   * One flush's texts over POST /v1/speak, in requests of at most REST_MAX_CHARS, one after the
   * other: their audio joins the socket's in order, and the end is reported like a Flushed (also
   * when one failed: those words are lost, the call's speech goes on).
   */
  private speakOverRest(
    texts: string[],
    ordered: OrderedMessages,
    events: TextToSpeechEvents,
    inFlight: Set<AbortController>,
    answered: () => number,
  ): void {
    const request = new AbortController();
    inFlight.add(request);
    const finish = () => {
      inFlight.delete(request);
      if (request.signal.aborted) return;
      ordered.push(() => {
        for (let n = answered(); n > 0; n--) events.flushed();
      });
    };
    void (async () => {
      for (const text of joinUpTo(texts, REST_MAX_CHARS)) {
        if (request.signal.aborted) break;
        await this.speakOneOverRest(text, request.signal, ordered, events);
      }
      finish();
    })();
  }

  private async speakOneOverRest(
    text: string,
    signal: AbortSignal,
    ordered: OrderedMessages,
    events: TextToSpeechEvents,
  ): Promise<void> {
    try {
      const response = await this.client.speak.v1.audio.generate(
        {
          text,
          model: this.voice,
          encoding: 'mulaw',
          sample_rate: 8000,
          container: 'none',
        } as unknown as Parameters<DeepgramClient['speak']['v1']['audio']['generate']>[0],
        { abortSignal: signal, timeoutInSeconds: REST_TIMEOUT_SECONDS, maxRetries: 1 },
      );
      const body = response.stream();
      if (body) {
        for await (const chunk of body) {
          if (signal.aborted) break;
          const audio = Buffer.from(chunk);
          ordered.push(() => events.audio(audio));
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        ordered.push(() =>
          events.warning?.({ code: 'REST_SPEAK_FAILED', description: (error as Error).name }),
        );
      }
    }
  }
}

/** A flush's text over REST is a sentence or a few: a slower answer than this is not coming. */
const REST_TIMEOUT_SECONDS = 8;
/** POST /v1/speak answers 413 above this many characters. */
const REST_MAX_CHARS = 2400;

const WINDOW_SPENT_WARNINGS: Record<WindowSpent, { code: string; description: string }> = {
  flushes: {
    code: 'FLUSH_WINDOW_SPENT',
    description: '20 Flush messages in 60 s: speaking over the REST endpoint until the window frees',
  },
  characters: {
    code: 'CHARACTER_WINDOW_SPENT',
    description: `${DEEPGRAM_SOCKET_LIMITS.charLimit} characters in 60 s: speaking over the REST endpoint until the window frees`,
  },
};

/** The texts joined by spaces into as few strings of at most max characters as keep their order. */
export function joinUpTo(texts: readonly string[], max: number): string[] {
  const joined: string[] = [];
  for (const text of texts) {
    const last = joined.length - 1;
    if (last >= 0 && joined[last]!.length + 1 + text.length <= max) joined[last] += ` ${text}`;
    else joined.push(text);
  }
  return joined;
}
