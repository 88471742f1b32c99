/**
 * The voice server's configuration, from the environment, validated at start-up. A missing or
 * malformed variable fails with one line per variable instead of a crash later mid-call.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { parseShopConfigJson, type ShopConfig } from '../config/shop-config';
import type { TurnTakingSettings } from '../conversation/call-setup';
import { TABLE_KEYS, TABLES, type TableNames } from '../data/table-definitions';
import { TOOL_NAMES, type ToolName } from '../tools/catalog';

/** The value the stack puts in the secret until an operator fills it in. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

const tableEnv = Object.fromEntries(
  TABLE_KEYS.map((key) => [TABLES[key].envVar, z.string().min(3).max(255)]),
);

const environmentSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_BASE_URL: z
      .url()
      .regex(
        /^https?:\/\/[^/?#]+\/?$/,
        'must be an origin like https://voice.example.com (no path or query)',
      ),
    SHOP_ID: z.string().optional(),
    SHOP_CONFIG: z.string().optional(),
    OPENAI_API_KEY: z.string().min(1),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o'),
    DEEPGRAM_API_KEY: z.string().min(1),
    DEEPGRAM_BASE_URL: z.url().optional(),
    DEEPGRAM_STT_MODEL: z.string().min(1).default('nova-3'),
    DEEPGRAM_TTS_VOICE: z.string().optional(),
    TWILIO_ACCOUNT_SID: z.string().min(1),
    TWILIO_AUTH_TOKEN: z.string().min(1),
    TWILIO_API_BASE_URL: z.url().optional(),
    TOOLS_INVOKER: z.enum(['lambda', 'local']).default('lambda'),
    TOOL_FUNCTIONS: z.string().optional(),
    VPIC_BASE_URL: z.url().optional(),
    STT_ENDPOINTING_MS: z.coerce.number().int().min(10).max(5000).default(300),
    STT_UTTERANCE_END_MS: z.coerce.number().int().min(1000).max(5000).default(1000),
    MAX_CALLS_PER_CALLER: z.coerce.number().int().min(1).max(50).default(2),
    MAX_TOKENS_PER_CALL: z.coerce.number().int().min(10_000).max(5_000_000).default(300_000),
    MAX_TOOL_CALLS_PER_CALL: z.coerce.number().int().min(1).max(1000).default(60),
    MAX_TOOL_ROUNDS: z.coerce.number().int().min(1).max(10).default(4),
    HISTORY_MAX_TOKENS: z.coerce.number().int().min(1000).max(100_000).default(16_000),
    BARGE_IN_MIN_SPEECH_MS: z.coerce.number().int().min(0).max(3000).default(300),
    BARGE_IN_MIN_WORDS: z.coerce.number().int().min(1).max(10).default(2),
    BARGE_IN_RESUME_MS: z.coerce.number().int().min(200).max(10_000).default(2000),
    FILLER_AFTER_MS: z.coerce.number().int().min(0).max(10_000).default(700),
    LLM_FIRST_TOKEN_BUDGET_MS: z.coerce.number().int().min(500).max(30_000).default(6000),
    SILENCE_PROMPT_MS: z.coerce.number().int().min(1000).max(120_000).default(8000),
    /** Overrides the shop's calls.maxCallMinutes (for tests and trials). */
    MAX_CALL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(4 * 3600_000)
      .optional(),
    /** Set by the ECS agent on Fargate; used for task scale-in protection. */
    ECS_AGENT_URI: z.url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ...tableEnv,
  })
  .superRefine((env, ctx) => {
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
  });

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
  const schema = z.record(z.string(), z.string().min(1));
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
