/**
 * The voice server's configuration, from the environment, validated at start-up. A missing or
 * malformed variable fails with one line per variable instead of a crash later mid-call.
 */
import { readFileSync } from 'node:fs';
import { parseShopConfigJson, type ShopConfig } from '../config/shop-config';
import type { TurnTakingSettings } from '../conversation/call-setup';
import { TABLE_KEYS, TABLES, type TableNames } from '../data/table-definitions';
import { TOOL_NAMES, type ToolName } from '../tools/catalog';
import * as z from '../zod';

/** The value the stack puts in the secret until an operator fills it in. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

const tableEnv = Object.fromEntries(
  TABLE_KEYS.map((key) => [TABLES[key].envVar, z.string().check(z.minLength(3), z.maxLength(255))]),
);

/** A whole number from the environment (a string), within [min, max]. */
const intEnv = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));

const environmentSchema = z
  .object({
    PORT: z._default(intEnv(1, 65535), 8080),
    HOST: z._default(z.string(), '0.0.0.0'),
    PUBLIC_BASE_URL: z
      .url()
      .check(
        z.regex(
          /^https?:\/\/[^/?#]+\/?$/,
          'must be an origin like https://voice.example.com (no path or query)',
        ),
      ),
    SHOP_ID: z.optional(z.string()),
    SHOP_CONFIG: z.optional(z.string()),
    OPENAI_API_KEY: z.string().check(z.minLength(1)),
    OPENAI_BASE_URL: z.optional(z.url()),
    OPENAI_MODEL: z._default(z.string().check(z.minLength(1)), 'gpt-4o'),
    DEEPGRAM_API_KEY: z.string().check(z.minLength(1)),
    DEEPGRAM_BASE_URL: z.optional(z.url()),
    DEEPGRAM_STT_MODEL: z._default(z.string().check(z.minLength(1)), 'nova-3'),
    DEEPGRAM_TTS_VOICE: z.optional(z.string()),
    TWILIO_ACCOUNT_SID: z
      .string()
      .check(
        z.refine(
          (sid) => sid === SECRET_PLACEHOLDER || /^AC[0-9a-fA-F]{32}$/.test(sid),
          'must be the Twilio Account SID ("AC" + 32 hex digits), not an API key SID; every webhook is checked against it',
        ),
      ),
    TWILIO_AUTH_TOKEN: z.string().check(z.minLength(1)),
    TWILIO_API_BASE_URL: z.optional(z.url()),
    TOOLS_INVOKER: z._default(z.enum(['lambda', 'local']), 'lambda'),
    TOOL_FUNCTIONS: z.optional(z.string()),
    VPIC_BASE_URL: z.optional(z.url()),
    STT_ENDPOINTING_MS: z._default(intEnv(10, 5000), 300),
    STT_UTTERANCE_END_MS: z._default(intEnv(1000, 5000), 1000),
    MAX_CALLS_PER_CALLER: z._default(intEnv(1, 50), 2),
    MAX_TOKENS_PER_CALL: z._default(intEnv(10_000, 5_000_000), 300_000),
    MAX_TOOL_CALLS_PER_CALL: z._default(intEnv(1, 1000), 60),
    MAX_TOOL_ROUNDS: z._default(intEnv(1, 10), 4),
    HISTORY_MAX_TOKENS: z._default(intEnv(1000, 100_000), 16_000),
    BARGE_IN_MIN_SPEECH_MS: z._default(intEnv(0, 3000), 300),
    BARGE_IN_MIN_WORDS: z._default(intEnv(1, 10), 2),
    BARGE_IN_RESUME_MS: z._default(intEnv(200, 10_000), 2000),
    FILLER_AFTER_MS: z._default(intEnv(0, 10_000), 700),
    LLM_FIRST_TOKEN_BUDGET_MS: z._default(intEnv(500, 30_000), 6000),
    SILENCE_PROMPT_MS: z._default(intEnv(1000, 120_000), 8000),
    /** Overrides the shop's calls.maxCallMinutes (for tests and trials). */
    MAX_CALL_MS: z.optional(intEnv(1000, 4 * 3600_000)),
    /** Set by the ECS agent on Fargate; used for task scale-in protection. */
    ECS_AGENT_URI: z.optional(z.url()),
    LOG_LEVEL: z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
    ...tableEnv,
  })
  .check(
    z.superRefine((env, ctx) => {
      if (!env.SHOP_ID && !env.SHOP_CONFIG) {
        ctx.addIssue({
          code: 'custom',
          path: ['SHOP_CONFIG'],
          message: 'set SHOP_CONFIG (JSON or a file path) or SHOP_ID',
        });
      }
      if (env.TOOLS_INVOKER === 'lambda' && !env.TOOL_FUNCTIONS) {
        ctx.addIssue({
          code: 'custom',
          path: ['TOOL_FUNCTIONS'],
          message: 'is required when TOOLS_INVOKER=lambda',
        });
      }
    }),
  );

export interface ServerConfig {
  port: number;
  host: string;
  publicBaseUrl: string;
  shop: ShopConfig;
  openai: { apiKey: string; baseURL?: string; model: string };
  deepgram: {
    apiKey: string;
    baseUrl?: string;
    sttModel: string;
    voice: string;
    endpointingMs: number;
    utteranceEndMs: number;
  };
  twilio: { accountSid: string; authToken: string; apiBaseUrl?: string };
  tables: TableNames;
  tools:
    | { invoker: 'lambda'; functions: Record<ToolName, string> }
    | { invoker: 'local'; vpicBaseUrl?: string };
  maxToolRounds: number;
  maxCallsPerCaller: number;
  perCall: { maxTokens: number; maxToolCalls: number };
  historyMaxTokens: number;
  turnTaking: TurnTakingSettings;
  logLevel: string;
  ecsAgentUri?: string;
  /** False while the secret still holds placeholders: the server runs, but hands calls to the shop. */
  providersConfigured: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid voice server configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function loadShop(env: { SHOP_ID?: string; SHOP_CONFIG?: string }): ShopConfig {
  const value = env.SHOP_CONFIG?.trim();
  if (value?.startsWith('{')) return parseShopConfigJson(value, 'SHOP_CONFIG');
  const path = value ?? `shops/${env.SHOP_ID}.json`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError([`SHOP_CONFIG: cannot read the shop file ${path}`]);
  }
  const shop = parseShopConfigJson(text, path);
  if (env.SHOP_ID && shop.shopId !== env.SHOP_ID) {
    throw new ConfigError([`SHOP_ID: is ${env.SHOP_ID} but the shop configuration is for ${shop.shopId}`]);
  }
  return shop;
}

function parseToolFunctions(text: string): Record<ToolName, string> {
  const schema = z.record(z.string(), z.string().check(z.minLength(1)));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([
      'TOOL_FUNCTIONS: must be JSON mapping each tool name to its Lambda function name',
    ]);
  }
  const parsed = schema.safeParse(json);
  const missing = TOOL_NAMES.filter((tool) => !parsed.data?.[tool]);
  if (!parsed.success || missing.length > 0) {
    throw new ConfigError([
      `TOOL_FUNCTIONS: needs a function name for ${missing.join(', ') || 'every tool'}`,
    ]);
  }
  return parsed.data as Record<ToolName, string>;
}

