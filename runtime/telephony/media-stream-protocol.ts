/**
 * Twilio Media Streams (bidirectional) on the wire: the one place that knows its message shapes.
 * Inbound messages are JSON text frames validated here; outbound we only ever send media, mark
 * and clear (anything else is a 31924 protocol error on Twilio's side).
 */
import * as z from 'zod';

const numericString = z.string().regex(/^\d+$/);

const mediaMessage = z.object({
  event: z.literal('media'),
  sequenceNumber: numericString.optional(),
  streamSid: z.string().min(1).max(64),
  media: z.object({
    track: z.string().optional(),
    chunk: numericString.optional(),
    timestamp: numericString.optional(),
    payload: z.string().max(20_000),
  }),
});

const startMessage = z.object({
  event: z.literal('start'),
  sequenceNumber: numericString.optional(),
  streamSid: z.string().min(1).max(64),
  start: z.object({
    accountSid: z.string().min(1).max(64),
    streamSid: z.string().min(1).max(64),
    callSid: z.string().min(1).max(64),
    tracks: z.array(z.string()).optional(),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }).optional(),
  }),
});

export const inboundMessageSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('connected'),
    protocol: z.string().optional(),
    version: z.string().optional(),
  }),
  startMessage,
  mediaMessage,
  z.object({
    event: z.literal('mark'),
    sequenceNumber: numericString.optional(),
    streamSid: z.string(),
    mark: z.object({ name: z.string().max(200) }),
  }),
  z.object({
    event: z.literal('dtmf'),
    sequenceNumber: numericString.optional(),
    streamSid: z.string(),
    dtmf: z.object({ track: z.string().optional(), digit: z.string().regex(/^[0-9*#A-D]$/) }),
  }),
  z.object({
    event: z.literal('stop'),
    sequenceNumber: numericString.optional(),
    streamSid: z.string(),
    stop: z.object({ accountSid: z.string(), callSid: z.string() }).optional(),
  }),
]);

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type StartMessage = z.infer<typeof startMessage>;

export type ParseResult = { ok: true; message: InboundMessage } | { ok: false; reason: string };

export function parseInboundMessage(data: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = inboundMessageSchema.safeParse(json);
  if (!parsed.success) {
    const event = (json as { event?: unknown } | null)?.event;
    return { ok: false, reason: `invalid ${typeof event === 'string' ? event.slice(0, 20) : 'message'}` };
  }
  return { ok: true, message: parsed.data };
}

/** Strict base64 (Node's decoder silently skips junk, which would feed noise to STT). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeAudioPayload(payload: string): Buffer | null {
  if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64.test(payload)) return null;
  return Buffer.from(payload, 'base64');
}

export const outbound = {
  media: (streamSid: string, audio: Buffer) =>
    JSON.stringify({ event: 'media', streamSid, media: { payload: audio.toString('base64') } }),
  mark: (streamSid: string, name: string) => JSON.stringify({ event: 'mark', streamSid, mark: { name } }),
  clear: (streamSid: string) => JSON.stringify({ event: 'clear', streamSid }),
};
