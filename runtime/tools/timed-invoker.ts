import type { ToolEvent, ToolResult } from './contract';
import type { ToolInvoker } from './invoker';

/**
 * Times every tool call, whichever invoker runs it (a Lambda in AWS, in-process otherwise): how
 * long the caller waits on the tools is the part of a tool turn that is neither the model nor us.
 */
export class TimedToolInvoker implements ToolInvoker {
  constructor(
    private readonly inner: ToolInvoker,
    private readonly durations: { record(tool: string, ms: number): void },
  ) {}

  async invoke(event: ToolEvent, options?: { signal?: AbortSignal }): Promise<ToolResult> {
    const started = performance.now();
    try {
      return await this.inner.invoke(event, options);
    } finally {
      this.durations.record(event.tool, performance.now() - started);
    }
  }
}
