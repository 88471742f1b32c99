import type { Temporal } from 'temporal-polyfill';
import type { CallsRepository } from '../data/calls-repo';
import type { ChatModel, SpeechToText, TextToSpeech } from '../providers/interfaces';
import type { ReminderCallOutcomeInput } from '../reminders/call-outcome';
import type { CallControl } from '../telephony/call-control';
import type { ToolInvoker } from '../tools/invoker';

/** Everything the server talks to, injected so tests and `npm run dev` can choose the parts. */
export interface ServerDependencies {
  calls: CallsRepository;
  invoker: ToolInvoker;
  stt: SpeechToText;
  tts: TextToSpeech;
  model: ChatModel;
  /** Hang-up and transfer of live calls (Twilio REST). */
  control: CallControl;
  now: () => Temporal.Instant;
  /** Records how a reminder call ended on its appointment (from the status callback). */
  reminderOutcome?: (input: ReminderCallOutcomeInput) => Promise<unknown>;
}
