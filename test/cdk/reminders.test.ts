import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  resourceNamed,
  resourcesOfStatement,
  statementsOfRole,
  synthExample,
  TEST_ENV,
} from './synth';

describe('reminders', () => {
  const { template } = synthExample();
  const dialer = () => resourceNamed(template, 'AWS::Lambda::Function', 'RemindersDialer');
  const queue = () => resourceNamed(template, 'AWS::SQS::Queue', 'RemindersDeadLetterQueue');

  it('creates the schedule group the tools write to', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'pitcrew-example-reminders' });
  });

  it('lets only EventBridge Scheduler, from this account and group, assume the execution role', () => {
    const role = resourceNamed(template, 'AWS::IAM::Role', 'RemindersSchedulerRole');
    const [statement, ...others] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': TEST_ENV.account } },
    });
    expect(JSON.stringify(statement.Condition.StringEquals['aws:SourceArn'])).toContain(
      ':schedule-group/pitcrew-example-reminders',
    );
  });

  it('allows the execution role only to invoke the dialer and to dead-letter into the queue', () => {
    const statements = statementsOfRole(template, 'RemindersSchedulerRole');
    expect(statements.map((s) => [actionsOf(s), resourcesOfStatement(s)])).toEqual([
      [['lambda:InvokeFunction'], [{ 'Fn::GetAtt': [dialer().logicalId, 'Arn'] }]],
      [['sqs:SendMessage'], [{ 'Fn::GetAtt': [queue().logicalId, 'Arn'] }]],
    ]);
  });

  it('encrypts the dead-letter queue and requires TLS', () => {
    expect(queue().Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue().logicalId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('runs the dialer on Node.js 22 arm64 with the config, tables, public URL and secret ARN', () => {
    const { Properties } = dialer();
    expect(Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    const variables = Properties.Environment.Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        'SHOP_CONFIG',
        'CUSTOMERS_TABLE',
        'APPOINTMENTS_TABLE',
        'CALLS_TABLE',
        'PUBLIC_BASE_URL',
        'PITCREW_SECRET_ARN',
      ]),
    );
    const secret = resourceNamed(template, 'AWS::SecretsManager::Secret', 'SecretsApiKeys');
    expect(variables.PITCREW_SECRET_ARN).toEqual({ Ref: secret.logicalId });
  });

  it('lets the dialer create (not delete) its retry schedules in the group, passing only the scheduler role', () => {
    const statements = statementsOfRole(template, 'RemindersDialerRole');
    const scheduler = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
    expect(scheduler.flatMap(actionsOf).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(scheduler.flatMap(resourcesOfStatement))).toContain(
      ':schedule/pitcrew-example-reminders/*',
    );
    const passRole = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    const role = resourceNamed(template, 'AWS::IAM::Role', 'RemindersSchedulerRole').logicalId;
    expect(passRole[0]!.Resource).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    expect(passRole[0]!.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
    });
    const variables = dialer().Properties.Environment.Variables;
    expect(variables.REMINDER_ROLE_ARN).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    expect(variables.REMINDER_DLQ_ARN).toEqual({ 'Fn::GetAtt': [queue().logicalId, 'Arn'] });
    expect(variables.REMINDER_SCHEDULE_GROUP).toBeDefined();
    // Its own ARN comes from the invocation context: referencing it here would be a circular dependency.
    expect(variables.REMINDER_TARGET_ARN).toBeUndefined();
  });

  it('sends a dialer invocation that failed every attempt to the dead-letter queue, not into the void', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: dialer().logicalId },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 7200,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue().logicalId, 'Arn'] } } },
    });
  });

  it('lets the dialer write appointments, read customers and read the secret, nothing more', () => {
    const statements = statementsOfRole(template, 'RemindersDialerRole');
    const table = (id: string) =>
      resourceNamed(template, 'AWS::DynamoDB::GlobalTable', `Storage${id}`).logicalId;
    const on = (logicalId: string) =>
      statements
        .filter((s) => JSON.stringify(resourcesOfStatement(s)).includes(`"${logicalId}"`))
        .flatMap(actionsOf);
    expect(on(table('Appointments'))).toContain('dynamodb:UpdateItem');
    expect(on(table('Customers'))).toContain('dynamodb:GetItem');
    expect(on(table('Customers'))).not.toContain('dynamodb:PutItem');
    for (const other of ['Vehicles', 'Slots', 'Calls']) expect(on(table(other))).toEqual([]);
    const secret = resourceNamed(template, 'AWS::SecretsManager::Secret', 'SecretsApiKeys').logicalId;
    expect(on(secret).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // Its on-failure destination: sending only, nothing that reads or deletes dead letters.
    expect(on(queue().logicalId).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });
});
