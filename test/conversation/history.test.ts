import { describe, expect, it } from 'vitest';
import { ConversationHistory } from '../../runtime/conversation/history';

describe('ConversationHistory', () => {
  it('always keeps the system prompt and drops the oldest turns by tokens', () => {
    const history = new ConversationHistory('You are Sophie.', { maxTokens: 200 });
    for (let i = 0; i < 40; i++) {
      history.add({ role: 'user', content: `question number ${i} about my car` });
      history.add({ role: 'assistant', content: `answer number ${i}` });
    }
    const messages = history.snapshot();
    expect(messages[0]).toEqual({ role: 'system', content: 'You are Sophie.' });
    expect(history.tokenCount).toBeLessThanOrEqual(200);
    expect(messages.at(-1)).toEqual({ role: 'assistant', content: 'answer number 39' });
    expect(messages.length).toBeLessThan(81);
  });

  it('never separates a tool call from its results', () => {
    const history = new ConversationHistory('sys', { maxTokens: 120 });
    history.add({ role: 'user', content: 'book me' });
    history.add({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'a',
          type: 'function',
          function: { name: 'get_available_slots', arguments: '{"date":"2026-12-02"}' },
        },
        { id: 'b', type: 'function', function: { name: 'lookup_customer', arguments: '{}' } },
      ],
    });
    history.add({
      role: 'tool',
      tool_call_id: 'a',
      content: JSON.stringify({ ok: true, result: { slots: [] } }),
    });
    history.add({ role: 'tool', tool_call_id: 'b', content: JSON.stringify({ ok: false }) });
    for (let i = 0; i < 10; i++) history.add({ role: 'user', content: `more words ${i} `.repeat(3) });
    const messages = history.snapshot();
    const first = messages[1]!;
    expect(first.role).not.toBe('tool');
    const toolIds = messages
      .filter((m) => m.role === 'tool')
      .map((m) => (m as { tool_call_id: string }).tool_call_id);
    const callIds = messages.flatMap((m) =>
      m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => c.id) : [],
    );
    expect(toolIds.sort()).toEqual(callIds.sort());
  });

  it('merges words the caller added into their last message and rewrites what the assistant said', () => {
    const history = new ConversationHistory('sys', { maxTokens: 10_000 });
    history.add({ role: 'assistant', content: 'Hi, how can I help?' });
    history.add({ role: 'user', content: 'I need an oil change' });
    expect(history.appendToLastUser('on Tuesday')).toBe(true);
    history.add({ role: 'assistant', content: 'Sure. Tuesday works. Shall I book 9:30?' });
    history.replaceLastAssistantText('Sure. [interrupted]');
    expect(history.snapshot().slice(1)).toEqual([
      { role: 'assistant', content: 'Hi, how can I help?' },
      { role: 'user', content: 'I need an oil change on Tuesday' },
      { role: 'assistant', content: 'Sure. [interrupted]' },
    ]);
    expect(history.appendToLastUser('x')).toBe(false);
  });
});
