/** The cancel_appointment Lambda, which manages reminder schedules (../lambda-handler.ts). */
import { reminderSchedulerForLambda } from '../../reminders/reminder-scheduler';
import { cancelAppointmentTool } from '../handlers/cancel-appointment';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(cancelAppointmentTool, {
  reminders: reminderSchedulerForLambda,
});
