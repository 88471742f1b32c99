import { describe, expect, it } from 'vitest';
import {
  decodeVin,
  decodeVinOffline,
  InvalidVinError,
  NOTES,
  spokenDescription,
} from '../../../runtime/domain/vin';
import { KNOWN_VINS, NOW, withCheckDigit, withWrongCheckDigit } from './fixtures';

const refuseNetwork: typeof globalThis.fetch = () => {
  throw new Error('offline decode must not touch the network');
};

describe('decodeVinOffline', () => {
  it.each(KNOWN_VINS)('decodes year and make of $vin ($note)', ({ vin, year, make }) => {
    const decode = decodeVinOffline(vin, NOW);
    expect(decode).toMatchObject({
      vin,
      modelYear: year,
      partial: true,
      source: 'offline',
      checkDigit: 'verified',
    });
    expect(decode.make).toBe(make);
    expect(decode.note).toBeUndefined();
  });

  it('returns manufacturer, make, country and a spoken phrase', () => {
    expect(decodeVinOffline('1HGCM82633A004352', NOW)).toEqual({
      vin: '1HGCM82633A004352',
      modelYear: 2003,
      manufacturer: 'Honda',
      make: 'Honda',
      country: 'United States',
      checkDigit: 'verified',
      partial: true,
      source: 'offline',
      spoken: 'a 2003 Honda',
    });
  });

  it('normalises its input', () => {
    expect(decodeVinOffline(' 1hgcm826-33a004352', NOW).vin).toBe('1HGCM82633A004352');
  });

  it('names the candidate makes of a shared WMI', () => {
    const decode = decodeVinOffline(withCheckDigit('1C4RJFBG0KC000000'), NOW);
    expect(decode).toMatchObject({
      modelYear: 2019,
      manufacturer: 'Chrysler group (Stellantis)',
      possibleMakes: ['Jeep', 'Dodge', 'Chrysler'],
      spoken: 'a 2019 Jeep, Dodge or Chrysler',
    });
    expect(decode.make).toBeUndefined();
  });

  it('still gives year and country for a WMI outside the table', () => {
    expect(decodeVinOffline('1M8GDM9AXKP042788', NOW)).toMatchObject({
      modelYear: 1989,
      country: 'United States',
      spoken: 'a 1989 vehicle',
    });
  });

  it('notes an unverifiable check digit on a non-North-American VIN', () => {
    const vin = withWrongCheckDigit('WBA8E9C50GK000000');
    const decode = decodeVinOffline(vin, NOW);
    expect(decode).toMatchObject({
      checkDigit: 'unverified',
      make: 'BMW',
      modelYear: 2016,
      country: 'Germany',
    });
    expect(decode.note).toBe(NOTES.checkDigitUnverified);
  });

  it('throws InvalidVinError carrying the spoken message', () => {
    expect(() => decodeVinOffline('1HGCM82633A00435', NOW)).toThrow(InvalidVinError);
    try {
      decodeVinOffline('1HGCM82643A004352', NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidVinError);
      expect(error).toMatchObject({ code: 'CHECK_DIGIT' });
      expect((error as Error).message).not.toContain('1HGCM82643A004352');
    }
  });
});

describe('decodeVin without vPIC', () => {
  it('returns the offline decode and makes no request', async () => {
    const decode = await decodeVin('1HGCM82633A004352', { now: NOW, fetch: refuseNetwork });
    expect(decode).toEqual(decodeVinOffline('1HGCM82633A004352', NOW));
  });

  it('rejects an invalid VIN', async () => {
    await expect(decodeVin('1HGCM82633A0043521', { now: NOW, fetch: refuseNetwork })).rejects.toMatchObject({
      name: 'InvalidVinError',
      code: 'WRONG_LENGTH',
      message: 'That VIN has 18 characters; a VIN has 17.',
    });
  });
});

describe('spokenDescription', () => {
  it.each([
    [{ modelYear: 2019, make: 'Honda', model: 'Civic' }, 'a 2019 Honda Civic'],
    [{ modelYear: 2019, make: 'Honda' }, 'a 2019 Honda'],
    [{ make: 'Honda' }, 'a Honda'],
    [{ make: 'Audi' }, 'an Audi'],
    [{ make: 'Infiniti', model: 'QX50' }, 'an Infiniti QX50'],
    [{ modelYear: 2011, make: 'Audi', model: 'A4' }, 'a 2011 Audi A4'],
    [{ modelYear: 2018, make: 'Ram', model: 'Ram 1500' }, 'a 2018 Ram 1500'],
    [{ modelYear: 2020, possibleMakes: ['Nissan', 'Infiniti'] }, 'a 2020 Nissan or Infiniti'],
    [{ modelYear: 2020 }, 'a 2020 vehicle'],
    [{}, 'a vehicle'],
  ])('%j → %s', (decode, spoken) => {
    expect(spokenDescription(decode)).toBe(spoken);
  });
});
