import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ChatModel, ChatRequest, ChatStreamEvent, ChatToolCall } from '../interfaces';
import { createNodeHttpFetch, type NodeHttpFetch } from './node-http-fetch';

export interface OpenAiChatModelOptions {
  apiKey: string;
  /** Defaults to OPENAI_BASE_URL as the SDK reads it, else api.openai.com. */
  baseURL?: string;
  model: string;
  /** Time to response headers; the SDK puts no limit on the streamed body. */
  timeoutMs?: number;
  maxRetries?: number;
  /** Defaults to node:http with keep-alive (node-http-fetch.ts), cheaper per streamed delta than undici. */
  fetch?: typeof fetch;
}

/** GPT-4o through Chat Completions streaming, with tool-call deltas assembled into whole calls. */
export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;
  /** Where the next request goes; preconnected to by warmUp. */
  private readonly completionsUrl: URL;
  private readonly nodeFetch: NodeHttpFetch | undefined;

  constructor(private readonly options: OpenAiChatModelOptions) {
    this.nodeFetch = options.fetch ? undefined : createNodeHttpFetch();
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      // One retry at most: the turn's own budget (RES-07) bounds the total wait anyway.
      timeout: options.timeoutMs ?? 4000,
      maxRetries: options.maxRetries ?? 1,
      fetch: options.fetch ?? this.nodeFetch,
    });
    this.completionsUrl = new URL(`${this.client.baseURL.replace(/\/+$/, '')}/chat/completions`);
  }

  warmUp(): void {
    this.nodeFetch?.preconnect(this.completionsUrl);
  }

  async *stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamEvent> {
    const stream = await this.client.chat.completions.create(
      {
        model: this.options.model,
        messages: request.messages as OpenAI.Chat.ChatCompletionMessageParam[],
        ...(request.tools.length > 0
          ? { tools: request.tools as OpenAI.Chat.ChatCompletionTool[], tool_choice: 'auto' as const }
          : {}),
        stream: true,
        stream_options: { include_usage: true },
      },
      { signal },
    );
    const calls = new Map<number, ChatToolCall>();
    let finishReason: string | null = null;
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      if (chunk.usage) {
        yield {
          type: 'usage',
          usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens },
        };
      }
      // The usage chunk has no choices; never assume choices[0] exists.
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta;
      if (delta?.content) yield { type: 'text', delta: delta.content };
      for (const part of delta?.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name = part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
        calls.set(part.index, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    if (calls.size > 0) {
      yield {
        type: 'tool_calls',
        calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call),
      };
    }
    yield { type: 'done', finishReason };
  }
}
