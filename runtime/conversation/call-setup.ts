/**
 * What a call is given: its dependencies and turn-taking settings (from the server's config), and
 * what the media stream says about the call when it starts. Kept apart from CallSession so the
 * server can build these without reaching into the session's workings.
 */

import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { CallsRepository } from '../data/calls-repo';
import type { Logger } from '../observability/logger';
import type { ChatModel, ChatToolSpec, SpeechToText, TextToSpeech } from '../providers/interfaces';
import type { CallControl } from '../telephony/call-control';
import type { ToolInvoker } from '../tools/invoker';
import type { BargeInSettings } from './barge-in';
import type { TwilioOutput } from './speech-output';

export interface TurnTakingSettings {
  bargeIn: BargeInSettings;
  /** After an interruption that no words follow (a false alarm), resume after this long. */
  resumeAfterMs: number;
  fillerAfterMs: number;
  /** Time the model has to start answering, its retries included (RES-07). */
  firstTokenBudgetMs: number;
  silenceMs: number;
  maxCallMs: number;
}

export interface CallSessionDependencies {
  shop: ShopConfig;
  stt: SpeechToText;
  tts: TextToSpeech;
  model: ChatModel;
  tools: readonly ChatToolSpec[];
  invoker: ToolInvoker;
  calls: CallsRepository;
  control: CallControl;
  logger: Logger;
  now: () => Temporal.Instant;
  settings: {
    maxToolRounds: number;
    historyMaxTokens: number;
    turnTaking: TurnTakingSettings;
    /** Per-call ceilings on spend (SEC-16): model tokens, and tool calls. */
    perCall: { maxTokens: number; maxToolCalls: number };
  };
}

export interface CallStart {
  callSid: string;
  direction: 'inbound' | 'outbound';
  callerPhone: string | null;
  twilio: TwilioOutput;
  /** Closes the media stream, which ends a <Connect> without action: the last resort for hang-up. */
  closeStream(): void;
  /** Set on reminder calls: the appointment the call is about. */
  appointmentId?: string;
  /** A new stream for a call whose stream dropped: the conversation carries on (RES-02). */
  resumed?: boolean;
}
