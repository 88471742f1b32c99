/**
 * What the benchmark runner and the fakes process say to each other over the fork() IPC channel,
 * and the latency profiles the fakes play. Kept in one small file both sides import, so a change of
 * shape is a type error on both ends.
 */
import type { DeepgramFakeOptions } from '../test/fakes/deepgram-fake';
import type { LateFrameBurst } from './late-frames';

export type ProfileName = 'realistic' | 'zero';

export interface LatencyProfile {
  deepgram: DeepgramFakeOptions;
  /** How the fake model streams: time to first token, characters per delta, time between deltas. */
  llm: { ttftMs: number; chunkChars: number; interChunkMs: number };
}

/** ~60 tokens/s: one 4-character delta (about one token) every 16 ms. */
export const PROFILES: Record<ProfileName, LatencyProfile> = {
  realistic: {
    deepgram: { endpointingMs: 300, ttsFirstByteMs: 150, ttsRealtime: true, ttsBytesPerChar: 80 },
    llm: { ttftMs: 400, chunkChars: 4, interChunkMs: 16 },
  },
  // Endpointing cannot be 0 with real-time audio: the fake's wall-clock fallback would end an
  // utterance in the 20 ms between two frames. 100 ms is safe; like all provider time it is subtracted.
  zero: {
    deepgram: { endpointingMs: 100, ttsFirstByteMs: 0, ttsRealtime: false, ttsBytesPerChar: 80 },
    llm: { ttftMs: 0, chunkChars: 4, interChunkMs: 0 },
  },
};

export type TurnKind = 'text' | 'tool' | 'barge-in';

/** One answered caller utterance, with every component measured on the fakes' clock. */
export interface TurnSample {
  call: number;
  turn: number;
  kind: TurnKind;
  /** 'question' for the utterance of the turn, 'after-barge-in' for the words that interrupted. */
  utterance: 'question' | 'after-barge-in';
  voiceToVoiceMs: number;
  sttMs: number;
  llmMs: number;
  ttsMs: number;
  /** null when a component could not be attributed (e.g. a filler played first). */
  overheadMs: number | null;
  /** Where the overhead went, hop by hop; the hops sum to overheadMs. Null with it. */
  hops: OverheadHops | null;
}

/**
 * The overhead of one turn split at the wire events the fakes see, in the order they happen:
 * endpoint   frame that completed the endpointing silence sent by the fake Twilio → the fake
 *            Deepgram's speech_final result sent (frame forwarding plus the fake's own reaction);
 * toModel    that result sent → the model request fully received (our turn logic, prompt, HTTP);
 * toolRound  tool turns: the tool-call stream finished → the answer request received (the tool
 *            on DynamoDB Local plus the second request); null on other turns;
 * toTts      delta completing the first sentence written → its Flush received by the fake TTS;
 * toTwilio   first TTS audio byte sent → first media frame received by the fake Twilio.
 */
export interface OverheadHops {
  endpoint: number;
  toModel: number;
  toolRound: number | null;
  toTts: number;
  toTwilio: number;
}

export interface InterruptionSample {
  call: number;
  /** First speech frame of the interrupting words sent → `clear` received. */
  speechToClearMs: number;
  /** The Deepgram result that made it an interruption (≥ 2 words) sent → `clear` received. */
  sttEventToClearMs: number | null;
}

export interface Distribution {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface FakesLevelResult {
  calls: number;
  completed: number;
  failures: string[];
  turns: TurnSample[];
  interruptions: InterruptionSample[];
  /** Inbound frame: sent by the fake Twilio → received by the fake Deepgram. */
  inboundForwardMs: Distribution;
  lateInboundFrames: number;
  /** The late frames by burst (bench/late-frames.ts): one process stalling, or one call. */
  lateFrameBursts: LateFrameBurst[];
  /** How far behind its 20 ms schedule the fake Twilio sent frames (the fakes' own health). */
  twilioPacingLagMs: Distribution;
  fakesEventLoopDelayP99Ms: number;
  /** The longest the fakes' loop stood still in the level (bench/loop-stalls.ts), ms. */
  fakesLongestStallMs: number;
  durationMs: number;
}

export interface FakesReady {
  type: 'ready';
  twilio: { accountSid: string; authToken: string; restBaseUrl: string };
  openaiBaseUrl: string;
  deepgramBaseUrl: string;
}

export type ToFakes =
  | { type: 'start'; profile: ProfileName; apiKeys: { openai: string; deepgram: string } }
  | {
      type: 'run-level';
      calls: number;
      turns: number;
      serverBaseUrl: string;
      publicBaseUrl: string;
      /** A frame slower than this to reach Deepgram counts as late. */
      lateFrameMs: number;
    }
  | { type: 'stop' };

export type FromFakes =
  | FakesReady
  | { type: 'progress'; done: number; failed: number; active: number }
  | { type: 'level-result'; result: FakesLevelResult }
  | { type: 'error'; message: string };
