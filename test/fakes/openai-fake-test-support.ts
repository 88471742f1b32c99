/**
 * Shared setup for the OpenAI fake tests (openai-fake.test.ts, openai-fake-errors.test.ts): the API
 * key, a conversation and tools, `setup()` (a fake plus a real `openai` SDK client pointed at it),
 * and helpers to collect a stream and to POST raw bodies.
 *
 * Not a test file and registers no hooks: each test file registers `closeFakes` in its own
 * afterEach/afterAll, so the fakes it started are closed in that file's context.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type OpenAiFake, startOpenAiFake } from './openai-fake';

export const API_KEY = 'sk-test-fake';
export const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are the receptionist of a repair shop.' },
  { role: 'user', content: 'Can I book an oil change?' },
];
export const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
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
export async function setup(clientOptions: { maxRetries?: number; timeout?: number } = {}) {
  const fake = await startOpenAiFake({ apiKey: API_KEY });
  fakes.push(fake);
  const client = new OpenAI({ apiKey: API_KEY, baseURL: fake.baseUrl, maxRetries: 0, ...clientOptions });
  return { fake, client };
}

/** Closes every fake `setup()` started; register it in afterEach and afterAll of each test file. */
export async function closeFakes() {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
}

export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export async function rawPost(fake: OpenAiFake, body: string, headers: Record<string, string> = {}) {
  return fetch(`${fake.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
}
