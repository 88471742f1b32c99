/**
 * The two tool Lambda entries: which tool is deployed from which, and the refusal at load of a tool
 * deployed from the wrong one (a reminder tool without a scheduler would book and quietly never ring).
 * The bundles themselves run in lambda-bundles.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../lib/paths';
import { NoopReminderScheduler } from '../../runtime/reminders/reminder-scheduler';
import { TOOL_CATALOG, TOOL_LAMBDA_ENTRIES, TOOL_NAMES, toolLambdaEntry } from '../../runtime/tools/catalog';
import { createToolLambdaHandler } from '../../runtime/tools/lambda-handler';

const SHOP_JSON = readFileSync(join(REPO_ROOT, 'shops', 'example.json'), 'utf8');

function deployAs(toolName: string): void {
  vi.stubEnv('TOOL_NAME', toolName);
  vi.stubEnv('SHOP_CONFIG', SHOP_JSON);
  for (const table of ['CUSTOMERS_TABLE', 'VEHICLES_TABLE', 'APPOINTMENTS_TABLE', 'SLOTS_TABLE'])
    vi.stubEnv(table, `pitcrew-test-${table.toLowerCase()}`);
}

const noScheduler = () => new NoopReminderScheduler();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('tool Lambda entries', () => {
  it('deploy exactly the tools that manage reminders from the entry with the Scheduler client', () => {
    for (const tool of TOOL_NAMES) {
      expect(toolLambdaEntry(tool), tool).toBe(
        TOOL_CATALOG[tool].managesReminders
          ? TOOL_LAMBDA_ENTRIES.withReminders
          : TOOL_LAMBDA_ENTRIES.withoutReminders,
      );
    }
    expect(TOOL_NAMES.filter((tool) => TOOL_CATALOG[tool].managesReminders).sort()).toEqual([
      'book_appointment',
      'cancel_appointment',
      'opt_out_of_reminders',
      'reschedule_appointment',
    ]);
  });

  it('refuse at load a reminder tool deployed without a scheduler, naming the entry it needs', () => {
    deployAs('book_appointment');
    expect(() => createToolLambdaHandler({ entry: 'withoutReminders', reminders: noScheduler })).toThrow(
      'tool Lambda misconfigured: book_appointment must be deployed from runtime/tools/lambda-with-reminders.ts, not runtime/tools/lambda.ts',
    );
  });

  it('refuse at load a tool without reminders deployed from the reminder entry', () => {
    deployAs('lookup_customer');
    const reminders = vi.fn(noScheduler);
    expect(() => createToolLambdaHandler({ entry: 'withReminders', reminders })).toThrow(
      'lookup_customer must be deployed from runtime/tools/lambda.ts, not runtime/tools/lambda-with-reminders.ts',
    );
    // Refused before any client is built.
    expect(reminders).not.toHaveBeenCalled();
  });

  it('build the scheduler once, at load, for a tool on its own entry', async () => {
    deployAs('cancel_appointment');
    const reminders = vi.fn(noScheduler);
    const handler = createToolLambdaHandler({ entry: 'withReminders', reminders });
    expect(reminders).toHaveBeenCalledTimes(1);
    await expect(handler({ tool: 'book_appointment', arguments: {} })).resolves.toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_ARGUMENT',
        field: 'tool',
        message: 'This function only runs cancel_appointment.',
      },
    });
  });
});
