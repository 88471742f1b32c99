/**
 * Keep-alive agents that can open a connection before a request needs it.
 *
 * Why: a turn's request to OpenAI goes out the moment the caller stops talking. If the pooled
 * connection is gone by then (the server closes idle ones; the gap between two turns is the whole
 * answer plus the caller's reply), the request first pays a TCP and TLS handshake, on the silence
 * the caller hears. `preconnect` is called when the caller starts speaking: when no pooled socket
 * is left it opens one, and the agent's next new connection for that origin is that socket.
 *
 * Only documented Agent extension points are used: `createConnection` (meant to be overridden),
 * `getName` and `freeSockets`. The options a spare is opened with are the ones the agent builds for
 * a request to the same URL, so `getName` matches and a TLS session is reused as usual.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/** A spare nobody used (the caller's sound was not a turn) is closed after this. */
export const SPARE_IDLE_MS = 30_000;

export interface PreconnectingAgent extends http.Agent {
  /** Opens a connection to `url`'s origin unless a pooled or spare one is already there. */
  preconnect(url: URL): void;
}

type ConnectionCallback = (err: Error | null, stream: Duplex) => void;

/** One spare socket per origin (agent name), closed if unused or broken. */
class SpareSockets {
  private readonly spares = new Map<string, Duplex>();

  constructor(private readonly idleMs: number) {}

  has(name: string): boolean {
    return this.spares.has(name);
  }

  add(name: string, socket: Duplex): void {
    const drop = () => {
      if (this.spares.get(name) === socket) this.spares.delete(name);
      socket.destroy();
    };
    // Idle, nobody else listens: an error (reset, refused) must end only the spare.
    socket.on('error', drop);
    socket.once('close', drop);
    const idle = setTimeout(drop, this.idleMs);
    idle.unref();
    (socket as Duplex & { unref?: () => void }).unref?.();
    this.spares.set(name, socket);
    this.release.set(socket, () => {
      clearTimeout(idle);
      socket.off('error', drop);
      socket.off('close', drop);
      (socket as Duplex & { ref?: () => void }).ref?.();
    });
  }

  /** The spare for `name`, now the caller's, if it is still usable. */
  take(name: string): Duplex | undefined {
    const socket = this.spares.get(name);
    if (!socket) return undefined;
    this.spares.delete(name);
    this.release.get(socket)?.();
    this.release.delete(socket);
    return socket.destroyed ? undefined : socket;
  }

  private readonly release = new WeakMap<Duplex, () => void>();
}

/** What the agent itself hands `createConnection` for a request to `url`: same name, same TLS session. */
function requestOptions(agent: http.Agent & { options?: object }, url: URL, defaultPort: number) {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const options: http.ClientRequestArgs & Record<string, unknown> = {
    host,
    port: Number(url.port) || defaultPort,
    ...(isIP(host) ? {} : { servername: host }),
    ...agent.options,
    keepAlive: true,
    keepAliveInitialDelay: (agent as { keepAliveMsecs?: number }).keepAliveMsecs ?? 1000,
  };
  const name = agent.getName(options);
  options._agentKey = name;
  return { options, name };
}

/** Opens a spare for `url` unless one is pooled or spare already; `open` is the agent's own connect. */
function openSpare(
  agent: http.Agent & { options?: object },
  spares: SpareSockets,
  url: URL,
  defaultPort: number,
  open: (options: http.ClientRequestArgs) => Duplex | null | undefined,
): void {
  const { options, name } = requestOptions(agent, url, defaultPort);
  if ((agent.freeSockets[name]?.length ?? 0) > 0 || spares.has(name)) return;
  const socket = open(options);
  if (socket) spares.add(name, socket);
}

export class PreconnectingHttpAgent extends http.Agent implements PreconnectingAgent {
  private readonly spares: SpareSockets;

  constructor(options?: http.AgentOptions, spareIdleMs = SPARE_IDLE_MS) {
    super(options);
    this.spares = new SpareSockets(spareIdleMs);
  }

  preconnect(url: URL): void {
    openSpare(this, this.spares, url, 80, (options) => super.createConnection(options));
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectionCallback) {
    return this.spares.take(this.getName(options)) ?? super.createConnection(options, callback);
  }
}

export class PreconnectingHttpsAgent extends https.Agent implements PreconnectingAgent {
  private readonly spares: SpareSockets;

  constructor(options?: https.AgentOptions, spareIdleMs = SPARE_IDLE_MS) {
    super(options);
    this.spares = new SpareSockets(spareIdleMs);
  }

  preconnect(url: URL): void {
    openSpare(this, this.spares, url, 443, (options) => super.createConnection(options));
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectionCallback) {
    return this.spares.take(this.getName(options)) ?? super.createConnection(options, callback);
  }
}
