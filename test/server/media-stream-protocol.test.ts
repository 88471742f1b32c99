import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAudioPayload,
  inboundMessageSchema,
  isStrictBase64,
  mediaMessageSchema,
  outbound,
  parseInboundMessage,
  readCanonicalMedia,
} from '../../runtime/telephony/media-stream-protocol';

describe('Twilio Media Streams protocol', () => {
  it('parses the messages Twilio sends', () => {
    const start = parseInboundMessage(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: 'MZ1',
        start: {
          accountSid: `AC${'a'.repeat(32)}`,
          streamSid: 'MZ1',
          callSid: `CA${'b'.repeat(32)}`,
          tracks: ['inbound'],
          customParameters: { token: 't' },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    expect(start).toMatchObject({
      ok: true,
      message: { event: 'start', start: { customParameters: { token: 't' } } },
    });
    const media = parseInboundMessage(
      '{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},"streamSid":"MZ1"}',
    );
    expect(media).toMatchObject({ ok: true, message: { event: 'media' } });
    expect(
      parseInboundMessage(
        '{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"0"}}',
      ).ok,
    ).toBe(true);
    expect(
      parseInboundMessage('{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"piece-1"}}')
        .ok,
    ).toBe(true);
    expect(
      parseInboundMessage(
        '{"event":"stop","sequenceNumber":"5","streamSid":"MZ1","stop":{"accountSid":"AC1","callSid":"CA1"}}',
      ).ok,
    ).toBe(true);
  });

  it('refuses malformed input without throwing', () => {
    for (const data of [
      '',
      'not json',
      'null',
      '[]',
      '{"event":"media"}',
      '{"event":"hack"}',
      '{"event":"dtmf","streamSid":"x","dtmf":{"digit":"99"}}',
    ]) {
      expect(parseInboundMessage(data).ok, data).toBe(false);
    }
  });

  it('decodes only strict base64 audio', () => {
    expect(decodeAudioPayload('/////w==')).toEqual(Buffer.from([255, 255, 255, 255]));
    expect(decodeAudioPayload('')).toBeNull();
    expect(decodeAudioPayload('abc')).toBeNull();
    expect(decodeAudioPayload('ab!d')).toBeNull();
  });

  it('sends only media, mark and clear', () => {
    expect(JSON.parse(outbound.media('MZ1', Buffer.from([1, 2])))).toEqual({
      event: 'media',
      streamSid: 'MZ1',
      media: { payload: 'AQI=' },
    });
    expect(JSON.parse(outbound.mark('MZ1', 'piece-1'))).toEqual({
      event: 'mark',
      streamSid: 'MZ1',
      mark: { name: 'piece-1' },
    });
    expect(JSON.parse(outbound.clear('MZ1'))).toEqual({ event: 'clear', streamSid: 'MZ1' });
  });
});

/** The strict base64 regex the fast check replaced: the reference the property tests hold it to. */
const BASE64_REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const referenceIsBase64 = (s: string) => s.length > 0 && s.length % 4 === 0 && BASE64_REFERENCE.test(s);

const validMedia = () => ({
  event: 'media',
  sequenceNumber: '3',
  media: { track: 'inbound', chunk: '1', timestamp: '5', payload: '/////w==' },
  streamSid: 'MZ1',
});

/** The full schema's verdict on a media-shaped value (the slow path the hot path replaced). */
const zodVerdict = (value: unknown) => {
  const parsed = mediaMessageSchema.safeParse(value);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false };
};
const fastVerdict = (value: unknown) => {
  const result = parseInboundMessage(JSON.stringify(value));
  return result.ok ? { ok: true, message: result.message } : { ok: false };
};

/** Media-shaped values: each field either plausible, absent, or anything at all. */
const fieldOr = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 10, arbitrary: plausible },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
const digits = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^\d{1,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '0', '-1', '1.5', '1e3', ' 1', '١٢', '12a') },
);
const sizedString = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.constantFrom(
    '',
    'MZ1',
    'x'.repeat(64),
    'x'.repeat(65),
    '😀'.repeat(32),
    '😀'.repeat(33),
    `${'x'.repeat(63)}😀`,
  ),
);
const payloadString = fc.oneof(
  fc.base64String({ maxLength: 400 }),
  fc.string({ maxLength: 50 }),
  fc.constantFrom(
    '',
    '****',
    'a'.repeat(20_000),
    'a'.repeat(20_001),
    '😀'.repeat(10_000),
    `${'a'.repeat(19_999)}😀`,
  ),
);
const mediaShaped = fc
  .record(
    {
      event: fc.oneof(
        { weight: 12, arbitrary: fc.constant('media') },
        { weight: 1, arbitrary: fc.jsonValue() },
      ),
      sequenceNumber: fieldOr(digits),
      streamSid: fieldOr(sizedString),
      media: fc.oneof(
        {
          weight: 12,
          arbitrary: fc.record(
            {
              track: fieldOr(fc.constantFrom('inbound', 'outbound', '')),
              chunk: fieldOr(digits),
              timestamp: fieldOr(digits),
              payload: fieldOr(payloadString),
              extra: fieldOr(fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        },
        { weight: 1, arbitrary: fc.jsonValue() },
      ),
      extra: fieldOr(fc.jsonValue()),
    },
    { requiredKeys: [] },
  )
  // What reaches the parser has been through JSON: no undefined-valued keys.
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('what the parser lets through to logs and keys', () => {
  const start = (callSid: string, accountSid = `AC${'a'.repeat(32)}`) =>
    JSON.stringify({
      event: 'start',
      streamSid: 'MZ1',
      start: { accountSid, streamSid: 'MZ1', callSid, customParameters: { token: 't' } },
    });

  it('accepts only Twilio-shaped call and account SIDs in start', () => {
    expect(parseInboundMessage(start(`CA${'0f'.repeat(16)}`)).ok).toBe(true);
    for (const callSid of [
      'CA1',
      `CA${'g'.repeat(32)}`,
      `\r\nCA${'0'.repeat(32)}`,
      `CA${'0'.repeat(32)}\n`,
      '+13125550187',
    ]) {
      expect(parseInboundMessage(start(callSid)).ok, callSid).toBe(false);
    }
    expect(parseInboundMessage(start(`CA${'0'.repeat(32)}`, 'AC1')).ok).toBe(false);
  });

  it('never echoes sender-supplied text in the reason it gives (the reason is logged)', () => {
    for (const event of ['\r\n{"level":60}', '+13125550187', 'zebulon@example.com', 'x'.repeat(100)]) {
      const result = parseInboundMessage(JSON.stringify({ event }));
      expect(result).toEqual({ ok: false, reason: 'invalid message' });
    }
    expect(parseInboundMessage(start('CA1'))).toEqual({ ok: false, reason: 'invalid start' });
  });
});

describe('the media hot path', () => {
  it('accepts and strips exactly like the zod schema on hand-picked cases', () => {
    const cases: unknown[] = [
      validMedia(),
      { ...validMedia(), sequenceNumber: undefined },
      { ...validMedia(), extra: { nested: true } },
      { ...validMedia(), media: { payload: '' } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'AAAA', track: 7 } },
      { event: 'media', streamSid: '', media: { payload: 'AAAA' } },
      { event: 'media', streamSid: 'x'.repeat(65), media: { payload: 'AAAA' } },
      { event: 'media', streamSid: '😀'.repeat(33), media: { payload: 'AAAA' } },
      { event: 'media', streamSid: '😀'.repeat(32), media: { payload: 'AAAA' } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'A'.repeat(20_001) } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'A'.repeat(20_000) } },
      { event: 'media', streamSid: 'MZ1', media: { payload: null } },
      { event: 'media', streamSid: 'MZ1', media: ['AAAA'] },
      { event: 'media', streamSid: 'MZ1', media: null },
      { event: 'media', streamSid: 'MZ1' },
      { event: 'media', streamSid: 42, media: { payload: 'AAAA' } },
      { event: 'media', streamSid: 'MZ1', sequenceNumber: 3, media: { payload: 'AAAA' } },
      { event: 'media', streamSid: 'MZ1', sequenceNumber: '-3', media: { payload: 'AAAA' } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'AAAA', chunk: '' } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'AAAA', timestamp: '1.5' } },
      { event: 'media', streamSid: 'MZ1', media: { payload: 'AAAA', track: null } },
    ];
    for (const value of cases) {
      expect(fastVerdict(value), JSON.stringify(value).slice(0, 100)).toEqual(zodVerdict(value));
    }
    expect(fastVerdict({ ...validMedia(), extra: 1 })).toEqual({ ok: true, message: validMedia() });
  });

  it('rejects malformed media the same way as the rest of the parser, without throwing', () => {
    for (const data of [
      '{"event":"media"}',
      '{"event":"media","streamSid":"MZ1"}',
      '{"event":"media","streamSid":"MZ1","media":"AAAA"}',
      '{"event":"media","streamSid":"MZ1","media":{"payload":["AAAA"]}}',
      '{"event":"media","streamSid":null,"media":{"payload":"AAAA"}}',
      '{"event":"media","streamSid":"MZ1","media":{"payload":"AAAA"}',
      '[{"event":"media","streamSid":"MZ1","media":{"payload":"AAAA"}}]',
    ]) {
      const result = parseInboundMessage(data);
      expect(result.ok, data).toBe(false);
      expect(inboundMessageSchema.safeParse(safeJson(data)).success, data).toBe(false);
    }
  });

  it('property: for random media-shaped values the fast path and the zod schema agree', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mediaShaped, (value) => {
        const reference = zodVerdict(value);
        if (reference.ok) accepted++;
        expect(fastVerdict(value)).toEqual(reference);
      }),
      { numRuns: 3000 },
    );
    // Both sides of the boundary are exercised, not just the rejections.
    expect(accepted).toBeGreaterThan(300);
  });

  it('property: for any JSON at all the parser agrees with the full discriminated union', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mediaShaped), (value) => {
        const text = JSON.stringify(value);
        const parsed = parseInboundMessage(text);
        const reference = inboundMessageSchema.safeParse(JSON.parse(text));
        expect(parsed.ok).toBe(reference.success);
        if (parsed.ok && reference.success) expect(parsed.message).toEqual(reference.data);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the fast base64 check agrees with the strict regex', () => {
    const alphabetish = fc.string({
      unit: fc.constantFrom(...'ABCxyz019+/=-_ \n*é'.split('')),
      maxLength: 24,
    });
    fc.assert(
      fc.property(fc.oneof(fc.base64String({ maxLength: 64 }), alphabetish, fc.string()), (s) => {
        expect(isStrictBase64(s)).toBe(referenceIsBase64(s));
        const decoded = decodeAudioPayload(s);
        expect(decoded === null).toBe(!referenceIsBase64(s));
        if (decoded) expect(decoded).toEqual(Buffer.from(s, 'base64'));
      }),
      { numRuns: 5000 },
    );
  });

  it('is measurably cheaper than the full schema for a Twilio-sized media frame', () => {
    const frame = JSON.stringify({
      ...validMedia(),
      media: { ...validMedia().media, payload: Buffer.alloc(160, 0xff).toString('base64') },
    });
    const time = (run: () => void) => {
      const start = performance.now();
      for (let i = 0; i < 20_000; i++) run();
      return performance.now() - start;
    };
    const slow = () => {
      const parsed = inboundMessageSchema.safeParse(JSON.parse(frame));
      if (parsed.success && parsed.data.event === 'media' && referenceIsBase64(parsed.data.media.payload))
        Buffer.from(parsed.data.media.payload, 'base64');
      else throw new Error('slow path refused a valid frame');
    };
    const fast = () => {
      const parsed = parseInboundMessage(frame);
      if (!parsed.ok || parsed.message.event !== 'media' || !decodeAudioPayload(parsed.message.media.payload))
        throw new Error('fast path refused a valid frame');
    };
    // Best of three after a warm-up each, so one noisy stretch cannot decide it. JSON.parse is
    // most of both costs, so the expected gain is ~40%, not orders of magnitude.
    const best = (run: () => void) => Math.min(time(run), time(run), time(run));
    time(slow);
    time(fast);
    expect(best(fast)).toBeLessThan(best(slow));
  });
});

