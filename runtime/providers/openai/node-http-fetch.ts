/**
 * The `fetch` the OpenAI SDK is given: node:http(s) with keep-alive agents, answering with a
 * Response whose body is the Node response stream itself.
 *
 * Why not the global fetch: undici hands the SDK a WHATWG ReadableStream, and every streamed
 * delta (about 60 a second per speaking call) then crosses the web-streams machinery before the
 * SDK's own SSE decoding sees it. The SDK iterates any async-iterable body, so giving it the Node
 * stream skips that layer: CPU per delta 43.5 → 36.7 µs on the build machine, request included
 * (docs/benchmark.md). Only what the SDK uses is implemented: string or byte bodies, abort
 * signals, status, headers, and reading the body as a stream, text, JSON or bytes.
 *
 * The body is iterated through `reusableBody`, not the stream's own iterator: the SDK stops reading
 * at `[DONE]`, before the chunked body's terminator, and Node's iterator answers an early stop by
 * aborting the request, socket and all. Every turn then paid a new connection (with TLS, a
 * handshake to OpenAI) instead of reusing the pooled one.
 */
import http from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { PreconnectingHttpAgent, PreconnectingHttpsAgent } from './warm-agents';

/**
 * How long the rest of a body may take to arrive after its reader stopped early (the SDK at
 * `[DONE]`, or a cancelled error body) before the socket is given up. The rest is normally the
 * chunked terminator, already in flight.
 */
export const DRAIN_AFTER_EARLY_STOP_MS = 1000;

export interface NodeHttpFetchOptions {
  /** Sockets kept open per origin; unlimited by default, like undici's pool. */
  maxSockets?: number;
  /** See DRAIN_AFTER_EARLY_STOP_MS. */
  drainAfterEarlyStopMs?: number;
}

type FetchInput = Parameters<typeof fetch>[0];
type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;

export type NodeHttpFetch = typeof fetch & {
  /** Opens a connection to `url`'s origin now, unless one is pooled (warm-agents.ts). */
  preconnect(url: string | URL): void;
};

export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): NodeHttpFetch {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY };
  const agents = {
    'http:': new PreconnectingHttpAgent(agentOptions),
    'https:': new PreconnectingHttpsAgent(agentOptions),
  };
  const drainMs = options.drainAfterEarlyStopMs ?? DRAIN_AFTER_EARLY_STOP_MS;

  const fetchOverNode = (input: FetchInput, init: FetchInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      if (typeof input !== 'string' && !(input instanceof URL)) {
        return reject(new TypeError('node-http-fetch takes a URL string or URL, not a Request'));
      }
      const url = new URL(input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return reject(new TypeError(`node-http-fetch cannot fetch ${url.protocol} URLs`));
      }
      const body = requestBody(init.body);
      if (body instanceof TypeError) return reject(body);
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(abortError(signal));

      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      if (body !== undefined) headers['content-length'] = String(body.byteLength);

      let response: http.IncomingMessage | undefined;
      // Not http.request's own `signal` option: aborting after the body has fully arrived makes
      // Node destroy the socket the agent has already pooled (measured: an uncaught AbortError
      // on a listener-less socket, or a broken next request). Here a complete body only ends its stream.
      // Like undici, a body cut short by the abort fails its reader with the AbortError itself.
      const onAbort = () => {
        if (!response) request.destroy(abortError(signal!));
        else if (response.complete) response.destroy();
        else response.destroy(abortError(signal!));
      };
      const release = () => signal?.removeEventListener('abort', onAbort);
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent: agents[url.protocol] },
        (message) => {
          response = message;
          // The body's reader gets its errors; a body nobody reads must not crash the process.
          message.on('error', () => {});
          message.once('close', release);
          resolve(toResponse(url, message, init.method === 'HEAD', drainMs));
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      // Before the response this rejects (refused, reset, or the signal's AbortError); after it, the
      // body stream carries the failure and this is a no-op, but it must listen: the request emits too.
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (!response) release();
        reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error }));
      });
      request.end(body);
    });

  const preconnect = (target: string | URL): void => {
    const url = target instanceof URL ? target : new URL(target);
    if (url.protocol === 'http:' || url.protocol === 'https:') agents[url.protocol].preconnect(url);
  };
  return Object.assign(fetchOverNode, { preconnect }) as NodeHttpFetch;
}

/** The SDK sends JSON strings; anything it does not send here is refused rather than guessed at. */
function requestBody(body: FetchInit['body']): Buffer | undefined | TypeError {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return new TypeError('node-http-fetch sends string or byte bodies only');
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException('This operation was aborted', 'AbortError');
}

const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

function toResponse(url: URL, message: http.IncomingMessage, isHead: boolean, drainMs: number): Response {
  const status = message.statusCode ?? 0;
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const hasBody = !isHead && !NO_BODY_STATUSES.has(status);
  if (!hasBody) message.resume();
  const stream: Readable | null = hasBody ? decoded(message) : null;
  const body = stream ? reusableBody(stream, message, drainMs) : null;
  let used = false;
  const bytes = async (): Promise<Buffer> => {
    if (used) throw new TypeError('Body is unusable: Body has already been read');
    used = true;
    if (!body) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for await (const part of body) parts.push(part as Buffer);
    return Buffer.concat(parts);
  };
  const response = {
    ok: status >= 200 && status <= 299,
    status,
    statusText: message.statusMessage ?? '',
    url: url.toString(),
    redirected: false,
    type: 'basic',
    headers,
    body,
    get bodyUsed() {
      return used;
    },
    text: async () => (await bytes()).toString('utf8'),
    json: async () => JSON.parse((await bytes()).toString('utf8')),
    arrayBuffer: async () => {
      const buffer = await bytes();
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    },
  };
  // Structurally what the SDK reads from a Response; the web-stream body is the one thing it is not.
  return response as unknown as Response;
}

/**
 * The body as the SDK iterates it. Stopping early does not destroy the response: what is left is
 * drained, so the socket returns to the agent's pool once the response is complete, and it is
 * destroyed only if the rest does not arrive in time. An abort still destroys an incomplete response at
 * once (`onAbort` above): that is how a stream the caller interrupted is stopped.
 */
function reusableBody(
  stream: Readable,
  message: http.IncomingMessage,
  drainMs: number,
): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const chunks = stream.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
      return {
        next: () => chunks.next(),
        async return() {
          await chunks.return?.();
          drain(stream, message, drainMs);
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
  };
}

function drain(stream: Readable, message: http.IncomingMessage, drainMs: number): void {
  if (stream.readableEnded || stream.destroyed) return;
  stream.resume();
  if (message.complete) return;
  const giveUp = setTimeout(() => message.destroy(), drainMs);
  giveUp.unref();
  message.once('end', () => clearTimeout(giveUp));
  message.once('close', () => clearTimeout(giveUp));
}

/** We send no accept-encoding, so servers answer uncompressed; a server that compresses anyway still works. */
function decoded(message: http.IncomingMessage): Readable {
  const encoding = String(message.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return message;
  // pipeline: a consumer that stops early (or an error on either side) tears both down.
  pipeline(message, decoder, () => {});
  return decoder;
}
