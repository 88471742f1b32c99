/**
 * The three providers a call needs, as small interfaces. The conversation depends only on these;
 * swapping a provider means writing one adapter (see deepgram/ and openai/).
 */

export interface TranscriptEvent {
  text: string;
  /** This segment will not change any more. */
  isFinal: boolean;
  /** The provider's endpointing decided the caller finished speaking. */
  speechFinal: boolean;
}

export interface ProviderClose {
  code: number;
  reason: string;
  /** True when we asked for the close. */
  expected: boolean;
}

export interface SpeechToTextEvents {
  speechStarted(): void;
  transcript(event: TranscriptEvent): void;
  utteranceEnd(): void;
  closed(info: ProviderClose): void;
}

export interface SpeechToTextSession {
  /** One 20 ms frame of 8 kHz mu-law, passed through untouched. */
  sendAudio(frame: Uint8Array): void;
  close(): void;
}

export interface SpeechToText {
  open(events: SpeechToTextEvents): Promise<SpeechToTextSession>;
}

export interface TextToSpeechEvents {
  /** Raw 8 kHz mu-law audio, in order. */
  audio(chunk: Buffer): void;
  /** Everything spoken before the matching flush() has been delivered through audio(). */
  flushed(): void;
  cleared(): void;
  closed(info: ProviderClose): void;
  /** The provider complained about something it then ignored (a limit, a text too long). */
  warning?(info: { code: string; description: string }): void;
}

export interface TextToSpeechSession {
  speak(text: string): void;
  flush(): void;
  /** Drop queued text and audio not yet delivered. */
  clear(): void;
  close(): void;
}

export interface TextToSpeech {
  open(events: TextToSpeechEvents): Promise<TextToSpeechSession>;
}

export interface ChatToolCall {
  id: string;
  name: string;
  /** JSON text exactly as the model produced it (may be invalid JSON). */
  arguments: string;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ChatStreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_calls'; calls: ChatToolCall[] }
  | { type: 'usage'; usage: ChatUsage }
  | { type: 'done'; finishReason: string | null };

export interface ChatModel {
  /** Streams one completion; aborting the signal stops it (and the HTTP request) at once. */
  stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamEvent>;
  /**
   * A request is probably coming (the caller started speaking): get the connection ready so it
   * does not wait for a handshake. Cheap and idempotent; a model without connections skips it.
   */
  warmUp?(): void;
}

/** OpenAI-shaped messages: the de-facto lingua franca of chat models. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  messages: readonly ChatMessage[];
  tools: readonly ChatToolSpec[];
}
