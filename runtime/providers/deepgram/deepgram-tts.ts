import type { DeepgramClient } from '@deepgram/sdk';
import type { TextToSpeech, TextToSpeechEvents, TextToSpeechSession } from '../interfaces';
import { OrderedMessages } from './deepgram-client';
import { FlushPacer } from './flush-pacer';

/**
 * Deepgram Aura over one websocket per call: raw 8 kHz mu-law, never a WAV container, and never
 * more Flush messages than the socket will process (flush-pacer.ts).
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
    const pacer = new FlushPacer(() => {
      if (open()) socket.sendFlush({ type: 'Flush' });
    });
    const ordered = new OrderedMessages();
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
        ordered.push(() => events.cleared());
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
        if (open() && text.trim()) socket.sendText({ type: 'Speak', text });
      },
      flush() {
        pacer.flush();
      },
      clear() {
        pacer.clear();
        if (open()) socket.sendClear({ type: 'Clear' });
      },
      close() {
        if (closing) return;
        closing = true;
        pacer.close();
        if (open()) socket.sendClose({ type: 'Close' });
        socket.close();
      },
    };
  }
}
