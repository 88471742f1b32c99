/** The public shapes of the Deepgram fake (see ../deepgram-fake.ts for the behaviour). */

export interface DeepgramFakeOptions {
  /** When set, the upgrade requires `Authorization: Token <apiKey>`, else HTTP 401 with a dg-error header. */
  apiKey?: string;
  /** Default: the `endpointing` query param of each /v1/listen connection, else 10 (Deepgram's default). */
  endpointingMs?: number;
  /** Extra processing delay before each STT message is sent (default 0). Order is kept. */
  sttDelayMs?: number;
  /** Delay from Flush to the first audio chunk (default 0). */
  ttsFirstByteMs?: number;
  /** Default false: audio is sent as fast as possible; true: paced at 8 bytes/ms after the first byte. */
  ttsRealtime?: boolean;
  /** Passed to encodeSpeech (default 80 bytes = 10 ms per character). */
  ttsBytesPerChar?: number;
  /** Size of the binary audio frames sent (default 1600 = 200 ms). */
  ttsChunkBytes?: number;
  /** STT: close 1011 NET-0001 when neither audio nor KeepAlive arrives for this long (default 10 000). */
  idleTimeoutMs?: number;
}

export type ResolvedOptions = Required<Omit<DeepgramFakeOptions, 'apiKey' | 'endpointingMs'>> &
  Pick<DeepgramFakeOptions, 'apiKey' | 'endpointingMs'>;

export interface CloseRecord {
  code: number;
  reason: string;
  by: 'client' | 'fake';
}

export interface SttConnection {
  id: number;
  /** Parsed query string, e.g. model, encoding, sample_rate, endpointing, utterance_end_ms, vad_events, interim_results. */
  query: Record<string, string>;
  /** Upgrade request headers, lower-cased names. */
  headers: Record<string, string>;
  /** The `dg-request-id` of the upgrade, also `metadata.request_id` in every message. */
  requestId: string;
  /** Total binary bytes received. */
  audioBytes: number;
  /** Parsed JSON text frames received (KeepAlive, Finalize, CloseStream...); non-JSON ones as `{ type: '<invalid-json>', text }`. */
  controlMessages: any[];
  /** Every JSON message the fake sent, with performance.now(). */
  sent: { at: number; message: any }[];
  /** Each final utterance emitted (non-empty `is_final` transcript; see the header of ../deepgram-fake.ts), in order. */
  transcripts: string[];
  /** performance.now() at which the last binary frame containing speech arrived (for latency measurements). */
  lastSpeechFrameAt?: number;
  /** Binary messages received (a message may carry several frames). */
  audioMessages: number;
  /** performance.now() at which each 20 ms (160-byte) frame of audio arrived, one entry per frame even when a message carries several (the last 10 000). */
  frameArrivals: number[];
  closed?: CloseRecord;
  /** Fault: close this socket now with code/reason (default 1011 'NET-0000'; 1006 drops the TCP connection). */
  kill(code?: number, reason?: string): void;
}

export interface TtsConnection {
  id: number;
  /** model, encoding, sample_rate, container... */
  query: Record<string, string>;
  headers: Record<string, string>;
  requestId: string;
  /** Parsed JSON text frames: Speak/Flush/Clear/Close (non-JSON ones as `{ type: '<invalid-json>', text }`). */
  received: any[];
  /** Text of each accepted Speak message. */
  spoken: string[];
  flushes: number;
  /** Flushes past the 20-per-60-s limit: answered with a Warning and not processed. */
  ignoredFlushes: number;
  clears: number;
  sentAudioBytes: number;
  /** Every JSON message the fake sent (Metadata, Flushed, Cleared, Warning), with performance.now(). */
  sent: { at: number; message: any }[];
  closed?: CloseRecord;
  kill(code?: number, reason?: string): void;
}

export interface RefusedUpgrade {
  path: string;
  status: number;
  at: number;
  headers: Record<string, string>;
}

export interface DeepgramFake {
  /** 'http://127.0.0.1:PORT', what our adapter passes as the SDK `baseUrl`. */
  baseUrl: string;
  /** Every accepted /v1/listen connection in order. */
  stt: SttConnection[];
  /** Every accepted /v1/speak connection in order. */
  tts: TtsConnection[];
  /** Every upgrade answered with an HTTP error (404, 401, 400, refuseNext), in order. */
  refused: RefusedUpgrade[];
  /** Every POST /v1/speak (REST text to speech), in order, with the status it got. */
  speakRequests: { text: string; query: Record<string, string>; status: number; at: number }[];
  /** The next n upgrades to that path are refused with HTTP `status` (default 503) + dg-error header + body. */
  refuseNext(path: '/v1/listen' | '/v1/speak', n?: number, status?: number): void;
  /** Change the latency profile at runtime (applies to live connections too). */
  setOptions(partial: Partial<DeepgramFakeOptions>): void;
  /** Terminates every socket and the server; leaves no timers. */
  close(): Promise<void>;
}
