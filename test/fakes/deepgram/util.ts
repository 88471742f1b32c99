/** Small helpers shared by the Deepgram fake's STT and TTS sessions. */
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function parseQuery(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) out[key] = value;
  return out;
}

/** Seconds with millisecond precision, as Deepgram reports times. */
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * Answers a websocket upgrade with a plain HTTP error, the way Deepgram does: `dg-request-id` and
 * `dg-error` headers, the error JSON in the body, then the connection is closed.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  requestId: string,
  errCode: string,
  errMsg: string,
): void {
  const body = JSON.stringify({ err_code: errCode, err_msg: errMsg, request_id: requestId });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `dg-request-id: ${requestId}`,
    `dg-error: ${errMsg}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

/** A socket's lifecycle shared by both sessions: who closed it, and with what. */
export class SocketState {
  closed?: { code: number; reason: string; by: 'client' | 'fake' };
  private fakeClose?: { code: number; reason: string };

  constructor(
    private readonly ws: WebSocket,
    private readonly onClosed: () => void,
  ) {
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      this.closed = this.fakeClose
        ? { ...this.fakeClose, by: 'fake' }
        : { code, reason: reason.toString('utf8'), by: 'client' };
      this.onClosed();
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.fakeClose;
  }

  /** The fake closes the socket (1006: drops the TCP connection without a close frame). */
  close(code: number, reason: string): void {
    if (this.fakeClose || this.ws.readyState >= WebSocket.CLOSING) return;
    this.fakeClose = { code, reason };
    if (code === 1006) this.ws.terminate();
    else this.ws.close(code, reason);
  }

  /** fake.close(): abrupt teardown. */
  terminate(): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.fakeClose ??= { code: 1006, reason: 'fake closed' };
    this.ws.terminate();
  }
}

interface Pending {
  due: number;
  message: object;
}

/**
 * The STT session's outgoing JSON messages: each one leaves `delayMs` after it was produced (the
 * `sttDelayMs` profile), never before an earlier one. One timer for the head of the queue.
 */
export class Outbox {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDue = 0;
  private afterDrain: (() => void) | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly sent: { at: number; message: any }[],
  ) {}

  push(message: object, delayMs: number): void {
    const now = performance.now();
    const due = Math.max(now + Math.max(0, delayMs), this.lastDue);
    this.lastDue = due;
    if (this.queue.length === 0 && due <= now) {
      this.write(message);
      return;
    }
    this.queue.push({ due, message });
    this.arm();
  }

  /** Runs `then` once every queued message has been written. */
  drain(then: () => void): void {
    if (this.queue.length === 0) then();
    else this.afterDrain = then;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.afterDrain = undefined;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.due - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.queue[0] && this.queue[0].due <= now + 0.5) this.write(this.queue.shift()!.message);
      if (this.queue.length > 0) this.arm();
      else if (this.afterDrain) {
        const then = this.afterDrain;
        this.afterDrain = undefined;
        then();
      }
    }, wait);
  }

  private write(message: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
    this.sent.push({ at: performance.now(), message });
  }
}
