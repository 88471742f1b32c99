/**
 * VIN decoding: offline from the VIN itself (WMI table, model-year code), enriched with make,
 * model, trim and body class from NHTSA vPIC when it answers in time.
 *
 * The result is data for the conversation model, never instructions: vPIC text is sanitised
 * (see vpic.ts), and `spoken` and `note` are built only from sanitised values and fixed wording —
 * they never contain the VIN.
 */
import { decodeModelYear } from './model-year';
import {
  type CheckDigitStatus,
  type InvalidVin,
  type ValidVin,
  type VinErrorCode,
  validateVin,
} from './validate-vin';
import {
  type CleanText,
  cleanVpicText,
  fetchVpicDecode,
  type TextLimits,
  type VpicFailure,
  type VpicResult,
} from './vpic';
import { countryForWmi, KNOWN_MAKES, lookupWmi } from './wmi';

export interface VinDecode {
  /** The normalised VIN. */
  readonly vin: string;
  readonly modelYear?: number;
  /** Company holding the WMI (offline), or vPIC's manufacturer name when the WMI is not in the table. */
  readonly manufacturer?: string;
  readonly make?: string;
  /** Brands sharing the WMI when the make is not known (e.g. Jeep, Dodge, Chrysler for 1C4). */
  readonly possibleMakes?: readonly string[];
  /** Only from vPIC. */
  readonly model?: string;
  /** Only from vPIC. */
  readonly trim?: string;
  /** Only from vPIC, e.g. "Sedan/Saloon". */
  readonly bodyClass?: string;
  /** Country the WMI is registered to — in practice the country of assembly. */
  readonly country?: string;
  readonly checkDigit: CheckDigitStatus;
  /** False only when vPIC supplied the model and the year and make are known. */
  readonly partial: boolean;
  /** 'vpic' when any vPIC value was used. */
  readonly source: 'offline' | 'vpic';
  /** A short phrase for speech: "a 2019 Honda Civic", "a 2019 Honda", "a 2019 Jeep, Dodge or Chrysler". */
  readonly spoken: string;
  /** Caveats for the model (one or more sentences); absent when there are none. */
  readonly note?: string;
  /** Why vPIC contributed nothing, when it was asked; for logs. */
  readonly vpicFailure?: VpicFailure | 'no_data';
}

export interface OfflineVinDecode extends VinDecode {
  readonly partial: true;
  readonly source: 'offline';
}

export interface DecodeVinOptions {
  /** vPIC API root, e.g. VPIC_BASE_URL; without it the decode is offline only. */
  vpicBaseUrl?: string;
  /** Bound on the whole vPIC exchange; default 1500 ms. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** The current time: bounds plausible model years. */
  now: Date;
  /** Model year the caller stated, forwarded to vPIC as a hint. */
  modelYear?: number;
}

export const DEFAULT_VPIC_TIMEOUT_MS = 1500;

/** Thrown by the decoders for a VIN that does not validate; `message` can be spoken as is. */
export class InvalidVinError extends RangeError {
  readonly code: VinErrorCode;

  constructor(invalid: InvalidVin) {
    super(invalid.message);
    this.name = 'InvalidVinError';
    this.code = invalid.code;
  }
}

export const NOTES = {
  vpicUnavailable:
    'The full vehicle lookup was unavailable, so only what the VIN itself encodes is included.',
  vpicNoData:
    'The vehicle database had no details for this VIN, so only what the VIN itself encodes is included.',
  discarded: 'Some details from the vehicle database looked malformed and were left out.',
  checkDigitUnverified:
    'The check digit of this non-North-American VIN could not be verified, so a misheard character is possible.',
} as const;

const LIMITS = {
  make: { maxLength: 40, maxWords: 3 },
  model: { maxLength: 60, maxWords: 5 },
  trim: { maxLength: 60, maxWords: 6 },
  bodyClass: { maxLength: 60, maxWords: 8 },
  manufacturer: { maxLength: 60, maxWords: 8, allowSentences: true },
} as const satisfies Record<string, TextLimits>;

/** Decodes a VIN from its own characters only. Throws InvalidVinError when it does not validate. */
export function decodeVinOffline(vin: string, now: Date): OfflineVinDecode {
  return offlineDecode(validOrThrow(vin), now);
}

/**
 * Validates and decodes a VIN; with `vpicBaseUrl`, enriches the decode from vPIC. Any vPIC problem
 * (timeout, network error, non-200, malformed body, no data) yields the offline decode with a note.
 * Throws InvalidVinError when the VIN does not validate.
 */
export async function decodeVin(vin: string, options: DecodeVinOptions): Promise<VinDecode> {
  const offline = offlineDecode(validOrThrow(vin), options.now);
  if (!options.vpicBaseUrl) return offline;
  const outcome = await fetchVpicDecode({
    baseUrl: options.vpicBaseUrl,
    vin: offline.vin,
    ...(options.modelYear !== undefined ? { modelYear: options.modelYear } : {}),
    timeoutMs: options.timeoutMs ?? DEFAULT_VPIC_TIMEOUT_MS,
    fetch: options.fetch ?? globalThis.fetch,
  });
  if (!outcome.ok) {
    return finish({ ...offline, vpicFailure: outcome.failure }, [NOTES.vpicUnavailable]);
  }
  return mergeVpic(offline, outcome.result, options.now);
}

function validOrThrow(vin: string): ValidVin {
  const validation = validateVin(vin);
  if (!validation.ok) throw new InvalidVinError(validation);
  return validation;
}

type Draft = { -readonly [K in keyof VinDecode]: VinDecode[K] };

