/**
 * Hostile frames on the media websocket (SEC-07), through the real server: oversized frames, media
 * before start, a second start, unknown events, invalid base64, binary frames, duplicate and
 * out-of-order sequence numbers, and sockets that send nothing but junk, while a genuine call
 * (Twilio fake, scripted model) carries on and still gets its answer. The fuzz run is in
 * media-fuzz.test.ts; the shared helpers are in media-socket-support.ts.
 * Logging stays on throughout (the harness captures it).
 */
import { describe, expect, it } from 'vitest';
import { encodeSpeech, FRAME_BYTES, silence, toFrames } from '../fakes/fake-audio';
import { type E2e, eventually } from './harness';
import {
  GREETING,
  hex,
  MAX_PAYLOAD,
  mintToken,
  RawSocket,
  SILENCE_B64,
  scriptCodes,
  useMediaE2e,
} from './media-socket-support';

let e2e: E2e;
useMediaE2e((started) => {
  e2e = started;
});

/** A text frame of exactly `bytes` bytes: a media message whose payload pads it out. */
function frameOfSize(streamSid: string, bytes: number): string {
  const shell = JSON.stringify({ event: 'media', streamSid, media: { payload: '' } });
  return JSON.stringify({ event: 'media', streamSid, media: { payload: 'A'.repeat(bytes - shell.length) } });
}

