/**
 * The dialer against DynamoDB Local, the Twilio REST fake (the real twilio SDK with its api base
 * URL pointed at it) and the Scheduler fake (for the single retry).
 */
import type { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReminderStateRepository } from '../../runtime/data/reminder-state-repo';
import { METRICS, MemoryMetricSink } from '../../runtime/observability/metrics';
import { createReminderOutcomeRecorder } from '../../runtime/reminders/call-outcome';
import { type DialerDependencies, dialReminder } from '../../runtime/reminders/dialer';
import { TwilioOutboundCaller } from '../../runtime/reminders/outbound-caller';
import {
  createSchedulerClient,
  EventBridgeReminderScheduler,
} from '../../runtime/reminders/reminder-scheduler';
import { type SchedulerFake, startSchedulerFake } from '../fakes/scheduler-fake';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio-fake';
import { customerWithVehicle } from '../support/customers';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';
import { chicago, createToolHarness, expectOk, type ToolHarness } from '../support/tool-harness';

const PUBLIC = 'https://voice.example.com';
const GROUP = 'pitcrew-example-reminders';

let twilio: TwilioFake;
let scheduler: SchedulerFake;
let h: ToolHarness;

beforeAll(async () => {
  [twilio, scheduler] = await Promise.all([startTwilioFake(), startSchedulerFake()]);
  // Booked on Tuesday 2026-12-01 10:00; the reminders then run on Wednesday.
  h = await createToolHarness({ now: '2026-12-01T10:00' });
});
afterAll(async () => {
  await Promise.all([twilio.close(), scheduler.close()]);
});
beforeEach(() => {
  twilio.restRequests.length = 0;
  scheduler.requests.length = 0;
});

const callCreates = () =>
  twilio.restRequests.filter((r) => r.method === 'POST' && r.path.endsWith('/Calls.json'));

