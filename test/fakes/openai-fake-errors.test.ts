/**
 * The OpenAI fake's errors and retries, checked with the real `openai` SDK: HTTP errors and the SDK's
 * retries, hangs and timeouts, cut and mid-stream-error streams, aborts, authentication, unknown
 * paths and invalid JSON, conversations the real API rejects, and throwing scripts.
 */
import OpenAI, {
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OpenAIError,
} from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeFakes, collect, MESSAGES, rawPost, setup } from './openai-fake-test-support';

afterEach(closeFakes);
afterAll(closeFakes);

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
