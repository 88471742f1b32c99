/**
 * Runs one tool call: validates the event and the arguments, enforces the session's identity,
 * and turns every outcome — including unexpected exceptions — into a ToolResult. Nothing thrown
 * here reaches the caller as a crash or a 500.
 */

import { formatPath } from '../config/shop-config';
import type { Logger } from '../observability/logger';
import type * as z from '../zod';
import type { ToolName } from './catalog';
import { type ToolEvent, ToolFailure, type ToolResult, toolEventSchema } from './contract';
import { parametersFor, type ToolDefinition, type ToolDependencies } from './define-tool';

/**
 * The tools a caller of executeTool can run: all of them in the voice server (handlers/index.ts),
 * one in a tool Lambda, whose bundle then carries only that tool's code.
 */
export type ToolDefinitions = Partial<Record<ToolName, ToolDefinition>>;

export async function executeTool(
  rawEvent: unknown,
  deps: ToolDependencies,
  definitions: ToolDefinitions,
  logger?: Pick<Logger, 'warn' | 'error'>,
): Promise<ToolResult> {
  const parsedEvent = toolEventSchema.safeParse(rawEvent);
  if (!parsedEvent.success) {
    const issue = parsedEvent.error.issues[0];
    const field = issue ? formatPath(issue.path) : '';
    return {
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: `The tool request was malformed at "${field || 'event'}": ${issue?.message ?? 'invalid'}.`,
        field: field || 'event',
      },
      session: { customerId: null },
    };
  }
  const event: ToolEvent = parsedEvent.data;
  const session = event.session;
  const fail = (error: ToolResult & { ok: false }) => error;

  if (event.session.shopId !== deps.shop.shopId) {
    return fail({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: 'This request was meant for another shop.',
        field: 'session.shopId',
      },
      session: { customerId: session.customerId },
    });
  }

  const definition = definitions[event.tool];
  if (!definition) {
    return fail({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: `This function only runs ${Object.keys(definitions).join(', ')}.`,
        field: 'tool',
      },
      session: { customerId: session.customerId },
    });
  }
  const args = parametersFor(definition, deps.shop).safeParse(event.arguments);
  if (!args.success) {
    const { field, message } = describeArgumentIssue(args.error);
    return fail({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message, field },
      session: { customerId: session.customerId },
    });
  }
  if (definition.requiresCustomer && !session.customerId) {
    return fail({
      ok: false,
      error: {
        code: 'CUSTOMER_REQUIRED',
        message: 'I need to find or create the customer record first, before I can do that.',
      },
      session: { customerId: null },
    });
  }

  try {
    const success = await definition.execute(args.data, { session, deps });
    return {
      ok: true,
      result: success.result,
      session: { customerId: success.bindCustomerId ?? session.customerId },
    };
  } catch (error) {
    if (error instanceof ToolFailure) {
      return fail({
        ok: false,
        error: {
          code: error.code,
          message: error.message,
          ...(error.extra.field ? { field: error.extra.field } : {}),
          ...(error.extra.details ? { details: error.extra.details } : {}),
        },
        session: { customerId: session.customerId },
      });
    }
    // Unexpected: log the kind of failure only (no arguments: they may carry PII).
    logger?.error({ tool: event.tool, callSid: session.callSid, err: errorSummary(error) }, 'tool failed');
    const transient = isTransient(error);
    return fail({
      ok: false,
      error: {
        code: transient ? 'UNAVAILABLE' : 'INTERNAL',
        message: transient
          ? 'Our booking system is busy right now; please try again in a moment.'
          : 'Something went wrong on our side while doing that.',
      },
      session: { customerId: session.customerId },
    });
  }
}

function describeArgumentIssue(error: z.core.$ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    return {
      field: issue.keys[0] ?? '',
      message: `The argument "${issue.keys[0]}" is not accepted by this tool.`,
    };
  }
  const field = formatPath(issue.path) || 'arguments';
  const text = issue.message.replace(/^Invalid input: /, '');
  return { field, message: `Invalid ${field}: ${text}.` };
}

/**
 * Name, the start of the message, and the frames of the stack without its first line (which repeats
 * the message): where it failed, in TypeScript positions (runtime/observability/source-mapped-stacks.ts).
 */
function errorSummary(error: unknown): { name: string; message: string; stack?: string } {
  const e = error as Error;
  const frames =
    typeof e?.stack === 'string' ? e.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  return {
    name: e?.name ?? 'Error',
    message: String(e?.message ?? error).slice(0, 200),
    ...(frames.length > 0 ? { stack: frames.slice(0, 12).join('\n') } : {}),
  };
}

function isTransient(error: unknown): boolean {
  const name = (error as Error)?.name ?? '';
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TransactionConflict|InternalServer|ServiceUnavailable|TimeoutError|ECONNRESET|ECONNREFUSED/.test(
    name,
  );
}
