/** The book_appointment Lambda, which manages reminder schedules (../lambda-handler.ts). */
import { reminderSchedulerForLambda } from '../../reminders/reminder-scheduler';
import { bookAppointmentTool } from '../handlers/book-appointment';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(bookAppointmentTool, {
  reminders: reminderSchedulerForLambda,
});
