/**
 * World Manufacturer Identifiers (VIN positions 1–3) for the makes a US repair shop commonly sees.
 *
 * Each entry names the company that holds the WMI and, when the WMI is used for a single brand,
 * that brand as `make`. Several WMIs are shared between brands of one group (1C4: Jeep, Dodge and
 * Chrysler; JN1: Nissan and Infiniti; JF1: Subaru and the Subaru-built Toyota 86 / Scion FR-S);
 * those carry `possibleMakes` instead and leave the exact make to vPIC. Codes not known with
 * confidence are left out: an unknown WMI falls back to the two-character manufacturer blocks
 * below, and the country still comes from the ISO 3780 region table.
 *
 * The country is the one the WMI is registered to (ISO 3780 position 1–2). For nearly every entry
 * that is the country of assembly; a manufacturer may occasionally stamp its home WMI on a vehicle
 * assembled elsewhere.
 */

export interface WmiInfo {
  /** The prefix that matched: a three-character WMI, or a two-character manufacturer block. */
  readonly wmi: string;
  /** The company (or group) that holds the WMI. */
  readonly manufacturer: string;
  /** The brand, only when the WMI is used for one brand. */
  readonly make?: string;
  /** Brands that share the WMI, most common first; set instead of `make`. */
  readonly possibleMakes?: readonly string[];
  /** Country the WMI is registered to (see the module comment). */
  readonly country?: string;
}

type Makes = string | readonly string[];

const GM = 'General Motors';
const GM_KOREA = 'GM Korea';
const FORD = 'Ford';
const CHRYSLER = 'Chrysler group (Stellantis)';
const FCA_ITALY = 'FCA Italy (Stellantis)';
const HONDA = 'Honda';
const TOYOTA = 'Toyota';
const NISSAN = 'Nissan';
const HYUNDAI = 'Hyundai';
const KIA = 'Kia';
const MAZDA = 'Mazda';
const MITSUBISHI = 'Mitsubishi';
const SUBARU = 'Subaru';
const VOLKSWAGEN = 'Volkswagen';
const BMW = 'BMW';
const MERCEDES = 'Mercedes-Benz';
const VOLVO_CARS = 'Volvo Cars';
const JLR = 'Jaguar Land Rover';
const TESLA = 'Tesla';

const CHRYSLER_DODGE_JEEP = ['Jeep', 'Dodge', 'Chrysler'] as const;
const NISSAN_INFINITI = ['Nissan', 'Infiniti'] as const;

