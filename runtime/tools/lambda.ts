/**
 * The entry point of every tool Lambda. TOOL_NAME says which tool this function is; an event for
 * any other tool is refused, so a function's IAM grants always match the code that uses them.
 */

import { parseShopConfigJson } from '../config/shop-config';
import { createDocumentClient } from '../data/dynamo-client';
import { TABLE_KEYS, TABLES, type TableNames } from '../data/table-definitions';
import { createLogger } from '../observability/logger';
import { useLazySourceMappedStacks } from '../observability/source-mapped-stacks';
import { NoopReminderScheduler, reminderSchedulerFromEnv } from '../reminders/reminder-scheduler';
import * as z from '../zod';
import { SHOP_CONFIG_ENV, TOOL_CATALOG, TOOL_NAME_ENV, TOOL_NAMES, type ToolName } from './catalog';
import type { ToolResult } from './contract';
import { createToolDependencies } from './dependencies';
import { executeTool } from './execute-tool';

const environmentSchema = z.object({
  [TOOL_NAME_ENV]: z.enum(TOOL_NAMES as [ToolName, ...ToolName[]]),
  [SHOP_CONFIG_ENV]: z.string().check(z.minLength(2)),
  VPIC_BASE_URL: z.optional(z.url()),
  VPIC_TIMEOUT_MS: z.optional(z.coerce.number().check(z.int(), z.gte(100), z.lte(5000))),
});

function loadEnvironment() {
  const env = environmentSchema.safeParse(process.env);
  if (!env.success) {
    throw new Error(
      `tool Lambda misconfigured: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const toolName = env.data[TOOL_NAME_ENV] as ToolName;
  const needed = Object.keys(TOOL_CATALOG[toolName].tables);
  const missing = needed.filter((key) => !process.env[TABLES[key as keyof typeof TABLES].envVar]);
  if (missing.length > 0)
    throw new Error(`tool Lambda misconfigured: no table name for ${missing.join(', ')}`);
  // Tables this tool may not use get no real name: its role could not reach them anyway.
  const tables = Object.fromEntries(
    TABLE_KEYS.map((key) => [key, process.env[TABLES[key].envVar] ?? `not-granted-to-${toolName}`]),
  ) as TableNames;
  return {
    toolName,
    shop: parseShopConfigJson(env.data[SHOP_CONFIG_ENV] as string, SHOP_CONFIG_ENV),
    tables,
    vpicBaseUrl: env.data.VPIC_BASE_URL as string | undefined,
    vpicTimeoutMs: env.data.VPIC_TIMEOUT_MS as number | undefined,
  };
}

useLazySourceMappedStacks();
const environment = loadEnvironment();
const logger = createLogger({ name: `tool-${environment.toolName}` });
const deps = createToolDependencies({
  shop: environment.shop,
  db: createDocumentClient(),
  tables: environment.tables,
  logger,
  // Only the tools that manage reminders are given (and granted) the Scheduler.
  reminders: TOOL_CATALOG[environment.toolName].managesReminders
    ? reminderSchedulerFromEnv(process.env, { logger })
    : new NoopReminderScheduler(),
  vin: {
    ...(environment.vpicBaseUrl ? { vpicBaseUrl: environment.vpicBaseUrl } : {}),
    ...(environment.vpicTimeoutMs ? { timeoutMs: environment.vpicTimeoutMs } : {}),
  },
});

export async function handler(event: unknown): Promise<ToolResult> {
  const tool = (event as { tool?: unknown } | null)?.tool;
  if (tool !== environment.toolName) {
    return {
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        message: `This function only runs ${environment.toolName}.`,
        field: 'tool',
      },
      session: { customerId: null },
    };
  }
  return executeTool(event, deps, logger);
}
