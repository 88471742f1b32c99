/**
 * Small readers of a chat completions request, for writing the fake model's side of a scenario:
 * what the caller last said, which tool results came back, and what the prompt told the model.
 */
import type { ChatRequest, FakeReply } from '../fakes/openai-fake';

export interface Message {
  role: string;
  content: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

export function messages(request: ChatRequest): Message[] {
  return request.body.messages as Message[];
}

export function lastMessage(request: ChatRequest): Message {
  return messages(request).at(-1)!;
}

export function systemPrompt(request: ChatRequest): string {
  return messages(request)[0]!.content ?? '';
}

/** The caller's most recent words, or '' when the last message is not theirs. */
export function lastUserText(request: ChatRequest): string {
  const last = lastMessage(request);
  return last.role === 'user' ? (last.content ?? '') : '';
}

/** The tool results that answer the model's latest tool calls, by tool name. */
export function latestToolResults(request: ChatRequest): Record<string, any> {
  const all = messages(request);
  const results: Record<string, any> = {};
  let i = all.length - 1;
  while (i >= 0 && all[i]!.role === 'tool') i--;
  const calls = all[i]?.tool_calls ?? [];
  for (const message of all.slice(i + 1)) {
    const call = calls.find((c) => c.id === message.tool_call_id);
    if (call) results[call.function.name] = JSON.parse(message.content ?? 'null');
  }
  return results;
}

/** Every tool result of the conversation so far, newest last, for one tool. */
export function toolResultsOf(request: ChatRequest, tool: string): any[] {
  const all = messages(request);
  const ids = new Set(
    all.flatMap((m) => (m.tool_calls ?? []).filter((c) => c.function.name === tool).map((c) => c.id)),
  );
  return all
    .filter((m) => m.role === 'tool' && ids.has(m.tool_call_id ?? ''))
    .map((m) => JSON.parse(m.content ?? 'null'));
}

export const say = (text: string, extra: Partial<Extract<FakeReply, { kind: 'text' }>> = {}): FakeReply => ({
  kind: 'text',
  text,
  ...extra,
});

export const callTools = (...calls: { name: string; arguments: object }[]): FakeReply => ({
  kind: 'tools',
  calls,
});

/** The first bookable start in a get_available_slots result (the day asked, else the next day with slots). */
export function firstSlot(slots: any): { start_time: string; spoken: string } {
  const day = slots.slots.length > 0 ? slots : slots.next_available_days[0];
  return day.slots[0];
}