/** Three-character WMIs: manufacturer and make (or the makes that share it). */
const WMI_ENTRIES: Readonly<Record<string, readonly [manufacturer: string, makes: Makes]>> = {
  // General Motors — United States
  '1G1': [GM, 'Chevrolet'],
  '1GA': [GM, 'Chevrolet'],
  '1GB': [GM, 'Chevrolet'],
  '1GC': [GM, 'Chevrolet'],
  '1GN': [GM, 'Chevrolet'],
  '1GD': [GM, 'GMC'],
  '1GK': [GM, 'GMC'],
  '1GT': [GM, 'GMC'],
  '1G2': [GM, 'Pontiac'],
  '1GM': [GM, 'Pontiac'],
  '1G3': [GM, 'Oldsmobile'],
  '1G4': [GM, 'Buick'],
  '1G6': [GM, 'Cadillac'],
  '1GY': [GM, 'Cadillac'],
  '1G8': [GM, 'Saturn'],
  '1Y1': ['NUMMI (General Motors / Toyota)', ['Chevrolet', 'Geo']],
  '5GA': [GM, 'Buick'],
  '5GR': [GM, 'Hummer'],
  '5GT': [GM, 'Hummer'],
  '5GZ': [GM, 'Saturn'],
  '5Y2': ['NUMMI (General Motors / Toyota)', 'Pontiac'],
  // General Motors — Canada and Mexico
  '2G1': [GM, 'Chevrolet'],
  '2GC': [GM, 'Chevrolet'],
  '2GN': [GM, 'Chevrolet'],
  '2CN': ['CAMI Automotive (General Motors)', ['Chevrolet', 'Geo']],
  '2G2': [GM, 'Pontiac'],
  '2G4': [GM, 'Buick'],
  '2GK': [GM, 'GMC'],
  '2GT': [GM, 'GMC'],
  '3G1': [GM, 'Chevrolet'],
  '3GC': [GM, 'Chevrolet'],
  '3GN': [GM, 'Chevrolet'],
  '3GK': [GM, 'GMC'],
  '3GT': [GM, 'GMC'],
  '3GY': [GM, 'Cadillac'],
  // General Motors — Korea, China, Australia
  KL1: [GM_KOREA, 'Chevrolet'],
  KL4: [GM_KOREA, 'Buick'],
  KL7: [GM_KOREA, 'Chevrolet'],
  KL8: [GM_KOREA, 'Chevrolet'],
  LRB: ['SAIC-GM', 'Buick'],
  '6G2': ['GM Holden', 'Pontiac'],
  '6G3': ['GM Holden', 'Chevrolet'],

  // Ford
  '1FA': [FORD, 'Ford'],
  '1FB': [FORD, 'Ford'],
  '1FC': [FORD, 'Ford'],
  '1FD': [FORD, 'Ford'],
  '1FM': [FORD, 'Ford'],
  '1FT': [FORD, 'Ford'],
  '1ZV': ['AutoAlliance International (Ford / Mazda)', 'Ford'],
  '2FA': [FORD, 'Ford'],
  '2FM': [FORD, 'Ford'],
  '2FT': [FORD, 'Ford'],
  '3FA': [FORD, 'Ford'],
  '3FM': [FORD, 'Ford'],
  '3FT': [FORD, 'Ford'],
  MAJ: [FORD, 'Ford'],
  NM0: ['Ford Otosan', 'Ford'],
  WF0: [FORD, 'Ford'],
  '1LN': [FORD, 'Lincoln'],
  '2LM': [FORD, 'Lincoln'],
  '3LN': [FORD, 'Lincoln'],
  '5LM': [FORD, 'Lincoln'],
  '1ME': [FORD, 'Mercury'],
  '2ME': [FORD, 'Mercury'],
  '3ME': [FORD, 'Mercury'],
  '4M2': [FORD, 'Mercury'],

  // Chrysler / FCA / Stellantis — shared WMIs list the brands and let vPIC decide
  '1C3': [CHRYSLER, ['Chrysler', 'Dodge']],
  '1C4': [CHRYSLER, CHRYSLER_DODGE_JEEP],
  '1C6': [CHRYSLER, ['Ram', 'Jeep']],
  '2C3': [CHRYSLER, ['Chrysler', 'Dodge']],
  '2C4': [CHRYSLER, ['Chrysler', 'Dodge']],
  '3C3': [CHRYSLER, ['Fiat', 'Chrysler']],
  '3C4': [CHRYSLER, CHRYSLER_DODGE_JEEP],
  '3C6': [CHRYSLER, 'Ram'],
  '2A4': [CHRYSLER, 'Chrysler'],
  '2A8': [CHRYSLER, 'Chrysler'],
  '2C8': [CHRYSLER, 'Chrysler'],
  '3A4': [CHRYSLER, 'Chrysler'],
  '3A8': [CHRYSLER, 'Chrysler'],
  '4C3': [CHRYSLER, 'Chrysler'],
  '1B3': [CHRYSLER, 'Dodge'],
  '1B4': [CHRYSLER, 'Dodge'],
  '1B7': [CHRYSLER, 'Dodge'],
  '1D3': [CHRYSLER, 'Dodge'],
  '1D4': [CHRYSLER, 'Dodge'],
  '1D7': [CHRYSLER, 'Dodge'],
  '1D8': [CHRYSLER, 'Dodge'],
  '2B3': [CHRYSLER, 'Dodge'],
  '2B4': [CHRYSLER, 'Dodge'],
  '2B7': [CHRYSLER, 'Dodge'],
  '2D4': [CHRYSLER, 'Dodge'],
  '2D8': [CHRYSLER, 'Dodge'],
  '3B7': [CHRYSLER, 'Dodge'],
  '3D4': [CHRYSLER, 'Dodge'],
  '3D7': [CHRYSLER, 'Dodge'],
  '4B3': [CHRYSLER, 'Dodge'],
  '1J4': [CHRYSLER, 'Jeep'],
  '1J8': [CHRYSLER, 'Jeep'],
  '1P3': [CHRYSLER, 'Plymouth'],
  '2P4': [CHRYSLER, 'Plymouth'],
  ZFA: [FCA_ITALY, 'Fiat'],
  ZFB: [FCA_ITALY, ['Fiat', 'Ram']],
  ZAC: [FCA_ITALY, ['Jeep', 'Fiat']],
  JC1: [MAZDA, 'Fiat'],
  ZAR: [FCA_ITALY, 'Alfa Romeo'],
  ZAS: [FCA_ITALY, 'Alfa Romeo'],
  ZAM: ['Maserati', 'Maserati'],
  ZN6: ['Maserati', 'Maserati'],

  // Honda and Acura
  JHM: [HONDA, 'Honda'],
  JHL: [HONDA, 'Honda'],
  JH4: [HONDA, 'Acura'],
  '1HG': [HONDA, 'Honda'],
  '19X': [HONDA, 'Honda'],
  '19U': [HONDA, 'Acura'],
  '19V': [HONDA, 'Acura'],
  '2HG': [HONDA, 'Honda'],
  '2HJ': [HONDA, 'Honda'],
  '2HK': [HONDA, 'Honda'],
  '2HN': [HONDA, 'Acura'],
  '3CZ': [HONDA, 'Honda'],
  '3HG': [HONDA, 'Honda'],
  '5FN': [HONDA, 'Honda'],
  '5FP': [HONDA, 'Honda'],
  '5J6': [HONDA, 'Honda'],
  '5FR': [HONDA, 'Acura'],
  '5J8': [HONDA, 'Acura'],
  '7FA': [HONDA, 'Honda'],
  SHH: [HONDA, 'Honda'],
  SHS: [HONDA, 'Honda'],
  '4S6': ['Subaru-Isuzu Automotive', 'Honda'],

  // Toyota, Lexus and Scion
  JTD: [TOYOTA, 'Toyota'],
  JTE: [TOYOTA, 'Toyota'],
  JTM: [TOYOTA, 'Toyota'],
  JTN: [TOYOTA, ['Toyota', 'Scion']],
  JT2: [TOYOTA, 'Toyota'],
  JT3: [TOYOTA, 'Toyota'],
  JT4: [TOYOTA, 'Toyota'],
  JTK: [TOYOTA, 'Scion'],
  JTL: [TOYOTA, 'Scion'],
  JTH: [TOYOTA, 'Lexus'],
  JTJ: [TOYOTA, 'Lexus'],
  JT6: [TOYOTA, 'Lexus'],
  JT8: [TOYOTA, 'Lexus'],
  '4T1': [TOYOTA, 'Toyota'],
  '4T3': [TOYOTA, 'Toyota'],
  '4T4': [TOYOTA, 'Toyota'],
  '4TA': [TOYOTA, 'Toyota'],
  '5TB': [TOYOTA, 'Toyota'],
  '5TD': [TOYOTA, 'Toyota'],
  '5TE': [TOYOTA, 'Toyota'],
  '5TF': [TOYOTA, 'Toyota'],
  '5YF': [TOYOTA, 'Toyota'],
  '58A': [TOYOTA, 'Lexus'],
  '7MU': ['Mazda Toyota Manufacturing', 'Toyota'],
  '1NX': ['NUMMI (General Motors / Toyota)', 'Toyota'],
  '2T1': [TOYOTA, 'Toyota'],
  '2T3': [TOYOTA, 'Toyota'],
  '2T2': [TOYOTA, 'Lexus'],
  '3TM': [TOYOTA, 'Toyota'],
  '3TY': [TOYOTA, 'Toyota'],
  NMT: [TOYOTA, 'Toyota'],

  // Nissan and Infiniti
  JN1: [NISSAN, NISSAN_INFINITI],
  JN8: [NISSAN, NISSAN_INFINITI],
  JNK: [NISSAN, 'Infiniti'],
  JNR: [NISSAN, 'Infiniti'],
  '1N4': [NISSAN, 'Nissan'],
  '1N6': [NISSAN, 'Nissan'],
  '3N1': [NISSAN, 'Nissan'],
  '3N6': [NISSAN, ['Nissan', 'Chevrolet']],
  '4N2': [NISSAN, 'Nissan'],
  '5N1': [NISSAN, NISSAN_INFINITI],
  '5N3': [NISSAN, 'Infiniti'],
  '3PC': [NISSAN, 'Infiniti'],
  KNM: ['Renault Samsung Motors', 'Nissan'],

  // Hyundai, Genesis and Kia
  KMH: [HYUNDAI, ['Hyundai', 'Genesis']],
  KM8: [HYUNDAI, 'Hyundai'],
  KMT: [HYUNDAI, 'Genesis'],
  KMU: [HYUNDAI, 'Genesis'],
  '5NM': [HYUNDAI, 'Hyundai'],
  '5NP': [HYUNDAI, 'Hyundai'],
  '5NT': [HYUNDAI, 'Hyundai'],
  KNA: [KIA, 'Kia'],
  KND: [KIA, 'Kia'],
  '5XX': [KIA, 'Kia'],
  '5XY': [KIA, ['Kia', 'Hyundai']],
  '3KP': [KIA, ['Kia', 'Hyundai']],

  // Mazda
  JM1: [MAZDA, 'Mazda'],
  JM3: [MAZDA, 'Mazda'],
  JMZ: [MAZDA, 'Mazda'],
  '1YV': ['AutoAlliance International (Ford / Mazda)', 'Mazda'],
  '3MZ': [MAZDA, 'Mazda'],
  '3MV': [MAZDA, 'Mazda'],
  '4F2': [MAZDA, 'Mazda'],
  '4F4': [MAZDA, 'Mazda'],
  '7MM': ['Mazda Toyota Manufacturing', 'Mazda'],

  // Mitsubishi
  JA3: [MITSUBISHI, 'Mitsubishi'],
  JA4: [MITSUBISHI, 'Mitsubishi'],
  '4A3': [MITSUBISHI, 'Mitsubishi'],
  '4A4': [MITSUBISHI, 'Mitsubishi'],
  ML3: [MITSUBISHI, 'Mitsubishi'],

  // Subaru (JF1 also carries the Subaru-built Toyota 86 / Scion FR-S)
  JF1: [SUBARU, ['Subaru', 'Toyota', 'Scion']],
  JF2: [SUBARU, 'Subaru'],
  '4S3': [SUBARU, 'Subaru'],
  '4S4': [SUBARU, 'Subaru'],
  '4S2': ['Subaru-Isuzu Automotive', 'Isuzu'],

  // Volkswagen group
  WVW: [VOLKSWAGEN, 'Volkswagen'],
  WVG: [VOLKSWAGEN, 'Volkswagen'],
  WV1: [VOLKSWAGEN, 'Volkswagen'],
  WV2: [VOLKSWAGEN, 'Volkswagen'],
  '1VW': [VOLKSWAGEN, 'Volkswagen'],
  '1V2': [VOLKSWAGEN, 'Volkswagen'],
  '2V4': [VOLKSWAGEN, 'Volkswagen'],
  '3VW': [VOLKSWAGEN, 'Volkswagen'],
  '3VV': [VOLKSWAGEN, 'Volkswagen'],
  '9BW': [VOLKSWAGEN, 'Volkswagen'],
  WAU: ['Audi', 'Audi'],
  WA1: ['Audi', 'Audi'],
  WUA: ['Audi', 'Audi'],
  TRU: ['Audi', 'Audi'],
  WP0: ['Porsche', 'Porsche'],
  WP1: ['Porsche', 'Porsche'],
  SCB: ['Bentley', 'Bentley'],
  ZHW: ['Lamborghini', 'Lamborghini'],

  // BMW, Mini and Rolls-Royce
  WBA: [BMW, 'BMW'],
  WBS: [BMW, 'BMW'],
  WBX: [BMW, 'BMW'],
  WBY: [BMW, 'BMW'],
  '4US': [BMW, 'BMW'],
  '5UX': [BMW, 'BMW'],
  '5YM': [BMW, 'BMW'],
  '3MW': [BMW, 'BMW'],
  WMW: [BMW, 'Mini'],
  WMZ: [BMW, 'Mini'],
  SCA: ['Rolls-Royce Motor Cars', 'Rolls-Royce'],

  // Mercedes-Benz and Smart
  WDB: [MERCEDES, 'Mercedes-Benz'],
  WDC: [MERCEDES, 'Mercedes-Benz'],
  WDD: [MERCEDES, 'Mercedes-Benz'],
  W1K: [MERCEDES, 'Mercedes-Benz'],
  W1N: [MERCEDES, 'Mercedes-Benz'],
  '4JG': [MERCEDES, 'Mercedes-Benz'],
  '55S': [MERCEDES, 'Mercedes-Benz'],
  WD3: [MERCEDES, ['Mercedes-Benz', 'Freightliner']],
  WD4: [MERCEDES, ['Mercedes-Benz', 'Freightliner']],
  WD0: [MERCEDES, 'Dodge'],
  WD2: [MERCEDES, 'Dodge'],
  WME: [MERCEDES, 'Smart'],

  // Volvo and Polestar
  YV1: [VOLVO_CARS, 'Volvo'],
  YV4: [VOLVO_CARS, 'Volvo'],
  '7JR': [VOLVO_CARS, 'Volvo'],
  LVY: [VOLVO_CARS, 'Volvo'],
  LYV: [VOLVO_CARS, 'Volvo'],
  LPS: ['Polestar', 'Polestar'],

  // Jaguar Land Rover
  SAL: [JLR, 'Land Rover'],
  SAJ: [JLR, 'Jaguar'],
  SAD: [JLR, 'Jaguar'],

  // Electric-vehicle makers
  '5YJ': [TESLA, 'Tesla'],
  '7SA': [TESLA, 'Tesla'],
  LRW: [TESLA, 'Tesla'],
  '7FC': ['Rivian', 'Rivian'],
  '7PD': ['Rivian', 'Rivian'],
  '50E': ['Lucid', 'Lucid'],

  // Other makes still seen in US shops
  YS3: ['Saab', 'Saab'],
  JS2: ['Suzuki', 'Suzuki'],
  JS3: ['Suzuki', 'Suzuki'],
  '2S3': ['CAMI Automotive (Suzuki)', 'Suzuki'],
  SCF: ['Aston Martin', 'Aston Martin'],
  SCC: ['Lotus', 'Lotus'],
  SBM: ['McLaren', 'McLaren'],
  ZFF: ['Ferrari', 'Ferrari'],
};

