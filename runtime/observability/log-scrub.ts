/**
 * What a log line may contain (SEC-20). Code logs ids and masked values only; this is the last
 * line of defence for what slips through: fields whose name says PII or secret are censored at any
 * depth, every string has phone numbers, emails and VINs masked and its line breaks and control
 * characters stripped, and errors, requests and binary data become small plain objects.
 */

/** Censored wherever they appear as a key, at any depth (header names in lower case, as Node has them). */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  // the caller and the people on the account
  'phone',
  'callerPhone',
  'phoneNumber',
  'phone_number',
  'from',
  'to',
  'From',
  'To',
  'Caller',
  'Called',
  'caller',
  'firstName',
  'lastName',
  'first_name',
  'last_name',
  'email',
  'vin',
  // what they said or keyed
  'transcript',
  'text',
  'digit',
  'digits',
  'Digits',
  // credentials
  'token',
  'customParameters',
  'authorization',
  'signature',
  'x-twilio-signature',
  'apiKey',
  'authToken',
]);

export const CENSORED = '[redacted]';

const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
/** E.164 or a bare 10/11-digit North American number, not inside a longer id (e.g. a hex SID). */
const PHONE = /(?<![\w+])(?:\+\d{10,15}|1?\d{10})(?!\w)/g;
const EMAIL = /[\w.%+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** 17 VIN characters standing alone, with at least one digit and one letter. */
const VIN = /(?<![\w])(?=[A-HJ-NPR-Z0-9]*\d)(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}(?!\w)/gi;
const MAX_DEPTH = 8;

/**
 * One logged string made safe: no line breaks or control characters (no forged log lines, SEC-20
 * "strip CR/LF"), and anything shaped like a phone number (last 4 kept), an email or a VIN masked.
 */
export function scrubLogString(value: string): string {
  return value
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROL_CHARACTERS, '')
    .replace(EMAIL, '[email]')
    .replace(VIN, '[vin]')
    .replace(PHONE, (phone) => `[phone …${phone.slice(-4)}]`);
}

/** A scrubbed plain copy of the fields of a log line (or of a child logger's bindings). */
export function scrubLogFields(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new WeakSet<object>([fields]);
  for (const [key, value] of Object.entries(fields)) {
    out[key] = REDACTED_KEYS.has(key) ? CENSORED : topLevelValue(key, value, seen);
  }
  return out;
}

/** Any one logged value (an interpolation argument, say), scrubbed like the fields. */
export function scrubLogValue(value: unknown): unknown {
  return scrubValue(value, 0, new WeakSet());
}

/**
 * Fastify logs `{ req, res, err }` when a request fails. A request is its method and path (a query
 * string can carry a token); a reply is its status code.
 */
function topLevelValue(key: string, value: unknown, seen: WeakSet<object>): unknown {
  if (key === 'req' && isObject(value)) {
    const raw = (isObject(value.raw) ? value.raw : value) as { method?: unknown; url?: unknown };
    return { method: String(raw.method), url: scrubLogString(String(raw.url).split('?')[0]!) };
  }
  if (key === 'res' && isObject(value) && typeof value.statusCode === 'number') {
    return { statusCode: value.statusCode };
  }
  return scrubValue(value, 1, seen);
}

function scrubValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubLogString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) return serializeError(value, depth, seen);
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `[${value.byteLength} bytes]`;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = REDACTED_KEYS.has(key) ? CENSORED : scrubValue(child, depth + 1, seen);
  }
  return out;
}

/** Its class name as `type`, message, stack, its own fields and its cause, all scrubbed. */
function serializeError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? 'Error',
    message: scrubLogString(String(error.message)),
  };
  // On one line like every other string (SEC-20 strips CR/LF even escaped): frames are `    at `.
  if (error.stack) out.stack = scrubLogString(error.stack);
  for (const [key, child] of Object.entries(error)) {
    out[key] = REDACTED_KEYS.has(key) ? CENSORED : scrubValue(child, depth + 1, seen);
  }
  if (error.cause !== undefined) out.cause = scrubValue(error.cause, depth + 1, seen);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
