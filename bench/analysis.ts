/**
 * Turns one level's raw fake-side timestamps into per-turn samples. Every number here comes from
 * the fakes' clock (one process, one performance.now()), never from the server's own metrics:
 *
 * voice-to-voice = first assistant media frame received by the fake Twilio − last caller speech
 *                  frame it sent.
 * provider time  = stt + llm + tts, where
 *   stt = when the fake Twilio sent the frame that completed the endpointing silence
 *         (max(1, ⌈endpointingMs / 20⌉) frames after the last speech frame) − last speech frame;
 *   llm = per model request the server needed before it could speak: [request fully received →
 *         delta that completed the first sentence written] for the answer, plus [request received
 *         → stream finished] for a tool-call round before it;
 *   tts = Flush of the first sentence received by the fake Deepgram → its first audio byte sent.
 * overhead       = voice-to-voice − provider time: forwarding, our turn logic, tool execution
 *                  (in-process, on DynamoDB Local) and every hop through our server.
 */
import type { SttConnection, TtsConnection } from '../test/fakes/deepgram-fake';
import type { CallRuntime } from '../test/fakes/twilio/call';
import type { LevelArgs, LevelContext } from './driver';
import { type LateFrame, lateFrameBursts } from './late-frames';
import { type LoopStall, longestStall } from './loop-stalls';
import { type FrameLog, TAG } from './probes';
import type {
  Distribution,
  FakesLevelResult,
  InterruptionSample,
  OverheadHops,
  TurnKind,
  TurnSample,
} from './protocol';

export interface UtteranceRecord {
  tag: string;
  kind: TurnKind;
  utterance: TurnSample['utterance'];
  /** performance.now() when the last speech frame was sent (what say() resolved with). */
  lastSpeechAt: number;
  /** For the interrupting words: when the caller started saying them. */
  sayCalledAt: number;
}

export interface CallRecord {
  id: number;
  runtime?: CallRuntime;
  utterances: UtteranceRecord[];
  completed: boolean;
  failure?: string;
}

const FRAME_MS = 20;
const BARGE_IN_MIN_WORDS = 2;