/**
 * Two-character manufacturer blocks, used only when the three-character WMI is not listed.
 * Listed only where every WMI in the block belongs to one manufacturer; they never name a make.
 */
const MANUFACTURER_BLOCKS: Readonly<Record<string, string>> = {
  '1G': GM,
  '2G': GM,
  '3G': GM,
  KL: GM_KOREA,
  '2T': TOYOTA,
  '4T': TOYOTA,
  '5T': TOYOTA,
  JT: TOYOTA,
  JH: HONDA,
  JN: NISSAN,
  JF: SUBARU,
  KM: HYUNDAI,
  WB: BMW,
  WD: MERCEDES,
  W1: MERCEDES,
  WV: VOLKSWAGEN,
  YV: 'Volvo',
};

/** ISO 3780 order of characters within a region range: letters, then 1–9, then 0. */
const ORDER = 'ABCDEFGHJKLMNPRSTUVWXYZ1234567890';

/** ISO 3780 country codes (VIN positions 1–2) as [first char, second-char range, country]. */
const REGIONS: readonly (readonly [first: string, from: string, to: string, country: string])[] = [
  ['1', 'A', '0', 'United States'],
  ['4', 'A', '0', 'United States'],
  ['5', 'A', '0', 'United States'],
  // 7A–7E was New Zealand's block; SAE now assigns 7F–7Z to US manufacturers (7SA, 7FC, 7MU...).
  ['7', 'F', 'Z', 'United States'],
  ['7', 'A', 'E', 'New Zealand'],
  ['2', 'A', '0', 'Canada'],
  ['3', 'A', 'W', 'Mexico'],
  ['6', 'A', 'W', 'Australia'],
  ['8', 'A', 'E', 'Argentina'],
  ['8', 'F', 'J', 'Chile'],
  ['9', 'A', 'E', 'Brazil'],
  ['9', '3', '9', 'Brazil'],
  ['9', 'F', 'J', 'Colombia'],
  ['A', 'A', 'H', 'South Africa'],
  ['J', 'A', '0', 'Japan'],
  ['K', 'L', 'R', 'South Korea'],
  ['L', 'A', '0', 'China'],
  ['M', 'A', 'E', 'India'],
  ['M', 'F', 'K', 'Indonesia'],
  ['M', 'L', 'R', 'Thailand'],
  ['N', 'L', 'R', 'Turkey'],
  ['P', 'A', 'E', 'Philippines'],
  ['P', 'L', 'R', 'Malaysia'],
  ['R', 'F', 'K', 'Taiwan'],
  ['S', 'A', 'M', 'United Kingdom'],
  ['S', 'N', 'T', 'Germany'],
  ['S', 'U', 'Z', 'Poland'],
  ['T', 'A', 'H', 'Switzerland'],
  ['T', 'J', 'P', 'Czech Republic'],
  ['T', 'R', 'V', 'Hungary'],
  ['V', 'A', 'E', 'Austria'],
  ['V', 'F', 'R', 'France'],
  ['V', 'S', 'W', 'Spain'],
  ['W', 'A', '0', 'Germany'],
  ['X', 'L', 'R', 'Netherlands'],
  ['Y', 'A', 'E', 'Belgium'],
  ['Y', 'F', 'K', 'Finland'],
  ['Y', 'S', 'W', 'Sweden'],
  ['Z', 'A', 'R', 'Italy'],
];

