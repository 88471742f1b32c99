/**
 * What every tool Lambda does, whichever entry bundles it: read and check the environment once per
 * cold start, build the tool's dependencies, and answer events for the one tool TOOL_NAME names; an
 * event for any other tool is refused, so a function's IAM grants always match the code that uses them.
 *
 * There are two entries (TOOL_LAMBDA_ENTRIES) only so the tools that never touch a reminder do not
 * ship the Scheduler client: the entry passes in how its scheduler is made.
 */
import { parseShopConfigJson } from '../config/shop-config';
import { createDocumentClient } from '../data/dynamo-client';
import { TABLE_KEYS, TABLES, type TableNames } from '../data/table-definitions';
import { createLogger, type Logger } from '../observability/logger';
import { useLazySourceMappedStacks } from '../observability/source-mapped-stacks';
import type { ReminderScheduler } from '../reminders/reminder-scheduler';
import * as z from '../zod';
import {
  SHOP_CONFIG_ENV,
  TOOL_CATALOG,
  TOOL_LAMBDA_ENTRIES,
  TOOL_NAME_ENV,
  TOOL_NAMES,
  type ToolName,
  toolLambdaEntry,
} from './catalog';
import type { ToolResult } from './contract';
import { createToolDependencies } from './dependencies';
import { executeTool } from './execute-tool';

const environmentSchema = z.object({
  [TOOL_NAME_ENV]: z.enum(TOOL_NAMES as [ToolName, ...ToolName[]]),
  [SHOP_CONFIG_ENV]: z.string().check(z.minLength(2)),
  VPIC_BASE_URL: z.optional(z.url()),
  VPIC_TIMEOUT_MS: z.optional(z.coerce.number().check(z.int(), z.gte(100), z.lte(5000))),
});

export interface ToolLambdaEntry {
  /** Which of TOOL_LAMBDA_ENTRIES this is; a tool deployed from the other one is refused at load. */
  readonly entry: keyof typeof TOOL_LAMBDA_ENTRIES;
  readonly reminders: (logger: Logger) => ReminderScheduler;
}

function loadEnvironment(entry: ToolLambdaEntry['entry']) {
  const env = environmentSchema.safeParse(process.env);
  if (!env.success) {
    throw new Error(
      `tool Lambda misconfigured: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const toolName = env.data[TOOL_NAME_ENV] as ToolName;
  // A reminder tool without a scheduler would book without reminders and say nothing; one that needs
  // none would carry a client it may not use.
  if (toolLambdaEntry(toolName) !== TOOL_LAMBDA_ENTRIES[entry]) {
    throw new Error(
      `tool Lambda misconfigured: ${toolName} must be deployed from ${toolLambdaEntry(toolName)}, not ${TOOL_LAMBDA_ENTRIES[entry]}`,
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
    toolName,
    shop: parseShopConfigJson(env.data[SHOP_CONFIG_ENV] as string, SHOP_CONFIG_ENV),
    tables,
    vpicBaseUrl: env.data.VPIC_BASE_URL as string | undefined,
    vpicTimeoutMs: env.data.VPIC_TIMEOUT_MS as number | undefined,
  };
}

/** Called once, at module load: a misconfigured function fails its cold start, not a caller's turn. */
export function createToolLambdaHandler(entry: ToolLambdaEntry): (event: unknown) => Promise<ToolResult> {
  useLazySourceMappedStacks();
  const environment = loadEnvironment(entry.entry);
  const logger = createLogger({ name: `tool-${environment.toolName}` });
  const deps = createToolDependencies({
    shop: environment.shop,
    db: createDocumentClient(),
    tables: environment.tables,
    logger,
    reminders: entry.reminders(logger),
    vin: {
      ...(environment.vpicBaseUrl ? { vpicBaseUrl: environment.vpicBaseUrl } : {}),
      ...(environment.vpicTimeoutMs ? { timeoutMs: environment.vpicTimeoutMs } : {}),
    },
  });

  return async (event) => {
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
  };
}
