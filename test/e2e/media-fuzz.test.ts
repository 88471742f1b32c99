/**
 * Fuzzing the live media websocket (RES-12a), through the real server: a fast-check run of thousands
 * of random and mutated frames (JSON, arbitrary values, mutated Twilio messages, binary, oversized)
 * on live sockets, some unauthenticated and some carrying genuine calls, while a good call (Twilio
 * fake, scripted model) carries on and still gets its answer, in bounded time. The hand-written
 * hostile frames (SEC-07) are in media-hostile-frames.test.ts; the shared helpers are in
 * media-socket-support.ts.
 * Logging stays on throughout (the harness captures it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silence } from '../fakes/fake-audio';
import { type E2e, eventually } from './harness';
import {
  GREETING,
  MAX_PAYLOAD,
  RawSocket,
  SILENCE_B64,
  scriptCodes,
  useMediaE2e,
} from './media-socket-support';

let e2e: E2e;
useMediaE2e((started) => {
  e2e = started;
});

// ------------------------------------------------------------------------------------------------
// The fuzz run.

interface Context {
  streamSid: string;
  callSid: string;
  seq: string;
}
type Frame = string | Buffer;
type FrameMaker = (context: Context) => Frame;

const TEMPLATES: Record<string, (c: Context) => Record<string, unknown>> = {
  connected: () => ({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
  start: (c) => ({
    event: 'start',
    sequenceNumber: c.seq,
    streamSid: c.streamSid,
    start: {
      accountSid: e2e.twilio.accountSid,
      streamSid: c.streamSid,
      callSid: c.callSid,
      tracks: ['inbound'],
      customParameters: { token: 'forged-token', direction: 'inbound' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  }),
  media: (c) => ({
    event: 'media',
    sequenceNumber: c.seq,
    streamSid: c.streamSid,
    media: { track: 'inbound', chunk: c.seq, timestamp: '20', payload: SILENCE_B64 },
  }),
  mark: (c) => ({ event: 'mark', sequenceNumber: c.seq, streamSid: c.streamSid, mark: { name: 'piece-1' } }),
  dtmf: (c) => ({
    event: 'dtmf',
    sequenceNumber: c.seq,
    streamSid: c.streamSid,
    dtmf: { track: 'inbound_track', digit: '5' },
  }),
  stop: (c) => ({
    event: 'stop',
    sequenceNumber: c.seq,
    streamSid: c.streamSid,
    stop: { accountSid: e2e.twilio.accountSid, callSid: c.callSid },
  }),
};

type Mutation =
  | { op: 'none' }
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'truncate'; at: number }
  | { op: 'garble'; at: number; text: string }
  | { op: 'huge'; at: number; size: number }
  | { op: 'seq'; seq: string }
  | { op: 'payload'; payload: string }
  | { op: 'foreignStream' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('replace' as const),
      at: fc.nat(),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('garble' as const),
      at: fc.nat(),
      text: fc.string({ maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('huge' as const),
      at: fc.nat(),
      size: fc.integer({ min: MAX_PAYLOAD - 4000, max: MAX_PAYLOAD - 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('seq' as const),
      seq: fc.oneof(
        fc.constantFrom('1', '0', '', '-1', ' 2', '1e3', '99999999999999999999'),
        fc.nat().map(String),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('payload' as const),
      payload: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.base64String({ maxLength: 400 }),
        fc.base64String({ minLength: 8, maxLength: 400 }).map((s) => s.replace(/[+/]/g, '-')),
        fc.constantFrom('AAA', 'A===', '****', '', '====', 'AAAA\n'),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'foreignStream' as const }) },
);

/** Every path to a value in a message, outermost first. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    [...prefix, key],
    ...paths(child, [...prefix, key]),
  ]);
}

function mutate(message: Record<string, unknown>, mutation: Mutation): string {
  const all = paths(message);
  const pick = (at: number) => all[at % all.length]!;
  const parentOf = (path: string[]) =>
    path.slice(0, -1).reduce<any>((node, key) => node[key], message) as Record<string, unknown>;
  switch (mutation.op) {
    case 'none':
      return JSON.stringify(message);
    case 'delete': {
      const path = pick(mutation.at);
      delete parentOf(path)[path.at(-1)!];
      return JSON.stringify(message);
    }
    case 'replace': {
      const path = pick(mutation.at);
      parentOf(path)[path.at(-1)!] = mutation.value;
      return JSON.stringify(message);
    }
    case 'huge': {
      const path = pick(mutation.at);
      parentOf(path)[path.at(-1)!] = 'A'.repeat(mutation.size);
      return JSON.stringify(message);
    }
    case 'truncate': {
      const text = JSON.stringify(message);
      return text.slice(0, mutation.at % text.length);
    }
    case 'garble': {
      const text = JSON.stringify(message);
      const at = mutation.at % text.length;
      return text.slice(0, at) + mutation.text + text.slice(at + 1);
    }
    case 'seq':
      return JSON.stringify({ ...message, sequenceNumber: mutation.seq });
    case 'payload': {
      const media = message.media as Record<string, unknown> | undefined;
      return JSON.stringify(media ? { ...message, media: { ...media, payload: mutation.payload } } : message);
    }
    case 'foreignStream':
      return JSON.stringify({ ...message, streamSid: `MZ${'f'.repeat(32)}` });
  }
}

function stringifyAnything(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

const frameArb: fc.Arbitrary<FrameMaker> = fc.oneof(
  { weight: 4, arbitrary: fc.json({ maxDepth: 3 }).map((text) => () => text) },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3 }).map((value) => () => stringifyAnything(value)) },
  {
    weight: 10,
    arbitrary: fc.tuple(fc.constantFrom(...Object.keys(TEMPLATES)), mutationArb).map(
      ([kind, mutation]) =>
        (context: Context) =>
          mutate(TEMPLATES[kind]!(context), mutation),
    ),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1024 }).map((bytes) => () => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }).map((text) => () => text) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_PAYLOAD - 64, max: MAX_PAYLOAD + 4000 })
      .map((size) => () => `"${'z'.repeat(size - 2)}"`),
  },
);

/**
 * One stream of fuzz traffic over one socket at a time; a socket the server closes is replaced.
 * `authenticated` lanes present a genuine start (a real call with providers) on each new socket,
 * up to `maxCalls` calls, and interleave valid audio the way Twilio's 50 frames a second would.
 */
