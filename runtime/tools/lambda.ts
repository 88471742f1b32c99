/**
 * The entry point of the tool Lambdas that never create or delete a reminder schedule. Their bundle
 * leaves the Scheduler client out; the reminder tools are deployed from lambda-with-reminders.ts.
 */
import { NoopReminderScheduler } from '../reminders/reminder-scheduler';
import { createToolLambdaHandler } from './lambda-handler';

export const handler = createToolLambdaHandler({
  entry: 'withoutReminders',
  reminders: () => new NoopReminderScheduler(),
});
