/**
 * Offline VIN normalisation and validation (ISO 3779 / 49 CFR 565).
 *
 * VINs are personal data: messages produced here are meant to be spoken to the caller or logged,
 * so they describe what is wrong (a length, a position) without ever repeating the VIN itself.
 */

export const VIN_LENGTH = 17;

/** Every character a VIN may contain: digits and A–Z except I, O and Q (too easily read as 1, 0 and 9). */
const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;
const VIN_CHARACTER = /^[A-HJ-NPR-Z0-9]$/;

/** Letter values for the check digit (49 CFR 565.15); digits stand for themselves. */
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};

/** Position weights; position 9 (the check digit itself) has weight 0. */
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** What speech-to-text or a caller typically puts between VIN characters: whitespace and dashes of any kind. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]+/gu;

export type VinErrorCode = 'WRONG_LENGTH' | 'INVALID_CHARACTERS' | 'CHECK_DIGIT';

/**
 * `verified`: position 9 matches the computed check digit.
 * `unverified`: it does not, but the VIN comes from a region where the check digit is optional
 * (see {@link requiresCheckDigit}), so the mismatch proves nothing.
 */
export type CheckDigitStatus = 'verified' | 'unverified';

export interface ValidVin {
  readonly ok: true;
  /** The normalised VIN: 17 upper-case characters. */
  readonly vin: string;
  readonly checkDigit: CheckDigitStatus;
}

export interface InvalidVin {
  readonly ok: false;
  readonly code: VinErrorCode;
  /** One sentence a voice assistant can relay; never contains the VIN. */
  readonly message: string;
}

export type VinValidation = ValidVin | InvalidVin;

/** Trims, upper-cases and removes the spaces and dashes that callers and speech-to-text insert. */
export function normalizeVin(raw: string): string {
  // NFKC folds full-width and other compatibility forms ("１ＨＧ") into plain ASCII first.
  return raw.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
}

/**
 * The check digit ('0'–'9' or 'X') for a 17-character VIN made of valid VIN characters.
 * Position 9 is ignored (weight 0), so any placeholder may stand there.
 */
export function computeCheckDigit(vin: string): string {
  if (vin.length !== VIN_LENGTH) throw new RangeError(`a VIN has ${VIN_LENGTH} characters`);
  let sum = 0;
  for (let i = 0; i < VIN_LENGTH; i++) {
    const char = vin.charAt(i);
    if (!VIN_CHARACTER.test(char)) throw new RangeError(`position ${i + 1} is not a VIN character`);
    const value = char >= '0' && char <= '9' ? Number(char) : (TRANSLITERATION[char] ?? 0);
    sum += value * (WEIGHTS[i] ?? 0);
  }
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

/**
 * Whether a wrong check digit means the VIN is wrong.
 *
 * Decision: the check digit is enforced only for North American WMIs — first character 1–5
 * (United States, Canada, Mexico) or 7F–7Z (the block SAE now assigns to US manufacturers,
 * e.g. 7SA Tesla, 7FA Honda, 7FC Rivian). For those, 49 CFR 565 makes it mandatory, so a
 * mismatch almost always means a misheard character and the VIN is rejected.
 * ISO 3779 leaves position 9 free everywhere else, and European and Asian manufacturers often
 * fill it with a letter or a plant code. Vehicles built abroad for the US market do carry a valid
 * check digit, but a shop also sees grey imports and re-registered vehicles, so for other WMIs a
 * mismatch is reported as `checkDigit: 'unverified'` instead of rejecting the VIN.
 */
export function requiresCheckDigit(vin: string): boolean {
  const first = vin.charAt(0);
  if (first >= '1' && first <= '5') return true;
  const second = vin.charAt(1);
  return first === '7' && second >= 'F' && second <= 'Z';
}

/** Normalises and validates a VIN offline: length, character set and check digit. */
export function validateVin(raw: string): VinValidation {
  const vin = normalizeVin(raw);

  if (vin.length !== VIN_LENGTH) {
    return {
      ok: false,
      code: 'WRONG_LENGTH',
      message:
        vin.length === 0
          ? `No VIN characters came through; a VIN has ${VIN_LENGTH} letters and numbers.`
          : `That VIN has ${vin.length} character${vin.length === 1 ? '' : 's'}; a VIN has ${VIN_LENGTH}.`,
    };
  }

  if (!VIN_PATTERN.test(vin)) return invalidCharacters(vin);

  const expected = computeCheckDigit(vin);
  if (vin.charAt(8) === expected) return { ok: true, vin, checkDigit: 'verified' };
  if (!requiresCheckDigit(vin)) return { ok: true, vin, checkDigit: 'unverified' };
  return {
    ok: false,
    code: 'CHECK_DIGIT',
    message:
      "That VIN's check digit in position 9 does not match the other characters, so at least one character was probably misheard.",
  };
}

const LOOKALIKE_DIGIT: Readonly<Record<string, string>> = { I: '1', O: '0', Q: '0' };

function invalidCharacters(vin: string): InvalidVin {
  const positions: number[] = [];
  for (let i = 0; i < vin.length; i++) {
    if (!VIN_CHARACTER.test(vin.charAt(i))) positions.push(i + 1);
  }
  const first = positions[0] ?? 1;
  const char = vin.charAt(first - 1);
  const lookalike = LOOKALIKE_DIGIT[char];
  // Only the letters I, O and Q are named back: any other character may be arbitrary text.
  const what = lookalike
    ? `position ${first} is the letter ${char}, which VINs never use (it is probably the number ${lookalike})`
    : `position ${first} is not a letter or a number`;
  const others = positions.length - 1;
  const message =
    others === 0
      ? `In that VIN, ${what}.`
      : `In that VIN, ${what}, and ${others} other character${others === 1 ? ' is' : 's are'} not allowed either.`;
  return { ok: false, code: 'INVALID_CHARACTERS', message };
}
