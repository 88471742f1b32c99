import { describe, expect, it } from 'vitest';
import { SpeechOutput } from '../../runtime/conversation/speech-output';
import type { TextToSpeechSession } from '../../runtime/providers/interfaces';

function setup() {
  const tts = { spoken: [] as string[], flushes: 0, clears: 0 };
  const session: TextToSpeechSession = {
    speak: (text) => tts.spoken.push(text),
    flush: () => tts.flushes++,
    clear: () => tts.clears++,
    close: () => undefined,
  };
  const twilio = { sent: [] as string[] };
  const firstAudio: number[] = [];
  const output = new SpeechOutput(
    session,
    {
      sendAudio: (audio) => twilio.sent.push(`media:${audio.length}`),
      sendMark: (name) => twilio.sent.push(`mark:${name}`),
      sendClear: () => twilio.sent.push('clear'),
    },
    {
      firstAudioSent: (turn) => firstAudio.push(turn),
      firstAudioReceived: () => undefined,
      idle: () => undefined,
    },
  );
  return { output, tts, twilio, firstAudio };
}

describe('SpeechOutput', () => {
  it('speaks each piece with Speak+Flush, forwards audio as it comes, and marks the end of each piece', () => {
    const { output, tts, twilio, firstAudio } = setup();
    output.say('Sure thing.', 1);
    output.say('Let me check.', 1);
    expect(tts.spoken).toEqual(['Sure thing.', 'Let me check.']);
    expect(tts.flushes).toBe(2);
    output.onTtsAudio(Buffer.alloc(800));
    output.onTtsAudio(Buffer.alloc(400));
    output.onTtsFlushed();
    output.onTtsAudio(Buffer.alloc(600));
    output.onTtsFlushed();
    expect(twilio.sent).toEqual(['media:800', 'media:400', 'mark:piece-1', 'media:600', 'mark:piece-2']);
    expect(firstAudio).toEqual([1]);
    expect(output.isSpeaking()).toBe(true);
    output.onMark('piece-1');
    output.onMark('piece-2');
    expect(output.isSpeaking()).toBe(false);
  });

  it('on interrupt, clears Twilio and TTS, reports only what was played, and drops late audio', async () => {
    const { output, tts, twilio } = setup();
    output.say('First sentence.', 2);
    output.say('Second sentence.', 2);
    output.onTtsAudio(Buffer.alloc(100));
    output.onTtsFlushed();
    output.onTtsAudio(Buffer.alloc(100));
    output.onMark('piece-1');
    const idle = output.whenIdle();
    const { heard, unheard } = output.interrupt();
    expect(heard.map((p) => p.text)).toEqual(['First sentence.']);
    expect(unheard.map((p) => p.text)).toEqual(['Second sentence.']);
    expect(tts.clears).toBe(1);
    expect(twilio.sent.at(-1)).toBe('clear');
    await idle;
    const before = twilio.sent.length;
    output.onTtsAudio(Buffer.alloc(100));
    output.onTtsFlushed();
    expect(twilio.sent.length).toBe(before);
    // Twilio echoes cleared marks; they do not make a dropped piece "played".
    output.onMark('piece-2');
    expect(output.interrupt().heard.map((p) => p.text)).toEqual(['First sentence.']);
    output.onTtsCleared();
    output.say('Next.', 3);
    output.onTtsAudio(Buffer.alloc(100));
    expect(twilio.sent.at(-1)).toBe('media:100');
  });
});
