import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerWithVehicle } from '../support/customers';
import { createToolHarness, expectOk, type ToolHarness } from '../support/tool-harness';

let h: ToolHarness;
beforeAll(async () => {
  // Tuesday 2026-12-01, 10:00 in Springfield.
  h = await createToolHarness({ now: '2026-12-01T10:00' });
});

describe('get_available_slots', () => {
  it('lists the day’s start times inside opening hours with spoken and machine forms', async () => {
    const result = expectOk(
      await h.call('get_available_slots', { date: '2026-12-02', service_type: 'oil_change' }, h.session()),
    );
    expect(result.spoken_date).toBe('Wednesday, December 2');
    expect(result.slots[0]).toEqual({ start_time: '2026-12-02T08:00:00-06:00', spoken: '8:00 AM' });
    expect(result.slots.at(-1).spoken).toBe('5:30 PM');
    expect(result.slots).toHaveLength(20);
    expect(result.next_available_days).toBeUndefined();
  });

  it('makes sure the whole job fits before closing', async () => {
    const result = expectOk(
      await h.call('get_available_slots', { date: '2026-12-02', service_type: 'brake_service' }, h.session()),
    );
    expect(result.slots.at(-1).spoken).toBe('4:00 PM');
  });

  it('offers nothing in the past and starts today after the lead time', async () => {
    const result = expectOk(
      await h.call('get_available_slots', { date: 'today', service_type: 'oil_change' }, h.session()),
    );
    expect(result.date).toBe('2026-12-01');
    expect(result.slots[0].spoken).toBe('11:00 AM');
  });

  it('on a closed day returns the next days that have slots', async () => {
    const result = expectOk(
      await h.call('get_available_slots', { date: '2026-12-06', service_type: 'inspection' }, h.session()),
    );
    expect(result.slots).toEqual([]);
    expect(result.next_available_days.map((d: { date: string }) => d.date)).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
    ]);
    const christmas = expectOk(
      await h.call('get_available_slots', { date: '2026-12-25', service_type: 'inspection' }, h.session()),
    );
    expect(christmas.slots).toEqual([]);
    expect(christmas.next_available_days[0].date).toBe('2026-12-26');
  });

  it('rejects an unknown service and a malformed date, naming the field', async () => {
    const service = await h.call(
      'get_available_slots',
      { date: '2026-12-02', service_type: 'car_wash' },
      h.session(),
    );
    expect(service).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'service_type' } });
    const date = await h.call(
      'get_available_slots',
      { date: '2026-02-30', service_type: 'oil_change' },
      h.session(),
    );
    expect(date).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'date' } });
  });

  it('says why a date outside the booking window has nothing, instead of "no slots"', async () => {
    const lastYear = await h.call(
      'get_available_slots',
      { date: '2025-12-02', service_type: 'oil_change' },
      h.session(),
    );
    expect(lastYear).toMatchObject({
      ok: false,
      error: {
        code: 'IN_PAST',
        field: 'date',
        message: expect.stringContaining('today is Tuesday, December 1'),
      },
    });
    const lastDay = expectOk(
      await h.call('get_available_slots', { date: '2027-03-01', service_type: 'oil_change' }, h.session()),
    );
    expect(lastDay.slots.length).toBeGreaterThan(0);
    const tooFar = await h.call(
      'get_available_slots',
      { date: '2027-03-02', service_type: 'oil_change' },
      h.session(),
    );
    expect(tooFar).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'date', message: expect.stringContaining('90 days ahead') },
    });
  });
});

