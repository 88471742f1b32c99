/**
 * A local fake of the OpenAI Chat Completions API (`POST /v1/chat/completions`), faithful to the
 * wire protocol the real `openai` SDK (7.57.0) parses: SSE chunks with the full
 * `chat.completion.chunk` envelope, tool-call deltas (parallel ones too), the usage chunk, `[DONE]`,
 * and the JSON error bodies behind the SDK's error classes. See
 * /work/shared/reference/protocols.md section C.
 *
 * Tests script each answer with a `FakeReply` (text, tool calls, HTTP error, hang, cut connection,
 * mid-stream error). Point the SDK at it with `new OpenAI({ apiKey, baseURL: fake.baseUrl })`.
 *
 * Choices the fake makes where the real API is not pinned down by the reference:
 * - Streaming response headers are sent as soon as the reply is known; `ttftMs` delays the first
 *   chunk, not the headers. The SDK's `timeout` therefore covers only the script (and `hang`).
 * - A tool-only reply starts like the real API does: the first chunk carries `role`,
 *   `content: null` and the first call's header delta. With `text`, the first chunk is the usual
 *   `{role:'assistant', content:''}` and the text deltas precede the calls.
 * - Requests are checked like the real API checks them (model, non-empty messages, roles,
 *   `stream_options` without `stream`, and tool_calls/tool message pairing); a bad request gets a
 *   400 `invalid_request_error` without consulting the script or queue.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { listenOnLoopback } from './loopback';

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
  close(): Promise<void>;
}

const DEFAULT_REPLY: FakeReply = { kind: 'text', text: 'Okay.' };
const MESSAGE_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface ErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export async function startOpenAiFake(options: { apiKey?: string } = {}): Promise<OpenAiFake> {
  const requests: ChatRequest[] = [];
  const timeline: OpenAiFake['timeline'] = [];
  const queued: FakeReply[] = [];
  const live = new Set<AbortController>();
  const fingerprint = `fp_${randomBytes(5).toString('hex')}`;
  let script: ReplyScript = () => DEFAULT_REPLY;
  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return; // the client went away while sending
    }
    const at = performance.now();
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error'));
      return;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const message = req.headers.authorization
        ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
      sendJson(res, 401, errorBody(message, 'invalid_request_error', null, 'invalid_api_key'));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendJson(
        res,
        400,
        errorBody(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          'invalid_request_error',
        ),
      );
      return;
    }
    if (!isRecord(body)) {
      sendJson(res, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error'));
      return;
    }

    const request: ChatRequest = {
      body,
      headers: flattenHeaders(req.headers),
      at,
      retryCount: Number(req.headers['x-stainless-retry-count'] ?? 0) || 0,
    };
    const index = requests.push(request) - 1;
    const times: OpenAiFake['timeline'][number] = { requestIndex: index };
    timeline.push(times);

    const invalid = validateRequest(body);
    if (invalid) {
      sendJson(res, 400, { error: invalid });
      return;
    }

    let reply: FakeReply;
    try {
      reply = queued.shift() ?? (await script(request, index));
      checkReply(reply);
    } catch (err) {
      // A broken script is a test bug: say so loudly, and tell the SDK not to retry it.
      const message = `openai-fake: reply script failed: ${err instanceof Error ? err.message : String(err)}`;
      sendJson(res, 500, errorBody(message, 'server_error'), { 'x-should-retry': 'false' });
      return;
    }
    if (signal.aborted) return;

    const ctx: ResponseContext = {
      res,
      signal,
      times,
      body,
      id: `chatcmpl-${randomAlnum(29)}`,
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === 'string' ? body.model : 'gpt-4o',
      fingerprint,
      includeUsage: isRecord(body.stream_options) && body.stream_options.include_usage === true,
      obfuscate: !(isRecord(body.stream_options) && body.stream_options.include_obfuscation === false),
    };
    if (body.stream === true) await streamReply(ctx, reply);
    else await plainReply(ctx, reply);
  }

  const server = createServer((req, res) => {
    const abort = new AbortController();
    live.add(abort);
    // 'close' comes after a normal end too, and then aborting is harmless.
    res.on('close', () => abort.abort());
    res.on('error', () => {});
    handle(req, res, abort.signal)
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, errorBody('openai-fake internal error', 'server_error'));
        else res.destroy();
      })
      .finally(() => live.delete(abort));
  });
  server.keepAliveTimeout = 5_000;

  const port = await listenOnLoopback(server);

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    timeline,
    setScript(next) {
      script = next;
    },
    queue(...replies) {
      queued.push(...replies);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const abort of live) abort.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Responses

interface ResponseContext {
  res: ServerResponse;
  signal: AbortSignal;
  times: OpenAiFake['timeline'][number];
  body: Record<string, any>;
  id: string;
  created: number;
  model: string;
  fingerprint: string;
  includeUsage: boolean;
  obfuscate: boolean;
}

async function streamReply(ctx: ResponseContext, reply: FakeReply): Promise<void> {
  switch (reply.kind) {
    case 'error':
      sendError(ctx.res, reply);
      return;
    case 'hang':
      await aborted(ctx.signal);
      return;
    case 'text': {
      startStream(ctx);
      if (!(await sleep(reply.ttftMs ?? 0, ctx.signal))) return;
      const pieces = split(reply.text, reply.chunkChars ?? 6);
      if (!(await writeFirst(ctx, { role: 'assistant', content: '', refusal: null }))) return;
      for (const [i, piece] of pieces.entries()) {
        if (i > 0 && !(await sleep(reply.interChunkMs ?? 0, ctx.signal))) return;
        if (!(await writeChunk(ctx, { content: piece }))) return;
      }
      await finishStream(ctx, reply.finishReason ?? 'stop', completionTokens(reply.text));
      return;
    }
    case 'tools': {
      startStream(ctx);
      if (!(await sleep(reply.ttftMs ?? 0, ctx.signal))) return;
      const interChunkMs = reply.interChunkMs ?? 0;
      const calls = reply.calls.map((call) => ({
        id: call.id ?? `call_${randomAlnum(24)}`,
        name: call.name,
        arguments: argumentsJson(call.arguments),
      }));
      const header = (i: number) => ({
        index: i,
        id: calls[i]!.id,
        type: 'function',
        function: { name: calls[i]!.name, arguments: '' },
      });
      let headerSent = false;
      if (reply.text) {
        if (!(await writeFirst(ctx, { role: 'assistant', content: '', refusal: null }))) return;
        for (const [i, piece] of split(reply.text, 6).entries()) {
          if (i > 0 && !(await sleep(interChunkMs, ctx.signal))) return;
          if (!(await writeChunk(ctx, { content: piece }))) return;
        }
      } else {
        // What the real API sends when the model goes straight to a tool call.
        const first = { role: 'assistant', content: null, tool_calls: [header(0)], refusal: null };
        if (!(await writeFirst(ctx, first))) return;
        headerSent = true;
      }
      for (const [i, call] of calls.entries()) {
        if (!(i === 0 && headerSent)) {
          if (!(await sleep(interChunkMs, ctx.signal))) return;
          if (!(await writeChunk(ctx, { tool_calls: [header(i)] }))) return;
        }
        for (const fragment of split(call.arguments, reply.argChunkChars ?? 8)) {
          if (!(await sleep(interChunkMs, ctx.signal))) return;
          if (!(await writeChunk(ctx, { tool_calls: [{ index: i, function: { arguments: fragment } }] })))
            return;
        }
      }
      const tokens =
        completionTokens(reply.text ?? '') +
        calls.reduce((n, call) => n + completionTokens(call.name + call.arguments), 0);
      await finishStream(ctx, 'tool_calls', tokens);
      return;
    }
    case 'cut':
    case 'midstream-error': {
      startStream(ctx);
      const pieces = split(reply.text, 6).slice(0, Math.max(0, reply.afterChunks));
      if (!(await writeFirst(ctx, { role: 'assistant', content: '', refusal: null }))) return;
      for (const piece of pieces) if (!(await writeChunk(ctx, { content: piece }))) return;
      if (reply.kind === 'cut') {
        // Every write above was flushed to the socket (writeEvent waits for it): now drop the connection.
        ctx.res.socket?.destroy();
        return;
      }
      const error = { message: reply.error.message, type: reply.error.type, param: null, code: null };
      if (!(await writeEvent(ctx, `data: ${JSON.stringify({ error })}\n\n`))) return;
      ctx.res.end();
      return;
    }
  }
}

async function plainReply(ctx: ResponseContext, reply: FakeReply): Promise<void> {
  const { res } = ctx;
  switch (reply.kind) {
    case 'error':
      sendError(res, reply);
      return;
    case 'hang':
      await aborted(ctx.signal);
      return;
    case 'cut':
      // No body can be half-sent as JSON: the connection just drops (the SDK sees a connection error).
      res.socket?.destroy();
      return;
    case 'midstream-error':
      sendJson(res, 500, errorBody(reply.error.message, reply.error.type));
      return;
    case 'text':
    case 'tools': {
      if (!(await sleep(reply.ttftMs ?? 0, ctx.signal))) return;
      let message: Record<string, unknown>;
      let finishReason: string;
      let tokens: number;
      if (reply.kind === 'text') {
        message = { role: 'assistant', content: reply.text, refusal: null, annotations: [] };
        finishReason = reply.finishReason ?? 'stop';
        tokens = completionTokens(reply.text);
      } else {
        const toolCalls = reply.calls.map((call) => ({
          id: call.id ?? `call_${randomAlnum(24)}`,
          type: 'function',
          function: { name: call.name, arguments: argumentsJson(call.arguments) },
        }));
        message = {
          role: 'assistant',
          content: reply.text || null,
          refusal: null,
          annotations: [],
          tool_calls: toolCalls,
        };
        finishReason = 'tool_calls';
        tokens =
          completionTokens(reply.text ?? '') +
          toolCalls.reduce((n, c) => n + completionTokens(c.function.name + c.function.arguments), 0);
      }
      const now = performance.now();
      ctx.times.firstChunkAt = now;
      ctx.times.doneAt = now;
      sendJson(
        res,
        200,
        {
          id: ctx.id,
          object: 'chat.completion',
          created: ctx.created,
          model: ctx.model,
          choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
          usage: usage(ctx.body, tokens),
          service_tier: 'default',
          system_fingerprint: ctx.fingerprint,
        },
        { 'openai-processing-ms': '1' },
      );
      return;
    }
  }
}

function startStream(ctx: ResponseContext): void {
  ctx.res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId(),
    'openai-processing-ms': '1',
    'openai-version': '2020-10-01',
  });
  ctx.res.flushHeaders();
}

/** The first chunk of a response (stamps `firstChunkAt`). */
async function writeFirst(ctx: ResponseContext, delta: object): Promise<boolean> {
  if (ctx.signal.aborted) return false;
  ctx.times.firstChunkAt = performance.now();
  return writeChunk(ctx, delta);
}

