/** The get_upcoming_appointments Lambda (../lambda-handler.ts). */
import { getUpcomingAppointments } from '../handlers/get-upcoming-appointments';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(getUpcomingAppointments);
