import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type { CountryCode } from 'libphonenumber-js/core';
import { parsePhoneNumberFromString as parseWithLibraryMetadata } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { isValidE164, maskPhone, normalizePhone } from '../../runtime/domain/phone';
import { PHONE_METADATA } from '../../runtime/domain/phone-metadata.generated';
import { GENERATED_PATH, generatedSource } from '../../scripts/phone-metadata';

const require = createRequire(import.meta.url);
const EXAMPLE_MOBILE_NUMBERS = require('libphonenumber-js/examples.mobile.json') as Record<string, string>;

/** What the library's own "min" metadata makes of a number: the reference our trimmed plans must match. */
function reference(text: string, country?: CountryCode) {
  const parsed = parseWithLibraryMetadata(text, country);
  return parsed?.isValid() ? parsed.number : null;
}

describe('normalizePhone', () => {
  it.each([
    ['(217) 555-0142', '+12175550142'],
    ['217.555.0142', '+12175550142'],
    ['2175550142', '+12175550142'],
    ['1 217 555 0142', '+12175550142'],
    ['+1 217 555 0142', '+12175550142'],
    ['  +12175550142  ', '+12175550142'],
    ['011 44 20 7946 0958', '+442079460958'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+52 55 1234 5678', '+525512345678'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it('reads national formats in the shop country', () => {
    expect(normalizePhone('(416) 555-0199', 'CA')).toBe('+14165550199');
  });

  it.each([
    ['too short', '555-0142'],
    ['an area code that cannot exist', '(117) 555-0142'],
    ['words', 'call me maybe'],
    ['empty', ''],
    ['withheld caller ID as Twilio sends it', 'anonymous'],
    ['a number too short for its country', '+266696687'],
  ])('refuses %s', (_label, input) => {
    expect(normalizePhone(input)).toBeNull();
  });
});

describe('isValidE164', () => {
  it('accepts valid numbers of any country and refuses impossible ones', () => {
    expect(isValidE164('+12175550142')).toBe(true);
    expect(isValidE164('+442079460958')).toBe(true);
    expect(isValidE164('+11175550142')).toBe(false);
    expect(isValidE164('+4420')).toBe(false);
  });
});

describe('maskPhone', () => {
  it('keeps no more than the last four digits', () => {
    expect(maskPhone('+12175550142')).toBe('***0142');
    expect(maskPhone('0142')).toBe('****');
    expect(maskPhone(null)).toBe('unknown');
  });
});

describe('the trimmed numbering plans (runtime/domain/phone-metadata.generated.ts)', () => {
  it('are what the installed libphonenumber-js generates (else run `npm run generate:phone-metadata`)', () => {
    const upToDate = readFileSync(GENERATED_PATH, 'utf8') === generatedSource();
    expect(upToDate, 'phone-metadata.generated.ts is stale').toBe(true);
  });

  it("give the library's answer for every country's example number, written both ways", () => {
    const countries = Object.keys(EXAMPLE_MOBILE_NUMBERS) as CountryCode[];
    expect(countries.length).toBeGreaterThan(200);
    for (const country of countries) {
      const national = EXAMPLE_MOBILE_NUMBERS[country]!;
      const e164 = reference(national, country);
      expect(e164, country).not.toBeNull();
      expect(isValidE164(e164!), country).toBe(true);
      expect(normalizePhone(e164!), country).toBe(e164);
      const parsed = parseWithLibraryMetadata(national, country);
      expect(normalizePhone(`+${parsed!.countryCallingCode} ${national}`), country).toBe(e164);
    }
  });

  it("give the library's answer for arbitrary digit strings, national and international", () => {
    const callingCodes = Object.keys(PHONE_METADATA.country_calling_codes);
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 4, maxLength: 14 });
    fc.assert(
      fc.property(
        fc.constantFrom(...callingCodes),
        digits,
        fc.constantFrom<'US' | 'CA'>('US', 'CA'),
        (callingCode, number, country) => {
          expect(normalizePhone(`+${callingCode}${number}`)).toBe(reference(`+${callingCode}${number}`));
          expect(normalizePhone(number, country)).toBe(reference(number, country));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