/** Country a VIN (or WMI) is registered to, from its first two characters (ISO 3780). */
export function countryForWmi(vinOrWmi: string): string | undefined {
  const first = vinOrWmi.charAt(0).toUpperCase();
  const position = ORDER.indexOf(vinOrWmi.charAt(1).toUpperCase());
  if (position < 0) return undefined;
  for (const [regionFirst, from, to, country] of REGIONS) {
    if (regionFirst === first && position >= ORDER.indexOf(from) && position <= ORDER.indexOf(to)) {
      return country;
    }
  }
  return undefined;
}

function toInfo(wmi: string, manufacturer: string, makes?: Makes): WmiInfo {
  const country = countryForWmi(wmi);
  const info: { -readonly [K in keyof WmiInfo]: WmiInfo[K] } = { wmi, manufacturer };
  if (typeof makes === 'string') info.make = makes;
  else if (makes && makes.length === 1) info.make = makes[0];
  else if (makes && makes.length > 1) info.possibleMakes = makes;
  if (country) info.country = country;
  return info;
}

let wmiInfoByCode: ReadonlyMap<string, WmiInfo> | undefined;

/**
 * The three-character WMI table, keyed by WMI. Built on first use: every tool Lambda bundles this
 * module, and only VIN decoding should pay for the table at its cold start.
 */
