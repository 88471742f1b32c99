/**
 * The reminder dialer's Lambda entry point: EventBridge Scheduler invokes it with the schedule's
 * input ({ appointmentId, version, attempt? }). Configuration is validated once per container;
 * the work itself is in ./dialer.ts. A thrown error (Twilio 5xx/429, DynamoDB trouble) makes the
 * invocation fail so it is retried, after the claim was released.
 */
import { Temporal } from 'temporal-polyfill';
import { parseShopConfigJson } from '../config/shop-config';
import { AppointmentsRepository } from '../data/appointments-repo';
import { CustomersRepository } from '../data/customers-repo';
import { createDocumentClient } from '../data/dynamo-client';
import { ReminderStateRepository } from '../data/reminder-state-repo';
import { TABLES, type TableNames } from '../data/table-definitions';
import { createLogger } from '../observability/logger';
import { EmfMetricSink } from '../observability/metrics';
import { useLazySourceMappedStacks } from '../observability/source-mapped-stacks';
import { SHOP_CONFIG_ENV } from '../tools/catalog';
import * as z from '../zod';
import { type DialerDependencies, type DialOutcome, dialReminder } from './dialer';
import { TwilioOutboundCaller } from './outbound-caller';
import {
  createSchedulerClient,
  EventBridgeReminderScheduler,
  NoopReminderScheduler,
  type ReminderScheduler,
  reminderSchedulerEnvironmentSchema,
} from './reminder-scheduler';
import { twilioCredentialsProvider } from './twilio-credentials';

const environmentSchema = z.object({
  [SHOP_CONFIG_ENV]: z.string().check(z.minLength(2)),
  [TABLES.appointments.envVar]: z.string().check(z.minLength(3)),
  [TABLES.customers.envVar]: z.string().check(z.minLength(3)),
  PUBLIC_BASE_URL: z
    .url()
    .check(
      z.regex(
        /^https?:\/\/[^/?#]+\/?$/,
        'must be an origin like https://voice.example.com (no path or query)',
      ),
    ),
  TWILIO_API_BASE_URL: z.optional(z.url()),
  // The retry target is this function itself, taken from the invocation context (the stack cannot
  // hand a function its own ARN without a circular reference).
  REMINDER_SCHEDULE_GROUP: z.optional(reminderSchedulerEnvironmentSchema.shape.REMINDER_SCHEDULE_GROUP),
  REMINDER_ROLE_ARN: z.optional(reminderSchedulerEnvironmentSchema.shape.REMINDER_ROLE_ARN),
  REMINDER_DLQ_ARN: z.optional(reminderSchedulerEnvironmentSchema.shape.REMINDER_DLQ_ARN),
});

function loadEnvironment(env: NodeJS.ProcessEnv) {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${String(i.path[0])}: ${env[String(i.path[0])] === undefined ? 'is required' : i.message}`,
    );
    throw new Error(`reminder dialer misconfigured: ${problems.join('; ')}`);
  }
  return parsed.data as z.infer<typeof environmentSchema> & Record<string, string | undefined>;
}

useLazySourceMappedStacks();
const env = loadEnvironment(process.env);
const shop = parseShopConfigJson(env[SHOP_CONFIG_ENV] as string, SHOP_CONFIG_ENV);
const logger = createLogger({ name: 'reminder-dialer' });
const db = createDocumentClient();
const tables = {
  appointments: env[TABLES.appointments.envVar],
  customers: env[TABLES.customers.envVar],
  // The appointments repository's writes touch these; the dialer only reads appointments.
  slots: 'not-used-by-the-dialer',
  vehicles: 'not-used-by-the-dialer',
} as Pick<TableNames, 'appointments' | 'customers' | 'slots' | 'vehicles'>;
const caller = new TwilioOutboundCaller(twilioCredentialsProvider(), env.TWILIO_API_BASE_URL);
let scheduler: ReminderScheduler | undefined;

/** "arn:aws:lambda:region:account:function:name[:qualifier]" → without the qualifier. */
function unqualified(functionArn: string): string {
  return functionArn.split(':').slice(0, 7).join(':');
}

function retryScheduler(invokedFunctionArn: string | undefined): ReminderScheduler {
  if (scheduler) return scheduler;
  const {
    REMINDER_SCHEDULE_GROUP: groupName,
    REMINDER_ROLE_ARN: roleArn,
    REMINDER_DLQ_ARN: deadLetterArn,
  } = env;
  scheduler =
    groupName && roleArn && deadLetterArn && invokedFunctionArn
      ? new EventBridgeReminderScheduler(createSchedulerClient(), {
          groupName,
          roleArn,
          deadLetterArn,
          targetArn: unqualified(invokedFunctionArn),
        })
      : new NoopReminderScheduler(logger);
  return scheduler;
}

export async function handler(
  event: unknown,
  context?: { invokedFunctionArn?: string },
): Promise<DialOutcome> {
  const deps: DialerDependencies = {
    shop,
    appointments: new AppointmentsRepository(db, tables),
    customers: new CustomersRepository(db, tables.customers),
    state: new ReminderStateRepository(db, tables.appointments),
    caller,
    scheduler: retryScheduler(context?.invokedFunctionArn),
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/$/, ''),
    now: () => Temporal.Now.instant(),
    metrics: new EmfMetricSink(),
    logger,
  };
  return dialReminder(event, deps);
}