function writeChunk(
  ctx: ResponseContext,
  delta: object,
  finishReason: string | null = null,
): Promise<boolean> {
  return writeEvent(ctx, sse(chunk(ctx, [{ index: 0, delta, logprobs: null, finish_reason: finishReason }])));
}

async function finishStream(ctx: ResponseContext, finishReason: string, tokens: number): Promise<void> {
  if (!(await writeChunk(ctx, {}, finishReason))) return;
  if (ctx.includeUsage && !(await writeEvent(ctx, sse(chunk(ctx, [], usage(ctx.body, tokens)))))) return;
  if (!(await writeEvent(ctx, 'data: [DONE]\n\n'))) return;
  ctx.times.doneAt = performance.now();
  ctx.res.end();
}

/** The full chunk envelope, the same `id` and `created` on every chunk of a response. */
function chunk(ctx: ResponseContext, choices: object[], usageValue: object | null = null): object {
  const out: Record<string, unknown> = {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    service_tier: 'default',
    system_fingerprint: ctx.fingerprint,
    choices,
  };
  if (ctx.includeUsage) out.usage = usageValue;
  if (ctx.obfuscate) out.obfuscation = randomAlnum(1 + Math.floor(Math.random() * 12));
  return out;
}

function sse(data: object): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** Write one event and wait until it is handed to the socket; false once the client is gone. */
function writeEvent(ctx: ResponseContext, data: string): Promise<boolean> {
  const { res, signal } = ctx;
  if (signal.aborted || res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    res.write(data, (err) => {
      signal.removeEventListener('abort', onAbort);
      resolve(!err && !signal.aborted);
    });
  });
}

