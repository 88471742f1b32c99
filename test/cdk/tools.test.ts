import { describe, expect, it } from 'vitest';
import { VPIC_BASE_URL } from '../../lib/constructs/tools';
import { pascalCase } from '../../lib/naming';
import { TABLE_KEYS, TABLES, type TableKey } from '../../runtime/data/table-definitions';
import { TOOL_CATALOG, TOOL_NAMES } from '../../runtime/tools/catalog';
import {
  actionsOf,
  exampleShop,
  mentions,
  resourceNamed,
  resourcesOf,
  resourcesOfStatement,
  type Statement,
  shopWith,
  statementsOfRole,
  synthExample,
  synthShop,
} from './synth';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

describe('tool Lambdas', () => {
  const { template } = synthExample();
  const shop = exampleShop();
  const tableIds = Object.fromEntries(
    TABLE_KEYS.map((key) => [
      key,
      resourceNamed(template, 'AWS::DynamoDB::GlobalTable', `Storage${TABLES[key].id}`).logicalId,
    ]),
  ) as Record<TableKey, string>;
  const schedulerRole = resourceNamed(template, 'AWS::IAM::Role', 'RemindersSchedulerRole').logicalId;

  it('creates one function per tool of the catalog', () => {
    const toolFunctions = Object.keys(resourcesOf(template, 'AWS::Lambda::Function')).filter((id) =>
      id.startsWith('Tools'),
    );
    expect(toolFunctions).toHaveLength(TOOL_NAMES.length);
  });

  describe.each(TOOL_NAMES)('%s', (toolName) => {
    const spec = TOOL_CATALOG[toolName];
    const fn = () => resourceNamed(template, 'AWS::Lambda::Function', `Tools${pascalCase(toolName)}`);
    const statements = () => statementsOfRole(template, `Tools${pascalCase(toolName)}Role`);
    const dynamoActionsOn = (table: TableKey) =>
      statements()
        .filter((s: Statement) => resourcesOfStatement(s).some((r) => mentions(r, tableIds[table])))
        .flatMap(actionsOf);

    it('runs Node.js 22 on arm64 and knows which tool it is', () => {
      const { Properties } = fn();
      expect(Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 10,
      });
      expect(Properties.Environment.Variables).toMatchObject({ TOOL_NAME: toolName });
      // Stacks are mapped when read (runtime/observability/source-mapped-stacks.ts), not at load.
      expect(Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      expect(JSON.parse(Properties.Environment.Variables.SHOP_CONFIG)).toEqual(shop);
    });

    it('logs to its own log group with retention', () => {
      const logs = resourceNamed(template, 'AWS::Logs::LogGroup', `Tools${pascalCase(toolName)}Logs`);
      expect(logs.Properties.RetentionInDays).toBe(30);
      expect(fn().Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs.logicalId } });
    });

    it('gets the table names of exactly the tables it may use', () => {
      const variables = Object.keys(fn().Properties.Environment.Variables);
      for (const key of TABLE_KEYS) {
        expect(variables.includes(TABLES[key].envVar)).toBe(key in spec.tables);
      }
    });

    it('may read or write exactly the tables the catalog grants', () => {
      for (const key of TABLE_KEYS) {
        const actions = dynamoActionsOn(key);
        const access = (spec.tables as Partial<Record<TableKey, string>>)[key];
        if (!access) expect(actions, `${toolName} on ${key}`).toEqual([]);
        else expect(actions).toEqual(expect.arrayContaining(READ_ACTIONS));
        if (access === 'readwrite') expect(actions).toEqual(expect.arrayContaining(WRITE_ACTIONS));
        else for (const write of WRITE_ACTIONS) expect(actions, `${toolName} on ${key}`).not.toContain(write);
      }
      if (Object.keys(spec.tables).length === 0) {
        expect(
          statements()
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('dynamodb:')),
        ).toEqual([]);
      }
    });

    it(spec.managesReminders ? 'manages reminder schedules' : 'cannot touch reminder schedules', () => {
      const actions = statements().flatMap(actionsOf);
      const variables = fn().Properties.Environment.Variables;
      if (!spec.managesReminders) {
        expect(actions.filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
        expect(variables.REMINDER_ROLE_ARN).toBeUndefined();
        return;
      }
      expect(actions).toEqual(
        expect.arrayContaining([
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
        ]),
      );
      const passRole = statements().filter((s) => actionsOf(s).includes('iam:PassRole'));
      expect(passRole).toHaveLength(1);
      expect(passRole[0]!.Resource).toEqual({ 'Fn::GetAtt': [schedulerRole, 'Arn'] });
      expect(passRole[0]!.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
      const scheduleArns = statements()
        .filter((s) => actionsOf(s).includes('scheduler:CreateSchedule'))
        .flatMap(resourcesOfStatement);
      expect(JSON.stringify(scheduleArns)).toContain(':schedule/pitcrew-example-reminders/*');
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([
          'REMINDER_SCHEDULE_GROUP',
          'REMINDER_TARGET_ARN',
          'REMINDER_ROLE_ARN',
          'REMINDER_DLQ_ARN',
        ]),
      );
    });

    it(spec.usesInternet ? 'knows the vPIC base URL' : 'has no vPIC base URL', () => {
      expect(fn().Properties.Environment.Variables.VPIC_BASE_URL).toBe(
        spec.usesInternet ? VPIC_BASE_URL : undefined,
      );
    });
  });

  it('gives get_available_slots read-only access to the slots table and nothing else', () => {
    const statements = statementsOfRole(template, 'ToolsGetAvailableSlotsRole');
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(resourcesOfStatement)).toEqual([{ 'Fn::GetAtt': [tableIds.slots, 'Arn'] }]);
    expect(JSON.stringify(statements)).not.toContain(tableIds.customers);
  });

  it('lets exactly the booking tools and opt_out_of_reminders manage schedules, and book_appointment store consent', () => {
    expect(TOOL_NAMES.filter((name) => TOOL_CATALOG[name].managesReminders).sort()).toEqual([
      'book_appointment',
      'cancel_appointment',
      'opt_out_of_reminders',
      'reschedule_appointment',
    ]);
    expect(TOOL_CATALOG.book_appointment.tables.customers).toBe('readwrite');
    expect(TOOL_CATALOG.confirm_appointment.tables).toEqual({ appointments: 'readwrite' });
    expect(TOOL_CATALOG.opt_out_of_reminders.tables).toEqual({
      customers: 'readwrite',
      appointments: 'read',
    });
    for (const name of ['confirm_appointment', 'opt_out_of_reminders']) {
      resourceNamed(template, 'AWS::Lambda::Function', `Tools${pascalCase(name)}`);
    }
  });

  it('gives decode_vin nothing but its own logs', () => {
    const statements = statementsOfRole(template, 'ToolsDecodeVinRole');
    expect(statements.flatMap(actionsOf).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('fails the synth, not the deploy, when the shop config would overflow the 4 KB Lambda environment', () => {
    const services = Array.from({ length: 60 }, (_, i) => ({
      id: `service_number_${i}`,
      name: `a rather long service name ${i}`,
      durationMinutes: 60,
    }));
    expect(() => synthShop(shopWith({ services }), { env: {} })).toThrow(/over Lambda's 4 KB limit/);
  });
});
