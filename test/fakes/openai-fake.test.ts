/**
 * The OpenAI fake, checked with the real `openai` SDK (the client our voice server uses) and, for
 * the exact wire format, with plain fetch: streaming text and tool calls, timing, scripts,
 * concurrency and non-streaming answers. Errors and retries are in openai-fake-errors.test.ts.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { API_KEY, closeFakes, collect, MESSAGES, rawPost, setup, TOOLS } from './openai-fake-test-support';

afterEach(closeFakes);
afterAll(closeFakes);

describe('streaming text', () => {
  it('streams deltas that add up to the text, then a usage chunk, and ends at [DONE]', async () => {
    const { fake, client } = await setup();
    const text = 'Sure! We have openings on Tuesday at 9 and Thursday at 2.';
    fake.queue({ kind: 'text', text });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(text);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.id).toMatch(/^chatcmpl-/);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('gpt-4o');
      expect(c.system_fingerprint).toMatch(/^fp_/);
    }
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });
    expect(last.usage!.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
    expect(last.usage!.prompt_tokens).toBeGreaterThan(5);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    // 6 characters per delta by default, plus the role chunk, the finish chunk and the usage chunk.
    expect(chunks.length).toBe(Math.ceil(text.length / 6) + 3);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.body).toMatchObject({ model: 'gpt-4o', stream: true, messages: MESSAGES });
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request!.retryCount).toBe(0);
    expect(fake.timeline[0]).toMatchObject({ requestIndex: 0, firstChunkAt: expect.any(Number) });
    expect(fake.timeline[0]!.doneAt).toBeGreaterThanOrEqual(fake.timeline[0]!.firstChunkAt!);
  });

  it('serves the default script when nothing is queued, and honours chunkChars and finishReason', async () => {
    const { fake, client } = await setup();
    const first = await collect(
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES, stream: true }),
    );
    expect(first.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Okay.');
    expect(first.every((c) => c.model === 'gpt-4o-mini' && !('usage' in c))).toBe(true);

    fake.queue({ kind: 'text', text: 'abcdefghij', chunkChars: 3, finishReason: 'length' });
    const second = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }),
    );
    expect(second.slice(1, -1).map((c) => c.choices[0]!.delta.content)).toEqual(['abc', 'def', 'ghi', 'j']);
    expect(second.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('is well-formed enough for the SDK helper: stream().finalChatCompletion()', async () => {
    const { fake, client } = await setup();
    fake.queue({ kind: 'text', text: 'We open at eight.' });
    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content', (delta) => deltas.push(delta));
    const completion = await stream.finalChatCompletion();

    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'We open at eight.' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(deltas.join('')).toBe('We open at eight.');
    expect(fake.requests[0]!.headers['x-stainless-helper-method']).toBe('stream');
  });
});

describe('streaming tool calls', () => {
  it('assembles two parallel tool calls (helper final message, finish_reason tool_calls)', async () => {
    const { fake, client } = await setup();
    fake.queue({
      kind: 'tools',
      calls: [
        { name: 'find_slots', arguments: { day: 'tuesday', service: 'oil change' } },
        { name: 'lookup_customer', arguments: '{"phone":"+15551234567"}', id: 'call_fixed' },
      ],
      argChunkChars: 5,
    });
    const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS });
    const argumentDone: string[] = [];
    stream.on('tool_calls.function.arguments.done', (e) => argumentDone.push(e.name));
    const completion = await stream.finalChatCompletion();

    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ type: 'function', function: { name: 'find_slots' } });
    expect(calls[0]!.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    if (calls[0]!.type !== 'function' || calls[1]!.type !== 'function')
      throw new Error('expected function calls');
    expect(JSON.parse(calls[0]!.function.arguments)).toEqual({ day: 'tuesday', service: 'oil change' });
    expect(calls[1]).toMatchObject({
      id: 'call_fixed',
      type: 'function',
      function: { name: 'lookup_customer', arguments: '{"phone":"+15551234567"}' },
    });
    expect(argumentDone).toEqual(['find_slots', 'lookup_customer']);
  });

  it('sends the deltas the way the API does: header delta per call, then argument fragments', async () => {
    const { fake, client } = await setup();
    fake.queue({
      kind: 'tools',
      calls: [
        { name: 'find_slots', arguments: { day: 'monday' } },
        { name: 'lookup_customer', arguments: {} },
      ],
    });
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o',
        messages: MESSAGES,
        tools: TOOLS,
        stream: true,
      }),
    );
    const deltas = chunks.map((c) => c.choices[0]!.delta);
    // A tool-only answer: the first chunk has the role, content null and the first call's header.
    expect(deltas[0]).toMatchObject({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, type: 'function', function: { name: 'find_slots', arguments: '' } }],
    });
    const toolDeltas = deltas.flatMap((d) => d.tool_calls ?? []);
    const headers = toolDeltas.filter((t) => t.id !== undefined);
    expect(headers.map((t) => [t.index, t.function?.name])).toEqual([
      [0, 'find_slots'],
      [1, 'lookup_customer'],
    ]);
    const fragments = toolDeltas.filter((t) => t.id === undefined);
    expect(fragments.every((t) => t.type === undefined && t.function?.name === undefined)).toBe(true);
    expect(fragments.every((t) => (t.function?.arguments ?? '').length <= 8)).toBe(true);
    const args = (index: number) =>
      toolDeltas
        .filter((t) => t.index === index)
        .map((t) => t.function?.arguments ?? '')
        .join('');
    expect(args(0)).toBe('{"day":"monday"}');
    expect(args(1)).toBe('{}');
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
  });

  it('streams optional text before the calls', async () => {
    const { fake, client } = await setup();
    fake.queue({
      kind: 'tools',
      text: 'One moment.',
      calls: [{ name: 'find_slots', arguments: { day: 'friday' } }],
    });
    const completion = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS })
      .finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('One moment.');
    expect(message.tool_calls).toHaveLength(1);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('timing', () => {
  it('honours ttftMs and interChunkMs; headers come before the first chunk', async () => {
    const { fake, client } = await setup();
    fake.queue({
      kind: 'text',
      text: 'abcdefghijklmnopqrstuvwx',
      chunkChars: 6,
      ttftMs: 150,
      interChunkMs: 30,
    });
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    });
    const headersAt = performance.now();
    let firstContentAt: number | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content && firstContentAt === undefined) firstContentAt = performance.now();
    }
    const times = fake.timeline[0]!;
    // The fake and the client share this process's performance.now() clock.
    expect(headersAt).toBeLessThan(times.firstChunkAt!);
    expect(firstContentAt! - started).toBeGreaterThanOrEqual(150);
    expect(times.firstChunkAt! - fake.requests[0]!.at).toBeGreaterThanOrEqual(150);
    // Four deltas: three 30 ms gaps.
    expect(times.doneAt! - times.firstChunkAt!).toBeGreaterThanOrEqual(90);
    expect(times.doneAt! - times.firstChunkAt!).toBeLessThan(1_000);
  });

  it('applies ttftMs to tool calls too', async () => {
    const { fake, client } = await setup();
    fake.queue({ kind: 'tools', calls: [{ name: 'find_slots', arguments: {} }], ttftMs: 80 });
    await client.chat.completions
      .stream({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS })
      .finalChatCompletion();
    expect(fake.timeline[0]!.firstChunkAt! - fake.requests[0]!.at).toBeGreaterThanOrEqual(80);
  });
});

describe('scripts, concurrency, non-streaming, wire format', () => {
  it('passes the request and its index to the script; the queue goes first', async () => {
    const { fake, client } = await setup();
    fake.setScript((request, index) => ({
      kind: 'text',
      text: `#${index} ${request.body.messages.at(-1).content}`,
    }));
    fake.queue({ kind: 'text', text: 'queued' });
    const texts: string[] = [];
    for (const content of ['a', 'b', 'c']) {
      const chunks = await collect(
        await client.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content }],
          stream: true,
        }),
      );
      texts.push(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''));
    }
    expect(texts).toEqual(['queued', '#1 b', '#2 c']);
  });

  it('serves concurrent streams independently', async () => {
    const { fake, client } = await setup();
    fake.setScript(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { kind: 'text', text: `reply to ${request.body.messages[0].content}`, interChunkMs: 5 };
    });
    const run = async (content: string) =>
      (
        await collect(
          await client.chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content }],
            stream: true,
          }),
        )
      )
        .map((c) => c.choices[0]?.delta.content ?? '')
        .join('');
    expect(await Promise.all(['one', 'two', 'three'].map(run))).toEqual([
      'reply to one',
      'reply to two',
      'reply to three',
    ]);
  });

  it('answers non-streaming requests with a chat.completion object', async () => {
    const { fake, client } = await setup();
    fake.queue(
      { kind: 'text', text: 'Plain answer.' },
      { kind: 'tools', calls: [{ name: 'lookup_customer', arguments: { phone: '+15550001111' } }] },
    );
    const text = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(text.object).toBe('chat.completion');
    expect(text.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Plain answer.' },
      finish_reason: 'stop',
    });
    expect(text.usage!.total_tokens).toBeGreaterThan(0);

    const tools = await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, tools: TOOLS });
    expect(tools.choices[0]!.finish_reason).toBe('tool_calls');
    expect(tools.choices[0]!.message.content).toBeNull();
    expect(tools.choices[0]!.message.tool_calls).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        type: 'function',
        function: { name: 'lookup_customer', arguments: '{"phone":"+15550001111"}' },
      },
    ]);
  });

  it('writes the SSE wire format exactly (checked with plain fetch)', async () => {
    const { fake } = await setup();
    fake.queue({ kind: 'text', text: 'Hi there' });
    const response = await rawPost(
      fake,
      JSON.stringify({
        model: 'gpt-4o-2024-08-06',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const raw = await response.text();
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: ') && !e.includes('\n'))).toBe(true);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hi the' },
      { content: 're' },
      {},
      undefined,
    ]);
    for (const c of chunks) {
      expect(c).toMatchObject({
        id: chunks[0].id,
        object: 'chat.completion.chunk',
        created: chunks[0].created,
        model: 'gpt-4o-2024-08-06',
        system_fingerprint: chunks[0].system_fingerprint,
      });
      expect(c).toHaveProperty('usage');
    }
    expect(Number.isInteger(chunks[0].created)).toBe(true);
    expect(chunks.slice(0, 3).every((c) => c.choices[0].finish_reason === null && c.usage === null)).toBe(
      true,
    );
    expect(chunks[3].choices[0].finish_reason).toBe('stop');
    expect(chunks[4].choices).toEqual([]);
    expect(chunks[4].usage).toMatchObject({ completion_tokens: 2 });
  });
});
