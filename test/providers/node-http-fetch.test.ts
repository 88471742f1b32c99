/**
 * The OpenAI SDK's fetch (node:http with keep-alive): checked through the real `openai` SDK against
 * the OpenAI fake, and on its own against a plain node:http server for what the fake cannot show
 * (socket reuse, compressed bodies, aborts after a complete body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from '../../runtime/providers/openai/node-http-fetch';
import { listenOnLoopback } from '../fakes/loopback';
import { type OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';

const API_KEY = 'sk-test-fake';
const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Can I book an oil change?' },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function openAiFake(): Promise<{ fake: OpenAiFake; client: OpenAI }> {
  const fake = await startOpenAiFake({ apiKey: API_KEY });
  cleanups.push(() => fake.close());
  const client = new OpenAI({
    apiKey: API_KEY,
    baseURL: fake.baseUrl,
    maxRetries: 0,
    fetch: createNodeHttpFetch(),
  });
  return { fake, client };
}

function streamChat(client: OpenAI, signal?: AbortSignal) {
  return client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }, { signal });
}

async function textOf(stream: AsyncIterable<ChatCompletionChunk>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

/** A plain server that counts the sockets it accepted. */
async function plainServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer(handler);
  server.on('connection', (socket) => sockets.add(socket));
  const port = await listenOnLoopback(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, sockets };
}

/** Fails the test if anything escapes as an unhandled error while `run` and a few ticks after it run. */
async function withoutStrayErrors(run: () => Promise<void>): Promise<void> {
  const stray: unknown[] = [];
  const onStray = (error: unknown) => stray.push(error);
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('uncaughtException', onStray);
    process.off('unhandledRejection', onStray);
  }
  expect(stray).toEqual([]);
}

