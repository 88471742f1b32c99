import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeCheckDigit,
  normalizeVin,
  requiresCheckDigit,
  validateVin,
} from '../../../runtime/domain/vin/validate-vin';
import { checkDigitOf, KNOWN_VINS, withCheckDigit, withWrongCheckDigit } from './fixtures';

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'.split('');
const vinArbitrary = fc
  .array(fc.constantFrom(...VIN_CHARS), { minLength: 17, maxLength: 17 })
  .map((c) => c.join(''));

/** True when the message repeats six or more consecutive characters of the VIN. */
function leaksVin(message: string, vin: string): boolean {
  const upper = message.toUpperCase();
  for (let i = 0; i + 6 <= vin.length; i++) if (upper.includes(vin.slice(i, i + 6))) return true;
  return false;
}

describe('normalizeVin', () => {
  it('trims, upper-cases and removes spaces and dashes inserted by callers or speech-to-text', () => {
    expect(normalizeVin('  1hg cm826-33a 004352 ')).toBe('1HGCM82633A004352');
    expect(normalizeVin('1HG–CM8\t26 — 33A\n004352')).toBe('1HGCM82633A004352');
  });

  it('folds full-width characters to ASCII', () => {
    expect(normalizeVin('１ＨＧＣＭ８２６３３Ａ００４３５２')).toBe('1HGCM82633A004352');
  });
});

describe('computeCheckDigit', () => {
  it('agrees with an independent implementation for any VIN-alphabet string', () => {
    fc.assert(
      fc.property(vinArbitrary, (vin) => {
        expect(computeCheckDigit(vin)).toBe(checkDigitOf(vin));
      }),
      { numRuns: 500 },
    );
  });

  it('yields X when the remainder is 10', () => {
    expect(computeCheckDigit('1M8GDM9AXKP042788')).toBe('X');
  });

  it('rejects input that is not 17 VIN characters', () => {
    expect(() => computeCheckDigit('1HGCM82633A00435')).toThrow(RangeError);
    expect(() => computeCheckDigit('1HGCM82633A00435O')).toThrow(RangeError);
  });
});

