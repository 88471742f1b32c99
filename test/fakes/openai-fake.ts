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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { listenOnLoopback } from './loopback';
import { plainReply, type ResponseContext, streamReply } from './openai/replies';
import type { ChatRequest, FakeReply, OpenAiFake, ReplyScript } from './openai/types';
import {
  checkReply,
  errorBody,
  flattenHeaders,
  isRecord,
  randomAlnum,
  readBody,
  sendJson,
  validateRequest,
} from './openai/wire';

export type { ChatRequest, FakeReply, OpenAiFake, ReplyScript } from './openai/types';

const DEFAULT_REPLY: FakeReply = { kind: 'text', text: 'Okay.' };

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
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });

  const port = await listenOnLoopback(server);

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    timeline,
    get connections() {
      return connections;
    },
    closeIdleConnections() {
      server.closeIdleConnections();
    },
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
