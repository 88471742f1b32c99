/**
 * What every tool Lambda does: read and check the environment once per cold start, build the tool's
 * dependencies, and answer events for its one tool; an event for any other tool is refused, so a
 * function's IAM grants always match the code that uses them.
 *
 * Each tool has its own entry (runtime/tools/lambdas/, `toolLambdaEntry`) that passes in its one
 * definition, so its bundle carries that tool's code and no other's (a 443 KB bundle became
 * 394 KB for get_available_slots, ~8 ms of every cold start). The entries of the tools that manage
 * reminders also pass in how their scheduler is made; the others' bundles leave the Scheduler client out.
 */
import { parseShopConfigJson } from '../config/shop-config';
import { createDocumentClient } from '../data/dynamo-client';
import { TABLE_KEYS, TABLES, type TableNames } from '../data/table-definitions';
import { createLogger, type Logger } from '../observability/logger';
import { useLazySourceMappedStacks } from '../observability/source-mapped-stacks';
import { NoopReminderScheduler, type ReminderScheduler } from '../reminders/reminder-scheduler';
import * as z from '../zod';
import { SHOP_CONFIG_ENV, TOOL_CATALOG, TOOL_NAME_ENV, TOOL_NAMES, type ToolName } from './catalog';
import type { ToolResult } from './contract';
import type { ToolDefinition } from './define-tool';
import { createToolDependencies } from './dependencies';
import { executeTool } from './execute-tool';

const environmentSchema = z.object({
  [TOOL_NAME_ENV]: z.enum(TOOL_NAMES as [ToolName, ...ToolName[]]),
  [SHOP_CONFIG_ENV]: z.string().check(z.minLength(2)),
  VPIC_BASE_URL: z.optional(z.url()),
  VPIC_TIMEOUT_MS: z.optional(z.coerce.number().check(z.int(), z.gte(100), z.lte(5000))),
});

export interface ToolLambdaOptions {
  /** Given exactly by the entries of the tools whose catalog entry `managesReminders`. */
  readonly reminders?: (logger: Logger) => ReminderScheduler;
}

function loadEnvironment(toolName: ToolName, options: ToolLambdaOptions) {
  const env = environmentSchema.safeParse(process.env);
  if (!env.success) {
    throw new Error(
      `tool Lambda misconfigured: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (env.data[TOOL_NAME_ENV] !== toolName) {
    throw new Error(
      `tool Lambda misconfigured: ${TOOL_NAME_ENV} is ${env.data[TOOL_NAME_ENV]}, but this function's code runs ${toolName}`,
    );
  }
  // A reminder tool without a scheduler would book without reminders and say nothing; one that needs
  // none would carry a client it may not use.
  if (TOOL_CATALOG[toolName].managesReminders !== Boolean(options.reminders)) {
    throw new Error(
      TOOL_CATALOG[toolName].managesReminders
        ? `tool Lambda misconfigured: ${toolName} manages reminders, but its entry makes no scheduler`
        : `tool Lambda misconfigured: ${toolName} never touches a reminder, but its entry makes a scheduler`,
    );
  }
  const needed = Object.keys(TOOL_CATALOG[toolName].tables);
  const missing = needed.filter((key) => !process.env[TABLES[key as keyof typeof TABLES].envVar]);
  if (missing.length > 0)
    throw new Error(`tool Lambda misconfigured: no table name for ${missing.join(', ')}`);
  // Tables this tool may not use get no real name: its role could not reach them anyway.
  const tables = Object.fromEntries(
    TABLE_KEYS.map((key) => [key, process.env[TABLES[key].envVar] ?? `not-granted-to-${toolName}`]),
  ) as TableNames;
  return {
    shop: parseShopConfigJson(env.data[SHOP_CONFIG_ENV] as string, SHOP_CONFIG_ENV),
    tables,
    vpicBaseUrl: env.data.VPIC_BASE_URL as string | undefined,
    vpicTimeoutMs: env.data.VPIC_TIMEOUT_MS as number | undefined,
  };
}

/** Called once, at module load: a misconfigured function fails its cold start, not a caller's turn. */
export function createToolLambdaHandler(
  definition: ToolDefinition,
  options: ToolLambdaOptions = {},
): (event: unknown) => Promise<ToolResult> {
  useLazySourceMappedStacks();
  const toolName = definition.name;
  const environment = loadEnvironment(toolName, options);
  const logger = createLogger({ name: `tool-${toolName}` });
  const deps = createToolDependencies({
    shop: environment.shop,
    db: createDocumentClient(),
    tables: environment.tables,
    logger,
    reminders: options.reminders ? options.reminders(logger) : new NoopReminderScheduler(),
    vin: {
      ...(environment.vpicBaseUrl ? { vpicBaseUrl: environment.vpicBaseUrl } : {}),
      ...(environment.vpicTimeoutMs ? { timeoutMs: environment.vpicTimeoutMs } : {}),
    },
  });
  const definitions = { [toolName]: definition };
  return (event) => executeTool(event, deps, definitions, logger);
}
