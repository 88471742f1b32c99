/** What tests script and observe on the OpenAI fake (`../openai-fake.ts`). */
export interface ChatRequest {
  /** The parsed JSON body: model, messages, tools, tool_choice, stream, stream_options, parallel_tool_calls... */
  body: any;
  /** Request headers, lower-cased names, repeated values joined with ', '. */
  headers: Record<string, string>;
  /** performance.now() when the whole request body had arrived. */
  at: number;
  /** `x-stainless-retry-count` (0 on the first attempt, 0 when absent). */
  retryCount: number;
}

/** What the fake answers to one request. */
export type FakeReply =
  | {
      kind: 'text';
      text: string;
      /** Characters per content delta (default 6). */
      chunkChars?: number;
      /** Delay before the first chunk (default 0). */
      ttftMs?: number;
      /** Delay before each later content delta (default 0). */
      interChunkMs?: number;
      finishReason?: 'stop' | 'length';
    }
  | {
      kind: 'tools';
      calls: { name: string; arguments: object | string; id?: string }[];
      /** Optional content streamed before the calls. */
      text?: string;
      ttftMs?: number;
      /** Characters per arguments fragment (default 8). */
      argChunkChars?: number;
      interChunkMs?: number;
    }
  /** An HTTP error before any body. `body` is the whole JSON body (default: the usual shape for the status). */
  | { kind: 'error'; status: number; body?: object; headers?: Record<string, string> }
  /** Never send headers, until the client gives up. */
  | { kind: 'hang' }
  /** Send the role chunk and `afterChunks` content deltas, then destroy the socket (no [DONE]). */
  | { kind: 'cut'; text: string; afterChunks: number }
  /** Send the role chunk and `afterChunks` content deltas, then `data: {"error":...}` and end the body. */
  | { kind: 'midstream-error'; text: string; afterChunks: number; error: { message: string; type: string } };

export type ReplyScript = (request: ChatRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface OpenAiFake {
  /** `http://127.0.0.1:PORT/v1`, what the SDK's `baseURL` gets. */
  baseUrl: string;
  /** Every well-formed chat completions request (JSON object body, right key), in arrival order. */
  requests: ChatRequest[];
  /** Replace the script (default: reply `{ kind: 'text', text: 'Okay.' }`). */
  setScript(script: ReplyScript): void;
  /** Queue replies consumed in order (falls back to the script when empty). */
  queue(...replies: FakeReply[]): void;
  /** Per request (same order as `requests`): when the first chunk and `[DONE]` were written (performance.now()). */
  timeline: { requestIndex: number; firstChunkAt?: number; doneAt?: number }[];
  /** TCP connections accepted so far: a client that keeps its connection alive opens one. */
  readonly connections: number;
  /** Closes the kept-alive connections serving nothing, as the server's idle timeout does. */
  closeIdleConnections(): void;
  close(): Promise<void>;
}