export function wmiTable(): ReadonlyMap<string, WmiInfo> {
  wmiInfoByCode ??= new Map(
    Object.entries(WMI_ENTRIES).map(([wmi, [manufacturer, makes]]) => [
      wmi,
      toInfo(wmi, manufacturer, makes),
    ]),
  );
  return wmiInfoByCode;
}

/** Every brand name the table knows, in its usual spelling (used to tidy vPIC's upper-case makes). */
export const KNOWN_MAKES: readonly string[] = [
  ...new Set(
    Object.values(WMI_ENTRIES).flatMap(([, makes]) => (typeof makes === 'string' ? [makes] : makes)),
  ),
].sort();

/**
 * Looks up the manufacturer of a VIN (or a bare WMI): the exact three-character WMI first, then
 * the two-character manufacturer block. A third character of 9 marks a small manufacturer whose
 * identity continues in positions 12–14, so such WMIs never fall back to a block.
 */
export function lookupWmi(vinOrWmi: string): WmiInfo | undefined {
  const wmi = vinOrWmi.slice(0, 3).toUpperCase();
  if (wmi.length < 3) return undefined;
  const exact = wmiTable().get(wmi);
  if (exact) return exact;
  if (wmi.charAt(2) === '9') return undefined;
  const block = wmi.slice(0, 2);
  const manufacturer = MANUFACTURER_BLOCKS[block];
  return manufacturer ? toInfo(block, manufacturer) : undefined;
}
