/**
 * How the voice server calls tools: one interface, two implementations. In AWS each tool is its
 * own Lambda (Invoke); in development and tests the same code runs in-process.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from '../observability/logger';
import type { ToolName } from './catalog';
import { type ToolEvent, type ToolResult, toolResultSchema } from './contract';
import type { ToolDependencies } from './define-tool';
import { executeTool } from './execute-tool';
import { TOOL_DEFINITIONS } from './handlers';

export interface ToolInvoker {
  invoke(event: ToolEvent, options?: { signal?: AbortSignal }): Promise<ToolResult>;
}

export class LocalToolInvoker implements ToolInvoker {
  constructor(
    private readonly deps: ToolDependencies,
    private readonly logger?: Pick<Logger, 'warn' | 'error'>,
  ) {}

  invoke(event: ToolEvent): Promise<ToolResult> {
    return executeTool(event, this.deps, TOOL_DEFINITIONS, this.logger);
  }
}

const unavailable = (event: ToolEvent, message: string): ToolResult => ({
  ok: false,
  error: { code: 'UNAVAILABLE', message },
  session: { customerId: event.session.customerId },
});

export class LambdaToolInvoker implements ToolInvoker {
  constructor(
    private readonly lambda: LambdaClient,
    /** Function name (or ARN) per tool, as the CDK stack passes them in TOOL_FUNCTIONS. */
    private readonly functionNames: Readonly<Record<ToolName, string>>,
    private readonly logger?: Pick<Logger, 'warn' | 'error'>,
  ) {}

  async invoke(event: ToolEvent, options: { signal?: AbortSignal } = {}): Promise<ToolResult> {
    const functionName = this.functionNames[event.tool];
    try {
      const response = await this.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
        options.signal ? { abortSignal: options.signal } : {},
      );
      const payload = response.Payload ? new TextDecoder().decode(response.Payload) : '';
      if (response.FunctionError) {
        this.logger?.error({ tool: event.tool, functionError: response.FunctionError }, 'tool Lambda failed');
        return unavailable(event, 'That system is not answering right now.');
      }
      const parsed = toolResultSchema.safeParse(JSON.parse(payload));
      if (!parsed.success) {
        this.logger?.error({ tool: event.tool }, 'tool Lambda returned an unexpected payload');
        return unavailable(event, 'That system gave an answer I could not read.');
      }
      return parsed.data;
    } catch (error) {
      this.logger?.error({ tool: event.tool, err: { name: (error as Error).name } }, 'tool invoke failed');
      return unavailable(event, 'That system is not answering right now.');
    }
  }
}
