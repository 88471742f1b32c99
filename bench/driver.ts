/**
 * Runs one concurrency level inside the fakes process: N callers, each a real-time Media Stream
 * from the fake Twilio that waits for the greeting, then asks, listens and (in barge-in turns)
 * interrupts, exactly as a person would — the caller only speaks again once the answer has played.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { DeepgramFake } from '../test/fakes/deepgram-fake';
import type { OpenAiFake } from '../test/fakes/openai-fake';
import type { CallRuntime } from '../test/fakes/twilio/call';
import type { TwilioFake } from '../test/fakes/twilio-fake';
import { analyseLevel, type CallRecord } from './analysis';
import { LoopStallRecorder } from './loop-stalls';
import type { Probes } from './probes';
import type { FakesLevelResult, LatencyProfile } from './protocol';
import {
  callerLine,
  interruptingLine,
  longAnswerStart,
  newScriptLog,
  plainAnswerEnd,
  type ScriptLog,
  tagOf,
  toolAnswerEnd,
  turnKind,
} from './script';

const GREETING = /How can I help you today\?/;
/** A caller waits this long for something they expect to hear before giving up on the call. */
const HEAR_TIMEOUT_MS = 30_000;
/** Pause between hearing the answer and speaking again. */
const THINK_MS = 250;
/** Call starts are spread over at most this long, like calls arriving, not one burst. */
const MAX_RAMP_MS = 4000;

export interface LevelContext {
  twilio: TwilioFake;
  deepgram: DeepgramFake;
  openai: OpenAiFake;
  probes: Probes;
  profile: LatencyProfile;
  /** Replaced per level, read by the model script. */
  scriptLog: ScriptLog;
}

export interface LevelArgs {
  calls: number;
  turns: number;
  serverBaseUrl: string;
  publicBaseUrl: string;
  lateFrameMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runCall(ctx: LevelContext, args: LevelArgs, id: number, record: CallRecord): Promise<void> {
  const call = (await ctx.twilio.startCall({
    serverBaseUrl: args.serverBaseUrl,
    publicBaseUrl: args.publicBaseUrl,
    from: `+1217555${String(1000 + (id % 9000)).padStart(4, '0')}`,
  })) as CallRuntime;
  record.runtime = call;
  if (call.upgradeRejected !== undefined || !call.stream) {
    throw new Error(`no media stream (HTTP ${call.upgradeRejected ?? call.webhookResponse.status})`);
  }
  await call.waitForHeard(GREETING, HEAR_TIMEOUT_MS);
  for (let turn = 1; turn <= args.turns; turn++) {
    await sleep(THINK_MS);
    const tag = tagOf(id, turn);
    const kind = turnKind(turn);
    const t0 = await call.say(callerLine(id, turn));
    record.utterances.push({ tag, kind, utterance: 'question', lastSpeechAt: t0, sayCalledAt: 0 });
    if (kind === 'barge-in') {
      await call.waitForHeard(longAnswerStart(tag), HEAR_TIMEOUT_MS);
      const sayCalledAt = performance.now();
      const t1 = await call.say(interruptingLine(id, turn));
      const after = tagOf(id, turn, true);
      record.utterances.push({
        tag: after,
        kind,
        utterance: 'after-barge-in',
        lastSpeechAt: t1,
        sayCalledAt,
      });
      await call.waitForHeard(plainAnswerEnd(after), HEAR_TIMEOUT_MS);
    } else {
      await call.waitForHeard(kind === 'tool' ? toolAnswerEnd(tag) : plainAnswerEnd(tag), HEAR_TIMEOUT_MS);
    }
  }
  if (call.protocolErrors.length > 0) throw new Error(`protocol errors: ${call.protocolErrors.join(' | ')}`);
  await call.hangup();
  record.completed = true;
}

export async function runLevel(
  ctx: LevelContext,
  args: LevelArgs,
  progress: (done: number, failed: number, active: number) => void,
): Promise<FakesLevelResult> {
  const started = performance.now();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const stalls = new LoopStallRecorder();
  stalls.start();
  ctx.scriptLog = newScriptLog();
  const records: CallRecord[] = [];
  let done = 0;
  let failed = 0;
  const report = () => progress(done, failed, records.length - done - failed);
  const ticker = setInterval(report, 1000);
  const ramp = args.calls > 1 ? Math.min(100, MAX_RAMP_MS / args.calls) : 0;
  try {
    await Promise.all(
      Array.from({ length: args.calls }, async (_, i) => {
        await sleep(i * ramp);
        const record: CallRecord = { id: i + 1, utterances: [], completed: false };
        records.push(record);
        try {
          await runCall(ctx, args, record.id, record);
          done++;
        } catch (error) {
          failed++;
          record.failure = `call ${record.id}: ${(error as Error).message.slice(0, 300)}`;
          await record.runtime?.hangup().catch(() => undefined);
        }
      }),
    );
  } finally {
    clearInterval(ticker);
    stalls.stop();
  }
  report();
  // The server closes each call's Deepgram sockets after the hang-up; let the last ones arrive.
  await sleep(500);
  loopDelay.disable();
  const result = analyseLevel(ctx, args, records, performance.now() - started, stalls.stalls);
  // Like the server's figure: what exceeds the 10 ms sampling interval.
  result.fakesEventLoopDelayP99Ms = Math.max(0, Math.round(loopDelay.percentile(99) / 1e4 - 1000) / 100);
  for (const failure of ctx.scriptLog.toolFailures) result.failures.push(failure);
  // Each level starts from empty records, so memory and look-ups do not grow level after level.
  ctx.twilio.calls.length = 0;
  ctx.deepgram.stt.length = 0;
  ctx.deepgram.tts.length = 0;
  ctx.openai.requests.length = 0;
  ctx.openai.timeline.length = 0;
  ctx.probes.clear();
  return result;
}
