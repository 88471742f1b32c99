/**
 * Behaving on a real phone line: barge-in with the history cut to what was heard, false-alarm
 * resume, fillers for slow tools, one answer per utterance, apologies instead of dead air.
 * Asserted on protocol effects (clear, TTS Clear, aborted model stream, the next request's
 * history), not on wording.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vpicBody } from '../domain/vin/fixtures';
import { type E2e, eventually, startE2e } from './harness';
import {
  callTools,
  lastMessage,
  lastUserText,
  latestToolResults,
  messages,
  say,
  toolResultsOf,
} from './model-script';

const LONG_ANSWER =
  'We do oil changes every day of the week except Sunday. ' +
  'It takes about thirty minutes for most cars. ' +
  'You can wait in the lounge while we work. ' +
  'We also check the tire pressure for free.';

describe('barge-in', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      env: { BARGE_IN_RESUME_MS: '1500', BARGE_IN_MIN_SPEECH_MS: '200' },
      deepgram: { ttsRealtime: true, ttsBytesPerChar: 80 },
    });
  });
  afterAll(async () => e2e?.close());

  it('cuts the assistant off: clear, TTS Clear, queued audio dropped, history cut to what was heard', async () => {
    e2e.openai.setScript((request) => {
      if (/oil changes/i.test(lastUserText(request))) return say(LONG_ANSWER, { chunkChars: 12 });
      return say('Sure, go ahead.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    const tts = e2e.deepgram.tts.at(-1)!;
    await call.say('Tell me about oil changes.');
    await call.waitForHeard('except Sunday.', 8000);
    await call.say('Wait, actually I have a question about tires.');
    await eventually('clear sent', () => call.clears.length > 0);
    expect(tts.clears).toBe(1);
    await call.waitForHeard('Sure, go ahead.', 8000);
    expect(call.heard()).not.toContain('tire pressure for free');

    const next = e2e.openai.requests.at(-1)!;
    const assistant = messages(next)
      .filter((m) => m.role === 'assistant')
      .at(-1)!;
    expect(assistant.content).toMatch(/\[interrupted\]$/);
    expect(assistant.content).not.toContain('free');
    const heard = call.heard().replace(/\s/g, '');
    for (const sentence of (assistant.content ?? '').replace(' [interrupted]', '').split(/(?<=\.)\s/)) {
      expect(heard).toContain(sentence.replace(/\s/g, ''));
    }
    expect(lastUserText(next)).toContain('question about tires');
    const interrupted = e2e.logs.filter((l) => l.msg === 'caller interrupted').at(-1)!;
    expect(interrupted.reactionMs).toBeLessThan(20);
    await call.hangup();
    const record = await eventually('the turn record', () =>
      e2e.logs.find(
        (l) => l.msg === 'turn latency' && l.callSid === call.callSid && (l.latency as any).interrupted,
      ),
    );
    const latency = record.latency as {
      playedChars: number;
      generatedChars: number;
      interruptionReactionMs: number;
    };
    expect(latency.playedChars).toBeGreaterThan(0);
    expect(latency.playedChars).toBeLessThan(latency.generatedChars);
    expect(latency.interruptionReactionMs).toBeLessThan(20);
  });

  it('aborts a model stream still in flight when the caller cuts in', async () => {
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/Hold on/i.test(user)) return say('Sure, go ahead.');
      if (/oil changes/i.test(user)) return say(LONG_ANSWER, { chunkChars: 4, interChunkMs: 100 });
      return say('Okay.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('Tell me about oil changes.');
    await call.waitForHeard('every day', 8000);
    const answerRequest = e2e.openai.requests.length - 1;
    await call.say('Hold on a second.');
    await call.waitForHeard('Sure, go ahead.', 8000);
    expect(e2e.openai.timeline.find((t) => t.requestIndex === answerRequest)!.doneAt).toBeUndefined();
    const said = messages(e2e.openai.requests.at(-1)!).filter((m) => m.role === 'assistant');
    expect(said.some((m) => m.content?.includes('lounge'))).toBe(false);
    await call.hangup();
  });

  it('resumes what was not yet said when no words follow the interruption (a false alarm)', async () => {
    e2e.openai.setScript(() => say(LONG_ANSWER));
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    const before = e2e.openai.requests.length;
    await call.say('Tell me about oil changes.');
    await call.waitForHeard('every day of the week', 8000);
    // Noise with no words in it: loud enough to interrupt, nothing to transcribe.
    await call.say('', { bytesPerChar: 80 });
    await eventually('clear sent', () => call.clears.length > 0);
    await call.waitForHeard('check the tire pressure for free.', 10_000);
    expect(e2e.openai.requests.slice(before)).toHaveLength(1);
    await call.hangup();
  });

  it('never resumes over a caller who is still talking: a long correction gets one clear, then its answer', async () => {
    e2e.openai.setScript((request) =>
      /Wednesday/.test(lastUserText(request)) ? say('Sure, Wednesday it is.') : say(LONG_ANSWER),
    );
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('Tell me about oil changes.');
    await call.waitForHeard('every day of the week', 8000);
    // About four seconds of speech, well past the 1.5 s false-alarm resume.
    await call.say('No wait, I actually wanted to ask about Wednesday the fourteenth instead of that', {
      bytesPerChar: 400,
    });
    await call.waitForHeard('Sure, Wednesday it is.', 8000);
    expect(call.clears).toHaveLength(1);
    expect(call.heard()).not.toContain('lounge');
    const assistant = messages(e2e.openai.requests.at(-1)!)
      .filter((m) => m.role === 'assistant')
      .at(-1)!;
    expect(assistant.content).toMatch(/\[interrupted\]$/);
    expect(assistant.content).not.toContain('lounge');
    await call.hangup();
  });

  it('treats a barge-in before any audio as more words for the same turn: one answer, regenerated', async () => {
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/tomorrow/.test(user)) return say('Got it: an oil change tomorrow.');
      return say('Got it.', { ttftMs: 1500 });
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    const before = e2e.openai.requests.length;
    await call.say('I need an oil change.');
    await eventually('first request', () => e2e.openai.requests.length > before);
    await call.say('For tomorrow please.');
    await call.waitForHeard('Got it: an oil change tomorrow.', 8000);
    const requests = e2e.openai.requests.slice(before);
    expect(requests).toHaveLength(2);
    expect(lastUserText(requests[1]!)).toMatch(/oil change.*tomorrow/i);
    expect(messages(requests[1]!).filter((m) => m.role === 'user')).toHaveLength(1);
    expect(call.heard()).not.toMatch(/Got it\.(?!.*tomorrow)/);
    await call.hangup();
  });
});

describe('short sounds over the assistant', () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({ env: { BARGE_IN_MIN_SPEECH_MS: '800' }, deepgram: { ttsRealtime: true } });
  });
  afterAll(async () => e2e?.close());

  it('does not let an "uh-huh" cut the assistant off, and answers it once the assistant is done', async () => {
    e2e.openai.setScript((request) => {
      if (/oil changes/i.test(lastUserText(request))) return say(LONG_ANSWER);
      return say('Anything else?');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('Tell me about oil changes.');
    await call.waitForHeard('every day of the week', 8000);
    await call.say('uhhuh');
    await call.waitForHeard('check the tire pressure for free.', 10_000);
    await call.waitForHeard('Anything else?', 8000);
    expect(call.clears).toHaveLength(0);
    await call.hangup();
  });
});

describe('slow tools and provider errors', () => {
  let e2e: E2e;
  let vpic: Server;
  beforeAll(async () => {
    vpic = createServer((_req, res) => {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(vpicBody())),
        1000,
      );
    });
    await new Promise<void>((resolve) => vpic.listen(0, '127.0.0.1', resolve));
    e2e = await startE2e({
      env: {
        VPIC_BASE_URL: `http://127.0.0.1:${(vpic.address() as AddressInfo).port}`,
        FILLER_AFTER_MS: '300',
      },
    });
  });
  afterAll(async () => {
    await e2e?.close();
    vpic.closeAllConnections();
    await new Promise((resolve) => vpic.close(resolve));
  });

  it('says one filler while a slow tool runs, then always calls the model again', async () => {
    e2e.openai.setScript((request) => {
      if (/VIN/.test(lastUserText(request))) {
        return callTools({ name: 'decode_vin', arguments: { vin: '1HGCM82633A004352' } });
      }
      const decoded = latestToolResults(request).decode_vin;
      if (decoded) return say(`That is a ${decoded.result.year} ${decoded.result.make}.`);
      return say('Okay.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('My VIN is one H G C M eight two six three three A zero zero four three five two.');
    await call.waitForHeard(/That is a 2003 Honda\./i, 8000);
    const heard = call.heard();
    const fillers = [
      'Let me check that',
      'One moment',
      'Just a second',
      'Let me take a look',
      'Bear with me',
    ];
    expect(fillers.filter((f) => heard.includes(f))).toHaveLength(1);
    await call.hangup();
    const turn = await eventually('the turn record', () =>
      e2e.logs.find((l) => l.msg === 'turn latency' && l.callSid === call.callSid),
    );
    expect((turn.latency as { filler: boolean }).filler).toBe(true);
  });

  it('a barge-in while a tool runs keeps the tool result, and the next answer builds on both', async () => {
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/^My VIN/.test(user))
        return callTools({ name: 'decode_vin', arguments: { vin: '1HGCM82633A004352' } });
      const decoded = toolResultsOf(request, 'decode_vin').at(-1);
      if (/wait/i.test(user) && decoded) return say(`Noted the ${decoded.result.make}, and your question.`);
      if (latestToolResults(request).decode_vin) return say('That VIN is a Honda.');
      return say('Okay.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('My VIN is 1HGCM82633A004352.');
    // The decode takes a second (slow vPIC); the caller talks over the filler meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await call.say('Oh wait, and do you do alignments?');
    await call.waitForHeard(/Noted the Honda, and your question\./i, 8000);
    const last = e2e.openai.requests.at(-1)!;
    const roles = messages(last)
      .slice(-3)
      .map((m) => m.role);
    expect(roles).toEqual(['assistant', 'tool', 'user']);
    await call.hangup();
  });

  it('apologises aloud when the model fails mid-turn, and never reads the error out', async () => {
    e2e.openai.setScript((request) =>
      /hours/.test(lastUserText(request))
        ? {
            kind: 'error',
            status: 400,
            body: {
              error: { message: 'SECRET-ERROR-TEXT', type: 'invalid_request_error', param: null, code: null },
            },
          }
        : say('Okay.'),
    );
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    await call.say('What are your hours?');
    await call.waitForHeard(/sorry/i, 8000);
    expect(call.heard()).not.toContain('SECRET-ERROR-TEXT');
    expect(e2e.rawLogs()).not.toContain('SECRET-ERROR-TEXT');
    await call.hangup();
  });

  it('asks the model again when it answers with nothing, and apologises when it does so twice', async () => {
    let empties = 0;
    e2e.openai.setScript((request) => {
      const user = lastUserText(request);
      if (/hours/.test(user) && empties++ === 0) return say('');
      if (/brakes/.test(user)) return say('   ');
      return say('We open at eight.');
    });
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    const before = e2e.openai.requests.length;
    await call.say('What are your hours?');
    await call.waitForHeard('We open at eight.', 8000);
    expect(e2e.openai.requests.length - before).toBe(2);
    expect(call.heard()).not.toMatch(/sorry/i);
    await call.say('Do you do brakes?');
    await call.waitForHeard(/sorry, I had a problem/i, 8000);
    const history = messages(e2e.openai.requests.at(-1)!);
    expect(history.filter((m) => m.role === 'assistant' && !m.content?.trim())).toEqual([]);
    await call.hangup();
  });

  it('makes one model call per utterance even when Deepgram reports its end twice', async () => {
    e2e.openai.setScript(() => say('Okay.'));
    const call = await e2e.startCall();
    await call.waitForHeard(/How can I help you today\?/);
    const before = e2e.openai.requests.length;
    await call.say('Just one question.');
    await call.waitForHeard('Okay.', 8000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past utterance_end_ms
    expect(e2e.openai.requests.length - before).toBe(1);
    expect(lastMessage(e2e.openai.requests.at(-1)!).role).toBe('user');
    await call.hangup();
  });
});

describe("cutting in on the assistant's own line", () => {
  let e2e: E2e;
  beforeAll(async () => {
    e2e = await startE2e({
      env: { SILENCE_PROMPT_MS: '1000', BARGE_IN_MIN_SPEECH_MS: '200' },
      deepgram: { ttsRealtime: true, ttsBytesPerChar: 300 },
    });
  });
  afterAll(async () => e2e?.close());

  it('answering "Are you still there?" over it leaves the greeting whole, in the history and the transcript', async () => {
    e2e.openai.setScript(() => say('Great, how can I help?'));
    const call = await e2e.startCall();
    const greeting = await call.waitForHeard(/How can I help you today\?/, 8000);
    await call.waitForHeard('Are you', 4000);
    await call.say('Yes, I am still here, sorry about that.');
    await eventually('clear sent', () => call.clears.length > 0);
    await call.waitForHeard('Great, how can I help?', 8000);
    const assistant = messages(e2e.openai.requests.at(-1)!).filter((m) => m.role === 'assistant');
    expect(assistant.map((m) => m.content)).toEqual([greeting.trim(), 'Are you still there?']);
    await call.hangup();
    const record = await eventually('the call record', async () => {
      const written = await e2e.deps.calls.getCallRecord(call.callSid);
      return written?.outcome ? written : null;
    });
    const [first] = record.transcript as Record<string, unknown>[];
    expect(first).toMatchObject({ role: 'assistant', text: greeting.trim() });
    expect(first).not.toHaveProperty('interrupted');
  });
});
