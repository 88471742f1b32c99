/** The decode_vin Lambda (../lambda-handler.ts). */
import { decodeVinTool } from '../handlers/decode-vin';
import { createToolLambdaHandler } from '../lambda-handler';

export const handler = createToolLambdaHandler(decodeVinTool);