export function loadServerConfig(environment: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        // zod v4 issues do not carry the input: whether the variable was set decides the wording.
        const missing = issue.code === 'invalid_type' && environment[name] === undefined;
        return `${name}: ${missing ? 'is required' : issue.message}`;
      }),
    );
  }
  const env = parsed.data as z.infer<typeof environmentSchema> & Record<string, string>;
  const shop = loadShop(env);
  const secrets = [env.OPENAI_API_KEY, env.DEEPGRAM_API_KEY, env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN];
  return {
    port: env.PORT,
    host: env.HOST,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/$/, ''),
    shop,
    openai: {
      apiKey: env.OPENAI_API_KEY,
      model: env.OPENAI_MODEL,
      ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    },
    deepgram: {
      apiKey: env.DEEPGRAM_API_KEY,
      ...(env.DEEPGRAM_BASE_URL ? { baseUrl: env.DEEPGRAM_BASE_URL } : {}),
      sttModel: env.DEEPGRAM_STT_MODEL,
      voice: env.DEEPGRAM_TTS_VOICE ?? shop.assistant.voice,
      endpointingMs: env.STT_ENDPOINTING_MS,
      utteranceEndMs: env.STT_UTTERANCE_END_MS,
    },
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      ...(env.TWILIO_API_BASE_URL ? { apiBaseUrl: env.TWILIO_API_BASE_URL } : {}),
    },
    tables: Object.fromEntries(TABLE_KEYS.map((key) => [key, env[TABLES[key].envVar]])) as TableNames,
    tools:
      env.TOOLS_INVOKER === 'lambda'
        ? { invoker: 'lambda', functions: parseToolFunctions(env.TOOL_FUNCTIONS!) }
        : { invoker: 'local', ...(env.VPIC_BASE_URL ? { vpicBaseUrl: env.VPIC_BASE_URL } : {}) },
    maxToolRounds: env.MAX_TOOL_ROUNDS,
    maxCallsPerCaller: env.MAX_CALLS_PER_CALLER,
    perCall: { maxTokens: env.MAX_TOKENS_PER_CALL, maxToolCalls: env.MAX_TOOL_CALLS_PER_CALL },
    historyMaxTokens: env.HISTORY_MAX_TOKENS,
    turnTaking: {
      bargeIn: { minSpeechMs: env.BARGE_IN_MIN_SPEECH_MS, minWords: env.BARGE_IN_MIN_WORDS },
      resumeAfterMs: env.BARGE_IN_RESUME_MS,
      fillerAfterMs: env.FILLER_AFTER_MS,
      firstTokenBudgetMs: env.LLM_FIRST_TOKEN_BUDGET_MS,
      silenceMs: env.SILENCE_PROMPT_MS,
      maxCallMs: env.MAX_CALL_MS ?? shop.calls.maxCallMinutes * 60_000,
    },
    logLevel: env.LOG_LEVEL,
    ...(env.ECS_AGENT_URI ? { ecsAgentUri: env.ECS_AGENT_URI } : {}),
    providersConfigured: secrets.every((value) => value !== SECRET_PLACEHOLDER),
  };
}