describe('node-http-fetch through the OpenAI SDK', () => {
  it('streams a chat completion delta by delta', async () => {
    const { fake, client } = await openAiFake();
    fake.queue({ kind: 'text', text: 'Sure, we have Tuesday at nine.', chunkChars: 4 });
    expect(await textOf(await streamChat(client))).toBe('Sure, we have Tuesday at nine.');
    expect(fake.requests[0]?.headers['content-type']).toBe('application/json');
    expect(fake.requests[0]?.body.stream).toBe(true);
  });

  it('keeps one connection across streamed answers, tool calls and errors', async () => {
    // The SDK stops reading at [DONE], before the chunked terminator: that stop must not cost the socket.
    const { fake, client } = await openAiFake();
    fake.queue(
      { kind: 'text', text: 'Sure, we have Tuesday at nine.', chunkChars: 4 },
      { kind: 'tools', calls: [{ name: 'get_available_slots', arguments: { day: '2026-12-08' } }] },
      { kind: 'error', status: 429 },
      { kind: 'text', text: 'Booked.' },
    );
    // The terminator after [DONE] is read in the next I/O turn; a request sent in the same tick as
    // the previous answer's end would find the socket still busy. A turn's next request never does.
    const nextIoTurn = () => new Promise((resolve) => setImmediate(resolve));
    expect(await textOf(await streamChat(client))).toBe('Sure, we have Tuesday at nine.');
    await nextIoTurn();
    for await (const _chunk of await streamChat(client)) {
      // read the tool call through to the end
    }
    await nextIoTurn();
    await expect(streamChat(client)).rejects.toBeInstanceOf(APIError);
    await nextIoTurn();
    expect(await textOf(await streamChat(client))).toBe('Booked.');
    expect(fake.requests).toHaveLength(4);
    expect(fake.connections).toBe(1);
  });

  it('turns an HTTP error into the SDK error with its status and request id', async () => {
    const { fake, client } = await openAiFake();
    fake.queue({ kind: 'error', status: 429, headers: { 'x-request-id': 'req_abc' } });
    const error = await streamChat(client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(429);
    expect((error as APIError).requestID).toBe('req_abc');
  });

  it('surfaces a stream cut mid-answer as an error, not a short answer', async () => {
    const { fake, client } = await openAiFake();
    fake.queue({ kind: 'cut', text: 'Sure, we have Tuesday at nine.', afterChunks: 2 });
    await expect(textOf(await streamChat(client))).rejects.toThrow();
  });

  it('stops a stream on abort, and the next request is served', async () => {
    await withoutStrayErrors(async () => {
      const { fake, client } = await openAiFake();
      fake.queue({
        kind: 'text',
        text: 'One, two, three, four, five, six.',
        chunkChars: 2,
        interChunkMs: 20,
      });
      const controller = new AbortController();
      const stream = await streamChat(client, controller.signal);
      let seen = '';
      const reading = (async () => {
        for await (const chunk of stream) {
          seen += chunk.choices[0]?.delta?.content ?? '';
          if (seen.length >= 4) controller.abort();
        }
      })();
      // The SDK ends an aborted stream quietly (as it does over undici); the caller owns the signal.
      await reading;
      expect(seen.length).toBeLessThan('One, two, three, four, five, six.'.length);
      fake.queue({ kind: 'text', text: 'Okay.' });
      expect(await textOf(await streamChat(client))).toBe('Okay.');
      // The interrupted answer's connection is closed (that is what stops the model), not pooled.
      expect(fake.connections).toBe(2);
    });
  });

  it('is refused by a closed port as a connection error', async () => {
    const { url } = await plainServer((_req, res) => res.end());
    const port = new URL(url).port;
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    const client = new OpenAI({
      apiKey: API_KEY,
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxRetries: 0,
      fetch: createNodeHttpFetch(),
    });
    await expect(streamChat(client)).rejects.toBeInstanceOf(APIConnectionError);
  });
});

describe('node-http-fetch on its own', () => {
  it('keeps one socket open across consecutive requests', async () => {
    const { url, sockets } = await plainServer((_req, res) => res.end('ok'));
    const fetchOverNode = createNodeHttpFetch();
    for (let i = 0; i < 5; i += 1) expect(await (await fetchOverNode(url)).text()).toBe('ok');
    expect(sockets.size).toBe(1);
  });

  it('keeps the socket when the reader stops before the end of the body', async () => {
    const { url, sockets } = await plainServer((_req, res) => {
      res.write('data: first\n\n');
      setTimeout(() => res.end('data: rest\n\n'), 20);
    });
    const fetchOverNode = createNodeHttpFetch();
    for (let i = 0; i < 3; i += 1) {
      const response = await fetchOverNode(url);
      for await (const chunk of response.body as unknown as AsyncIterable<Buffer>) {
        expect(chunk.toString()).toBe('data: first\n\n');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(sockets.size).toBe(1);
  });

  it('gives up the socket of a body that never ends after its reader stopped', async () => {
    const { url, sockets } = await plainServer((req, res) => {
      if (req.url === '/endless') res.write('data: first\n\n');
      else res.end('ok');
    });
    const fetchOverNode = createNodeHttpFetch({ drainAfterEarlyStopMs: 30 });
    const endless = await fetchOverNode(`${url}/endless`);
    for await (const _chunk of endless.body as unknown as AsyncIterable<Buffer>) break;
    const [socket] = [...sockets];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket?.destroyed).toBe(true);
    expect(await (await fetchOverNode(url)).text()).toBe('ok');
    expect(sockets.size).toBe(2);
  });

  it('sends the method, headers and body, and reads status, headers and JSON', async () => {
    const { url } = await plainServer((req, res) => {
      let body = '';
      req.on('data', (part) => {
        body += part;
      });
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.headers['x-test'] ?? '' });
        res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
      });
    });
    const response = await createNodeHttpFetch()(`${url}/echo`, {
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: '{"é":1}',
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"é":1}', length: '8' });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(/already been read/);
  });

  it('decodes a gzip body a server sends unasked', async () => {
    const { url } = await plainServer((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync('decoded'));
    });
    expect(await (await createNodeHttpFetch()(url)).text()).toBe('decoded');
  });

  it('an abort after the whole body arrived leaves the pooled socket serving the next request', async () => {
    await withoutStrayErrors(async () => {
      const { url, sockets } = await plainServer((_req, res) => res.end('done'));
      const fetchOverNode = createNodeHttpFetch();
      const controller = new AbortController();
      expect(await (await fetchOverNode(url, { signal: controller.signal })).text()).toBe('done');
      controller.abort();
      expect(await (await fetchOverNode(url)).text()).toBe('done');
      expect(sockets.size).toBe(1);
    });
  });

  it('fails the reader of a body cut short by an abort with the AbortError', async () => {
    await withoutStrayErrors(async () => {
      const { url } = await plainServer((_req, res) => {
        const ticking = setInterval(() => res.write('tick'), 5);
        res.on('close', () => clearInterval(ticking));
      });
      const controller = new AbortController();
      const response = await createNodeHttpFetch()(url, { signal: controller.signal });
      const reading = (async () => {
        for await (const _part of response.body as unknown as AsyncIterable<Buffer>) controller.abort();
      })();
      await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    });
  });

  it('rejects an already aborted signal before sending anything', async () => {
    const { url, sockets } = await plainServer((_req, res) => res.end());
    const controller = new AbortController();
    controller.abort();
    await expect(createNodeHttpFetch()(url, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(sockets.size).toBe(0);
  });

  it('refuses what it does not implement with a TypeError', async () => {
    const fetchOverNode = createNodeHttpFetch();
    await expect(fetchOverNode(new Request('http://127.0.0.1/'))).rejects.toThrow(TypeError);
    await expect(fetchOverNode('ftp://127.0.0.1/')).rejects.toThrow(/ftp:/);
    await expect(
      fetchOverNode('http://127.0.0.1/', { method: 'POST', body: new URLSearchParams('a=1') }),
    ).rejects.toThrow(/string or byte bodies/);
  });
});
