/** The real providers and data stores, from the validated configuration. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Temporal } from 'temporal-polyfill';
import { CallsRepository } from '../data/calls-repo';
import { createDocumentClient } from '../data/dynamo-client';
import type { Logger } from '../observability/logger';
import { createDeepgramClient } from '../providers/deepgram/deepgram-client';
import { DeepgramSpeechToText } from '../providers/deepgram/deepgram-stt';
import { DeepgramTextToSpeech } from '../providers/deepgram/deepgram-tts';
import { OpenAiChatModel } from '../providers/openai/openai-chat-model';
import {
  DEFAULT_RECONNECT,
  ReconnectingSpeechToText,
  ReconnectingTextToSpeech,
  type ReconnectPolicy,
} from '../providers/reconnecting';
import { createReminderOutcomeRecorder } from '../reminders/call-outcome';
import { reminderSchedulerFromEnv } from '../reminders/reminder-scheduler';
import { TwilioCallControl } from '../telephony/call-control';
import { createToolDependencies } from '../tools/dependencies';
import { LambdaToolInvoker, LocalToolInvoker, type ToolInvoker } from '../tools/invoker';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';

export function createServerDependencies(config: ServerConfig, logger: Logger): ServerDependencies {
  const db = createDocumentClient();
  const deepgram = createDeepgramClient(config.deepgram);
  const now = () => Temporal.Now.instant();
  const reconnect: ReconnectPolicy = {
    ...DEFAULT_RECONNECT,
    onReconnect: (provider, outcome, close) =>
      logger[outcome === 'failed' ? 'error' : 'warn'](
        { provider, outcome, code: close.code, reason: close.reason },
        'provider socket dropped',
      ),
  };
  let invoker: ToolInvoker;
  if (config.tools.invoker === 'lambda') {
    invoker = new LambdaToolInvoker(new LambdaClient({ maxAttempts: 2 }), config.tools.functions, logger);
  } else {
    const vin = config.tools.vpicBaseUrl ? { vpicBaseUrl: config.tools.vpicBaseUrl } : {};
    invoker = new LocalToolInvoker(
      createToolDependencies({
        shop: config.shop,
        db,
        tables: config.tables,
        vin,
        reminders: reminderSchedulerFromEnv(process.env, { logger }),
      }),
      logger,
    );
  }
  return {
    calls: new CallsRepository(db, config.tables.calls),
    invoker,
    stt: new ReconnectingSpeechToText(
      new DeepgramSpeechToText(deepgram, {
        model: config.deepgram.sttModel,
        endpointingMs: config.deepgram.endpointingMs,
        utteranceEndMs: config.deepgram.utteranceEndMs,
      }),
      reconnect,
    ),
    tts: new ReconnectingTextToSpeech(new DeepgramTextToSpeech(deepgram, config.deepgram.voice), reconnect),
    model: new OpenAiChatModel({ ...config.openai }),
    reminderOutcome: createReminderOutcomeRecorder({ db, tables: config.tables, logger }),
    control: new TwilioCallControl({ ...config.twilio, publicBaseUrl: config.publicBaseUrl }),
    now,
  };
}
