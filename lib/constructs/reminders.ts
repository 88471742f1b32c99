import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ShopConfig } from '../../runtime/config/shop-config';
import { SHOP_CONFIG_ENV } from '../../runtime/tools/catalog';
import { acknowledge, acknowledgeWildcardResource } from '../nag';
import { createNodeFunction } from './node-function';
import type { Storage } from './storage';

export interface RemindersProps {
  readonly shop: ShopConfig;
  readonly storage: Storage;
  readonly secret: ISecret;
}

/**
 * What reminder calls need at runtime: the booking tools create one-off schedules in `group` that make
 * EventBridge Scheduler (as `role`) invoke `dialer`; reminders that could not be delivered, or whose
 * dialer failed every attempt, land in `deadLetterQueue`.
 * The schedules themselves are created by the tools, not here.
 */
export class Reminders extends Construct {
  public readonly group: ScheduleGroup;
  public readonly role: Role;
  public readonly dialer: NodejsFunction;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: RemindersProps) {
    super(scope, id);
    const { shop, storage, secret } = props;

    this.group = new ScheduleGroup(this, 'Group', { scheduleGroupName: `pitcrew-${shop.shopId}-reminders` });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'SQS3',
      'This queue is the dead-letter queue of the reminder schedules; a DLQ of its own would be never read.',
    );

    this.dialer = createNodeFunction(this, 'Dialer', {
      entry: 'runtime/reminders/dialer-lambda.ts',
      description: `Pitcrew ${shop.shopId}: places appointment reminder calls`,
      // Twilio's REST call and the DynamoDB reads take longer than a tool call; allow for retries.
      timeout: Duration.seconds(30),
      environment: {
        [SHOP_CONFIG_ENV]: JSON.stringify(shop),
        ...storage.environment(),
        PITCREW_SECRET_ARN: secret.secretArn,
      },
    });
    // Scheduler invokes the dialer asynchronously: once delivered, a dialer that keeps failing (it
    // throws on Twilio 5xx/429 and DynamoDB trouble so the attempt is retried) would otherwise be
    // dropped by Lambda after its retries, reminder and all. It lands in the same queue as what
    // Scheduler could not deliver, with the schedule's input, so it can be replayed; the calling
    // window is re-checked at dial time, so a late retry never rings at night.
    this.dialer.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
    });
    storage.tables.appointments.grantReadWriteData(this.dialer);
    acknowledgeWildcardResource(
      this.dialer.role!,
      `${storage.tables.appointments.tableArn}/index/*`,
      "Reads the appointments table's global secondary indexes, whose ARNs end in the index name.",
    );
    storage.tables.customers.grantReadData(this.dialer);
    secret.grantRead(this.dialer);

    const groupArn = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: this.group.scheduleGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.role = new Role(this, 'SchedulerRole', {
      description: `Pitcrew ${shop.shopId}: lets EventBridge Scheduler invoke the reminder dialer`,
      // Confused-deputy guard: only schedules in this account's reminder group may assume the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account, 'aws:SourceArn': groupArn },
      }),
    });
    // Explicit statements rather than grantInvoke, which would also allow every version (`:*`).
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.dialer.functionArn] }),
    );
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );

    // The dialer creates the single retry of an unanswered reminder (a schedule that targets itself;
    // it takes its own ARN from the invocation context, as its environment cannot reference it).
    this.dialer.addEnvironment('REMINDER_SCHEDULE_GROUP', this.group.scheduleGroupName);
    this.dialer.addEnvironment('REMINDER_ROLE_ARN', this.role.roleArn);
    this.dialer.addEnvironment('REMINDER_DLQ_ARN', this.deadLetterQueue.queueArn);
    this.grantScheduling(this.dialer, { delete: false });
  }

  /**
   * Lets `fn` create and replace (and optionally delete) schedules in the reminder group, passing the
   * scheduler role to EventBridge Scheduler only. Schedule names are made at runtime (one per
   * appointment), so the resource is the group's schedule ARN prefix.
   */
  grantScheduling(fn: NodejsFunction, options: { delete: boolean }): void {
    this.group.grants.writeSchedules(fn);
    if (options.delete) this.group.grants.deleteSchedules(fn);
    // writeSchedules has no iam:PassRole; creating a schedule passes the scheduler role to the service.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledgeWildcardResource(
      fn.role!,
      `arn:${fn.stack.partition}:scheduler:${fn.stack.region}:${fn.stack.account}:schedule/${this.group.scheduleGroupName}/*`,
      'Creates and deletes one reminder schedule per appointment; names are generated at runtime, confined to the reminder group.',
    );
  }
}