class Lane {
  socket?: RawSocket;
  readonly closeCodes = new Map<number, number>();
  /** Abnormal closes (1006) of sockets that never sent an oversized frame: must stay empty. */
  readonly unexplained: number[] = [];
  private sentOversize = false;
  frames = 0;
  sockets = 0;
  calls = 0;

  constructor(
    private readonly authenticated: boolean,
    private readonly maxCalls = 10,
  ) {}

  async send(maker: FrameMaker): Promise<void> {
    const socket = await this.current();
    const frame = maker({ streamSid: socket.streamSid, callSid: socket.callSid, seq: socket.nextSeq() });
    this.frames++;
    if (Buffer.byteLength(frame) > MAX_PAYLOAD) this.sentOversize = true;
    await socket.send(frame);
    if (this.authenticated && this.frames % 4 === 0) await socket.json(socket.media(silence()));
  }

  private async current(): Promise<RawSocket> {
    if (this.socket?.isOpen) return this.socket;
    if (this.socket) this.count(await this.socket.closed);
    this.socket = await RawSocket.open();
    this.sentOversize = false;
    this.sockets++;
    if (this.authenticated && this.calls < this.maxCalls) {
      this.calls++;
      await this.socket.authenticate();
    }
    return this.socket;
  }

  async close(): Promise<void> {
    if (!this.socket) return;
    if (this.socket.isOpen) this.socket.ws.close(1000);
    this.count(await this.socket.closed);
  }

  private count(code: number): void {
    this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
    if (code === 1006 && !this.sentOversize) this.unexplained.push(code);
  }
}

describe('RES-12a: fuzzing the live media socket', () => {
  it('takes thousands of random and mutated frames in bounded time while a good call completes a turn', async () => {
    scriptCodes();
    const good = await e2e.startCall();
    await good.waitForHeard(GREETING);

    const lanes = [new Lane(false), new Lane(false), new Lane(true), new Lane(true)];
    // One seed per lane, from the suite's property seed (test/support/property-seed.ts).
    const seed = fc.readConfigureGlobal().seed ?? 0;
    let fuzzing = true;
    const startedAt = performance.now();
    const fuzz = Promise.all(
      lanes.map((lane, i) =>
        fc.assert(
          fc.asyncProperty(fc.array(frameArb, { minLength: 40, maxLength: 60 }), async (makers) => {
            for (const maker of makers) await lane.send(maker);
            const health = await fetch(`${e2e.baseUrl}/healthz`);
            expect(health.status).toBe(200);
          }),
          { numRuns: 30, seed: seed + i, endOnFailure: true },
        ),
      ),
    ).finally(() => {
      fuzzing = false;
    });

    // The genuine call speaks while the fuzz is in full flow, and is answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fuzzing).toBe(true);
    await good.say('My code GREEN9 thanks');
    await good.waitForHeard('Your code was GREEN9.', 15_000);
    const answeredDuringFuzz = fuzzing;

    await fuzz;
    const elapsed = performance.now() - startedAt;
    await Promise.all(lanes.map((lane) => lane.close()));
    expect(good.protocolErrors).toEqual([]);
    await good.hangup();

    const frames = lanes.reduce((sum, lane) => sum + lane.frames, 0);
    const codes = new Map<number, number>();
    for (const lane of lanes)
      for (const [code, n] of lane.closeCodes) codes.set(code, (codes.get(code) ?? 0) + n);
    const summary = { seed, frames, elapsedMs: Math.round(elapsed), answeredDuringFuzz, codes: [...codes] };
    expect(frames, JSON.stringify(summary)).toBeGreaterThanOrEqual(5000);
    expect(elapsed, JSON.stringify(summary)).toBeLessThan(20_000);
    // The server only ever ends a fuzz socket normally, for policy (malformed / bad start) or size.
    expect(
      [...codes.keys()].filter((code) => ![1000, 1008, 1009].includes(code)),
      JSON.stringify(summary),
    ).toEqual([]);
    expect(
      lanes.flatMap((lane) => lane.unexplained),
      JSON.stringify(summary),
    ).toEqual([]);
    expect(lanes.slice(2).every((lane) => lane.calls > 0)).toBe(true);

    expect((await fetch(`${e2e.baseUrl}/healthz`)).status).toBe(200);
    await eventually('the registry is empty', () => e2e.server.registry.size === 0, 8000);
    expect(e2e.logs.filter((line) => String(line.msg).startsWith('call could not start'))).toEqual([]);
  }, 30_000);
});
