import { describe, expect, it } from 'vitest';
import { baysForService } from '../../../runtime/config/shop-config';
import {
  availableSlots,
  candidateSlots,
  findService,
  freeBays,
  isAvailable,
  lockKey,
  pickFreeBay,
} from '../../../runtime/domain/schedule';
import { exampleShop, instant, startTimes } from './fixtures/shops';

const shop = exampleShop();
const now = instant('2026-12-01T12:00:00Z');
const slices = ['2026-12-07T16:00:00Z', '2026-12-07T16:15:00Z', '2026-12-07T16:30:00Z'];
const hold = (...pairs: [number, string][]) => new Set(pairs.map(([bay, slice]) => lockKey(bay, slice)));

describe('lockKey', () => {
  it('is the slots-table sort key "<sliceUtc>#BAY#<n>"', () => {
    expect(lockKey(2, '2026-12-07T16:00:00Z')).toBe('2026-12-07T16:00:00Z#BAY#2');
  });
});

describe('freeBays / pickFreeBay / isAvailable', () => {
  it('offers every eligible bay when nothing is held', () => {
    expect(freeBays([1, 2, 3], slices, new Set())).toEqual([1, 2, 3]);
    expect(pickFreeBay([1, 2, 3], slices, new Set())).toBe(1);
    expect(isAvailable([1, 2, 3], slices, new Set())).toBe(true);
  });

  it('skips a bay when any one of the slices is held in it', () => {
    const held = hold([1, slices[2]!]);
    expect(freeBays([1, 2, 3], slices, held)).toEqual([2, 3]);
    expect(pickFreeBay([1, 2, 3], slices, held)).toBe(2);
  });

  it('ignores locks on other bays and other slices', () => {
    const held = hold([4, slices[0]!], [1, '2026-12-07T16:45:00Z'], [2, '2026-12-07T15:45:00Z']);
    expect(freeBays([1, 2, 3], slices, held)).toEqual([1, 2, 3]);
  });

  it('is unavailable when every eligible bay holds some slice', () => {
    const held = hold([1, slices[0]!], [2, slices[1]!], [3, slices[2]!]);
    expect(freeBays([1, 2, 3], slices, held)).toEqual([]);
    expect(pickFreeBay([1, 2, 3], slices, held)).toBeUndefined();
    expect(isAvailable([1, 2, 3], slices, held)).toBe(false);
  });

  it('tries bays in the order given', () => {
    expect(pickFreeBay([3, 1], slices, new Set())).toBe(3);
    expect(freeBays([3, 1, 2], slices, hold([1, slices[0]!]))).toEqual([3, 2]);
  });

  it("respects a service's bay restriction: a free bay the service cannot use does not count", () => {
    const restricted = exampleShop({
      services: [
        { id: 'oil_change', name: 'oil change', durationMinutes: 30 },
        { id: 'alignment', name: 'wheel alignment', durationMinutes: 60, bays: [3, 2] },
      ],
    });
    const eligible = baysForService(restricted, findService(restricted, 'alignment')!);
    expect(eligible).toEqual([2, 3]);
    const held = hold([2, slices[0]!], [3, slices[1]!]);
    expect(isAvailable(eligible, slices, held)).toBe(false);
    expect(
      isAvailable(baysForService(restricted, findService(restricted, 'oil_change')!), slices, held),
    ).toBe(true);
    expect(
      pickFreeBay(baysForService(restricted, findService(restricted, 'oil_change')!), slices, held),
    ).toBe(1);
  });
});

describe('availableSlots', () => {
  it('removes exactly the candidates that overlap a booking held in every bay', () => {
    // A two-hour job from 10:00 to 12:00 local (16:00–18:00Z) holds all three bays.
    const busy = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (i) => `2026-12-07T${String(16 + Math.floor(i / 4))}:${String((i % 4) * 15).padStart(2, '0')}:00Z`,
    );
    const held = new Set([1, 2, 3].flatMap((bay) => busy.map((slice) => lockKey(bay, slice))));
    const candidates = candidateSlots(shop, 'oil_change', '2026-12-07', now);
    const free = startTimes(availableSlots(candidates, [1, 2, 3], held));
    expect(free).toContain('09:30');
    expect(free).toContain('12:00');
    expect(free.filter((t) => t >= '10:00' && t < '12:00')).toEqual([]);
    expect(free).toHaveLength(candidates.length - 4);
    // With one bay still free, nothing is removed.
    expect(availableSlots(candidates, [1, 2, 3, 4], held)).toHaveLength(candidates.length);
  });
});
