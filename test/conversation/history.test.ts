import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { ConversationHistory, estimateTokens } from '../../runtime/conversation/history';
import { buildSystemPrompt } from '../../runtime/conversation/prompt';
import { exampleShop } from '../support/tool-harness';

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

  it('puts tool results right after their call, even when a line was said while the tools ran', () => {
    const history = new ConversationHistory('sys', { maxTokens: 10_000 });
    const call = (id: string) => ({
      id,
      type: 'function' as const,
      function: { name: 'x', arguments: '{}' },
    });
    history.add({ role: 'user', content: 'any openings?' });
    history.add({ role: 'assistant', content: null, tool_calls: [call('a'), call('b')] });
    history.add({ role: 'assistant', content: 'Let me connect you.' });
    history.add({ role: 'tool', tool_call_id: 'b', content: '{"b":1}' });
    history.add({ role: 'tool', tool_call_id: 'a', content: '{"a":1}' });
    history.add({ role: 'tool', tool_call_id: 'gone', content: '{}' });
    expect(history.snapshot().map((m) => (m.role === 'tool' ? `tool ${m.tool_call_id}` : m.role))).toEqual([
      'system',
      'user',
      'assistant',
      'tool b',
      'tool a',
      'assistant',
    ]);
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

describe('estimateTokens', () => {
  const profile = {
    customer_id: 'c_01JABCDEF0123456789',
    first_name: 'Maria',
    last_name: 'Garcia',
    vehicles: [{ vehicle_id: 'v_01JABCDEF0123456789', year: 2015, make: 'HONDA', model: 'Civic' }],
  };
  const now = Temporal.Instant.from('2026-12-01T16:00:00Z');
  const slots = Array.from({ length: 20 }, (_, i) => {
    const hour = 8 + Math.floor(i / 2);
    const minute = i % 2 ? '30' : '00';
    return {
      start_time: `2026-12-08T${String(hour).padStart(2, '0')}:${minute}:00-06:00`,
      spoken: `${hour}:${minute} AM`,
    };
  });
  // What a call's history holds: the prompt, both sides' words, tool calls and their JSON results.
  const samples = {
    'new caller prompt': buildSystemPrompt(exampleShop(), now, { kind: 'new_caller' }),
    'known customer prompt': buildSystemPrompt(exampleShop(), now, {
      kind: 'known_customer',
      firstName: 'Maria',
      profile,
    }),
    'caller words': 'Hi, I need an oil change for my Civic, do you have anything Tuesday morning?',
    'assistant words': 'Sure. On Tuesday, December 8 I have 8:00 AM, 9:30 AM or 11:00 AM. Which works best?',
    'tool call': 'get_available_slots{"date":"2026-12-08","service_type":"oil_change"}',
    'slots result': JSON.stringify({
      ok: true,
      result: { service_type: 'oil_change', date: '2026-12-08', spoken_date: 'Tuesday, December 8', slots },
    }),
    'customer result': JSON.stringify({ ok: true, result: { found: true, customer: profile } }),
    'Spanish words':
      'Hola, necesito un cambio de aceite para mi coche el martes por la mañana, ¿tienen algo?',
    'digits and ids':
      'My VIN is 1HGCM82633A004352, phone 217 555 0199, booking a1b2c3d4-e5f6-7890-abcd-ef1234567890.',
  };

  it.each(Object.entries(samples))('stays within 0.8–1.25 of the exact o200k count: %s', (_, text) => {
    const ratio = estimateTokens(text) / countTokens(text);
    expect(ratio).toBeGreaterThanOrEqual(0.8);
    expect(ratio).toBeLessThanOrEqual(1.25);
  });

  it('counts nothing in an empty or blank text', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('  \n ')).toBe(0);
  });
});
