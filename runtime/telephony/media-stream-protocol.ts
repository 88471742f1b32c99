/**
 * Twilio Media Streams (bidirectional) on the wire: the one place that knows its message shapes.
 * Inbound messages are JSON text frames validated here; outbound we only ever send media, mark
 * and clear (anything else is a 31924 protocol error on Twilio's side).
 *
 * `media` frames arrive 50 times a second per call, so they take a hand-written validator with
 * exactly the zod schema's guarantees (the unit tests hold the two to the same answers); the rare
 * messages (connected, start, mark, dtmf, stop) go through the full zod schema.
 */
import * as z from '../zod';

const numericString = z.string().check(z.regex(/^\d+$/));
const optionalNumericString = z.optional(numericString);
const STREAM_SID_MAX = 64;
/** ~15 KB of audio; Twilio's frames are 160 bytes (216 base64 characters). */
const MEDIA_PAYLOAD_MAX = 20_000;

export const mediaMessageSchema = z.object({
  event: z.literal('media'),
  sequenceNumber: optionalNumericString,
  streamSid: z.string().check(z.minLength(1), z.maxLength(STREAM_SID_MAX)),
  media: z.object({
    track: z.optional(z.string()),
    chunk: optionalNumericString,
    timestamp: optionalNumericString,
    payload: z.string().check(z.maxLength(MEDIA_PAYLOAD_MAX)),
  }),
});

const startMessage = z.object({
  event: z.literal('start'),
  sequenceNumber: optionalNumericString,
  streamSid: z.string().check(z.minLength(1), z.maxLength(64)),
  start: z.object({
    // Twilio SIDs: two letters and 32 hex digits. These get logged and used as keys, so nothing
    // else (line breaks, phone numbers, 64 characters of anything) gets that far.
    accountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/i)),
    streamSid: z.string().check(z.minLength(1), z.maxLength(64)),
    callSid: z.string().check(z.regex(/^CA[0-9a-f]{32}$/i)),
    tracks: z.optional(z.array(z.string())),
    customParameters: z._default(z.record(z.string(), z.string()), {}),
    mediaFormat: z.optional(z.object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() })),
  }),
});

