/**
 * The tool Lambda entries, one per tool: each runs its own tool and no other, and a function whose
 * configuration does not match its code is refused at load (a reminder tool without a scheduler
 * would book and quietly never ring). The bundles themselves run in lambda-bundles.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../lib/paths';
import { NoopReminderScheduler } from '../../runtime/reminders/reminder-scheduler';
import { TOOL_CATALOG, TOOL_NAMES, type ToolName, toolLambdaEntry } from '../../runtime/tools/catalog';
import type { ToolResult } from '../../runtime/tools/contract';
import { bookAppointmentTool } from '../../runtime/tools/handlers/book-appointment';
import { cancelAppointmentTool } from '../../runtime/tools/handlers/cancel-appointment';
import { lookupCustomer } from '../../runtime/tools/handlers/lookup-customer';
import { createToolLambdaHandler } from '../../runtime/tools/lambda-handler';

const SHOP_JSON = readFileSync(join(REPO_ROOT, 'shops', 'example.json'), 'utf8');

// What the stack gives the tools that manage reminders (references, resolved at deploy).
const REMINDER_ENV = {
  REMINDER_SCHEDULE_GROUP: 'pitcrew-test-reminders',
  REMINDER_TARGET_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:pitcrew-test-dialer',
  REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/pitcrew-test-scheduler',
  REMINDER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:pitcrew-test-reminders-dlq',
};

function deployAs(toolName: ToolName): void {
  if (TOOL_CATALOG[toolName].managesReminders)
    for (const [name, value] of Object.entries(REMINDER_ENV)) vi.stubEnv(name, value);
  vi.stubEnv('TOOL_NAME', toolName);
  vi.stubEnv('SHOP_CONFIG', SHOP_JSON);
  for (const table of ['CUSTOMERS_TABLE', 'VEHICLES_TABLE', 'APPOINTMENTS_TABLE', 'SLOTS_TABLE'])
    vi.stubEnv(table, `pitcrew-test-${table.toLowerCase()}`);
}

/** A well-formed event for `tool`, which the function under test must refuse before touching data. */
const eventFor = (tool: string) => ({
  tool,
  arguments: {},
  session: {
    shopId: 'example',
    callSid: 'CA0000000000000000000000000entries',
    callerPhone: null,
    customerId: null,
  },
});

const noScheduler = () => new NoopReminderScheduler();

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('tool Lambda entries', () => {
  it('give every tool an entry of its own, which runs that tool and refuses the others', async () => {
    for (const tool of TOOL_NAMES) {
      const entry = join(REPO_ROOT, toolLambdaEntry(tool));
      expect(existsSync(entry), entry).toBe(true);
      deployAs(tool);
      const { handler } = (await import(entry)) as { handler: (event: unknown) => Promise<ToolResult> };
      const other = tool === 'lookup_customer' ? 'decode_vin' : 'lookup_customer';
      await expect(handler(eventFor(other)), tool).resolves.toEqual({
        ok: false,
        error: { code: 'INVALID_ARGUMENT', message: `This function only runs ${tool}.`, field: 'tool' },
        session: { customerId: null },
      });
      vi.resetModules();
    }
  });

  it('refuse at load a function whose TOOL_NAME names another tool than its code runs', () => {
    deployAs('cancel_appointment');
    expect(() => createToolLambdaHandler(lookupCustomer)).toThrow(
      "tool Lambda misconfigured: TOOL_NAME is cancel_appointment, but this function's code runs lookup_customer",
    );
  });

  it('refuse at load a reminder tool deployed without its REMINDER_* settings', async () => {
    deployAs('lookup_customer');
    vi.stubEnv('TOOL_NAME', 'book_appointment');
    await expect(import(join(REPO_ROOT, toolLambdaEntry('book_appointment')))).rejects.toThrow(
      'reminder scheduling misconfigured: REMINDER_SCHEDULE_GROUP: is required',
    );
  });

  it('refuse at load a reminder tool whose entry makes no scheduler', () => {
    deployAs('book_appointment');
    expect(() => createToolLambdaHandler(bookAppointmentTool)).toThrow(
      'tool Lambda misconfigured: book_appointment manages reminders, but its entry makes no scheduler',
    );
  });

  it('refuse at load a tool without reminders whose entry makes a scheduler, before building it', () => {
    deployAs('lookup_customer');
    const reminders = vi.fn(noScheduler);
    expect(() => createToolLambdaHandler(lookupCustomer, { reminders })).toThrow(
      'tool Lambda misconfigured: lookup_customer never touches a reminder, but its entry makes a scheduler',
    );
    expect(reminders).not.toHaveBeenCalled();
  });

  it('build the scheduler once, at load', async () => {
    deployAs('cancel_appointment');
    const reminders = vi.fn(noScheduler);
    const handler = createToolLambdaHandler(cancelAppointmentTool, { reminders });
    expect(reminders).toHaveBeenCalledTimes(1);
    await handler(eventFor('book_appointment'));
    await handler(eventFor('book_appointment'));
    expect(reminders).toHaveBeenCalledTimes(1);
  });
});
