/** The confirm_appointment Lambda (../lambda-handler.ts). */
import { confirmAppointmentTool } from '../handlers/confirm-appointment';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(confirmAppointmentTool);
