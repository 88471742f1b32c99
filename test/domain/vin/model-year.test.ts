import { describe, expect, it } from 'vitest';
import {
  decodeModelYear,
  MODEL_YEAR_CODES,
  modelYearCandidates,
} from '../../../runtime/domain/vin/model-year';
import { NOW, withCheckDigit } from './fixtures';

/** A VIN with the given position 7 and position 10 (other characters fixed). */
function vinWith(position7: string, position10: string): string {
  return withCheckDigit(`1HGCM8${position7}6X${position10}A004352`);
}

describe('modelYearCandidates', () => {
  it('maps the 30 codes onto 1980–2009 and 2010–2039', () => {
    expect(MODEL_YEAR_CODES).toHaveLength(30);
    expect(modelYearCandidates('A')).toEqual([1980, 2010]);
    expect(modelYearCandidates('H')).toEqual([1987, 2017]);
    expect(modelYearCandidates('J')).toEqual([1988, 2018]);
    expect(modelYearCandidates('Y')).toEqual([2000, 2030]);
    expect(modelYearCandidates('1')).toEqual([2001, 2031]);
    expect(modelYearCandidates('9')).toEqual([2009, 2039]);
  });

  it.each(['0', 'I', 'O', 'Q', 'U', 'Z', '', 'AB'])('has no year for %j', (code) => {
    expect(modelYearCandidates(code)).toBeUndefined();
  });
});

describe('decodeModelYear', () => {
  it('reads a numeric position 7 as the 1980–2009 cycle', () => {
    expect(decodeModelYear(vinWith('6', '3'), NOW)).toBe(2003);
    expect(decodeModelYear(vinWith('6', 'K'), NOW)).toBe(1989);
    expect(decodeModelYear(vinWith('1', 'A'), NOW)).toBe(1980);
  });

  it('reads a letter in position 7 as the 2010–2039 cycle', () => {
    expect(decodeModelYear(vinWith('F', 'K'), NOW)).toBe(2019);
    expect(decodeModelYear(vinWith('A', 'A'), NOW)).toBe(2010);
    expect(decodeModelYear(vinWith('H', 'T'), NOW)).toBe(2026);
  });

  it('allows next year’s models but picks the earlier cycle beyond that', () => {
    // NOW is March 2026: model year 2027 is on sale, 2028 is not.
    expect(decodeModelYear(vinWith('F', 'V'), NOW)).toBe(2027);
    expect(decodeModelYear(vinWith('F', 'W'), NOW)).toBe(1998);
    expect(decodeModelYear(vinWith('F', 'Y'), NOW)).toBe(2000);
    expect(decodeModelYear(vinWith('F', '5'), NOW)).toBe(2005);
  });

  it('depends on the injected clock, not the machine’s', () => {
    const vin = vinWith('F', 'W');
    expect(decodeModelYear(vin, new Date('2027-06-01T00:00:00Z'))).toBe(2028);
    expect(decodeModelYear(vin, new Date('2026-12-31T23:59:59Z'))).toBe(1998);
    expect(decodeModelYear(vin, new Date('2040-01-01T00:00:00Z'))).toBe(2028);
  });

  it('has no year when position 10 is not a year code', () => {
    expect(decodeModelYear(vinWith('F', '0'), NOW)).toBeUndefined();
    expect(decodeModelYear(vinWith('F', 'U'), NOW)).toBeUndefined();
    expect(decodeModelYear(vinWith('F', 'Z'), NOW)).toBeUndefined();
  });
});
