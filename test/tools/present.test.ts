import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { buildSlot, spokenTime } from '../../runtime/domain/schedule';
import { machineTime, presentSlot } from '../../runtime/tools/present';

// Whole-hour, half-hour and 45-minute offsets, both signs, and zones with DST.
const ZONES = [
  'America/Chicago',
  'America/St_Johns',
  'Pacific/Honolulu',
  'UTC',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Adelaide',
  'Pacific/Chatham',
];

describe('presentSlot', () => {
  it('gives the same start_time and spoken time as the Temporal forms of the slot start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        // Quarter-hour starts between 2026 and 2036, as slots are.
        fc.integer({ min: 0, max: 10 * 366 * 96 }),
        (zone, quarter) => {
          const start = Temporal.Instant.from('2026-01-01T00:00:00Z')
            .add({ minutes: quarter * 15 })
            .toZonedDateTimeISO(zone);
          expect(presentSlot(buildSlot(start, 30))).toEqual({
            start_time: machineTime(start),
            spoken: spokenTime(start),
          });
        },
      ),
    );
  });

  it('keeps the offset of the start across a DST change', () => {
    const beforeChange = Temporal.ZonedDateTime.from('2026-03-08T01:30:00-06:00[America/Chicago]');
    expect(presentSlot(buildSlot(beforeChange, 120)).start_time).toBe('2026-03-08T01:30:00-06:00');
    const afterChange = Temporal.ZonedDateTime.from('2026-03-08T03:00:00-05:00[America/Chicago]');
    expect(presentSlot(buildSlot(afterChange, 30))).toEqual({
      start_time: '2026-03-08T03:00:00-05:00',
      spoken: '3:00 AM',
    });
  });
});
