/**
 * Bay availability from held bay locks. A job needs one bay for every 15-minute slice it occupies;
 * a bay is free for it when none of those slices is held for that bay.
 */
import type { SlotCandidate } from './slots';

/**
 * The key of one bay held for one slice: "<sliceUtc>#BAY#<bay>", the sort-key form of the slots table
 * (runtime/data/table-definitions.ts). `held` sets passed to the functions below contain these keys.
 */
export function lockKey(bay: number, sliceUtc: string): string {
  return `${sliceUtc}#BAY#${bay}`;
}

/** Eligible bays, in the given order, that hold none of the slices. */
export function freeBays(
  eligibleBays: readonly number[],
  slices: readonly string[],
  held: ReadonlySet<string>,
): number[] {
  return eligibleBays.filter((bay) => slices.every((slice) => !held.has(lockKey(bay, slice))));
}

/** The first eligible bay that holds none of the slices, or undefined when every bay is taken. */
export function pickFreeBay(
  eligibleBays: readonly number[],
  slices: readonly string[],
  held: ReadonlySet<string>,
): number | undefined {
  return eligibleBays.find((bay) => slices.every((slice) => !held.has(lockKey(bay, slice))));
}

/** Whether at least one eligible bay can take all the slices. */
export function isAvailable(
  eligibleBays: readonly number[],
  slices: readonly string[],
  held: ReadonlySet<string>,
): boolean {
  return pickFreeBay(eligibleBays, slices, held) !== undefined;
}

/** The slots at least one eligible bay can take, in their original order. */
export function availableSlots(
  slots: readonly SlotCandidate[],
  eligibleBays: readonly number[],
  held: ReadonlySet<string>,
): SlotCandidate[] {
  return slots.filter((slot) => isAvailable(eligibleBays, slot.slices, held));
}