function sendError(res: ServerResponse, reply: Extract<FakeReply, { kind: 'error' }>): void {
  sendJson(res, reply.status, reply.body ?? defaultErrorBody(reply.status), reply.headers ?? {});
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId(),
    ...headers,
  });
  res.end(text);
}

function defaultErrorBody(status: number): { error: ErrorObject } {
  switch (status) {
    case 400:
      return errorBody('Invalid request.', 'invalid_request_error');
    case 401:
      return errorBody('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key');
    case 403:
      return errorBody('You are not allowed to perform this request.', 'invalid_request_error');
    case 404:
      return errorBody(
        'The model does not exist or you do not have access to it.',
        'invalid_request_error',
        null,
        'model_not_found',
      );
    case 408:
      return errorBody('Request timed out.', 'timeout');
    case 429:
      return errorBody(
        'Rate limit reached for requests. Please try again later.',
        'requests',
        'requests',
        'rate_limit_exceeded',
      );
    case 500:
      return errorBody(
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
      );
    case 503:
      return errorBody('The server is overloaded or not ready yet.', 'server_error');
    default:
      return errorBody(
        `openai-fake: scripted HTTP ${status}.`,
        status >= 500 ? 'server_error' : 'invalid_request_error',
      );
  }
}

function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): { error: ErrorObject } {
  return { error: { message, type, param, code } };
}

