import type { DeepgramClient } from '@deepgram/sdk';
import type { SpeechToText, SpeechToTextEvents, SpeechToTextSession } from '../interfaces';

export interface DeepgramSttOptions {
  model: string;
  /** Silence (ms) after which Deepgram marks speech_final. */
  endpointingMs: number;
  utteranceEndMs: number;
}

const KEEPALIVE_EVERY_MS = 4000;

interface ResultsMessage {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: { transcript?: string }[] };
}

/** Deepgram live transcription of the caller's 8 kHz mu-law, passed through with no resampling. */
export class DeepgramSpeechToText implements SpeechToText {
  constructor(
    private readonly client: DeepgramClient,
    private readonly options: DeepgramSttOptions,
  ) {}

  async open(events: SpeechToTextEvents): Promise<SpeechToTextSession> {
    const socket = await this.client.listen.v1.connect({
      model: this.options.model,
      encoding: 'mulaw',
      sample_rate: 8000,
      channels: 1,
      interim_results: 'true',
      endpointing: this.options.endpointingMs,
      utterance_end_ms: this.options.utteranceEndMs,
      vad_events: 'true',
      smart_format: 'true',
      punctuate: 'true',
      // Reconnection is the call's decision (it knows what to replay), not the SDK's.
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: 5,
    } as unknown as Parameters<DeepgramClient['listen']['v1']['connect']>[0]);
    let closing = false;
    let lastSentAt = Date.now();
    // Declared before the handlers: a refused upgrade fires `close` before the socket ever opens.
    let keepAlive: NodeJS.Timeout | undefined;
    socket.on('message', (message) => {
      const typed = message as { type?: string };
      if (typed.type === 'Results') {
        const results = message as ResultsMessage;
        const text = results.channel?.alternatives?.[0]?.transcript ?? '';
        events.transcript({
          text,
          isFinal: Boolean(results.is_final),
          speechFinal: Boolean(results.speech_final),
        });
      } else if (typed.type === 'SpeechStarted') {
        events.speechStarted();
      } else if (typed.type === 'UtteranceEnd') {
        events.utteranceEnd();
      }
    });
    socket.on('close', (event) => {
      clearInterval(keepAlive);
      events.closed({ code: event.code, reason: event.reason, expected: closing });
    });
    socket.on('error', () => {
      // A close event follows every error; it carries what the call needs to know.
    });
    socket.connect();
    await socket.waitForOpen();
    // Twilio streams silence too, so this only fires when inbound audio itself stops.
    keepAlive = setInterval(() => {
      if (Date.now() - lastSentAt >= KEEPALIVE_EVERY_MS && socket.readyState === 1) {
        socket.sendKeepAlive({ type: 'KeepAlive' });
        lastSentAt = Date.now();
      }
    }, KEEPALIVE_EVERY_MS);
    keepAlive.unref();
    // Frames that arrive together (one read from Twilio's socket after the event loop was busy)
    // leave as one message: the flush runs as a microtask, right after the read that brought
    // them, so a frame is never held back, and a loaded server stops paying one send per frame.
    // One array for the call's lifetime: sendMedia is synchronous, so it is emptied, never replaced.
    const pending: Uint8Array[] = [];
    const flush = () => {
      if (socket.readyState === 1) {
        socket.sendMedia(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
        lastSentAt = Date.now();
      }
      pending.length = 0;
    };
    return {
      sendAudio(frame) {
        if (socket.readyState !== 1 || frame.byteLength === 0) return;
        if (pending.push(frame) === 1) queueMicrotask(flush);
      },
      close() {
        if (closing) return;
        closing = true;
        clearInterval(keepAlive);
        if (socket.readyState === 1) socket.sendCloseStream({ type: 'CloseStream' });
        socket.close();
      },
    };
  }
}
