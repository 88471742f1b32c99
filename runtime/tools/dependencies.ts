import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import { AppointmentsRepository } from '../data/appointments-repo';
import { CustomersRepository } from '../data/customers-repo';
import type { TableNames } from '../data/table-definitions';
import { VehiclesRepository } from '../data/vehicles-repo';
import type { Logger } from '../observability/logger';
import { EmfMetricSink, type MetricSink } from '../observability/metrics';
import type { ReminderScheduler } from '../reminders/reminder-scheduler';
import type { ToolDependencies, VinDecoderOptions } from './define-tool';

export interface ToolDependencyOptions {
  shop: ShopConfig;
  db: DynamoDBDocumentClient;
  tables: TableNames;
  vin?: VinDecoderOptions;
  /** Injected in tests to pin "now"; production reads the real clock. */
  now?: () => Temporal.Instant;
  /**
   * Required, not read from the environment here: the Scheduler client is then bundled only where
   * an entry asks for it (reminderSchedulerFromEnv), not into every tool Lambda.
   */
  reminders: ReminderScheduler;
  /** Default: CloudWatch EMF lines on stdout. */
  metrics?: MetricSink;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

export function createToolDependencies(options: ToolDependencyOptions): ToolDependencies {
  return {
    shop: options.shop,
    customers: new CustomersRepository(options.db, options.tables.customers),
    vehicles: new VehiclesRepository(options.db, options.tables.vehicles),
    appointments: new AppointmentsRepository(options.db, options.tables),
    now: options.now ?? (() => Temporal.Now.instant()),
    vin: options.vin ?? {},
    reminders: options.reminders,
    metrics: options.metrics ?? new EmfMetricSink(),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}