describe('validateVin', () => {
  it.each(KNOWN_VINS)('accepts the real VIN $vin ($note)', ({ vin }) => {
    expect(checkDigitOf(vin)).toBe(vin.charAt(8));
    expect(validateVin(vin)).toEqual({ ok: true, vin, checkDigit: 'verified' });
  });

  it('accepts generated VINs whose check digit is right', () => {
    for (const body of ['1FTFW1E50MFA00000', '3VWD17AJ0FM000000', 'KNDPB3AC0F7000000', '2T3BFREV0JW000000']) {
      const vin = withCheckDigit(body);
      expect(validateVin(vin)).toEqual({ ok: true, vin, checkDigit: 'verified' });
    }
  });

  it('normalises lowercase, spaces and dashes before validating', () => {
    expect(validateVin(' 1hgcm826-33a0 04352 ')).toEqual({
      ok: true,
      vin: '1HGCM82633A004352',
      checkDigit: 'verified',
    });
  });

  it('rejects a North American VIN with a wrong check digit', () => {
    const result = validateVin('1HGCM82643A004352');
    expect(result).toMatchObject({ ok: false, code: 'CHECK_DIGIT' });
  });

  it('rejects the "5YJ3E1EA7KF317000"-style example, whose check digit is really 2', () => {
    expect(checkDigitOf('5YJ3E1EA7KF317000')).toBe('2');
    expect(validateVin('5YJ3E1EA7KF317000')).toMatchObject({ ok: false, code: 'CHECK_DIGIT' });
    expect(validateVin('5YJ3E1EA2KF317000')).toMatchObject({ ok: true, checkDigit: 'verified' });
  });

  it.each([
    ['I', '1'],
    ['O', '0'],
    ['Q', '0'],
  ])('rejects the letter %s, naming its position and the digit it probably was', (letter, digit) => {
    const result = validateVin(`1HGCM82633A00435${letter}`);
    expect(result).toEqual({
      ok: false,
      code: 'INVALID_CHARACTERS',
      message: `In that VIN, position 17 is the letter ${letter}, which VINs never use (it is probably the number ${digit}).`,
    });
  });

  it('rejects other symbols without repeating them, and counts further bad characters', () => {
    const result = validateVin('1HGCM8*633A0O4352');
    expect(result).toEqual({
      ok: false,
      code: 'INVALID_CHARACTERS',
      message:
        'In that VIN, position 7 is not a letter or a number, and 1 other character is not allowed either.',
    });
  });

  it.each([
    [16, '1HGCM82633A00435'],
    [18, '1HGCM82633A0043521'],
    [1, '1'],
  ])('rejects a VIN of %i characters', (length, vin) => {
    expect(validateVin(vin)).toEqual({
      ok: false,
      code: 'WRONG_LENGTH',
      message: `That VIN has ${length} character${length === 1 ? '' : 's'}; a VIN has 17.`,
    });
  });

  it('rejects empty input with a spoken explanation', () => {
    expect(validateVin('  - ')).toMatchObject({ ok: false, code: 'WRONG_LENGTH' });
    expect(validateVin('').ok).toBe(false);
  });

  it('checks the length before the characters', () => {
    expect(validateVin('1HGCM82633A0043O')).toMatchObject({ code: 'WRONG_LENGTH' });
  });

  it('never repeats the VIN in a message', () => {
    fc.assert(
      fc.property(
        vinArbitrary,
        fc.integer({ min: 0, max: 16 }),
        fc.constantFrom('O', 'I', 'Q', '#', ''),
        (vin, at, bad) => {
          const broken = `${vin.slice(0, at)}${bad}${vin.slice(at + 1)}`;
          const result = validateVin(broken);
          if (!result.ok) expect(leaksVin(result.message, vin)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    const wrong = validateVin(withWrongCheckDigit('1FTFW1E50MFA00000'));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(leaksVin(wrong.message, '1FTFW1E50MFA00000')).toBe(false);
  });
});

describe('check digit policy by region', () => {
  it('enforces the check digit for WMIs starting with 1–5 and 7F–7Z', () => {
    for (const vin of ['1HGCM82633A004352', '2T1BURHE0JC000000', '3N1AB7AP0KY000000', '4T1B11HK0KU000000']) {
      expect(requiresCheckDigit(vin)).toBe(true);
      expect(validateVin(withWrongCheckDigit(vin))).toMatchObject({ ok: false, code: 'CHECK_DIGIT' });
    }
    for (const vin of ['5YJSA1H12FFP71790', '7SAYGDEE0NF000000', '7FCTGAAA7PN023076']) {
      expect(requiresCheckDigit(vin)).toBe(true);
      expect(validateVin(withWrongCheckDigit(vin))).toMatchObject({ ok: false, code: 'CHECK_DIGIT' });
    }
  });

  it.each([
    'JHMCM56557C000000',
    'KMHD84LF0HU000000',
    'SALGS2RE0JA000000',
    'WBA8E9C50GK000000',
    'ZARFAMBN0K7000000',
    'VF1RFB00X5000000A',
    'YV4A22PK0G1000000',
    'LPSED3KA0NL000000',
    '7A8AA0000A0000000',
  ])('only reports an unverified check digit for the non-North-American VIN %s', (body) => {
    const wrong = withWrongCheckDigit(body);
    expect(requiresCheckDigit(wrong)).toBe(false);
    expect(validateVin(wrong)).toEqual({ ok: true, vin: wrong, checkDigit: 'unverified' });
    const right = withCheckDigit(body);
    expect(validateVin(right)).toEqual({ ok: true, vin: right, checkDigit: 'verified' });
  });
});