describe('book_appointment, get_upcoming_appointments, reschedule and cancel', () => {
  it('books for the bound customer and lists it as upcoming', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-12-03T09:30' },
        session,
      ),
    );
    expect(booked.appointment).toMatchObject({
      service_type: 'oil_change',
      start_time: '2026-12-03T09:30:00-06:00',
      spoken: 'Thursday, December 3 at 9:30 AM',
      vehicle: '2019 Honda Civic',
      status: 'booked',
    });
    const upcoming = expectOk(await h.call('get_upcoming_appointments', {}, session));
    expect(upcoming.appointments.map((a: { appointment_id: string }) => a.appointment_id)).toEqual([
      booked.appointment.appointment_id,
    ]);
  });

  it('accepts ISO 8601 with an offset and rejects times the shop cannot take', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const iso = await h.call(
      'book_appointment',
      { vehicle_id: vehicleId, service_type: 'inspection', start_time: '2026-12-04T15:00:00Z' },
      session,
    );
    expect(expectOk(iso).appointment.spoken).toBe('Friday, December 4 at 9:00 AM');
    const cases: [string, string][] = [
      ['2026-12-04T17:30', 'OUTSIDE_HOURS'], // a 60-minute job past 18:00
      ['2026-12-06T10:00', 'CLOSED'], // Sunday
      ['2026-12-01T09:00', 'IN_PAST'],
    ];
    for (const [start, code] of cases) {
      const result = await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'inspection', start_time: start },
        session,
      );
      expect(result, start).toMatchObject({ ok: false, error: { code } });
    }
    const malformed = await h.call(
      'book_appointment',
      { vehicle_id: vehicleId, service_type: 'inspection', start_time: 'next tuesday' },
      session,
    );
    expect(malformed).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'start_time' } });
  });

  it('needs a bound customer', async () => {
    const result = await h.call('get_upcoming_appointments', {}, h.session());
    expect(result).toMatchObject({ ok: false, error: { code: 'CUSTOMER_REQUIRED' } });
  });

  it('a retried booking of the same intent returns the same appointment instead of a second one', async () => {
    const { session, vehicleId, customerId } = await customerWithVehicle(h);
    const args = { vehicle_id: vehicleId, service_type: 'tire_rotation', start_time: '2026-12-07T13:00' };
    const [a, b] = await Promise.all([
      h.call('book_appointment', args, session),
      h.call('book_appointment', args, session),
    ]);
    const c = await h.call('book_appointment', args, session);
    const ids = [a, b, c].map((r) => expectOk(r).appointment.appointment_id);
    expect(new Set(ids).size).toBe(1);
    expect(expectOk(c).already_booked).toBe(true);
    const upcoming = await h.deps.appointments.listUpcoming(customerId, '2026-12-01T00:00:00Z');
    expect(upcoming).toHaveLength(1);
  });

  it('refuses another customer’s vehicle and appointment exactly like missing ones', async () => {
    const alice = await customerWithVehicle(h, 'Alice');
    const mallory = await customerWithVehicle(h, 'Mallory');
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: alice.vehicleId, service_type: 'oil_change', start_time: '2026-12-08T10:00' },
        alice.session,
      ),
    );
    const id = booked.appointment.appointment_id;
    const otherVehicle = await h.call(
      'book_appointment',
      { vehicle_id: alice.vehicleId, service_type: 'oil_change', start_time: '2026-12-08T11:00' },
      mallory.session,
    );
    expect(otherVehicle).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const cancel = await h.call('cancel_appointment', { appointment_id: id }, mallory.session);
    const cancelMissing = await h.call(
      'cancel_appointment',
      { appointment_id: 'apt_0000000000' },
      mallory.session,
    );
    expect(cancel).toEqual(cancelMissing);
    expect(cancel).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const move = await h.call(
      'reschedule_appointment',
      { appointment_id: id, new_start_time: '2026-12-09T10:00' },
      mallory.session,
    );
    expect(move).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(JSON.stringify([cancel, move])).not.toMatch(/Alice|Civic|December 8/);
    expect((await h.deps.appointments.get(id))?.status).toBe('booked');
  });

  it('lists an appointment under way as in progress, and forgets it once it has ended', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'brake_service', start_time: '2026-12-14T09:00' },
        session,
      ),
    );
    const id = booked.appointment.appointment_id;
    try {
      h.setNow('2026-12-14T09:30');
      const during = expectOk(await h.call('get_upcoming_appointments', {}, session));
      expect(during.appointments).toMatchObject([{ appointment_id: id, in_progress: true }]);
      const cancel = await h.call('cancel_appointment', { appointment_id: id }, session);
      expect(cancel).toMatchObject({ ok: false, error: { code: 'IN_PAST' } });
      h.setNow('2026-12-14T23:00');
      expect(expectOk(await h.call('get_upcoming_appointments', {}, session)).appointments).toEqual([]);
    } finally {
      h.setNow('2026-12-01T10:00');
    }
    const before = expectOk(await h.call('get_upcoming_appointments', {}, session));
    expect(before.appointments[0]).not.toHaveProperty('in_progress');
  });

  it('two moves of one appointment at once: one wins, the other is a CONFLICT, never an internal error', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-12-11T08:00' },
        session,
      ),
    );
    const id = booked.appointment.appointment_id;
    const results = await Promise.all(
      ['2026-12-11T13:00', '2026-12-11T15:00'].map((start) =>
        h.call('reschedule_appointment', { appointment_id: id, new_start_time: start }, session),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const stored = await h.deps.appointments.get(id);
    expect(stored).toMatchObject({ version: 2 });
    const locks = (await h.deps.appointments.locksOn('2026-12-11')).filter((l) => l.appointmentId === id);
    expect(locks.map((l) => l.sliceUtc).sort()).toEqual(stored!.slices.slice().sort());
  });

  it('gives every bay lock an expiry a week after its slice, so past locks do not pile up', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-12-15T08:00' },
        session,
      ),
    );
    const { Items = [] } = await h.db.send(
      new QueryCommand({
        TableName: h.tables.slots,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'DAY#2026-12-15' },
      }),
    );
    expect(Items.length).toBeGreaterThan(0);
    for (const lock of Items) {
      const slice = Date.parse((lock.sk as string).split('#')[0]!) / 1000;
      expect(lock.expiresAt).toBe(slice + 7 * 24 * 3600);
    }
  });

  it('reschedules atomically: the old time is freed, the new one taken, the version bumped', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'brake_service', start_time: '2026-12-10T08:00' },
        session,
      ),
    );
    const id = booked.appointment.appointment_id;
    const moved = expectOk(
      await h.call(
        'reschedule_appointment',
        { appointment_id: id, new_start_time: '2026-12-10T09:00' },
        session,
      ),
    );
    expect(moved.previous.spoken).toBe('Thursday, December 10 at 8:00 AM');
    expect(moved.appointment.spoken).toBe('Thursday, December 10 at 9:00 AM');
    const stored = await h.deps.appointments.get(id);
    expect(stored).toMatchObject({ version: 2, localStart: '2026-12-10T09:00', status: 'booked' });
    const locks = (await h.deps.appointments.locksOn('2026-12-10')).filter((l) => l.appointmentId === id);
    expect(locks.map((l) => l.sliceUtc).sort()).toEqual(stored!.slices.slice().sort());
    expect(locks.every((l) => l.bay === stored!.bay)).toBe(true);
  });

  it('cancels, releases the bay, and treats a repeated cancel as already done', async () => {
    const { session, vehicleId } = await customerWithVehicle(h);
    const booked = expectOk(
      await h.call(
        'book_appointment',
        { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-12-11T14:00' },
        session,
      ),
    );
    const id = booked.appointment.appointment_id;
    const cancelled = expectOk(
      await h.call('cancel_appointment', { appointment_id: id, reason: 'car sold' }, session),
    );
    expect(cancelled.appointment.status).toBe('cancelled');
    expect((await h.deps.appointments.locksOn('2026-12-11')).filter((l) => l.appointmentId === id)).toEqual(
      [],
    );
    expect(
      expectOk(await h.call('cancel_appointment', { appointment_id: id }, session)).already_cancelled,
    ).toBe(true);
    const upcoming = expectOk(await h.call('get_upcoming_appointments', {}, session));
    expect(upcoming.appointments).toEqual([]);
  });

  it('reports SLOT_TAKEN with capacity full, and the slot disappears from availability', async () => {
    const date = '2026-12-14';
    for (let i = 0; i < 3; i++) {
      const c = await customerWithVehicle(h);
      expectOk(
        await h.call(
          'book_appointment',
          { vehicle_id: c.vehicleId, service_type: 'oil_change', start_time: `${date}T12:00` },
          c.session,
        ),
      );
    }
    const late = await customerWithVehicle(h);
    const result = await h.call(
      'book_appointment',
      { vehicle_id: late.vehicleId, service_type: 'oil_change', start_time: `${date}T12:00` },
      late.session,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SLOT_TAKEN' } });
    const slots = expectOk(
      await h.call('get_available_slots', { date, service_type: 'oil_change' }, h.session()),
    );
    const times = slots.slots.map((s: { spoken: string }) => s.spoken);
    expect(times).not.toContain('12:00 PM');
    expect(times).toContain('12:30 PM');
    // A 90-minute job starting at 11:00 would overlap 12:00 on every bay.
    const long = expectOk(
      await h.call('get_available_slots', { date, service_type: 'general_service' }, h.session()),
    );
    expect(long.slots.map((s: { spoken: string }) => s.spoken)).not.toContain('11:00 AM');
  });
});
