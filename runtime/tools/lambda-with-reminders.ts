/**
 * The entry point of the tool Lambdas that manage reminder schedules (TOOL_CATALOG's
 * `managesReminders`); the stack gives them the REMINDER_* environment and Scheduler access.
 */
import { reminderSchedulerFromEnv } from '../reminders/reminder-scheduler';
import { createToolLambdaHandler } from './lambda-handler';

export const handler = createToolLambdaHandler({
  entry: 'withReminders',
  reminders: (logger) => reminderSchedulerFromEnv(process.env, { logger }),
});