export function distribution(values: number[]): Distribution {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0
      ? null
      : round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Which call a provider socket served, read from the tags in what it heard or said. */
function callOf(texts: string[]): number | undefined {
  for (const text of texts) {
    const match = new RegExp(TAG.source).exec(text);
    if (match) return Number(match[1]);
  }
  return undefined;
}

function lastSpeechIndex(log: FrameLog, at: number): number {
  for (let i = log.sentAt.length - 1; i >= 0; i--) if (log.speech[i] && log.sentAt[i]! <= at + 1e-6) return i;
  return -1;
}

function firstAfter(values: number[], at: number): number | undefined {
  return values.find((value) => value > at);
}

export function analyseLevel(
  ctx: LevelContext,
  args: LevelArgs,
  records: CallRecord[],
  durationMs: number,
  fakesStalls: readonly LoopStall[] = [],
): FakesLevelResult {
  const stt = new Map<number, SttConnection>();
  for (const connection of ctx.deepgram.stt) {
    const id = callOf(connection.transcripts);
    if (id !== undefined) stt.set(id, connection);
  }
  const tts = new Map<number, TtsConnection>();
  for (const connection of ctx.deepgram.tts) {
    const id = callOf(connection.spoken);
    if (id !== undefined) tts.set(id, connection);
  }
  const endpointFrames = Math.max(1, Math.ceil((ctx.profile.deepgram.endpointingMs ?? 0) / FRAME_MS));
  const requestAt = (index: number | undefined) =>
    index === undefined ? undefined : ctx.openai.requests[index]?.at;
  const doneAt = (index: number | undefined) =>
    ctx.openai.timeline.find((entry) => entry.requestIndex === index)?.doneAt;

  const turns: TurnSample[] = [];
  const interruptions: InterruptionSample[] = [];
  const forward: number[] = [];
  const pacing: number[] = [];
  const late: LateFrame[] = [];
  let levelStart = Number.POSITIVE_INFINITY;

  for (const record of records) {
    const call = record.runtime;
    const log = call ? ctx.probes.frames.get(call) : undefined;
    if (!call || !log) continue;
    const sttConnection = stt.get(record.id);
    const ttsProbe = tts.get(record.id) && ctx.probes.ttsOf(tts.get(record.id)!);
    const mediaTimes = call.received.filter((r) => r.message?.event === 'media').map((r) => r.at);

    for (const u of record.utterances) {
      const firstAudio = firstAfter(mediaTimes, u.lastSpeechAt);
      if (firstAudio === undefined) continue;
      const voiceToVoiceMs = firstAudio - u.lastSpeechAt;
      const trigger = log.sentAt[lastSpeechIndex(log, u.lastSpeechAt) + endpointFrames];
      const sttMs = trigger === undefined ? Number.NaN : trigger - u.lastSpeechAt;
      const answer = ctx.scriptLog.answerRequest.get(u.tag);
      const sentence = ctx.probes.firstSentenceAt.get(u.tag);
      const isToolQuestion = u.kind === 'tool' && u.utterance === 'question';
      const toolRequest = isToolQuestion ? ctx.scriptLog.toolRequest.get(u.tag) : undefined;
      let llmMs = sentence === undefined ? Number.NaN : sentence - (requestAt(answer) ?? Number.NaN);
      if (isToolQuestion)
        llmMs += (doneAt(toolRequest) ?? Number.NaN) - (requestAt(toolRequest) ?? Number.NaN);
      // The first piece flushed after the caller stopped must be this answer's, not a filler.
      const firstFlush = ttsProbe?.flushes.find((f) => f.at > u.lastSpeechAt);
      const own = firstFlush?.text.includes(u.tag) ? firstFlush : undefined;
      const firstByte = own && ttsProbe ? firstAfter(ttsProbe.binarySends, own.at) : undefined;
      const ttsMs = own && firstByte !== undefined ? firstByte - own.at : Number.NaN;
      const overhead = voiceToVoiceMs - sttMs - llmMs - ttsMs;
      const endpointAt = sttConnection?.sent.find(
        (s) => s.at > u.lastSpeechAt && s.message?.type === 'Results' && s.message.speech_final === true,
      )?.at;
      const hops: OverheadHops = {
        endpoint: (endpointAt ?? Number.NaN) - (trigger ?? Number.NaN),
        toModel:
          (requestAt(isToolQuestion ? toolRequest : answer) ?? Number.NaN) - (endpointAt ?? Number.NaN),
        toolRound: isToolQuestion
          ? (requestAt(answer) ?? Number.NaN) - (doneAt(toolRequest) ?? Number.NaN)
          : null,
        toTts: (own?.at ?? Number.NaN) - (sentence ?? Number.NaN),
        toTwilio: firstAudio - (firstByte ?? Number.NaN),
      };
      const hopsKnown = Object.values(hops).every((v) => v === null || Number.isFinite(v));
      turns.push({
        call: record.id,
        turn: Number(/ t(\d+)/.exec(u.tag)![1]),
        kind: u.kind,
        utterance: u.utterance,
        voiceToVoiceMs: round(voiceToVoiceMs),
        sttMs: round(sttMs),
        llmMs: round(llmMs),
        ttsMs: round(ttsMs),
        overheadMs: Number.isFinite(overhead) ? round(overhead) : null,
        hops:
          Number.isFinite(overhead) && hopsKnown
            ? {
                endpoint: round(hops.endpoint),
                toModel: round(hops.toModel),
                toolRound: hops.toolRound === null ? null : round(hops.toolRound),
                toTts: round(hops.toTts),
                toTwilio: round(hops.toTwilio),
              }
            : null,
      });

      if (u.utterance === 'after-barge-in') {
        const start = log.sentAt.find((at, i) => log.speech[i] && at >= u.sayCalledAt);
        const clear = start === undefined ? undefined : firstAfter(call.clears, start);
        if (start === undefined || clear === undefined) continue;
        const sttEvent = sttConnection?.sent.find(
          (s) =>
            s.at > start &&
            s.message?.type === 'Results' &&
            String(s.message.channel?.alternatives?.[0]?.transcript ?? '')
              .trim()
              .split(/\s+/).length >= BARGE_IN_MIN_WORDS,
        );
        interruptions.push({
          call: record.id,
          speechToClearMs: round(clear - start),
          sttEventToClearMs: sttEvent ? round(clear - sttEvent.at) : null,
        });
      }
    }

    // Frames reach Deepgram one for one once its socket is open, so align both logs from the end.
    if (sttConnection) {
      const arrivals = sttConnection.frameArrivals;
      const n = Math.min(arrivals.length, log.sentAt.length);
      for (let k = 1; k <= n; k++) {
        const sentAt = log.sentAt[log.sentAt.length - k]!;
        const delay = arrivals[arrivals.length - k]! - sentAt;
        forward.push(delay);
        if (delay > args.lateFrameMs) late.push({ sentAt, delayMs: delay, call: record.id });
      }
    }
    const first = log.sentAt[0]!;
    if (log.sentAt.length > 0) levelStart = Math.min(levelStart, first);
    for (let i = 0; i < log.sentAt.length; i++) pacing.push(log.sentAt[i]! - (first + i * FRAME_MS));
  }

  return {
    calls: args.calls,
    completed: records.filter((r) => r.completed).length,
    failures: records.flatMap((r) => (r.failure ? [r.failure] : [])),
    turns,
    interruptions,
    inboundForwardMs: distribution(forward),
    lateInboundFrames: late.length,
    lateFrameBursts: lateFrameBursts(late, levelStart, fakesStalls),
    twilioPacingLagMs: distribution(pacing),
    fakesEventLoopDelayP99Ms: 0,
    fakesLongestStallMs: Math.round(longestStall(fakesStalls) * 10) / 10,
    durationMs: Math.round(durationMs),
  };
}
