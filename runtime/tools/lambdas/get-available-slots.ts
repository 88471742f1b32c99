/** The get_available_slots Lambda (../lambda-handler.ts). */
import { getAvailableSlots } from '../handlers/get-available-slots';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(getAvailableSlots);
