/**
 * Where a phone number probably rings: the time zones its North American area code (or, where an
 * area code spans zones, its exchange) belongs to. Only a hint — people keep their number when
 * they move — which is why the calling-hours rule applies it on top of the shop's own zone.
 */
import { PREFIX_ZONES, ZONE_SETS } from './phone-zones.generated';

const NANP = /^\+1\d{10}$/;
/** Prefixes in the table are 3 (area code) to 6 digits long. */
const LONGEST_PREFIX = 6;
const SHORTEST_PREFIX = 3;

/** The zones for an E.164 number; none when it is not North American or its area code is unknown. */
export function zonesOfNumber(e164: string): readonly string[] {
  if (!NANP.test(e164)) return [];
  const digits = e164.slice(2);
  for (let length = LONGEST_PREFIX; length >= SHORTEST_PREFIX; length--) {
    const index = PREFIX_ZONES[digits.slice(0, length)];
    if (index !== undefined) return ZONE_SETS[index] ?? [];
  }
  return [];
}
