/**
 * A tool is one zod schema plus one function. The schema yields both the JSON Schema the model
 * is shown and the validation of the arguments the model sends back (one source of truth).
 */

import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { AppointmentsRepository } from '../data/appointments-repo';
import type { CustomersRepository } from '../data/customers-repo';
import type { VehiclesRepository } from '../data/vehicles-repo';
import type { Logger } from '../observability/logger';
import type { MetricSink } from '../observability/metrics';
import type { ReminderScheduler } from '../reminders/reminder-scheduler';
import * as z from '../zod';
import type { ToolName } from './catalog';
import type { ToolSession } from './contract';

export interface VinDecoderOptions {
  vpicBaseUrl?: string;
  timeoutMs?: number;
}

export interface ToolDependencies {
  shop: ShopConfig;
  customers: CustomersRepository;
  vehicles: VehiclesRepository;
  appointments: AppointmentsRepository;
  now: () => Temporal.Instant;
  vin: VinDecoderOptions;
  /** Reminder schedules (EventBridge Scheduler in AWS, a no-op without configuration). */
  reminders: ReminderScheduler;
  metrics: MetricSink;
  /** For failures a tool survives (a reminder schedule that could not be written); ids only. */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

export interface ToolContext {
  session: ToolSession;
  deps: ToolDependencies;
}

export interface ToolSuccess {
  result: Record<string, unknown>;
  /** Set when the tool binds the call to a customer (lookup, create). */
  bindCustomerId?: string;
}

export interface ToolDefinition<Schema extends z.ZodMiniType = z.ZodMiniType> {
  name: ToolName;
  /** What the model reads to decide when to call the tool. */
  description: string;
  /** Built per shop so enums (service ids) come from the shop's configuration; use `parametersFor`, which builds it once. */
  parameters(shop: ShopConfig): Schema;
  /** Refuse with CUSTOMER_REQUIRED until the call is bound to a customer. */
  requiresCustomer: boolean;
  execute(args: z.output<Schema>, context: ToolContext): Promise<ToolSuccess>;
}

export function defineTool<Schema extends z.ZodMiniType>(
  definition: ToolDefinition<Schema>,
): ToolDefinition<Schema> {
  return definition;
}

const schemasByShop = new WeakMap<ShopConfig, Map<ToolName, z.ZodMiniType>>();

/**
 * A tool's argument schema for a shop, built once per shop object. Building one costs more than
 * using it: 0.2–0.3 ms a tool call after a moment's idle, against ~0.05 ms for the parse.
 */
export function parametersFor<Schema extends z.ZodMiniType>(
  definition: ToolDefinition<Schema>,
  shop: ShopConfig,
): Schema {
  let schemas = schemasByShop.get(shop);
  if (!schemas) {
    schemas = new Map();
    schemasByShop.set(shop, schemas);
  }
  let schema = schemas.get(definition.name);
  if (!schema) {
    schema = definition.parameters(shop);
    schemas.set(definition.name, schema);
  }
  return schema as Schema;
}

/** The Chat Completions `tools[]` entry for a tool, generated from its zod schema. */
export function toOpenAiTool(definition: ToolDefinition, shop: ShopConfig) {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(parametersFor(definition, shop), {
    io: 'input',
    target: 'draft-7',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    type: 'function' as const,
    function: { name: definition.name, description: definition.description, parameters },
  };
}