describe('SEC-07: hostile frames on the media socket', () => {
  it('refuses a frame over 64 KiB by closing that socket, accepts one of exactly 64 KiB, and serves the other calls on', async () => {
    scriptCodes();
    const good = await e2e.startCall();
    await good.waitForHeard(GREETING);
    const victim = await e2e.startCall();
    await victim.waitForHeard(GREETING);
    // Exactly at the limit is still a frame (ignored as malformed: its payload is far too long).
    const atLimit = frameOfSize(victim.streamSid, MAX_PAYLOAD);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_PAYLOAD);
    victim.sendRaw(atLimit);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(victim.upgradeRejected).toBeUndefined();
    expect(await Promise.race([victim.closed, Promise.resolve('open')])).toBe('open');

    victim.sendRaw(frameOfSize(victim.streamSid, MAX_PAYLOAD + 1));
    expect((await victim.closed).code).toBe(1009);
    await eventually('the oversized call is gone', () => e2e.server.registry.size === 1);

    await good.say('My code RED5 thanks');
    await good.waitForHeard('Your code was RED5.', 8000);
    expect(good.protocolErrors).toEqual([]);
    expect((await fetch(`${e2e.baseUrl}/healthz`)).status).toBe(200);
    await good.hangup();

    // Unauthenticated sockets get the same treatment.
    const raw = await RawSocket.open();
    await raw.send('x'.repeat(MAX_PAYLOAD + 100));
    expect(await raw.closed).toBe(1009);
  });

  it('ignores media before start: that audio never reaches speech-to-text', async () => {
    scriptCodes();
    const socket = await RawSocket.open();
    const sttBefore = e2e.deepgram.stt.length;
    for (const frame of toFrames(encodeSpeech('My code EARLY1 thanks')))
      await socket.json(socket.media(frame));
    for (let i = 0; i < 40; i++) await socket.json(socket.media(silence()));
    expect(e2e.deepgram.stt.length).toBe(sttBefore);
    expect(socket.isOpen).toBe(true);

    await socket.authenticate();
    await eventually('the greeting', () => GREETING.test(socket.heard()));
    await socket.speak('My code LATE2 thanks');
    await eventually('the answer', () => socket.heard().includes('Your code was LATE2.'), 8000);
    const stt = e2e.deepgram.stt[sttBefore]!;
    expect(stt.transcripts.join(' ')).not.toContain('EARLY1');
    expect(socket.heard()).not.toContain('EARLY1');

    // A second start on a live socket is ignored: no second provider session, the call carries on.
    const other = `CA${hex()}`;
    await socket.json(socket.startMessage(await mintToken(other), other));
    await socket.speak('My code AGAIN3 thanks');
    await eventually('the second answer', () => socket.heard().includes('Your code was AGAIN3.'), 8000);
    expect(e2e.deepgram.stt.length).toBe(sttBefore + 1);
    await socket.hangUp();
  });

  it('survives unknown events, invalid base64, binary frames and duplicate or out-of-order sequence numbers', async () => {
    scriptCodes();
    const call = await e2e.startCall();
    await call.waitForHeard(GREETING);
    const sid = call.streamSid;
    const media = (payload: string, sequenceNumber = '7') =>
      JSON.stringify({
        event: 'media',
        sequenceNumber,
        streamSid: sid,
        media: { track: 'inbound', payload },
      });
    const hostile: (string | Buffer)[] = [
      JSON.stringify({ event: 'launch-missiles', streamSid: sid }),
      JSON.stringify({ event: 'clear', streamSid: sid }),
      JSON.stringify({ event: 'MEDIA', streamSid: sid, media: { payload: SILENCE_B64 } }),
      JSON.stringify({ event: null }),
      JSON.stringify({ event: { media: true } }),
      media('****'),
      media('AB-_'), // base64url is not base64
      media('AAA'),
      media('A==='),
      media(`${SILENCE_B64.slice(0, -4)}====`),
      media(' AAAA'),
      media(''),
      JSON.stringify({ event: 'media', streamSid: sid, media: { payload: 12345 } }),
      JSON.stringify({ event: 'media', streamSid: 'MZ-not-this-stream', media: { payload: SILENCE_B64 } }),
      Buffer.from([0x7b, 0x22, 0xff, 0x00]),
      Buffer.alloc(FRAME_BYTES, 0xff),
      `{"event":"media","streamSid":"${sid}","media":{"payload":"${SILENCE_B64}`, // truncated
      '\u0000\u0001',
      `{"event":"dtmf","streamSid":"${sid}","dtmf":{"digit":"99"}}`,
      `{"event":"mark","streamSid":"${sid}","mark":{"name":${JSON.stringify('m'.repeat(300))}}}`,
      `{"event":"start","streamSid":"${sid}"}`,
      `{"__proto__":{"polluted":true},"event":"media","streamSid":"${sid}","media":{"payload":"AAAA"}}`,
    ];
    // In small groups: the call's own 20 ms audio frames keep it under the malformed-frames limit.
    for (let i = 0; i < hostile.length; i++) {
      call.sendRaw(hostile[i]!);
      if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    // Valid frames whose sequence numbers repeat or go backwards are still just audio.
    for (const seq of ['5', '5', '5', '3', '1', '99999999999999999999', '2'])
      call.sendRaw(media(SILENCE_B64, seq));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await Promise.race([call.closed, Promise.resolve('open')])).toBe('open');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();

    await call.say('My code BLUE4 thanks');
    await call.waitForHeard('Your code was BLUE4.', 8000);
    expect(call.protocolErrors).toEqual([]);
    await call.hangup();
  });

  it('closes a socket that only sends malformed frames with 1008, but not one whose junk is mixed with audio', async () => {
    const junkOnly = await RawSocket.open();
    let sent = 0;
    while (junkOnly.isOpen && sent < 200) {
      await junkOnly.send(`junk ${sent++}`);
      if (sent % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await junkOnly.closed).toBe(1008);
    expect(sent).toBeLessThan(200);

    const mixed = await RawSocket.open();
    await mixed.authenticate();
    await eventually('the greeting', () => GREETING.test(mixed.heard()));
    for (let i = 0; i < 300; i++) {
      await mixed.send(i % 5 === 4 ? JSON.stringify(mixed.media(silence())) : `junk ${i}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mixed.isOpen).toBe(true);
    await mixed.hangUp();
  });
});
