/** The opt_out_of_reminders Lambda, which manages reminder schedules (../lambda-handler.ts). */
import { reminderSchedulerForLambda } from '../../reminders/reminder-scheduler';
import { optOutOfRemindersTool } from '../handlers/opt-out-of-reminders';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(optOutOfRemindersTool, {
  reminders: reminderSchedulerForLambda,
});
