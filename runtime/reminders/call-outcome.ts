/**
 * The end of a reminder call, as Twilio's status callback reports it. The voice server calls
 * `recordReminderCallOutcome` from `POST /twilio/status?appointmentId=…` (the dialer puts the
 * appointment id on the status callback URL; the query string is part of the signed URL).
 *
 * completed → 'reminded' (a person or the voicemail heard it; a fax → 'failed');
 * no-answer / busy / failed on the first attempt → 'retry_scheduled' when the dialer created the
 * single retry (inside the calling window, see planRetry), else the status itself, final;
 * canceled → 'failed'. Non-final statuses (queued, initiated, ringing, in-progress) change nothing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Temporal } from 'temporal-polyfill';
import { AppointmentsRepository } from '../data/appointments-repo';
import type { ReminderStatus } from '../data/records';
import { ReminderStateRepository } from '../data/reminder-state-repo';
import type { TableNames } from '../data/table-definitions';
import type { Logger } from '../observability/logger';
import * as z from '../zod';

export const reminderCallOutcomeSchema = z.strictObject({
  appointmentId: z
    .string()
    .check(z.regex(/^apt_[0-9A-Z]{10}$/, 'must be an appointment id such as "apt_7K3M9Q2XAB"')),
  callSid: z.string().check(z.regex(/^CA[0-9a-f]{32}$/i, 'must be a Twilio Call SID ("CA" + 32 hex digits)')),
  /** Twilio's CallStatus. */
  callStatus: z.enum([
    'queued',
    'initiated',
    'ringing',
    'in-progress',
    'answered',
    'completed',
    'busy',
    'failed',
    'no-answer',
    'canceled',
  ]),
  /** Twilio's AnsweredBy (AMD), when present. */
  answeredBy: z.optional(
    z.enum([
      'human',
      'machine_start',
      'machine_end_beep',
      'machine_end_silence',
      'machine_end_other',
      'fax',
      'unknown',
    ]),
  ),
});
export type ReminderCallOutcomeInput = z.input<typeof reminderCallOutcomeSchema>;

export type ReminderCallOutcome =
  | { recorded: true; status: ReminderStatus }
  | { recorded: false; reason: 'not_final' | 'invalid' | 'not_this_call' };

export interface ReminderOutcomeDependencies {
  appointments: Pick<AppointmentsRepository, 'get'>;
  state: ReminderStateRepository;
  now: () => Temporal.Instant;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

type FinalStatus = Extract<ReminderStatus, 'reminded' | 'no_answer' | 'busy' | 'failed'>;

function finalStatus(callStatus: string, answeredBy: string | undefined): FinalStatus | null {
  switch (callStatus) {
    case 'completed':
      return answeredBy === 'fax' ? 'failed' : 'reminded';
    case 'no-answer':
      return 'no_answer';
    case 'busy':
      return 'busy';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

export async function recordReminderCallOutcome(
  deps: ReminderOutcomeDependencies,
  input: ReminderCallOutcomeInput,
): Promise<ReminderCallOutcome> {
  const parsed = reminderCallOutcomeSchema.safeParse(input);
  if (!parsed.success) {
    deps.logger?.warn(
      { issue: parsed.error.issues[0]?.path.join('.') },
      'reminder call outcome ignored: invalid',
    );
    return { recorded: false, reason: 'invalid' };
  }
  const { appointmentId, callSid, callStatus, answeredBy } = parsed.data;
  const final = finalStatus(callStatus, answeredBy);
  if (!final) return { recorded: false, reason: 'not_final' };
  const now = deps.now();
  const appointment = await deps.appointments.get(appointmentId);
  if (!appointment || appointment.reminderCallSid !== callSid)
    return { recorded: false, reason: 'not_this_call' };

  const unanswered =
    final === 'no_answer' || final === 'busy' || (final === 'failed' && callStatus === 'failed');
  const retryPending =
    unanswered &&
    appointment.reminderAttempt === 1 &&
    appointment.reminderRetryAt !== undefined &&
    Temporal.Instant.compare(Temporal.Instant.from(appointment.reminderRetryAt), now) > 0;
  const status: ReminderStatus = retryPending ? 'retry_scheduled' : final;
  const recorded = await deps.state.recordOutcome(
    appointmentId,
    callSid,
    status,
    answeredBy,
    now.toString({ smallestUnit: 'second' }),
  );
  if (!recorded) return { recorded: false, reason: 'not_this_call' };
  deps.logger?.info({ appointmentId, callSid, status, answeredBy }, 'reminder call outcome recorded');
  return { recorded: true, status };
}

/** What the voice server holds to record outcomes: built once from its DynamoDB client and tables. */
export function createReminderOutcomeRecorder(options: {
  db: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'appointments' | 'slots' | 'customers' | 'vehicles'>;
  now?: () => Temporal.Instant;
  logger?: Pick<Logger, 'info' | 'warn'>;
}): (input: ReminderCallOutcomeInput) => Promise<ReminderCallOutcome> {
  const deps: ReminderOutcomeDependencies = {
    appointments: new AppointmentsRepository(options.db, options.tables),
    state: new ReminderStateRepository(options.db, options.tables.appointments),
    now: options.now ?? (() => Temporal.Now.instant()),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return (input) => recordReminderCallOutcome(deps, input);
}