function offlineDecode(valid: ValidVin, now: Date): OfflineVinDecode {
  const wmi = lookupWmi(valid.vin);
  const draft: Draft = {
    vin: valid.vin,
    checkDigit: valid.checkDigit,
    partial: true,
    source: 'offline',
    spoken: '',
  };
  const modelYear = decodeModelYear(valid.vin, now);
  if (modelYear !== undefined) draft.modelYear = modelYear;
  if (wmi) draft.manufacturer = wmi.manufacturer;
  if (wmi?.make) draft.make = wmi.make;
  if (wmi?.possibleMakes) draft.possibleMakes = wmi.possibleMakes;
  const country = wmi?.country ?? countryForWmi(valid.vin);
  if (country) draft.country = country;
  return finish(draft, []) as OfflineVinDecode;
}

function mergeVpic(offline: VinDecode, result: VpicResult, now: Date): VinDecode {
  const cleaned = {
    make: cleanVpicText(result.Make, LIMITS.make),
    model: cleanVpicText(result.Model, LIMITS.model),
    trim: cleanVpicText(result.Trim, LIMITS.trim),
    bodyClass: cleanVpicText(result.BodyClass, LIMITS.bodyClass),
    manufacturer: cleanVpicText(result.Manufacturer, LIMITS.manufacturer),
  };
  const year = parseModelYear(result.ModelYear, now);
  const discarded = Object.values(cleaned).some((c) => c.kind === 'rejected') || year === 'rejected';
  const notes = discarded ? [NOTES.discarded] : [];

  const make = okValue(cleaned.make);
  const model = okValue(cleaned.model);
  if (make === undefined && model === undefined) {
    return finish({ ...offline, vpicFailure: 'no_data' }, [NOTES.vpicNoData, ...notes]);
  }

  const draft: Draft = { ...offline, source: 'vpic' };
  if (make !== undefined) {
    draft.make = canonicalMake(make);
    delete draft.possibleMakes;
  }
  if (model !== undefined) draft.model = model;
  const trim = okValue(cleaned.trim);
  if (trim !== undefined) draft.trim = trim;
  const bodyClass = okValue(cleaned.bodyClass);
  if (bodyClass !== undefined) draft.bodyClass = bodyClass;
  const manufacturer = okValue(cleaned.manufacturer);
  if (draft.manufacturer === undefined && manufacturer !== undefined) draft.manufacturer = manufacturer;
  if (typeof year === 'number') draft.modelYear = year;
  draft.partial = !(draft.make && draft.model && draft.modelYear);
  return finish(draft, notes);
}

function okValue(cleaned: CleanText): string | undefined {
  return cleaned.kind === 'ok' ? cleaned.value : undefined;
}

/** vPIC's ModelYear as a number; 'rejected' when present but not a plausible year. */
function parseModelYear(value: string | null | undefined, now: Date): number | 'rejected' | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (!/^\d{4}$/.test(text)) return 'rejected';
  const year = Number(text);
  return year >= 1980 && year <= now.getUTCFullYear() + 1 ? year : 'rejected';
}

const MAKE_SPELLINGS = new Map(KNOWN_MAKES.map((make) => [makeKey(make), make]));

function makeKey(make: string): string {
  return make.toLowerCase().replace(/[^\p{L}\p{Nd}]/gu, '');
}

/** vPIC spells makes in capitals ("MERCEDES-BENZ"); use the usual spelling where the table knows it. */
function canonicalMake(make: string): string {
  const known = MAKE_SPELLINGS.get(makeKey(make));
  if (known) return known;
  if (make !== make.toUpperCase()) return make;
  // Unknown all-caps make: capitalise longer words, keep short ones as initials ("AM General").
  return make
    .split(' ')
    .map((word) => (word.length <= 3 ? word : word.charAt(0) + word.slice(1).toLowerCase()))
    .join(' ');
}

/** Sets `note` from `notes` plus the check-digit caveat, and computes `spoken`. */
function finish(draft: Draft, notes: readonly string[]): VinDecode {
  const all = draft.checkDigit === 'unverified' ? [...notes, NOTES.checkDigitUnverified] : notes;
  if (all.length > 0) draft.note = all.join(' ');
  else delete draft.note;
  draft.spoken = spokenDescription(draft);
  return draft;
}

/** "a 2019 Honda Civic", "an Audi", "a 2019 Jeep, Dodge or Chrysler", "a 2019 vehicle". */
export function spokenDescription(
  decode: Pick<VinDecode, 'modelYear' | 'make' | 'possibleMakes' | 'model'>,
): string {
  const year = decode.modelYear !== undefined ? `${decode.modelYear} ` : '';
  let vehicle: string;
  if (decode.make && decode.model) {
    // vPIC occasionally repeats the make in the model ("Ram" / "Ram 1500"): say it once.
    vehicle = startsWithWord(decode.model, decode.make) ? decode.model : `${decode.make} ${decode.model}`;
  } else if (decode.make) {
    vehicle = decode.make;
  } else if (decode.possibleMakes && decode.possibleMakes.length > 0) {
    vehicle = joinWithOr(decode.possibleMakes);
  } else {
    vehicle = decode.model ?? 'vehicle';
  }
  const phrase = `${year}${vehicle}`;
  // Years 1980–2039 are all said with a consonant sound ("nineteen…", "two thousand…", "twenty…").
  return `${/^[AEIO]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

function startsWithWord(text: string, word: string): boolean {
  return text.toLowerCase() === word.toLowerCase() || text.toLowerCase().startsWith(`${word.toLowerCase()} `);
}

function joinWithOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