/** What the general path makes of a text frame: the stream and the audio bytes, or null. */
const generalRead = (text: string) => {
  const parsed = parseInboundMessage(text);
  if (!parsed.ok || parsed.message.event !== 'media') return null;
  const audio = decodeAudioPayload(parsed.message.media.payload);
  return audio ? { streamSid: parsed.message.streamSid, audio } : null;
};

/** A media frame written the way Twilio writes them: compact, keys in the documented order. */
const twilioText = (fields: {
  sequenceNumber: unknown;
  track: unknown;
  chunk: unknown;
  timestamp: unknown;
  payload: unknown;
  streamSid: unknown;
}) =>
  JSON.stringify({
    event: 'media',
    sequenceNumber: fields.sequenceNumber,
    media: { track: fields.track, chunk: fields.chunk, timestamp: fields.timestamp, payload: fields.payload },
    streamSid: fields.streamSid,
  });

const awkwardText = fc.oneof(
  sizedString,
  fc.constantFrom(
    'in"bound',
    'in\\bound',
    'in\nbound',
    '\u0000',
    '\u001f',
    '\u007f',
    '\ud800',
    '\ufffd',
    'é',
  ),
);
const canonicalFields = fc.record({
  sequenceNumber: fc.oneof({ weight: 8, arbitrary: digits }, { weight: 1, arbitrary: fc.jsonValue() }),
  track: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('inbound', 'outbound') },
    { weight: 2, arbitrary: awkwardText },
    { weight: 1, arbitrary: fc.jsonValue() },
  ),
  chunk: fc.oneof({ weight: 8, arbitrary: digits }, { weight: 1, arbitrary: fc.jsonValue() }),
  timestamp: fc.oneof({ weight: 8, arbitrary: digits }, { weight: 1, arbitrary: fc.jsonValue() }),
  payload: fc.oneof(
    { weight: 8, arbitrary: fc.base64String({ minLength: 4, maxLength: 400 }) },
    { weight: 3, arbitrary: payloadString },
    { weight: 1, arbitrary: fc.constantFrom('=', '==', 'A=', 'AA==', 'AAA=', 'A===', '====', '-_-_') },
  ),
  streamSid: fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^MZ[0-9a-f]{32}$/) },
    { weight: 3, arbitrary: awkwardText },
    { weight: 1, arbitrary: fc.jsonValue() },
  ),
});

