import { describe, expect, it } from 'vitest';
import { customerWithVehicle } from '../support/customers';
import { createToolHarness, exampleShop, expectOk } from '../support/tool-harness';

// A shop open (almost) around the clock on Sundays, when US clocks change.
const sundayShop = () => {
  const shop = exampleShop();
  return { ...shop, openingHours: { ...shop.openingHours, sunday: [{ open: '00:00', close: '23:45' }] } };
};

function localTimes(result: Record<string, any>): string[] {
  return result.slots.map((s: { start_time: string }) => s.start_time.slice(11, 16));
}

describe('daylight saving time in America/Chicago', () => {
  it('spring forward (2026-03-08): no slot in the missing hour, none twice', async () => {
    const h = await createToolHarness({ now: '2026-03-01T10:00', shop: sundayShop() });
    const result = expectOk(
      await h.call('get_available_slots', { date: '2026-03-08', service_type: 'oil_change' }, h.session()),
    );
    const times = localTimes(result);
    expect(times).not.toContain('02:00');
    expect(times).not.toContain('02:30');
    expect(new Set(times).size).toBe(times.length);
    expect(times).toContain('01:30');
    expect(times).toContain('03:00');
    // Offsets switch from CST to CDT across the gap.
    expect(result.slots.find((s: any) => s.start_time.includes('T01:30')).start_time).toMatch(/-06:00$/);
    expect(result.slots.find((s: any) => s.start_time.includes('T03:00')).start_time).toMatch(/-05:00$/);
    const { session, vehicleId } = await customerWithVehicle(h);
    const gap = await h.call(
      'book_appointment',
      { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-03-08T02:30' },
      session,
    );
    expect(gap).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'start_time' } });
  });

  it('fall back (2026-11-01): the repeated hour is never offered or booked by wall-clock time', async () => {
    const h = await createToolHarness({ now: '2026-10-25T10:00', shop: sundayShop() });
    const result = expectOk(
      await h.call('get_available_slots', { date: '2026-11-01', service_type: 'oil_change' }, h.session()),
    );
    const times = localTimes(result);
    expect(new Set(times).size).toBe(times.length);
    expect(times).not.toContain('01:00');
    expect(times).not.toContain('01:30');
    const instants = result.slots.map((s: { start_time: string }) => Date.parse(s.start_time));
    expect([...instants].sort((a, b) => a - b)).toEqual(instants);
    const { session, vehicleId } = await customerWithVehicle(h);
    const ambiguous = await h.call(
      'book_appointment',
      { vehicle_id: vehicleId, service_type: 'oil_change', start_time: '2026-11-01T01:30' },
      session,
    );
    expect(ambiguous).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'start_time' } });
  });

  it('at 23:58 the night before, "tomorrow" is the next local day although UTC is already there', async () => {
    const h = await createToolHarness({ now: '2026-12-01T23:58' });
    const result = expectOk(
      await h.call('get_available_slots', { date: 'tomorrow', service_type: 'oil_change' }, h.session()),
    );
    expect(result.date).toBe('2026-12-02');
    expect(result.spoken_date).toBe('Wednesday, December 2');
    expect(result.slots[0].spoken).toBe('8:00 AM');
    // The night before spring forward, too.
    const dst = await createToolHarness({ now: '2026-03-07T23:58', shop: sundayShop() });
    const sunday = expectOk(
      await dst.call('get_available_slots', { date: 'tomorrow', service_type: 'oil_change' }, dst.session()),
    );
    expect(sunday.date).toBe('2026-03-08');
  });

  it('gives the same answers whatever the process time zone is', async () => {
    const original = process.env.TZ;
    const answers: string[] = [];
    try {
      for (const tz of ['UTC', 'Asia/Kolkata', 'Pacific/Auckland', 'America/Los_Angeles']) {
        process.env.TZ = tz;
        const h = await createToolHarness({ now: '2026-12-01T23:58' });
        const slots = expectOk(
          await h.call(
            'get_available_slots',
            { date: 'tomorrow', service_type: 'brake_service' },
            h.session(),
          ),
        );
        const { session, vehicleId } = await customerWithVehicle(h);
        const booked = expectOk(
          await h.call(
            'book_appointment',
            { vehicle_id: vehicleId, service_type: 'brake_service', start_time: '2026-12-02T08:00' },
            session,
          ),
        );
        answers.push(
          JSON.stringify({ slots, start: booked.appointment.start_time, spoken: booked.appointment.spoken }),
        );
      }
    } finally {
      process.env.TZ = original;
    }
    expect(new Set(answers).size).toBe(1);
  });
});
