/**
 * Provider sockets that survive a drop (RES-05, RES-06). Deepgram closes a live socket now and then
 * (1011 on its side, a network blip on ours); the call must not go deaf or mute for it. These
 * wrappers reopen the socket a few times with a short backoff and replay what the new socket needs:
 * the last half second of caller audio for STT, the text not yet answered by a Flushed for TTS.
 * Only when every attempt fails does the call hear about the close.
 */
import type {
  ProviderClose,
  SpeechToText,
  SpeechToTextEvents,
  SpeechToTextSession,
  TextToSpeech,
  TextToSpeechEvents,
  TextToSpeechSession,
} from './interfaces';

export interface ReconnectPolicy {
  /** Delay before each reconnect attempt; its length is the number of attempts. */
  delaysMs: readonly number[];
  /** Told about each drop and its outcome, for logs and metrics. */
  onReconnect?(provider: 'stt' | 'tts', outcome: 'reconnected' | 'failed', close: ProviderClose): void;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { delaysMs: [0, 250, 1000] };

/** 500 ms of 20 ms frames: enough to cover the words said while the socket was down. */
const REPLAY_FRAMES = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reopen<T>(
  policy: ReconnectPolicy,
  open: () => Promise<T>,
  cancelled: () => boolean,
): Promise<T | null> {
  for (const delay of policy.delaysMs) {
    if (delay > 0) await sleep(delay);
    if (cancelled()) return null;
    try {
      return await open();
    } catch {
      // Next attempt.
    }
  }
  return null;
}

export class ReconnectingSpeechToText implements SpeechToText {
  constructor(
    private readonly inner: SpeechToText,
    private readonly policy: ReconnectPolicy = DEFAULT_RECONNECT,
  ) {}

  async open(events: SpeechToTextEvents): Promise<SpeechToTextSession> {
    const { policy, inner } = this;
    // A ring of the latest frames (references only: no copy per frame).
    const ring: (Uint8Array | undefined)[] = new Array(REPLAY_FRAMES);
    let next = 0;
    let closed = false;
    let current: SpeechToTextSession | null = null;
    const openSocket = (): Promise<SpeechToTextSession> =>
      openOnce((attempt) => inner.open(eventsFor(attempt)));
    const eventsFor = (attempt: Attempt): SpeechToTextEvents => ({
      speechStarted: () => events.speechStarted(),
      transcript: (event) => events.transcript(event),
      utteranceEnd: () => events.utteranceEnd(),
      closed: (info) => {
        // A socket that never opened reports its close too; its open attempt's failure is what counts.
        if (!attempt.opened) return;
        if (info.expected || closed) return events.closed(info);
        current = null;
        recover('stt', policy, info, openSocket, () => closed, {
          replaced: (session) => {
            current = session;
            for (let i = 0; i < REPLAY_FRAMES; i++) {
              const frame = ring[(next + i) % REPLAY_FRAMES];
              if (frame) session.sendAudio(frame);
            }
          },
          lost: () => events.closed(info),
        });
      },
    });
    current = await openSocket();
    return {
      sendAudio(frame) {
        ring[next] = frame;
        next = (next + 1) % REPLAY_FRAMES;
        current?.sendAudio(frame);
      },
      close() {
        closed = true;
        current?.close();
      },
    };
  }
}

export class ReconnectingTextToSpeech implements TextToSpeech {
  constructor(
    private readonly inner: TextToSpeech,
    private readonly policy: ReconnectPolicy = DEFAULT_RECONNECT,
  ) {}

  async open(events: TextToSpeechEvents): Promise<TextToSpeechSession> {
    const { policy, inner } = this;
    /** Text of each flush not yet answered by Flushed, oldest first (replayed on a new socket). */
    const unflushed: string[] = [];
    let speaking = '';
    let closed = false;
    let current: TextToSpeechSession | null = null;
    const openSocket = (): Promise<TextToSpeechSession> =>
      openOnce((attempt) => inner.open(eventsFor(attempt)));
    const eventsFor = (attempt: Attempt): TextToSpeechEvents => ({
      audio: (chunk) => events.audio(chunk),
      flushed: () => {
        unflushed.shift();
        events.flushed();
      },
      cleared: () => events.cleared(),
      warning: (info) => events.warning?.(info),
      closed: (info) => {
        if (!attempt.opened) return;
        if (info.expected || closed) return events.closed(info);
        current = null;
        recover('tts', policy, info, openSocket, () => closed, {
          replaced: (session) => {
            current = session;
            for (const text of unflushed) {
              session.speak(text);
              session.flush();
            }
            if (speaking) session.speak(speaking);
          },
          lost: () => events.closed(info),
        });
      },
    });
    current = await openSocket();
    return {
      speak(text) {
        speaking += speaking ? ` ${text}` : text;
        current?.speak(text);
      },
      flush() {
        unflushed.push(speaking);
        speaking = '';
        current?.flush();
      },
      clear() {
        unflushed.length = 0;
        speaking = '';
        current?.clear();
      },
      close() {
        closed = true;
        current?.close();
      },
    };
  }
}

interface Attempt {
  opened: boolean;
}

async function openOnce<T>(open: (attempt: Attempt) => Promise<T>): Promise<T> {
  const attempt: Attempt = { opened: false };
  const session = await open(attempt);
  attempt.opened = true;
  return session;
}

/** Reopens a dropped socket in the background; `lost` only when every attempt failed. */
function recover<T extends { close(): void }>(
  provider: 'stt' | 'tts',
  policy: ReconnectPolicy,
  close: ProviderClose,
  open: () => Promise<T>,
  isClosed: () => boolean,
  on: { replaced(session: T): void; lost(): void },
): void {
  void reopen(policy, open, isClosed).then((session) => {
    if (!session) {
      policy.onReconnect?.(provider, 'failed', close);
      if (!isClosed()) on.lost();
      return;
    }
    if (isClosed()) return session.close();
    on.replaced(session);
    policy.onReconnect?.(provider, 'reconnected', close);
  });
}