describe('Twilio-shaped media frames without JSON.parse', () => {
  it("reads the documented frame and the fake Twilio's", () => {
    const documented =
      '{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},"streamSid":"MZ1"}';
    expect(readCanonicalMedia(documented)).toEqual({
      streamSid: 'MZ1',
      audio: Buffer.from([255, 255, 255, 255]),
    });
    const sid = `MZ${'0af9'.repeat(8)}`;
    const frame = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 255));
    const fake = twilioText({
      sequenceNumber: '120',
      track: 'inbound',
      chunk: '118',
      timestamp: '2340',
      payload: frame.toString('base64'),
      streamSid: sid,
    });
    expect(readCanonicalMedia(fake)).toEqual({ streamSid: sid, audio: frame });
  });

  it('leaves every other text to the general parser', () => {
    const base = JSON.parse(
      twilioText({
        sequenceNumber: '3',
        track: 'inbound',
        chunk: '1',
        timestamp: '5',
        payload: 'AAAA',
        streamSid: 'MZ1',
      }),
    );
    for (const text of [
      JSON.stringify(base, null, 1),
      JSON.stringify({ streamSid: 'MZ1', ...base }),
      JSON.stringify({ ...base, extra: 1 }),
      JSON.stringify({ ...base, media: { ...base.media, extra: 1 } }),
      JSON.stringify({ ...base, media: { payload: 'AAAA' } }),
      JSON.stringify({ ...base, streamSid: 'M"Z' }),
      JSON.stringify({ ...base, streamSid: 'x'.repeat(65) }),
      JSON.stringify({ ...base, media: { ...base.media, payload: 'A'.repeat(20_004) } }),
      JSON.stringify({ ...base, media: { ...base.media, payload: 'AAA' } }),
      `${JSON.stringify(base)} `,
    ]) {
      expect(readCanonicalMedia(text), text.slice(0, 120)).toBeNull();
    }
  });

  it('property: where it answers, the general parser gives the same stream and bytes', () => {
    let read = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 4, arbitrary: canonicalFields.map(twilioText) },
          { weight: 1, arbitrary: mediaShaped.map((v) => JSON.stringify(v)) },
        ),
        (text) => {
          const fast = readCanonicalMedia(text);
          if (fast === null) return;
          read++;
          expect(generalRead(text)).toEqual(fast);
        },
      ),
      { numRuns: 5000 },
    );
    // The canonical shape is read most of the time, not just the refusals exercised.
    expect(read).toBeGreaterThan(1000);
  });

  it('property: a frame the general parser accepts in the canonical shape is read the same', () => {
    fc.assert(
      fc.property(canonicalFields, (fields) => {
        const text = twilioText(fields);
        const general = generalRead(text);
        const fast = readCanonicalMedia(text);
        // Refusing is always safe (the general parser then answers); a strict-ASCII frame must not be refused.
        const plain = /^[\x20-\x7e]*$/.test(text) && !text.includes('\\');
        if (general && plain && typeof fields.streamSid === 'string' && fields.streamSid.length <= 64)
          expect(fast).toEqual(general);
        if (!general) expect(fast).toBeNull();
      }),
      { numRuns: 5000 },
    );
  });

  it('is cheaper than JSON.parse and the hand validator for a Twilio-sized frame', () => {
    const text = twilioText({
      sequenceNumber: '120',
      track: 'inbound',
      chunk: '118',
      timestamp: '2340',
      payload: Buffer.alloc(160, 0x7f).toString('base64'),
      streamSid: `MZ${'0'.repeat(32)}`,
    });
    const time = (run: () => unknown) => {
      const start = performance.now();
      for (let i = 0; i < 20_000; i++) if (!run()) throw new Error('a valid frame was refused');
      return performance.now() - start;
    };
    const best = (run: () => unknown) => Math.min(time(run), time(run), time(run));
    time(() => generalRead(text));
    time(() => readCanonicalMedia(text));
    expect(best(() => readCanonicalMedia(text))).toBeLessThan(best(() => generalRead(text)));
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
