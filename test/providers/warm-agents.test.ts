/**
 * Preconnecting keep-alive agents (runtime/providers/openai/warm-agents.ts), against real local
 * HTTP and HTTPS servers that count the connections and TLS handshakes they accept; and warmUp
 * through the OpenAI SDK against the OpenAI fake.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from '../../runtime/providers/openai/node-http-fetch';
import { OpenAiChatModel } from '../../runtime/providers/openai/openai-chat-model';
import {
  type PreconnectingAgent,
  PreconnectingHttpAgent,
  PreconnectingHttpsAgent,
} from '../../runtime/providers/openai/warm-agents';
import { listenOnLoopback } from '../fakes/loopback';
import { startOpenAiFake } from '../fakes/openai-fake';

const TLS_DIR = join(import.meta.dirname, '..', 'fixtures', 'tls');
const cert = readFileSync(join(TLS_DIR, 'localhost-cert.pem'));
const key = readFileSync(join(TLS_DIR, 'localhost-key.pem'));

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface CountingServer {
  url: URL;
  sockets: Set<Socket>;
  handshakes: () => number;
}

async function countingServer(
  tls: boolean,
  onConnection?: (socket: Socket) => void,
): Promise<CountingServer> {
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('ok');
  const server = tls ? https.createServer({ key, cert }, handler) : http.createServer(handler);
  const sockets = new Set<Socket>();
  let handshakes = 0;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    onConnection?.(socket);
  });
  server.on('secureConnection', () => {
    handshakes += 1;
  });
  const port = await listenOnLoopback(server as http.Server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: new URL(`${tls ? 'https' : 'http'}://127.0.0.1:${port}/`),
    sockets,
    handshakes: () => handshakes,
  };
}

function agentFor(tls: boolean, spareIdleMs?: number): PreconnectingAgent {
  const agent = tls
    ? new PreconnectingHttpsAgent({ keepAlive: true, ca: cert }, spareIdleMs)
    : new PreconnectingHttpAgent({ keepAlive: true }, spareIdleMs);
  cleanups.push(() => agent.destroy());
  return agent;
}

function get(url: URL, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { agent }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => {
        text += part;
      });
      response.on('end', () => resolve(text));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const nextIoTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each([
  { tls: false, label: 'HTTP' },
  { tls: true, label: 'HTTPS' },
])('a preconnecting $label agent', ({ tls }) => {
  it('opens the connection ahead, and the next request uses it', async () => {
    const server = await countingServer(tls);
    const agent = agentFor(tls);
    agent.preconnect(server.url);
    await until(() => server.sockets.size === 1 && (!tls || server.handshakes() === 1), 'the spare');
    expect(await get(server.url, agent)).toBe('ok');
    await nextIoTurn();
    expect(await get(server.url, agent)).toBe('ok');
    expect(server.sockets.size).toBe(1);
    if (tls) expect(server.handshakes()).toBe(1);
  });

  it('opens nothing while a pooled connection is free, nor a second spare', async () => {
    const server = await countingServer(tls);
    const agent = agentFor(tls);
    expect(await get(server.url, agent)).toBe('ok');
    await nextIoTurn();
    agent.preconnect(server.url);
    agent.preconnect(server.url);
    expect(await get(server.url, agent)).toBe('ok');
    expect(server.sockets.size).toBe(1);
  });

  it('a spare the server dropped is not used: the request gets a new connection', async () => {
    let first = true;
    const server = await countingServer(tls, (socket) => {
      if (first) socket.destroy();
      first = false;
    });
    const agent = agentFor(tls);
    agent.preconnect(server.url);
    await until(() => server.sockets.size === 1, 'the spare');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await get(server.url, agent)).toBe('ok');
    expect(server.sockets.size).toBe(2);
  });

  it('closes a spare nobody used', async () => {
    const server = await countingServer(tls);
    const agent = agentFor(tls, 40);
    agent.preconnect(server.url);
    await until(() => server.sockets.size === 1, 'the spare');
    const [spare] = [...server.sockets];
    await until(() => spare!.destroyed || spare!.readableEnded, 'the spare to close');
    expect(await get(server.url, agent)).toBe('ok');
    expect(server.sockets.size).toBe(2);
  });
});

describe('warmUp through the OpenAI SDK', () => {
  it("opens the model's connection before the request, which then uses it", async () => {
    const fake = await startOpenAiFake({ apiKey: 'sk-test' });
    cleanups.push(() => fake.close());
    const model = new OpenAiChatModel({ apiKey: 'sk-test', baseURL: fake.baseUrl, model: 'gpt-4o' });
    model.warmUp();
    await until(() => fake.connections === 1, 'the warm connection');
    fake.queue({ kind: 'text', text: 'Tuesday at nine works.' });
    let text = '';
    const events = model.stream(
      { messages: [{ role: 'user', content: 'Tuesday?' }], tools: [] },
      new AbortController().signal,
    );
    for await (const event of events) if (event.type === 'text') text += event.delta;
    expect(text).toBe('Tuesday at nine works.');
    await nextIoTurn();
    model.warmUp(); // the answer's connection is pooled again: nothing new
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.connections).toBe(1);
  });

  it('node-http-fetch preconnects for the URL it is given', async () => {
    const server = await countingServer(false);
    const fetchOverNode = createNodeHttpFetch();
    fetchOverNode.preconnect(server.url.toString());
    await until(() => server.sockets.size === 1, 'the spare');
    expect(await (await fetchOverNode(server.url)).text()).toBe('ok');
    expect(server.sockets.size).toBe(1);
  });
});
