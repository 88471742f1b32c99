/** The reschedule_appointment Lambda, which manages reminder schedules (../lambda-handler.ts). */
import { reminderSchedulerForLambda } from '../../reminders/reminder-scheduler';
import { rescheduleAppointmentTool } from '../handlers/reschedule-appointment';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(rescheduleAppointmentTool, {
  reminders: reminderSchedulerForLambda,
});
