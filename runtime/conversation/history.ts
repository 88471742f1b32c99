/**
 * The conversation as the model sees it. Tool calls and their results stay together (the API
 * rejects a tool result without its call), and the oldest turns are dropped by (estimated) token
 * count before the context limit approaches; the system prompt is always kept.
 */
import type { ChatMessage } from '../providers/interfaces';

export interface HistoryOptions {
  /** Trim the oldest turns once the conversation is above this many tokens. */
  maxTokens: number;
}

const PER_MESSAGE_OVERHEAD = 4;

/** What GPT-4o's tokenizer (o200k) cuts a text into before BPE: letters, up to 3 digits, symbols. */
const PIECES = /\p{L}+|\p{N}{1,3}|[^\s\p{L}\p{N}]+/gu;

/**
 * A text's token count, estimated as the pieces o200k's pre-tokenizer cuts it into: 0.88–1.21 of
 * the exact count on the prompt, utterances and tool results (test/conversation/history.test.ts).
 * Exact BPE cost its rank table, 20 MB of heap per task that every full GC marks (~10 ms more per
 * collection), 140 ms at start and ~1.5 % of the CPU at 100 calls; the limit it serves only keeps
 * the requests from growing without bound, far below the model's context.
 */
export function estimateTokens(text: string): number {
  return text.match(PIECES)?.length ?? 0;
}

function tokensOf(message: ChatMessage): number {
  let text = message.content ?? '';
  if (message.role === 'assistant' && message.tool_calls) {
    for (const call of message.tool_calls) text += call.function.name + call.function.arguments;
  }
  return estimateTokens(text) + PER_MESSAGE_OVERHEAD;
}

export class ConversationHistory {
  private readonly messages: { message: ChatMessage; tokens: number }[] = [];
  private systemPrompt: { message: ChatMessage; tokens: number };
  private total = 0;

  constructor(
    systemPrompt: string,
    private readonly options: HistoryOptions,
  ) {
    const system: ChatMessage = { role: 'system', content: systemPrompt };
    this.systemPrompt = { message: system, tokens: tokensOf(system) };
  }

  add(message: ChatMessage): void {
    const entry = { message, tokens: tokensOf(message) };
    if (message.role === 'tool') {
      // A line of the call's own ("Let me transfer you") can be said while the tools run; their
      // results still belong right after their call, or the API rejects the whole conversation.
      const at = this.resultPosition(message.tool_call_id);
      if (at < 0) return;
      this.messages.splice(at, 0, entry);
    } else {
      this.messages.push(entry);
    }
    this.total += entry.tokens;
    this.trim();
  }

  /** Adds words to the last message if it is the caller's (they kept talking); false otherwise. */
  appendToLastUser(text: string): boolean {
    const last = this.messages.at(-1);
    if (last?.message.role !== 'user') return false;
    this.total -= last.tokens;
    last.message = { role: 'user', content: `${last.message.content} ${text}` };
    last.tokens = tokensOf(last.message);
    this.total += last.tokens;
    return true;
  }

  /** Replaces the content of the last assistant message (e.g. cut to what the caller heard). */
  replaceLastAssistantText(content: string): void {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const entry = this.messages[i]!;
      if (entry.message.role === 'assistant' && !entry.message.tool_calls) {
        this.total -= entry.tokens;
        entry.message = { role: 'assistant', content };
        entry.tokens = tokensOf(entry.message);
        this.total += entry.tokens;
        return;
      }
    }
  }

  /** Just after the call's other results; -1 if the call is not (or no longer) in the history. */
  private resultPosition(toolCallId: string): number {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const candidate = this.messages[i]!.message;
      if (candidate.role !== 'assistant' || !candidate.tool_calls?.some((c) => c.id === toolCallId)) continue;
      let at = i + 1;
      while (at < this.messages.length && this.messages[at]!.message.role === 'tool') at++;
      return at;
    }
    return -1;
  }

  snapshot(): ChatMessage[] {
    return [this.systemPrompt.message, ...this.messages.map((m) => m.message)];
  }

  get tokenCount(): number {
    return this.systemPrompt.tokens + this.total;
  }

  private trim(): void {
    while (this.tokenCount > this.options.maxTokens && this.messages.length > 1) {
      // Drop whole groups: an assistant tool-call message goes together with its tool results.
      let drop = 1;
      const first = this.messages[0]!.message;
      if (first.role === 'assistant' && first.tool_calls) {
        while (drop < this.messages.length && this.messages[drop]!.message.role === 'tool') drop++;
      }
      // Never leave orphaned tool results at the front.
      while (drop < this.messages.length && this.messages[drop]!.message.role === 'tool') drop++;
      for (const removed of this.messages.splice(0, drop)) this.total -= removed.tokens;
    }
  }
}
