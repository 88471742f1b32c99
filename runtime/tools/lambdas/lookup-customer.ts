/** The lookup_customer Lambda (../lambda-handler.ts). */
import { lookupCustomer } from '../handlers/lookup-customer';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(lookupCustomer);
