/**
 * Test fixtures for VIN decoding. The check digit here is computed by a second, independent
 * implementation (a positional lookup string instead of the module's table), so a fixture built
 * with it cannot share a bug with the code under test.
 */

/** Characters in transliteration order: a character's index modulo 10 is its value; '.' = unused. */
const VALUES = '0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ';
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

export const NOW = new Date('2026-03-01T12:00:00Z');

export function checkDigitOf(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (VALUES.indexOf(vin.charAt(i)) % 10) * (WEIGHTS[i] ?? 0);
  return '0123456789X'.charAt(sum % 11);
}

/** Puts the correct check digit at position 9 of a 17-character VIN (whatever stands there). */
export function withCheckDigit(vin: string): string {
  if (vin.length !== 17) throw new Error(`fixture VIN must have 17 characters: ${vin}`);
  return `${vin.slice(0, 8)}${checkDigitOf(vin)}${vin.slice(9)}`;
}

/** The same VIN with a check digit that is certainly wrong. */
export function withWrongCheckDigit(vin: string): string {
  const right = checkDigitOf(vin);
  const wrong = right === '1' ? '2' : '1';
  return `${vin.slice(0, 8)}${wrong}${vin.slice(9)}`;
}

/**
 * Literal real-world VINs with correct check digits, each verified against checkDigitOf (and by a
 * test) before use. Year and make are what the VIN encodes.
 */
export const KNOWN_VINS = [
  { vin: '1HGCM82633A004352', year: 2003, make: 'Honda', note: 'Honda Accord; check digit 3' },
  {
    vin: '1M8GDM9AXKP042788',
    year: 1989,
    make: undefined,
    note: 'Motor Coach Industries coach; check digit X',
  },
  { vin: '5YJSA1H12FFP71790', year: 2015, make: 'Tesla', note: 'Tesla Model S (vPIC sample)' },
  { vin: '7FCTGAAA7PN023076', year: 2023, make: 'Rivian', note: 'Rivian R1T' },
  { vin: '7PDSGABL7NN002333', year: 2022, make: 'Rivian', note: 'Rivian R1S' },
  { vin: '19VDE1F3XEE414842', year: 2014, make: 'Acura', note: 'Acura ILX; check digit X' },
  {
    vin: 'LPSED3KA2NL078778',
    year: 2022,
    make: 'Polestar',
    note: 'Polestar 2 (China) with a valid check digit',
  },
] as const;

/** A realistic DecodeVinValues body: the documented envelope and a subset of the ~150 result fields. */
export function vpicBody(overrides: Record<string, string> = {}, vin = '1HGCM82633A004352') {
  return {
    Count: 1,
    Message:
      'Results returned successfully. NOTE: Any missing decoded values should be interpreted as NHTSA does not have data on the specific variable. Missing value should NOT be interpreted as an indication that a feature or technology is unavailable for a vehicle.',
    SearchCriteria: `VIN(s): ${vin}`,
    Results: [
      {
        ABS: '',
        AirBagLocFront: '1st Row (Driver and Passenger)',
        BodyClass: 'Coupe',
        DisplacementL: '3.0',
        Doors: '2',
        DriveType: '',
        EngineConfiguration: 'V-Shaped',
        EngineCylinders: '6',
        ErrorCode: '0',
        ErrorText: '0 - VIN decoded clean. Check Digit (9th position) is correct',
        FuelTypePrimary: 'Gasoline',
        Make: 'HONDA',
        MakeID: '474',
        Manufacturer: 'AMERICAN HONDA MOTOR CO., INC.',
        ManufacturerId: '988',
        Model: 'Accord',
        ModelID: '1861',
        ModelYear: '2003',
        PlantCity: 'MARYSVILLE',
        PlantCountry: 'UNITED STATES (USA)',
        PlantState: 'OHIO',
        Series: '',
        Trim: 'EX-V6',
        VIN: vin,
        VehicleType: 'PASSENGER CAR',
        ...overrides,
      },
    ],
  };
}
