/**
 * Model year from VIN position 10 (49 CFR 565.15).
 *
 * Position 10 cycles through 30 codes — A–Y without I, O, Q, U and Z, then 1–9 — so every code
 * names two candidate years, one in 1980–2009 and one in 2010–2039. For passenger cars, MPVs and
 * light trucks made for North America, position 7 tells them apart: a digit there means
 * 1980–2009, a letter means 2010–2039. The rule is applied to every VIN (it is the best offline
 * guess; heavy trucks, buses and some foreign-market VINs do not follow it, and vPIC refines the
 * year when it is reachable), then clamped by the clock: a model year more than one year after the
 * current year cannot exist yet, so the earlier cycle is chosen instead.
 */

/** Position-10 codes in order; index 0 is model year 1980 (and 2010). */
export const MODEL_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';

const FIRST_CYCLE_START = 1980;
const CYCLE_LENGTH = 30;

/** The two model years a position-10 code can stand for, or undefined when it is not a year code. */
export function modelYearCandidates(code: string): readonly [earlier: number, later: number] | undefined {
  if (code.length !== 1) return undefined;
  const index = MODEL_YEAR_CODES.indexOf(code.toUpperCase());
  if (index < 0) return undefined;
  const earlier = FIRST_CYCLE_START + index;
  return [earlier, earlier + CYCLE_LENGTH];
}

/**
 * The model year of a normalised 17-character VIN, or undefined when position 10 holds no year
 * code (0, U or Z). `now` is injected so the result does not depend on the machine's clock.
 */
export function decodeModelYear(vin: string, now: Date): number | undefined {
  const candidates = modelYearCandidates(vin.charAt(9));
  if (!candidates) return undefined;
  const [earlier, later] = candidates;
  const position7 = vin.charAt(6);
  const preferLater = !(position7 >= '0' && position7 <= '9');
  const latestPlausible = now.getUTCFullYear() + 1;
  return preferLater && later <= latestPlausible ? later : earlier;
}
