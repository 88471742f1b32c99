/** The add_vehicle Lambda (../lambda-handler.ts). */
import { addVehicle } from '../handlers/add-vehicle';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(addVehicle);
