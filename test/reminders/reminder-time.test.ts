import { Temporal } from 'temporal-polyfill';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopConfig } from '../../runtime/config/shop-config';
import {
  insideCallingWindow,
  nominalReminderTime,
  planReminder,
  planRetry,
  type ReminderPlan,
  scheduleExpression,
} from '../../runtime/reminders/reminder-time';
import { chicago, exampleShop } from '../support/tool-harness';

const zoned = (local: string) => chicago(local).toZonedDateTimeISO('America/Chicago');
const withReminders = (reminders: Partial<ShopConfig['reminders']>): ShopConfig => {
  const shop = exampleShop();
  return { ...shop, reminders: { ...shop.reminders, ...reminders } };
};

function planned(plan: ReminderPlan) {
  if (plan.kind !== 'call') throw new Error(`expected a call, got none (${plan.reason})`);
  return plan;
}

describe('planReminder (America/Chicago, window 09:00–19:00, 24 h lead)', () => {
  const shop = exampleShop();
  const now = chicago('2026-12-01T10:00');

  it('on a normal day is the same local time the day before, in the shop zone', () => {
    const plan = planned(planReminder(shop, zoned('2026-12-03T09:30'), now));
    expect(plan.expression).toEqual({ at: '2026-12-02T09:30:00', timeZone: 'America/Chicago' });
    expect(plan.adjusted).toBe('none');
    expect(plan.at.toString()).toBe('2026-12-02T09:30:00-06:00[America/Chicago]');
  });

  it('across spring forward keeps the wall clock: 23 real hours before Sunday 10:00 (2026-03-08)', () => {
    const start = zoned('2026-03-08T10:00');
    const plan = planned(planReminder(shop, start, chicago('2026-03-01T10:00')));
    expect(plan.expression).toEqual({ at: '2026-03-07T10:00:00', timeZone: 'America/Chicago' });
    expect(start.toInstant().since(plan.at.toInstant()).total('hours')).toBe(23);
    expect([plan.at.offset, start.offset]).toEqual(['-06:00', '-05:00']);
  });

  it('across fall back keeps the wall clock: 25 real hours before Sunday 10:00 (2026-11-01)', () => {
    const start = zoned('2026-11-01T10:00');
    const plan = planned(planReminder(shop, start, chicago('2026-10-25T10:00')));
    expect(plan.expression).toEqual({ at: '2026-10-31T10:00:00', timeZone: 'America/Chicago' });
    expect(start.toInstant().since(plan.at.toInstant()).total('hours')).toBe(25);
  });

  it('moves a reminder before the window to the window start of the same day', () => {
    const plan = planned(planReminder(shop, zoned('2026-12-08T08:00'), now));
    expect(plan.expression.at).toBe('2026-12-07T09:00:00');
    expect(plan.adjusted).toBe('later_same_day');
  });

  it('moves a reminder after the window earlier, leaving 15 minutes before the window closes', () => {
    const narrow = withReminders({ callingWindow: { start: '09:00', end: '17:00' } });
    const plan = planned(planReminder(narrow, zoned('2026-12-08T17:30'), now));
    expect(plan.expression.at).toBe('2026-12-07T16:45:00');
    expect(plan.adjusted).toBe('earlier_same_day');
  });

  it('falls back to the previous evening when the window start would be too close to the appointment', () => {
    const shortLead = withReminders({ leadTimeHours: 2 });
    const plan = planned(planReminder(shortLead, zoned('2026-12-08T09:30'), now));
    expect(plan.expression.at).toBe('2026-12-07T18:45:00');
    expect(plan.adjusted).toBe('previous_day');
  });

  it('counts whole days of a longer lead on the wall clock and the rest in real hours', () => {
    const lead30 = withReminders({ leadTimeHours: 30 });
    expect(nominalReminderTime(lead30, zoned('2026-03-09T16:00')).toString()).toBe(
      '2026-03-08T10:00:00-05:00[America/Chicago]',
    );
    const lead48 = withReminders({ leadTimeHours: 48 });
    expect(nominalReminderTime(lead48, zoned('2026-03-09T10:00')).toPlainDateTime().toString()).toBe(
      '2026-03-07T10:00:00',
    );
  });

  it('plans no reminder when its moment has passed or the appointment is too close', () => {
    expect(planReminder(shop, zoned('2026-12-01T15:00'), now)).toEqual({ kind: 'none', reason: 'too_soon' });
    expect(planReminder(shop, zoned('2026-12-02T09:00'), now)).toEqual({ kind: 'none', reason: 'too_soon' });
    // 1 h lead at 10:30 → 09:30 today, already past at 10:00.
    expect(planReminder(withReminders({ leadTimeHours: 1 }), zoned('2026-12-01T10:30'), now)).toEqual({
      kind: 'none',
      reason: 'too_soon',
    });
  });

  it('plans no call within a few hours of the booking: not minutes after they hung up', () => {
    // Booked at 10:00 for 10:30 tomorrow: 24 h before is 10:30 today, half an hour after booking.
    expect(planReminder(shop, zoned('2026-12-02T10:30'), now)).toEqual({ kind: 'none', reason: 'too_soon' });
    expect(planReminder(shop, zoned('2026-12-02T13:59'), now)).toEqual({ kind: 'none', reason: 'too_soon' });
    expect(planned(planReminder(shop, zoned('2026-12-02T14:00'), now)).expression.at).toBe(
      '2026-12-01T14:00:00',
    );
  });

  it("moves a reminder into the calling window on the customer's clock as well (CMP-05)", () => {
    const seattle = ['America/Los_Angeles'];
    // 24 h before Wednesday 10:00 is 10:00 in Chicago but 8:00 in Seattle: the nearest time both
    // windows allow is 11:00 in Chicago.
    const west = planned(planReminder(shop, zoned('2026-12-09T10:00'), now, seattle));
    expect(west.expression).toEqual({ at: '2026-12-08T11:00:00', timeZone: 'America/Chicago' });
    expect(west.adjusted).toBe('callee_time_zone');
    // New York is an hour ahead: 18:30 in Chicago is past New York's latest start (18:45).
    const east = planned(planReminder(shop, zoned('2026-12-09T18:30'), now, ['America/New_York']));
    expect(east.expression.at).toBe('2026-12-08T17:45:00');
    // The customer's zone alone, when it is the shop's, changes nothing.
    expect(planReminder(shop, zoned('2026-12-09T10:00'), now, ['America/Chicago'])).toEqual(
      planReminder(shop, zoned('2026-12-09T10:00'), now),
    );
    // Windows that never overlap (09:00–12:00 in Chicago and on Guam): no reminder at all.
    const morning = withReminders({ callingWindow: { start: '09:00', end: '12:00' } });
    expect(planReminder(morning, zoned('2026-12-09T10:00'), now, ['Pacific/Guam'])).toEqual({
      kind: 'none',
      reason: 'no_calling_time',
    });
  });

  it('checks the window at dial time, and plans a retry, on every clock the call must respect', () => {
    expect(insideCallingWindow(shop, chicago('2026-12-08T09:30'))).toBe(true);
    expect(insideCallingWindow(shop, chicago('2026-12-08T09:30'), ['America/Los_Angeles'])).toBe(false);
    expect(insideCallingWindow(shop, chicago('2026-12-08T11:00'), ['America/Los_Angeles'])).toBe(true);
    const start = zoned('2026-12-08T16:00');
    expect(planRetry(shop, start, chicago('2026-12-08T09:00'))?.toPlainDateTime().toString()).toBe(
      '2026-12-08T09:30:00',
    );
    expect(planRetry(shop, start, chicago('2026-12-08T09:00'), ['America/Los_Angeles'])).toBeNull();
  });

  it('plans nothing when the shop has reminders switched off', () => {
    expect(planReminder(withReminders({ enabled: false }), zoned('2026-12-03T09:30'), now)).toEqual({
      kind: 'none',
      reason: 'disabled',
    });
  });
});

