/**
 * The Lambda contract between the voice server and a tool: the event it sends, the result it
 * gets back. Both sides validate with these schemas.
 */
import * as z from '../zod';
import { TOOL_NAMES, type ToolName } from './catalog';

export const toolSessionSchema = z.strictObject({
  shopId: z.string().check(z.minLength(1)),
  callSid: z.string().check(z.minLength(1), z.maxLength(64)),
  /** E.164 caller ID from the signed Twilio webhook, or null when withheld. */
  callerPhone: z.nullable(z.string().check(z.maxLength(32))),
  /** The customer this call is bound to; only tools change it, never the model. */
  customerId: z.nullable(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type ToolSession = z.infer<typeof toolSessionSchema>;

export const toolEventSchema = z.strictObject({
  tool: z.enum(TOOL_NAMES as [ToolName, ...ToolName[]]),
  arguments: z.record(z.string(), z.unknown()),
  session: toolSessionSchema,
});
export type ToolEvent = z.infer<typeof toolEventSchema>;

export const TOOL_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'CUSTOMER_REQUIRED',
  'ALREADY_EXISTS',
  'SLOT_TAKEN',
  'OUTSIDE_HOURS',
  'CLOSED',
  'IN_PAST',
  'CONFLICT',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

export interface ToolError {
  code: ToolErrorCode;
  /** One sentence the assistant can relay to the caller. */
  message: string;
  /** The argument at fault, for INVALID_ARGUMENT. */
  field?: string;
  /** Extra machine-readable help, e.g. alternative slots after SLOT_TAKEN. */
  details?: Record<string, unknown>;
}

export type ToolResult =
  | { ok: true; result: Record<string, unknown>; session: { customerId: string | null } }
  | { ok: false; error: ToolError; session: { customerId: string | null } };

export const toolResultSchema: z.ZodMiniType<ToolResult> = z.union([
  z.object({
    ok: z.literal(true),
    result: z.record(z.string(), z.unknown()),
    session: z.object({ customerId: z.nullable(z.string()) }),
  }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.enum(TOOL_ERROR_CODES),
      message: z.string(),
      field: z.optional(z.string()),
      details: z.optional(z.record(z.string(), z.unknown())),
    }),
    session: z.object({ customerId: z.nullable(z.string()) }),
  }),
]);

/** Thrown inside tool implementations for an expected, relayable failure. */
export class ToolFailure extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    readonly extra: { field?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ToolFailure';
  }
}
