/**
 * The OpenAI fake, checked with the real `openai` SDK (the client our voice server uses) and, for
 * the exact wire format, with plain fetch.
 */
import OpenAI, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OpenAIError,
} from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type OpenAiFake, startOpenAiFake } from './openai-fake';

const API_KEY = 'sk-test-fake';
const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are the receptionist of a repair shop.' },
  { role: 'user', content: 'Can I book an oil change?' },
];
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'find_slots', parameters: { type: 'object', properties: { day: { type: 'string' } } } },
  },
  {
    type: 'function',
    function: {
      name: 'lookup_customer',
      parameters: { type: 'object', properties: { phone: { type: 'string' } } },
    },
  },
];

const fakes: OpenAiFake[] = [];
async function setup(clientOptions: { maxRetries?: number; timeout?: number } = {}) {
  const fake = await startOpenAiFake({ apiKey: API_KEY });
  fakes.push(fake);
  const client = new OpenAI({ apiKey: API_KEY, baseURL: fake.baseUrl, maxRetries: 0, ...clientOptions });
  return { fake, client };
}

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});
afterAll(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function rawPost(fake: OpenAiFake, body: string, headers: Record<string, string> = {}) {
  return fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

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

describe('errors and retries', () => {
  it('429 with retry-after is retried by the SDK, then the text reply succeeds', async () => {
    const { fake, client } = await setup({ maxRetries: 2 });
    fake.queue(
      { kind: 'error', status: 429, headers: { 'retry-after': '0.1' } },
      { kind: 'text', text: 'Second time lucky.' },
    );
    const started = performance.now();
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }),
    );
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Second time lucky.');
    expect(fake.requests.map((r) => r.retryCount)).toEqual([0, 1]);
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(95);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('500 with maxRetries 0 gives InternalServerError with the error body', async () => {
    const { fake, client } = await setup({ maxRetries: 0 });
    fake.queue({ kind: 'error', status: 500 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: MESSAGES, stream: true })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(InternalServerError);
    const apiError = error as InternalServerError;
    expect(apiError.status).toBe(500);
    expect(apiError.type).toBe('server_error');
    expect(apiError.requestID).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(1);
  });

  it('scripted error bodies and headers are sent as given', async () => {
    const { fake, client } = await setup({ maxRetries: 0 });
    fake.queue({
      kind: 'error',
      status: 400,
      body: {
        error: { message: 'bad tool schema', type: 'invalid_request_error', param: 'tools', code: null },
      },
    });
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: MESSAGES, stream: true })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toBe('400 bad tool schema');
    expect(error.param).toBe('tools');
  });

  it('hang: no headers ever, so the SDK timeout fires (APIConnectionTimeoutError)', async () => {
    const { fake, client } = await setup({ maxRetries: 0, timeout: 300 });
    fake.queue({ kind: 'hang' });
    const started = performance.now();
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: MESSAGES, stream: true })
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    // The hung request was cleaned up; the fake still answers.
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }),
    );
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Okay.');
  });

  it('cut: the raw stream throws TypeError "terminated" after the chunks sent; the helper rejects', async () => {
    const { fake, client } = await setup();
    fake.queue({ kind: 'cut', text: 'Hello there, how can I help?', afterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    // Undici reports the dropped socket as `TypeError: terminated` (cause: "other side closed"); the SDK
    // passes it through from the raw iterator. Not an APIError, and never retried (headers were in).
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(received.join('')).toBe('Hello there,');
    expect(fake.timeline[0]!.doneAt).toBeUndefined();

    fake.queue({ kind: 'cut', text: 'Hello there, how can I help?', afterChunks: 1 });
    const helperError = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: MESSAGES })
      .finalChatCompletion()
      .catch((e: unknown) => e);
    // The helper wraps it: OpenAIError('terminated').
    expect(helperError).toBeInstanceOf(OpenAIError);
    expect(fake.requests).toHaveLength(2);
  });

  it('midstream-error: data: {"error":...} makes the stream throw APIError (status undefined)', async () => {
    const { fake, client } = await setup();
    fake.queue({
      kind: 'midstream-error',
      text: 'Let me check that for you',
      afterChunks: 1,
      error: { message: 'The model is overloaded', type: 'server_error' },
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).message).toContain('The model is overloaded');
    expect((error as APIError).type).toBe('server_error');
    expect(received.join('')).toBe('Let me');
  });

  it('abort mid-stream: the SDK ends the iteration, the fake stops writing and serves the next request', async () => {
    const { fake, client } = await setup();
    fake.queue({ kind: 'text', text: 'x'.repeat(120), chunkChars: 6, interChunkMs: 20 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    });
    let seen = 0;
    // Aborting through the controller ends `for await` quietly (the SDK swallows its own abort).
    for await (const _chunk of stream) {
      seen++;
      if (seen === 3) stream.controller.abort();
    }
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThan(10);
    // The full reply would take ~400 ms; wait past that and check it never finished.
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(fake.timeline[0]!.firstChunkAt).toBeDefined();
    expect(fake.timeline[0]!.doneAt).toBeUndefined();

    // Breaking out of the loop aborts too.
    fake.queue({ kind: 'text', text: 'y'.repeat(60), interChunkMs: 20 });
    for await (const _chunk of await client.chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      stream: true,
    })) {
      break;
    }

    fake.queue({ kind: 'text', text: 'Still here.' });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, stream: true }),
    );
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Still here.');
  });

  it('401 on a wrong key (not retried, not recorded)', async () => {
    const { fake } = await setup();
    const client = new OpenAI({ apiKey: 'sk-wrong', baseURL: fake.baseUrl, maxRetries: 2 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: MESSAGES, stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    expect(fake.requests).toHaveLength(0);
  });

  it('404 JSON for other paths, 400 for invalid JSON', async () => {
    const { fake, client } = await setup();
    await expect(client.models.list()).rejects.toMatchObject({ status: 404 });
    const notFound = await fetch(`${fake.baseUrl}/completions`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const badJson = await rawPost(fake, '{"model": "gpt-4o",');
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('content-type')).toBe('application/json');
    expect(await badJson.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null } });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects conversations the real API rejects (tool_calls without tool results)', async () => {
    const { fake, client } = await setup();
    const call = {
      id: 'call_1',
      type: 'function' as const,
      function: { name: 'find_slots', arguments: '{}' },
    };
    const broken: ChatCompletionMessageParam[] = [
      ...MESSAGES,
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'user', content: 'Hello?' },
    ];
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: broken, stream: true })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('call_1');

    const orphan: ChatCompletionMessageParam[] = [
      ...MESSAGES,
      { role: 'tool', tool_call_id: 'call_9', content: '{}' },
    ];
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: orphan, stream: true }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [], stream: true }),
    ).rejects.toMatchObject({ status: 400, param: 'messages' });

    // The well-formed round trip is accepted.
    const good: ChatCompletionMessageParam[] = [
      ...MESSAGES,
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"slots":[]}' },
    ];
    await collect(await client.chat.completions.create({ model: 'gpt-4o', messages: good, stream: true }));
    // Rejected requests are recorded, but the script and queue are not consulted for them.
    expect(fake.requests).toHaveLength(4);
  });

  it('a throwing script gives a 500 the SDK does not retry', async () => {
    const { fake, client } = await setup({ maxRetries: 2 });
    fake.setScript(() => {
      throw new Error('no reply for this turn');
    });
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: MESSAGES, stream: true })
      .catch((e: unknown) => e)) as InternalServerError;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toContain('no reply for this turn');
    expect(fake.requests).toHaveLength(1);
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