export const inboundMessageSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('connected'),
    protocol: z.optional(z.string()),
    version: z.optional(z.string()),
  }),
  startMessage,
  mediaMessageSchema,
  z.object({
    event: z.literal('mark'),
    sequenceNumber: optionalNumericString,
    streamSid: z.string(),
    mark: z.object({ name: z.string().check(z.maxLength(200)) }),
  }),
  z.object({
    event: z.literal('dtmf'),
    sequenceNumber: optionalNumericString,
    streamSid: z.string(),
    dtmf: z.object({ track: z.optional(z.string()), digit: z.string().check(z.regex(/^[0-9*#A-D]$/)) }),
  }),
  z.object({
    event: z.literal('stop'),
    sequenceNumber: optionalNumericString,
    streamSid: z.string(),
    stop: z.optional(z.object({ accountSid: z.string(), callSid: z.string() })),
  }),
]);

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type StartMessage = z.infer<typeof startMessage>;
export type MediaMessage = z.infer<typeof mediaMessageSchema>;

const KNOWN_EVENTS: ReadonlySet<unknown> = new Set(['connected', 'start', 'media', 'mark', 'dtmf', 'stop']);

export type ParseResult = { ok: true; message: InboundMessage } | { ok: false; reason: string };

export function parseInboundMessage(data: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (isRecord(json) && json.event === 'media') {
    const media = validateMediaMessage(json);
    return media ? { ok: true, message: media } : { ok: false, reason: 'invalid media' };
  }
  const parsed = inboundMessageSchema.safeParse(json);
  if (!parsed.success) {
    // The reason is logged: it names a known event, never echoes what the sender wrote.
    const event = (json as { event?: unknown } | null)?.event;
    return { ok: false, reason: `invalid ${KNOWN_EVENTS.has(event) ? event : 'message'}` };
  }
  return { ok: true, message: parsed.data };
}

/**
 * The hot path: `mediaMessageSchema`'s checks written out by hand (same accept/reject, same
 * stripped output), for a value that came out of JSON.parse. Null when it does not conform.
 */
export function validateMediaMessage(value: unknown): MediaMessage | null {
  if (!isRecord(value) || value.event !== 'media') return null;
  const { sequenceNumber, streamSid, media } = value;
  if (sequenceNumber !== undefined && !isNumericString(sequenceNumber)) return null;
  if (typeof streamSid !== 'string' || streamSid.length === 0 || !fitsIn(streamSid, STREAM_SID_MAX))
    return null;
  if (!isRecord(media)) return null;
  const { track, chunk, timestamp, payload } = media;
  if (typeof payload !== 'string' || !fitsIn(payload, MEDIA_PAYLOAD_MAX)) return null;
  if (track !== undefined && typeof track !== 'string') return null;
  if (chunk !== undefined && !isNumericString(chunk)) return null;
  if (timestamp !== undefined && !isNumericString(timestamp)) return null;
  const out: MediaMessage = { event: 'media', streamSid, media: { payload } };
  if (sequenceNumber !== undefined) out.sequenceNumber = sequenceNumber;
  if (track !== undefined) out.media.track = track;
  if (chunk !== undefined) out.media.chunk = chunk;
  if (timestamp !== undefined) out.media.timestamp = timestamp;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** /^\d+$/ without the regex. */
function isNumericString(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** zod measures string length in code points; a string that fits in UTF-16 units fits anyway. */
function fitsIn(value: string, max: number): boolean {
  if (value.length <= max) return true;
  let points = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    if (++points > max) return false;
  }
  return true;
}

/**
 * Strict base64: whole 4-character groups of the alphabet (A–Z, a–z, 0–9, +, /), '=' only as one
 * or two characters of final padding. Node's decoder silently skips junk and accepts base64url,
 * which would feed noise to STT. With the length a positive multiple of 4, "alphabet characters
 * then at most two '='" is exactly that grammar, and a plain character-class scan is ~3x cheaper
 * than the grouped regex.
 */
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

export function isStrictBase64(payload: string): boolean {
  return payload.length > 0 && payload.length % 4 === 0 && BASE64_BODY.test(payload);
}

export function decodeAudioPayload(payload: string): Buffer | null {
  return isStrictBase64(payload) ? Buffer.from(payload, 'base64') : null;
}

/**
 * A media frame exactly as Twilio writes one: compact, its keys in this order (protocols.md A.2).
 * Strings are limited to characters JSON writes as themselves (`[\x20\x21\x23-\x5b\x5d-\uffff]`:
 * from the space up, without `"` and `\`, so no escape sequences), numbers to ASCII digits and the
 * payload to base64's alphabet: a match is valid JSON that parses to these very captures and passes
 * `mediaMessageSchema`. It cannot backtrack: each group ends at a character its class excludes.
 */
const CANONICAL_MEDIA =
  /^\{"event":"media","sequenceNumber":"\d+","media":\{"track":"[\x20\x21\x23-\x5b\x5d-\uffff]*","chunk":"\d+","timestamp":"\d+","payload":"([A-Za-z0-9+/]*={0,2})"\},"streamSid":"([\x20\x21\x23-\x5b\x5d-\uffff]{1,64})"\}$/;

/**
 * The audio of a frame in Twilio's canonical shape, read without JSON.parse and without a second
 * pass of the base64 check (~1.3 instead of ~3.3 µs a frame, 50 frames a second per call); null
 * for any other text, which then takes `parseInboundMessage`. Where this answers, the general path
 * gives the same stream and the same bytes: `test/server/media-stream-protocol.test.ts` holds the
 * two together.
 */
export function readCanonicalMedia(data: string): { streamSid: string; audio: Buffer } | null {
  const match = CANONICAL_MEDIA.exec(data);
  if (!match) return null;
  const payload = match[1]!;
  // Alphabet then at most two '=' is strict base64 once the length is a positive multiple of 4.
  if (payload.length === 0 || payload.length % 4 !== 0 || payload.length > MEDIA_PAYLOAD_MAX) return null;
  return { streamSid: match[2]!, audio: Buffer.from(payload, 'base64') };
}

export const outbound = {
  media: (streamSid: string, audio: Buffer) =>
    JSON.stringify({ event: 'media', streamSid, media: { payload: audio.toString('base64') } }),
  mark: (streamSid: string, name: string) => JSON.stringify({ event: 'mark', streamSid, mark: { name } }),
  clear: (streamSid: string) => JSON.stringify({ event: 'clear', streamSid }),
};