function dialer(
  at: string,
  metrics = new MemoryMetricSink(),
): DialerDependencies & { metrics: MemoryMetricSink } {
  const now: Temporal.Instant = chicago(at);
  return {
    shop: h.shop,
    appointments: h.deps.appointments,
    customers: h.deps.customers,
    state: new ReminderStateRepository(h.db, h.tables.appointments),
    caller: new TwilioOutboundCaller(
      async () => ({ accountSid: twilio.accountSid, authToken: twilio.authToken }),
      twilio.restBaseUrl,
    ),
    scheduler: new EventBridgeReminderScheduler(
      createSchedulerClient({
        endpoint: scheduler.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
      {
        groupName: GROUP,
        targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:dialer',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler',
        deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:dlq',
      },
    ),
    publicBaseUrl: PUBLIC,
    now: () => now,
    metrics,
  };
}

/** A customer with consent and one appointment on Thursday 2026-12-03 at `time`. */
async function booked(time = '09:30', consent = true, areaCode = '217') {
  h.setNow('2026-12-01T10:00');
  const customer = await customerWithVehicle(h, 'Tester', areaCode);
  const result = expectOk(
    await h.call(
      'book_appointment',
      {
        vehicle_id: customer.vehicleId,
        service_type: 'oil_change',
        start_time: `2026-12-03T${time}`,
        reminder_call_consent: consent,
      },
      customer.session,
    ),
  );
  const appointmentId = result.appointment.appointment_id as string;
  const phone = (await h.deps.customers.get(customer.customerId))!.phone;
  return { ...customer, appointmentId, phone, event: { appointmentId, version: 1 } };
}

describe('dialReminder', () => {
  it('places exactly the call the voice server expects and records its SID and the retry', async () => {
    const { appointmentId, phone, event } = await booked();
    const deps = dialer('2026-12-02T09:30');
    const outcome = await dialReminder(event, deps);
    expect(outcome).toMatchObject({ outcome: 'called', retryAt: '2026-12-02T16:00:00Z' });
    expect(callCreates()).toHaveLength(1);
    const request = callCreates()[0]!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Calls.json`);
    expect(request.user).toBe(twilio.accountSid);
    expect(request.params).toEqual({
      To: phone,
      From: '+12175550142',
      Url: `${PUBLIC}/twilio/outbound?appointmentId=${appointmentId}`,
      Method: 'POST',
      StatusCallback: `${PUBLIC}/twilio/status?appointmentId=${appointmentId}`,
      StatusCallbackMethod: 'POST',
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      MachineDetection: 'DetectMessageEnd',
      AsyncAmd: 'false',
      Timeout: '25',
      TimeLimit: '900',
    });
    const stored = await h.deps.appointments.get(appointmentId);
    expect(stored).toMatchObject({
      reminderStatus: 'called',
      reminderAttempt: 1,
      reminderCallSid: (outcome as { callSid: string }).callSid,
      reminderRetryAt: '2026-12-02T16:00:00Z',
    });
    expect(scheduler.get(`rem-${appointmentId}-retry`, GROUP)).toMatchObject({
      ScheduleExpression: 'at(2026-12-02T10:00:00)',
      ScheduleExpressionTimezone: 'America/Chicago',
      Target: { Input: JSON.stringify({ appointmentId, version: 1, attempt: 2 }) },
    });
    expect(deps.metrics.get(METRICS.reminderCallsPlaced)).toBe(1);
  });

  it('does not call for a cancelled, moved, opted-out, unconsented or already reminded appointment', async () => {
    const cancelled = await booked('10:00');
    expectOk(
      await h.call('cancel_appointment', { appointment_id: cancelled.appointmentId }, cancelled.session),
    );
    const moved = await booked('10:30');
    expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: moved.appointmentId, new_start_time: '2026-12-03T13:00' },
        moved.session,
      ),
    );
    const optedOut = await booked('11:00');
    expectOk(await h.call('opt_out_of_reminders', {}, optedOut.session));
    const noConsent = await booked('11:30', false);
    const reminded = await booked('12:00');
    const deps = dialer('2026-12-02T10:00');
    expect((await dialReminder(reminded.event, deps)).outcome).toBe('called');
    twilio.restRequests.length = 0;

    const reasons = [];
    for (const { event } of [cancelled, moved, optedOut, noConsent, reminded]) {
      reasons.push(await dialReminder(event, deps));
    }
    expect(reasons.map((r) => (r.outcome === 'skipped' ? r.reason : r.outcome))).toEqual([
      'cancelled',
      'moved',
      'opted_out',
      'opted_out',
      'already_reminded',
    ]);
    expect(await dialReminder({ appointmentId: 'apt_0000000000', version: 1 }, deps)).toEqual({
      outcome: 'skipped',
      reason: 'not_found',
    });
    expect(callCreates()).toEqual([]);
  });

  it('places one call when the same event is delivered twice at once', async () => {
    const { event } = await booked('13:00');
    const deps = dialer('2026-12-02T13:00');
    const outcomes = await Promise.all([
      dialReminder(event, deps),
      dialReminder(event, deps),
      dialReminder(event, deps),
    ]);
    expect(callCreates()).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'called')).toHaveLength(1);
  });

  it('re-checks the calling window at dial time and records the skip', async () => {
    const { appointmentId, event } = await booked('13:30');
    expect(await dialReminder(event, dialer('2026-12-02T19:05'))).toEqual({
      outcome: 'skipped',
      reason: 'outside_window',
    });
    expect(callCreates()).toEqual([]);
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBe('skipped_outside_window');
  });

  it("holds the calling window on the callee's clock too: a Seattle number is not rung at 9:30 in Chicago", async () => {
    const { event, appointmentId } = await booked('13:30', true, '206');
    expect(await dialReminder(event, dialer('2026-12-02T09:30'))).toEqual({
      outcome: 'skipped',
      reason: 'outside_window',
    });
    expect(callCreates()).toEqual([]);
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBe('skipped_outside_window');
  });

  it('on a Twilio 500 releases the claim and throws, so the retried invocation can dial', async () => {
    const { appointmentId, event } = await booked('14:00');
    const deps = dialer('2026-12-02T14:00');
    twilio.failNextRest({ method: 'POST', pathIncludes: '/Calls.json' }, 500);
    await expect(dialReminder(event, deps)).rejects.toMatchObject({ status: 500 });
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBeUndefined();
    expect(deps.metrics.get(METRICS.reminderCallFailures)).toBe(1);
    expect((await dialReminder(event, deps)).outcome).toBe('called');
    expect(callCreates()).toHaveLength(2);
  });

  it('when the answer to the create is lost, it neither throws nor dials again: the customer is never called twice', async () => {
    const { appointmentId, event } = await booked('15:00');
    const deps = dialer('2026-12-02T15:00');
    twilio.loseNextRestAnswer({ method: 'POST', pathIncludes: '/Calls.json' });
    expect(await dialReminder(event, deps)).toEqual({ outcome: 'failed', reason: 'outcome_unknown' });
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBe('unconfirmed');
    expect(deps.metrics.get(METRICS.reminderCallFailures)).toBe(1);
    // A duplicate delivery (or a retried invocation) finds the attempt settled.
    expect(await dialReminder(event, deps)).toMatchObject({ outcome: 'skipped' });
    expect(callCreates()).toHaveLength(1);
  });

  it('with no connection to Twilio at all, gives the claim back and throws, so a retry can dial', async () => {
    const { appointmentId, event } = await booked('15:30');
    const deps = dialer('2026-12-02T15:30');
    deps.caller = new TwilioOutboundCaller(
      async () => ({ accountSid: twilio.accountSid, authToken: twilio.authToken }),
      'http://127.0.0.1:9', // the discard port: nothing listens, the connection is refused
    );
    await expect(dialReminder(event, deps)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBeUndefined();
  });

  it('on a Twilio 400 (invalid number) records the failure and does not throw', async () => {
    const { appointmentId, event } = await booked('14:30');
    twilio.failNextRest({ method: 'POST' }, 400, { code: 21211, message: "Invalid 'To' Phone Number" });
    expect(await dialReminder(event, dialer('2026-12-02T14:30'))).toEqual({
      outcome: 'failed',
      reason: 'rejected_by_twilio',
    });
    expect((await h.deps.appointments.get(appointmentId))?.reminderStatus).toBe('failed');
    expect((await dialReminder(event, dialer('2026-12-02T14:31'))).outcome).toBe('skipped');
  });

  it('rejects a malformed event, naming the field', async () => {
    await expect(
      dialReminder({ appointmentId: 'apt_1', version: 1 }, dialer('2026-12-02T10:00')),
    ).rejects.toThrow(/^not a reminder event: appointmentId: must be an appointment id/);
    await expect(
      dialReminder({ appointmentId: 'apt_0000000000' }, dialer('2026-12-02T10:00')),
    ).rejects.toThrow(/version/);
  });
});

describe('recordReminderCallOutcome', () => {
  const record = () =>
    createReminderOutcomeRecorder({ db: h.db, tables: h.tables, now: () => chicago('2026-12-02T09:31') });

  it('no answer on the first attempt → the retry dials once; its outcome is final', async () => {
    const { appointmentId, event } = await booked('15:00');
    const first = await dialReminder(event, dialer('2026-12-02T09:30'));
    const callSid = (first as { callSid: string }).callSid;
    expect(await record()({ appointmentId, callSid, callStatus: 'ringing' })).toEqual({
      recorded: false,
      reason: 'not_final',
    });
    expect(
      await record()({ appointmentId, callSid: `CA${'0'.repeat(32)}`, callStatus: 'no-answer' }),
    ).toEqual({
      recorded: false,
      reason: 'not_this_call',
    });
    expect(await record()({ appointmentId, callSid, callStatus: 'no-answer' })).toEqual({
      recorded: true,
      status: 'retry_scheduled',
    });
    // The retry schedule fires 30 minutes later with attempt 2.
    const retry = JSON.parse(scheduler.get(`rem-${appointmentId}-retry`, GROUP)!.Target.Input);
    expect(retry).toEqual({ ...event, attempt: 2 });
    twilio.restRequests.length = 0;
    const second = await dialReminder(retry, dialer('2026-12-02T10:00'));
    expect(second).toMatchObject({ outcome: 'called', retryAt: null });
    expect(callCreates()).toHaveLength(1);
    // A duplicate delivery of the retry does not call again.
    expect(await dialReminder(retry, dialer('2026-12-02T10:00'))).toMatchObject({ outcome: 'skipped' });
    const secondSid = (second as { callSid: string }).callSid;
    expect(await record()({ appointmentId, callSid: secondSid, callStatus: 'busy' })).toEqual({
      recorded: true,
      status: 'busy',
    });
    expect(callCreates()).toHaveLength(1);
  });

  it('completed → reminded, with AnsweredBy kept', async () => {
    const { appointmentId, event } = await booked('15:30');
    const { callSid } = (await dialReminder(event, dialer('2026-12-02T11:00'))) as { callSid: string };
    expect(
      await record()({ appointmentId, callSid, callStatus: 'completed', answeredBy: 'machine_end_beep' }),
    ).toEqual({ recorded: true, status: 'reminded' });
    expect(await h.deps.appointments.get(appointmentId)).toMatchObject({
      reminderStatus: 'reminded',
      reminderAnsweredBy: 'machine_end_beep',
    });
  });

  it('late in the window there is no retry: no answer is final', async () => {
    const { appointmentId, event } = await booked('16:00');
    const first = await dialReminder(event, dialer('2026-12-02T18:40'));
    expect(first).toMatchObject({ outcome: 'called', retryAt: null });
    expect(scheduler.get(`rem-${appointmentId}-retry`, GROUP)).toBeUndefined();
    const { callSid } = first as { callSid: string };
    expect(await record()({ appointmentId, callSid, callStatus: 'no-answer' })).toEqual({
      recorded: true,
      status: 'no_answer',
    });
  });
});