// ---------------------------------------------------------------------------------------------
// Request checks the real API makes (so our server's malformed conversations fail here too)

function validateRequest(body: Record<string, any>): ErrorObject | undefined {
  const invalid = (
    message: string,
    param: string | null = null,
    code: string | null = null,
  ): ErrorObject => ({
    message,
    type: 'invalid_request_error',
    param,
    code,
  });
  if (typeof body.model !== 'string' || body.model === '')
    return invalid('you must provide a model parameter');
  const messages: unknown = body.messages;
  if (messages === undefined) {
    return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(messages)) {
    return invalid("Invalid type for 'messages': expected an array of objects.", 'messages', 'invalid_type');
  }
  if (messages.length === 0) {
    return invalid(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  if (body.stream_options != null && body.stream !== true) {
    return invalid(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
    );
  }
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string') {
      return invalid(
        `Invalid type for 'messages[${i}]': expected an object with a 'role'.`,
        `messages[${i}]`,
      );
    }
    if (!MESSAGE_ROLES.has(message.role)) {
      return invalid(
        `Invalid value: '${message.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      );
    }
    if (message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const unanswered = new Set<unknown>(message.tool_calls.map((call: any) => call?.id));
      let next = i + 1;
      for (; next < messages.length && messages[next]?.role === 'tool'; next++) {
        unanswered.delete(messages[next].tool_call_id);
      }
      if (unanswered.size > 0) {
        return invalid(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...unanswered].join(', ')}`,
          `messages.[${next}].role`,
        );
      }
    }
    if (message.role === 'tool') {
      let owner = i - 1;
      while (owner >= 0 && messages[owner]?.role === 'tool') owner--;
      const calls: unknown = messages[owner]?.tool_calls;
      if (owner < 0 || messages[owner]?.role !== 'assistant' || !Array.isArray(calls) || calls.length === 0) {
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      if (!calls.some((call: any) => call?.id === message.tool_call_id)) {
        return invalid(
          `Invalid parameter: 'tool_call_id' of '${message.tool_call_id}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        );
      }
    }
  }
  return undefined;
}

function checkReply(reply: unknown): asserts reply is FakeReply {
  if (!isRecord(reply)) throw new Error(`a reply must be an object, got ${String(reply)}`);
  switch (reply.kind) {
    case 'text':
    case 'cut':
    case 'midstream-error':
      if (typeof reply.text !== 'string') throw new Error(`a '${reply.kind}' reply needs a text string`);
      return;
    case 'tools':
      if (!Array.isArray(reply.calls) || reply.calls.length === 0) {
        throw new Error("a 'tools' reply needs at least one call");
      }
      return;
    case 'error':
      if (!Number.isInteger(reply.status) || (reply.status as number) < 400) {
        throw new Error("an 'error' reply needs an HTTP status >= 400");
      }
      return;
    case 'hang':
      return;
    default:
      throw new Error(`unknown reply kind ${JSON.stringify(reply.kind)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function usage(body: Record<string, any>, completion: number) {
  const prompt = Math.max(
    1,
    Math.ceil(JSON.stringify(body.messages ?? []).length / 4) +
      (body.tools ? Math.ceil(JSON.stringify(body.tools).length / 4) : 0),
  );
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function completionTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function argumentsJson(args: object | string): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

/** Split into pieces of `size` code points (never inside a surrogate pair). */
function split(text: string, size: number): string[] {
  const chars = Array.from(text);
  const step = Math.max(1, Math.floor(size));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += step) out.push(chars.slice(i, i + step).join(''));
  return out;
}

/**
 * Resolves true once `ms` have passed by performance.now() (timers can fire a little early, so it
 * tops up), or false as soon as `signal` aborts (the timer is cleared).
 */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  const until = performance.now() + ms;
  return new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const arm = (delay: number) => {
      timer = setTimeout(() => {
        const left = until - performance.now();
        if (left > 0) return arm(Math.ceil(left));
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, delay);
    };
    arm(ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALNUM[byte % ALNUM.length];
  return out;
}
