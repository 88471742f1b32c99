import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerWithVehicle } from '../support/customers';
import { createToolHarness, expectOk, type ToolHarness } from '../support/tool-harness';

let h: ToolHarness;
beforeAll(async () => {
  h = await createToolHarness({ now: '2026-12-01T10:00' });
});

/** For every (day, bay, slice): at most one lock, and locks are exactly the booked appointments' slices. */
async function assertCapacityInvariant(dates: string[]) {
  for (const date of dates) {
    const locks = await h.deps.appointments.locksOn(date);
    const seen = new Set<string>();
    for (const lock of locks) {
      const key = `${lock.bay}|${lock.sliceUtc}`;
      expect(seen.has(key), `double lock ${key}`).toBe(false);
      seen.add(key);
      const appointment = await h.deps.appointments.get(lock.appointmentId);
      expect(appointment?.status, `orphan lock ${key}`).toBe('booked');
      expect(appointment?.slices).toContain(lock.sliceUtc);
      expect(appointment?.bay).toBe(lock.bay);
    }
  }
}

describe('booking under concurrency', () => {
  it('50 concurrent bookings of one slot with 3 bays: exactly 3 succeed, the rest get SLOT_TAKEN', async () => {
    const callers = await Promise.all(Array.from({ length: 50 }, () => customerWithVehicle(h)));
    const results = await Promise.all(
      callers.map((c) =>
        h.call(
          'book_appointment',
          { vehicle_id: c.vehicleId, service_type: 'oil_change', start_time: '2026-12-15T10:00' },
          c.session,
        ),
      ),
    );
    const ok = results.filter((r) => r.ok);
    const taken = results.filter((r) => !r.ok && r.error.code === 'SLOT_TAKEN');
    expect(ok).toHaveLength(3);
    expect(taken).toHaveLength(47);
    const bays = ok.map((r) => (r.ok ? (r.result as any).appointment.appointment_id : ''));
    const stored = await Promise.all(bays.map((id) => h.deps.appointments.get(id)));
    expect(new Set(stored.map((a) => a?.bay))).toEqual(new Set([1, 2, 3]));
    await assertCapacityInvariant(['2026-12-15']);
  });

  it('a reschedule racing a cancel of the same appointment: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const { session, vehicleId } = await customerWithVehicle(h);
      const booked = expectOk(
        await h.call(
          'book_appointment',
          {
            vehicle_id: vehicleId,
            service_type: 'inspection',
            start_time: `2026-12-16T${String(8 + round).padStart(2, '0')}:00`,
          },
          session,
        ),
      );
      const id = booked.appointment.appointment_id;
      const [moved, cancelled] = await Promise.all([
        h.call(
          'reschedule_appointment',
          { appointment_id: id, new_start_time: `2026-12-17T${10 + round}:00` },
          session,
        ),
        h.call('cancel_appointment', { appointment_id: id }, session),
      ]);
      expect([moved.ok, cancelled.ok].filter(Boolean), `round ${round}`).toHaveLength(1);
      const loser = moved.ok ? cancelled : moved;
      expect(loser.ok ? '' : loser.error.code).toMatch(/CONFLICT|NOT_FOUND/);
      const stored = await h.deps.appointments.get(id);
      expect(stored?.version).toBe(2);
      expect(stored?.status).toBe(moved.ok ? 'booked' : 'cancelled');
    }
    await assertCapacityInvariant(['2026-12-16', '2026-12-17']);
  });

  it('after a random mix of bookings, reschedules and cancels, no slot is over capacity', async () => {
    const people = await Promise.all(Array.from({ length: 6 }, () => customerWithVehicle(h)));
    const dates = ['2026-12-18', '2026-12-19'];
    const hours = ['08:00', '08:30', '09:00', '09:15', '10:00'];
    const services = ['oil_change', 'tire_rotation', 'brake_service', 'general_service'];
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('book' as const),
        who: fc.nat(5),
        date: fc.constantFrom(...dates),
        time: fc.constantFrom(...hours),
        service: fc.constantFrom(...services),
      }),
      fc.record({
        kind: fc.constant('move' as const),
        who: fc.nat(5),
        date: fc.constantFrom(...dates),
        time: fc.constantFrom(...hours),
      }),
      fc.record({ kind: fc.constant('cancel' as const), who: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(operation, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        async (waves) => {
          for (const wave of waves) {
            // Each wave runs concurrently, so operations interleave at the database.
            await Promise.all(
              wave.map(async (op) => {
                const person = people[op.who]!;
                if (op.kind === 'book') {
                  await h.call(
                    'book_appointment',
                    {
                      vehicle_id: person.vehicleId,
                      service_type: op.service,
                      start_time: `${op.date}T${op.time}`,
                    },
                    person.session,
                  );
                  return;
                }
                const upcoming = expectOk(
                  await h.call('get_upcoming_appointments', {}, person.session),
                ).appointments;
                const target = upcoming[0]?.appointment_id;
                if (!target) return;
                if (op.kind === 'move') {
                  await h.call(
                    'reschedule_appointment',
                    { appointment_id: target, new_start_time: `${op.date}T${op.time}` },
                    person.session,
                  );
                } else {
                  await h.call('cancel_appointment', { appointment_id: target }, person.session);
                }
              }),
            );
          }
          await assertCapacityInvariant(dates);
        },
      ),
      { numRuns: 8 },
    );
  });
});
