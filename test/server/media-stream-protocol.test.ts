import { describe, expect, it } from 'vitest';
import {
  decodeAudioPayload,
  outbound,
  parseInboundMessage,
} from '../../runtime/telephony/media-stream-protocol';

describe('Twilio Media Streams protocol', () => {
  it('parses the messages Twilio sends', () => {
    const start = parseInboundMessage(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: 'MZ1',
        start: {
          accountSid: 'AC1',
          streamSid: 'MZ1',
          callSid: 'CA1',
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
