/**
 * Tools the model can call that act on the phone call itself, not on shop data. They run in the
 * voice server (they need the live call), and like the data tools each is one zod schema that
 * yields both the JSON Schema the model sees and the validation of what it sends back.
 */
import type { ChatToolSpec } from '../providers/interfaces';
import * as z from '../zod';

const reason = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(200), z.describe('Why, in a few words (for the call record)'));

const CALL_CONTROL_SCHEMAS = {
  end_call: {
    description:
      'Hang up. Call this only after the caller has said goodbye or confirmed they need nothing else; ' +
      'say your short goodbye in the same response, it is played to the end before the line closes.',
    parameters: z.strictObject({ reason }),
  },
  transfer_to_human: {
    description:
      'Transfer the caller to a person at the shop. Use it when the caller asks for a person, when you ' +
      'cannot help, or after repeated problems. Tell the caller you are transferring them in the same response.',
    parameters: z.strictObject({ reason }),
  },
} as const;

export type CallControlToolName = keyof typeof CALL_CONTROL_SCHEMAS;
export type CallControlRequest = { name: CallControlToolName; reason: string };

export const CALL_CONTROL_TOOL_NAMES = Object.keys(CALL_CONTROL_SCHEMAS) as CallControlToolName[];

export function isCallControlTool(name: string): name is CallControlToolName {
  return Object.hasOwn(CALL_CONTROL_SCHEMAS, name);
}

export function callControlToolSpecs(): ChatToolSpec[] {
  return CALL_CONTROL_TOOL_NAMES.map((name) => {
    const { $schema: _ignored, ...parameters } = z.toJSONSchema(CALL_CONTROL_SCHEMAS[name].parameters, {
      io: 'input',
      target: 'draft-7',
    }) as Record<string, unknown>;
    return {
      type: 'function',
      function: { name, description: CALL_CONTROL_SCHEMAS[name].description, parameters },
    };
  });
}

/** Validates the model's arguments; a missing or odd reason is not worth refusing a hang-up over. */
export function parseCallControl(name: CallControlToolName, argumentsJson: string): CallControlRequest {
  let json: unknown = {};
  try {
    json = argumentsJson.trim() ? JSON.parse(argumentsJson) : {};
  } catch {
    // Fall through with no reason.
  }
  const parsed = CALL_CONTROL_SCHEMAS[name].parameters.safeParse(json);
  return { name, reason: parsed.success ? parsed.data.reason : 'unspecified' };
}
