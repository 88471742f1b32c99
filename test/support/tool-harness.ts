import { readFileSync } from 'node:fs';
import { Temporal } from 'temporal-polyfill';
import { parseShopConfigJson, type ShopConfig } from '../../runtime/config/shop-config';
import { MemoryMetricSink } from '../../runtime/observability/metrics';
import { NoopReminderScheduler, type ReminderScheduler } from '../../runtime/reminders/reminder-scheduler';
import type { ToolName } from '../../runtime/tools/catalog';
import type { ToolResult, ToolSession } from '../../runtime/tools/contract';
import type { ToolDependencies } from '../../runtime/tools/define-tool';
import { createToolDependencies } from '../../runtime/tools/dependencies';
import { executeTool } from '../../runtime/tools/execute-tool';
import { TOOL_DEFINITIONS } from '../../runtime/tools/handlers';
import { createTestTables, type TestTables } from './dynamo';

export function exampleShop(overrides: Partial<ShopConfig> = {}): ShopConfig {
  const shop = parseShopConfigJson(
    readFileSync(new URL('../../shops/example.json', import.meta.url), 'utf8'),
    'shops/example.json',
  );
  return { ...shop, ...overrides };
}

export interface ToolHarness extends TestTables {
  deps: ToolDependencies;
  metrics: MemoryMetricSink;
  shop: ShopConfig;
  setNow(iso: string): void;
  /** Calls a tool as the voice server would, carrying the session's customer binding along. */
  call(tool: ToolName, args: Record<string, unknown>, session: ToolSession): Promise<ToolResult>;
  session(overrides?: Partial<ToolSession>): ToolSession;
}

/** A wall-clock time in Chicago, e.g. "2026-12-01T10:00" → the instant. */
export function chicago(local: string): Temporal.Instant {
  return Temporal.PlainDateTime.from(local).toZonedDateTime('America/Chicago').toInstant();
}

export async function createToolHarness(
  options: { now?: string; shop?: ShopConfig; vpicBaseUrl?: string; reminders?: ReminderScheduler } = {},
): Promise<ToolHarness> {
  const tables = await createTestTables('tools');
  const shop = options.shop ?? exampleShop();
  let now = chicago(options.now ?? '2026-12-01T10:00');
  const metrics = new MemoryMetricSink();
  const deps = createToolDependencies({
    shop,
    db: tables.db,
    tables: tables.tables,
    now: () => now,
    vin: options.vpicBaseUrl ? { vpicBaseUrl: options.vpicBaseUrl, timeoutMs: 500 } : {},
    // Tests never read the developer's REMINDER_* environment: a no-op unless a test brings a scheduler.
    reminders: options.reminders ?? new NoopReminderScheduler(),
    metrics,
  });
  return {
    ...tables,
    deps,
    metrics,
    shop,
    setNow: (local) => {
      now = chicago(local);
    },
    call: (tool, args, session) => executeTool({ tool, arguments: args, session }, deps, TOOL_DEFINITIONS),
    session: (overrides = {}) => ({
      shopId: shop.shopId,
      callSid: `CA${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`,
      callerPhone: '+12175551234',
      customerId: null,
      ...overrides,
    }),
  };
}

/** Narrows a ToolResult to success, failing the test with the error otherwise. */
export function expectOk(result: ToolResult): Record<string, any> {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.result as Record<string, any>;
}
