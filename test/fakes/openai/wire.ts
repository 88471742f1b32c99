/**
 * The OpenAI API's side of the wire that is not streaming: JSON error bodies (the shapes behind the
 * SDK's error classes), the request checks the real API makes (so a malformed conversation from our
 * server fails here too), usage accounting and ids.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FakeReply } from './types';

const MESSAGE_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface ErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export function sendError(res: ServerResponse, reply: Extract<FakeReply, { kind: 'error' }>): void {
  sendJson(res, reply.status, reply.body ?? defaultErrorBody(reply.status), reply.headers ?? {});
}

export function sendJson(
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

export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): { error: ErrorObject } {
  return { error: { message, type, param, code } };
}

export function validateRequest(body: Record<string, any>): ErrorObject | undefined {
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

export function checkReply(reply: unknown): asserts reply is FakeReply {
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

export function usage(body: Record<string, any>, completion: number) {
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

export function completionTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function argumentsJson(args: object | string): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALNUM[byte % ALNUM.length];
  return out;
}
