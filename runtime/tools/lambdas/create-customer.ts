/** The create_customer Lambda (../lambda-handler.ts). */
import { createCustomer } from '../handlers/create-customer';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(createCustomer);
