/**
 * The booking tools create, replace and delete reminder schedules through the real
 * @aws-sdk/client-scheduler, against the local Scheduler fake, with DynamoDB Local underneath.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../runtime/observability/metrics';
import {
  createSchedulerClient,
  EventBridgeReminderScheduler,
  NoopReminderScheduler,
  reminderSchedulerFromEnv,
} from '../../runtime/reminders/reminder-scheduler';
import { type SchedulerFake, startSchedulerFake } from '../fakes/scheduler-fake';
import { customerWithVehicle } from '../support/customers';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';
import { createToolHarness, exampleShop, expectOk, type ToolHarness } from '../support/tool-harness';

const GROUP = 'pitcrew-example-reminders';
const TARGET = {
  groupName: GROUP,
  targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:pitcrew-example-dialer',
  roleArn: 'arn:aws:iam::123456789012:role/pitcrew-example-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:pitcrew-example-reminders-dlq',
};

let fake: SchedulerFake;
beforeAll(async () => {
  fake = await startSchedulerFake();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function scheduler() {
  const client = createSchedulerClient({
    endpoint: fake.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  return new EventBridgeReminderScheduler(client, TARGET);
}

async function harness(now = '2026-12-01T10:00', shop = exampleShop()) {
  return createToolHarness({ now, shop, reminders: scheduler() });
}

async function book(h: ToolHarness, start: string, consent: boolean | 'unasked' = true) {
  const customer = await customerWithVehicle(h);
  const result = expectOk(
    await h.call(
      'book_appointment',
      {
        vehicle_id: customer.vehicleId,
        service_type: 'oil_change',
        start_time: start,
        ...(consent === 'unasked' ? {} : { reminder_call_consent: consent }),
      },
      customer.session,
    ),
  );
  return { ...customer, result, appointmentId: result.appointment.appointment_id as string };
}

const creates = () => fake.requests.filter((r) => r.method === 'POST');

describe('booking with reminder consent', () => {
  it('creates one at() schedule in the shop zone with the dialer target, retry policy and DLQ', async () => {
    const h = await harness();
    const { appointmentId, customerId, session, result } = await book(h, '2026-12-03T09:30');
    expect(creates()).toHaveLength(1);
    const request = creates()[0]!;
    expect(request.name).toBe(`rem-${appointmentId}`);
    expect(request.name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    const { ClientToken, ...body } = request.body!;
    expect(ClientToken).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
    expect(body).toEqual({
      GroupName: GROUP,
      ScheduleExpression: 'at(2026-12-02T09:30:00)',
      ScheduleExpressionTimezone: 'America/Chicago',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: `Pitcrew reminder call for ${appointmentId} (attempt 1)`,
      Target: {
        Arn: TARGET.targetArn,
        RoleArn: TARGET.roleArn,
        Input: JSON.stringify({ appointmentId, version: 1, attempt: 1 }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: TARGET.deadLetterArn },
      },
    });
    expect(result.reminder_call).toEqual({ scheduled: true, spoken: 'Wednesday, December 2 at 9:30 AM' });
    const customer = await h.deps.customers.get(customerId);
    expect(customer).toMatchObject({
      reminderConsent: true,
      remindersOptedOut: false,
      reminderConsentCallSid: session.callSid,
    });
  });

  it('creates no schedule without consent, or when the caller declines (recorded as an opt-out)', async () => {
    const h = await harness();
    const unasked = await book(h, '2026-12-03T10:00', 'unasked');
    expect(unasked.result.reminder_call).toMatchObject({ scheduled: false });
    const declined = await book(h, '2026-12-03T10:30', false);
    expect(declined.result.reminder_call.note).toMatch(/asked not to get reminder calls/);
    expect(await h.deps.customers.get(declined.customerId)).toMatchObject({
      reminderConsent: false,
      remindersOptedOut: true,
    });
    expect(creates()).toEqual([]);
  });

  it('counts a yes only from the number the reminder would ring: an opt-out is not undone from another phone', async () => {
    const h = await harness();
    const owner = await book(h, '2026-12-03T11:30', false);
    const bookWithYesFrom = async (callerPhone: string | null, start: string) =>
      expectOk(
        await h.call(
          'book_appointment',
          {
            vehicle_id: owner.vehicleId,
            service_type: 'oil_change',
            start_time: start,
            reminder_call_consent: true,
          },
          { ...owner.session, callerPhone },
        ),
      );
    const booked = await bookWithYesFrom('+12175550987', '2026-12-04T11:30');
    expect(booked).toMatchObject({ booked: true, reminder_call: { scheduled: false } });
    expect(booked.reminder_call_consent_not_recorded).toMatch(/only counts from the number they would ring/);
    expect(await h.deps.customers.get(owner.customerId)).toMatchObject({
      reminderConsent: false,
      remindersOptedOut: true,
    });
    const withheld = await bookWithYesFrom(null, '2026-12-04T13:00');
    expect(withheld.reminder_call_consent_not_recorded).toBeDefined();
    expect(creates()).toEqual([]);
  });

  it('keeps the local wall-clock time across the spring-forward weekend in America/Chicago', async () => {
    const shop = exampleShop();
    const sundayShop = {
      ...shop,
      openingHours: { ...shop.openingHours, sunday: [{ open: '08:00', close: '18:00' }] },
    };
    const h = await harness('2026-03-01T10:00', sundayShop);
    await book(h, '2026-03-08T10:00');
    expect(creates()[0]!.body).toMatchObject({
      ScheduleExpression: 'at(2026-03-07T10:00:00)',
      ScheduleExpressionTimezone: 'America/Chicago',
    });
  });

  it('moves a reminder that would fall before the calling window to the window start', async () => {
    const h = await harness();
    await book(h, '2026-12-08T08:00');
    expect(creates()[0]!.body!.ScheduleExpression).toBe('at(2026-12-07T09:00:00)');
  });

  it('creates nothing for an appointment too soon for any reminder, and says so', async () => {
    const h = await harness();
    const { result } = await book(h, '2026-12-01T11:30');
    expect(result.booked).toBe(true);
    expect(result.reminder_call).toEqual({
      scheduled: false,
      note: 'The appointment is too soon for a reminder call.',
    });
    expect(fake.requests).toEqual([]);
  });

  it('a retried booking lands on the same schedule (Create conflicts, Update replaces)', async () => {
    const h = await harness();
    const first = await book(h, '2026-12-04T09:00');
    const again = expectOk(
      await h.call(
        'book_appointment',
        {
          vehicle_id: first.vehicleId,
          service_type: 'oil_change',
          start_time: '2026-12-04T09:00',
          reminder_call_consent: true,
        },
        first.session,
      ),
    );
    expect(again.already_booked).toBe(true);
    expect(fake.requests.map((r) => [r.method, r.name])).toEqual([
      ['POST', `rem-${first.appointmentId}`],
      ['POST', `rem-${first.appointmentId}`],
      ['PUT', `rem-${first.appointmentId}`],
    ]);
    expect(fake.get(`rem-${first.appointmentId}`, GROUP)?.ScheduleExpression).toBe('at(2026-12-03T09:00:00)');
  });

  it('a Scheduler failure does not fail the booking: it is booked, logged and counted', async () => {
    const h = await harness();
    fake.failNext(1, { status: 500, type: 'InternalServerException' });
    const { result, session } = await book(h, '2026-12-03T11:00');
    expect(result).toMatchObject({ booked: true, reminder_call: { scheduled: false } });
    expect(result.reminder_call.note).toMatch(/could not be set up/);
    expect(h.metrics.get(METRICS.reminderScheduleFailures)).toBe(1);
    const upcoming = expectOk(await h.call('get_upcoming_appointments', {}, session));
    expect(upcoming.appointments.map((a: any) => a.appointment_id)).toEqual([
      result.appointment.appointment_id,
    ]);
  });
});

describe('reschedule and cancel', () => {
  it('reschedule replaces the schedule (UpdateSchedule) with the new time and version', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    fake.requests.length = 0;
    const moved = expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-04T14:00' },
        session,
      ),
    );
    expect(moved.reminder_call.scheduled).toBe(true);
    const put = fake.requests.find((r) => r.method === 'PUT')!;
    expect(put.name).toBe(`rem-${appointmentId}`);
    expect(put.body).toMatchObject({
      ScheduleExpression: 'at(2026-12-03T14:00:00)',
      ScheduleExpressionTimezone: 'America/Chicago',
      Target: { Input: JSON.stringify({ appointmentId, version: 2, attempt: 1 }) },
    });
    // The old time's pending retry (if any) is deleted; one that does not exist is fine.
    expect(
      fake.requests.filter((r) => r.method === 'DELETE').map((r) => [r.name, r.query.groupName]),
    ).toEqual([[`rem-${appointmentId}-retry`, GROUP]]);
    expect(fake.get(`rem-${appointmentId}`, GROUP)?.ScheduleExpression).toBe('at(2026-12-03T14:00:00)');
  });

  it('reschedule creates the schedule when it is missing, and deletes it when the new time is too soon', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    fake.schedules.delete(`${GROUP}/rem-${appointmentId}`);
    fake.requests.length = 0;
    expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-03T15:00' },
        session,
      ),
    );
    expect(fake.requests.slice(0, 2).map((r) => r.method)).toEqual(['PUT', 'POST']);
    expect(fake.get(`rem-${appointmentId}`, GROUP)).toBeDefined();
    const soon = expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-01T16:00' },
        session,
      ),
    );
    expect(soon.reminder_call.scheduled).toBe(false);
    expect(fake.get(`rem-${appointmentId}`, GROUP)).toBeUndefined();
  });

  it('cancel deletes the schedule; cancelling again (schedule already gone) is still ok', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    fake.requests.length = 0;
    expectOk(await h.call('cancel_appointment', { appointment_id: appointmentId }, session));
    expect(fake.requests.map((r) => [r.method, r.name]).sort()).toEqual([
      ['DELETE', `rem-${appointmentId}`],
      ['DELETE', `rem-${appointmentId}-retry`],
    ]);
    expect(fake.get(`rem-${appointmentId}`, GROUP)).toBeUndefined();
    const again = expectOk(await h.call('cancel_appointment', { appointment_id: appointmentId }, session));
    expect(again.already_cancelled).toBe(true);
    expect(h.metrics.get(METRICS.reminderScheduleFailures)).toBe(0);
  });
});

describe('opt_out_of_reminders and confirm_appointment', () => {
  it('opting out records it on the customer and deletes the schedules of every upcoming appointment', async () => {
    const h = await harness();
    const first = await book(h, '2026-12-03T09:30');
    const second = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: first.vehicleId, service_type: 'tire_rotation', start_time: '2026-12-09T13:00' },
        first.session,
      ),
    );
    const secondId = second.appointment.appointment_id;
    expect(second.reminder_call.scheduled).toBe(true);
    const result = expectOk(await h.call('opt_out_of_reminders', {}, first.session));
    expect(result).toEqual({ opted_out: true, upcoming_appointments_kept: 2 });
    expect(fake.get(`rem-${first.appointmentId}`, GROUP)).toBeUndefined();
    expect(fake.get(`rem-${secondId}`, GROUP)).toBeUndefined();
    expect(await h.deps.customers.get(first.customerId)).toMatchObject({ remindersOptedOut: true });
    const profile = expectOk(await h.call('lookup_customer', {}, { ...first.session, customerId: null }));
    expect(profile.customer.reminder_calls).toBe('opted_out');
    // A later booking without a new yes gets no reminder.
    fake.requests.length = 0;
    expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: first.vehicleId, service_type: 'oil_change', start_time: '2026-12-10T09:00' },
        first.session,
      ),
    );
    expect(creates()).toEqual([]);
  });

  it('confirm_appointment records the confirmation on the customer’s own appointment only', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    const confirmed = expectOk(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        session,
      ),
    );
    expect(confirmed).toMatchObject({
      confirmed: true,
      appointment: { appointment_id: appointmentId },
    });
    const stored = await h.deps.appointments.get(appointmentId);
    expect(stored).toMatchObject({ confirmedByCallSid: session.callSid, version: 1 });
    expect(stored?.confirmedAt).toBe('2026-12-01T16:00:00Z');
    const again = expectOk(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        session,
      ),
    );
    expect(again.already_confirmed).toBe(true);

    const other = await customerWithVehicle(h, 'Other');
    expect(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        other.session,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(
      await h.call(
        'confirm_appointment',
        { appointment_id: 'apt_123', start_time: '2026-12-03T09:30' },
        session,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'appointment_id' },
    });
    expect(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        { ...session, customerId: null },
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'CUSTOMER_REQUIRED' },
    });
    expectOk(await h.call('cancel_appointment', { appointment_id: appointmentId }, session));
    expect(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        session,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('a reschedule clears the old time’s confirmation', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    expectOk(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
        session,
      ),
    );
    expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-04T09:30' },
        session,
      ),
    );
    expect((await h.deps.appointments.get(appointmentId))?.confirmedAt).toBeUndefined();
  });

  it('confirm_appointment refuses a time the appointment no longer has and says the new one', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    // Moved on another call after this one read 9:30 to the customer.
    expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-04T09:30' },
        session,
      ),
    );
    const refused = await h.call(
      'confirm_appointment',
      { appointment_id: appointmentId, start_time: '2026-12-03T09:30' },
      session,
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const error = (refused as { error: { message: string; details?: any } }).error;
    expect(error.details.appointment.start_time).toMatch(/^2026-12-04T09:30:00/);
    expect(error.message).toContain(error.details.appointment.spoken);
    expect((await h.deps.appointments.get(appointmentId))?.confirmedAt).toBeUndefined();

    expectOk(
      await h.call(
        'confirm_appointment',
        { appointment_id: appointmentId, start_time: error.details.appointment.start_time },
        session,
      ),
    );
    expect((await h.deps.appointments.get(appointmentId))?.confirmedAt).toBeTruthy();
  });

  it('a confirmation of the version read before a reschedule is not written onto the new time', async () => {
    const h = await harness();
    const { appointmentId, session } = await book(h, '2026-12-03T09:30');
    const read = (await h.deps.appointments.get(appointmentId))!;
    expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: appointmentId, new_start_time: '2026-12-04T09:30' },
        session,
      ),
    );
    expect(await h.deps.appointments.confirm(read, session.callSid, '2026-12-01T16:00:00Z')).toBe(false);
    const stored = await h.deps.appointments.get(appointmentId);
    expect(stored).toMatchObject({ version: 2 });
    expect(stored?.confirmedAt).toBeUndefined();
  });
});

describe('reminderSchedulerFromEnv', () => {
  const env = {
    REMINDER_SCHEDULE_GROUP: GROUP,
    REMINDER_TARGET_ARN: TARGET.targetArn,
    REMINDER_ROLE_ARN: TARGET.roleArn,
    REMINDER_DLQ_ARN: TARGET.deadLetterArn,
  };

  it('is a no-op without configuration and names every problem of a partial one', () => {
    expect(reminderSchedulerFromEnv({})).toBeInstanceOf(NoopReminderScheduler);
    expect(() =>
      reminderSchedulerFromEnv({ REMINDER_SCHEDULE_GROUP: GROUP, REMINDER_ROLE_ARN: 'role' }),
    ).toThrow(
      'reminder scheduling misconfigured: REMINDER_TARGET_ARN: is required; REMINDER_ROLE_ARN: must be an IAM role ARN; REMINDER_DLQ_ARN: is required',
    );
  });

  it('when required (a deployed Lambda), refuses a missing configuration instead of the no-op', () => {
    expect(() => reminderSchedulerFromEnv({}, { required: true })).toThrow(
      'reminder scheduling misconfigured: REMINDER_SCHEDULE_GROUP: is required; REMINDER_TARGET_ARN: is required; REMINDER_ROLE_ARN: is required; REMINDER_DLQ_ARN: is required',
    );
    expect(reminderSchedulerFromEnv(env, { required: true })).not.toBeInstanceOf(NoopReminderScheduler);
  });

  it('reaches the Scheduler endpoint from AWS_ENDPOINT_URL_SCHEDULER', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SCHEDULER: fake.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
    try {
      const fromEnv = reminderSchedulerFromEnv({ ...process.env, ...env });
      await fromEnv.put({
        name: 'rem-apt_ENV0000000',
        at: '2026-12-02T09:30:00',
        timeZone: 'America/Chicago',
        event: { appointmentId: 'apt_ENV0000000', version: 1, attempt: 1 },
      });
      expect(fake.get('rem-apt_ENV0000000', GROUP)?.Target.Arn).toBe(TARGET.targetArn);
      await fromEnv.delete('rem-apt_ENV0000000');
      await fromEnv.delete('rem-apt_ENV0000000');
      expect(fake.get('rem-apt_ENV0000000', GROUP)).toBeUndefined();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