describe('scheduleExpression', () => {
  it('uses UTC for a wall-clock time that happens twice (fall back), so Scheduler cannot guess', () => {
    const first = Temporal.PlainDateTime.from('2026-11-01T01:30').toZonedDateTime('America/Chicago', {
      disambiguation: 'earlier',
    });
    expect(scheduleExpression(first)).toEqual({ at: '2026-11-01T06:30:00', timeZone: 'UTC' });
    expect(scheduleExpression(zoned('2026-11-01T10:00'))).toEqual({
      at: '2026-11-01T10:00:00',
      timeZone: 'America/Chicago',
    });
  });
});

describe('insideCallingWindow and planRetry', () => {
  const shop = exampleShop();

  it('allows dialing from the window start up to, not including, its end', () => {
    expect(insideCallingWindow(shop, chicago('2026-12-02T08:59'))).toBe(false);
    expect(insideCallingWindow(shop, chicago('2026-12-02T09:00'))).toBe(true);
    expect(insideCallingWindow(shop, chicago('2026-12-02T18:59'))).toBe(true);
    expect(insideCallingWindow(shop, chicago('2026-12-02T19:00'))).toBe(false);
    // 15:00 UTC is 09:00 in Chicago in winter: the shop zone decides, not UTC.
    expect(insideCallingWindow(shop, Temporal.Instant.from('2026-12-02T14:30:00Z'))).toBe(false);
  });

  it('retries once 30 minutes later, only inside the window and well before the appointment', () => {
    const start = zoned('2026-12-03T09:30');
    expect(planRetry(shop, start, chicago('2026-12-02T10:00'))?.toPlainDateTime().toString()).toBe(
      '2026-12-02T10:30:00',
    );
    expect(planRetry(shop, start, chicago('2026-12-02T18:20'))).toBeNull();
    expect(planRetry(shop, zoned('2026-12-02T11:10'), chicago('2026-12-02T10:00'))).toBeNull();
  });
});

describe('independence from the process time zone', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('gives the same plans with TZ=Asia/Kolkata, Pacific/Auckland and UTC', () => {
    const shop = exampleShop();
    const digest = () =>
      ['2026-03-08T10:00', '2026-11-01T10:00', '2026-12-08T08:00', '2026-12-03T09:30'].map((local) => {
        const plan = planReminder(shop, zoned(local), chicago('2026-02-20T10:00'));
        return plan.kind === 'call' ? plan.expression : plan;
      });
    const expected = digest();
    const offsets = new Set<number>();
    for (const tz of ['Asia/Kolkata', 'Pacific/Auckland', 'UTC']) {
      process.env.TZ = tz;
      offsets.add(new Date('2026-03-08T12:00:00Z').getTimezoneOffset());
      expect(digest(), `TZ=${tz}`).toEqual(expected);
    }
    // The TZ changes really took effect (three different process offsets).
    expect(offsets.size).toBe(3);
  });
});
