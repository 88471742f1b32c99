/**
 * The reminder schedules in EventBridge Scheduler: one one-time `at()` schedule per appointment
 * (plus at most one retry), named deterministically so every write is idempotent (DAT-09).
 * Behind a small interface so the tools and the dialer can be given a real, a local or a no-op one.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  type SchedulerClientConfig,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Logger } from '../observability/logger';
import * as z from '../zod';

/** What the dialer receives when a schedule fires (the schedule's Target.Input). */
export const reminderEventSchema = z.strictObject({
  appointmentId: z
    .string()
    .check(z.regex(/^apt_[0-9A-Z]{10}$/, 'must be an appointment id such as "apt_7K3M9Q2XAB"')),
  version: z.number().check(z.int('must be a whole number'), z.gte(1, 'must be at least 1')),
  /** 1 = the reminder, 2 = its single retry after no answer. */
  attempt: z._default(z.union([z.literal(1), z.literal(2)]), 1),
});
export type ReminderEvent = z.output<typeof reminderEventSchema>;

export interface ReminderSchedule {
  name: string;
  /** Local wall-clock "YYYY-MM-DDTHH:MM:SS" in `timeZone`, the body of `at(...)`. */
  at: string;
  timeZone: string;
  event: ReminderEvent;
}

export interface ReminderScheduler {
  /** False for the local no-op: callers can say "no reminder" instead of pretending one exists. */
  readonly configured: boolean;
  /**
   * Creates the schedule, or replaces it when one of that name exists. `expectExisting` only picks
   * which call to try first (Update for a reschedule, Create for a booking); the result is the same.
   */
  put(schedule: ReminderSchedule, options?: { expectExisting?: boolean }): Promise<void>;
  /** Deletes the schedule; one that is already gone (fired, or never created) is not an error. */
  delete(name: string): Promise<void>;
}

/** Scheduler names: 1–64 of [0-9a-zA-Z-_.]. Appointment ids ("apt_" + 10 base32) always fit. */
const NAME_PATTERN = /^[0-9a-zA-Z\-_.]{1,64}$/;

export function reminderScheduleName(appointmentId: string, attempt: 1 | 2 = 1): string {
  const name = attempt === 1 ? `rem-${appointmentId}` : `rem-${appointmentId}-retry`;
  if (!NAME_PATTERN.test(name)) throw new Error(`not a valid schedule name for ${appointmentId}`);
  return name;
}

export const reminderSchedulerEnvironmentSchema = z.object({
  REMINDER_SCHEDULE_GROUP: z
    .string()
    .check(z.regex(NAME_PATTERN, 'must be a schedule group name of 1–64 letters, digits, "-", "_" or "."')),
  REMINDER_TARGET_ARN: z
    .string()
    .check(
      z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+$/, 'must be a Lambda function ARN'),
    ),
  REMINDER_ROLE_ARN: z
    .string()
    .check(z.regex(/^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')),
  REMINDER_DLQ_ARN: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+$/, 'must be an SQS queue ARN')),
});
export type ReminderSchedulerEnvironment = z.infer<typeof reminderSchedulerEnvironmentSchema>;
const REMINDER_ENV_NAMES = Object.keys(
  reminderSchedulerEnvironmentSchema.shape,
) as (keyof ReminderSchedulerEnvironment)[];

export interface SchedulerTarget {
  groupName: string;
  targetArn: string;
  roleArn: string;
  deadLetterArn: string;
}

/** Scheduler's own retries of a failed target invocation, and how long it keeps trying. */
export const REMINDER_RETRY_POLICY = { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } as const;

export class EventBridgeReminderScheduler implements ReminderScheduler {
  readonly configured = true;

  constructor(
    private readonly client: SchedulerClient,
    private readonly target: SchedulerTarget,
  ) {}

  async put(schedule: ReminderSchedule, options: { expectExisting?: boolean } = {}): Promise<void> {
    const input = this.input(schedule);
    if (options.expectExisting) {
      try {
        await this.client.send(new UpdateScheduleCommand(input));
        return;
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      // It exists already (a retried booking): Update replaces every field, so the result is the same.
      if (!(error instanceof ConflictException)) throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.target.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  private input(schedule: ReminderSchedule): CreateScheduleCommandInput {
    return {
      Name: schedule.name,
      GroupName: this.target.groupName,
      ScheduleExpression: `at(${schedule.at})`,
      ScheduleExpressionTimezone: schedule.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      // Ids only: schedule descriptions are visible in the console and must carry no PII.
      Description: `Pitcrew reminder call for ${schedule.event.appointmentId} (attempt ${schedule.event.attempt})`,
      Target: {
        Arn: this.target.targetArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify(schedule.event),
        RetryPolicy: { ...REMINDER_RETRY_POLICY },
        DeadLetterConfig: { Arn: this.target.deadLetterArn },
      },
    };
  }
}

/** Local development without AWS: nothing is scheduled, and that is said once, not per booking. */
export class NoopReminderScheduler implements ReminderScheduler {
  readonly configured = false;
  private warned = false;

  constructor(private readonly logger?: Pick<Logger, 'warn'>) {}

  async put(): Promise<void> {
    if (!this.warned) {
      this.warned = true;
      this.logger?.warn('reminder scheduling is not configured (REMINDER_* unset): no reminder calls');
    }
  }

  async delete(): Promise<void> {}
}

/**
 * The scheduler from the standard environment: all four REMINDER_* variables → EventBridge (the
 * endpoint follows the AWS variables, e.g. AWS_ENDPOINT_URL_SCHEDULER); none → the no-op. Only
 * some of them is a deployment mistake and fails at start-up with every problem named.
 */
export function reminderSchedulerFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: {
    logger?: Pick<Logger, 'warn'>;
    client?: SchedulerClientConfig;
    /** No no-op: none of the variables is as much a mistake as some of them (a deployed Lambda). */
    required?: boolean;
  } = {},
): ReminderScheduler {
  if (!options.required && REMINDER_ENV_NAMES.every((name) => !env[name]))
    return new NoopReminderScheduler(options.logger);
  const parsed = reminderSchedulerEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) =>
        `${String(issue.path[0])}: ${env[String(issue.path[0])] === undefined ? 'is required' : issue.message}`,
    );
    throw new Error(`reminder scheduling misconfigured: ${problems.join('; ')}`);
  }
  return new EventBridgeReminderScheduler(createSchedulerClient(options.client), {
    groupName: parsed.data.REMINDER_SCHEDULE_GROUP,
    targetArn: parsed.data.REMINDER_TARGET_ARN,
    roleArn: parsed.data.REMINDER_ROLE_ARN,
    deadLetterArn: parsed.data.REMINDER_DLQ_ARN,
  });
}

/**
 * What the entries of the tool Lambdas that manage reminders make their scheduler with. The stack
 * always sets REMINDER_*, so a function without them fails its cold start instead of booking
 * appointments that never get their reminder call.
 */
export const reminderSchedulerForLambda = (logger: Pick<Logger, 'warn'>): ReminderScheduler =>
  reminderSchedulerFromEnv(process.env, { logger, required: true });

/** Short timeouts: a slow Scheduler must not hold a caller on the line (the booking stands anyway). */
export function createSchedulerClient(config: SchedulerClientConfig = {}): SchedulerClient {
  return new SchedulerClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
    ...config,
  });
}
