/**
 * Answers one chat completions request from its scripted reply: an SSE stream of
 * `chat.completion.chunk` envelopes (text, tool-call deltas, usage, `[DONE]`) or a plain JSON
 * completion, and the failure modes (error status, hang, cut connection, mid-stream error).
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FakeReply, OpenAiFake } from './types';
import {
  argumentsJson,
  completionTokens,
  errorBody,
  randomAlnum,
  requestId,
  sendError,
  sendJson,
  usage,
} from './wire';

export interface ResponseContext {
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

export async function streamReply(ctx: ResponseContext, reply: FakeReply): Promise<void> {
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

export async function plainReply(ctx: ResponseContext, reply: FakeReply): Promise<void> {
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
