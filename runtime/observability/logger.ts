import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs. Redaction is the last line of defence: code logs ids and masked values
 * only, but any field with one of these names is censored if it slips through (SEC-20).
 * A `*` matches exactly one level, so the nested places secrets live are listed explicitly.
 */
export const REDACTED_PATHS = [
  '*.phone',
  '*.callerPhone',
  '*.phoneNumber',
  '*.phone_number',
  '*.from',
  '*.to',
  '*.From',
  '*.To',
  '*.Caller',
  '*.Called',
  '*.caller',
  '*.firstName',
  '*.lastName',
  '*.first_name',
  '*.last_name',
  '*.email',
  '*.vin',
  '*.transcript',
  '*.text',
  '*.token',
  '*.customParameters',
  '*.digit',
  '*.digits',
  '*.Digits',
  '*.authorization',
  '*.signature',
  '*.apiKey',
  '*.authToken',
  '*["x-twilio-signature"]',
  '*.headers.authorization',
  '*.headers["x-twilio-signature"]',
  'phone',
  'callerPhone',
  'from',
  'to',
  'caller',
  'email',
  'vin',
  'transcript',
  'text',
  'token',
  'customParameters',
  'digit',
  'digits',
  'authorization',
  'signature',
  'apiKey',
  'authToken',
];

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

/** A scrubbed copy of a log object (errors flattened first, so their text is scrubbed too). */
function scrubValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubLogString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    // A copy of the same class (pino's err serializer reports its constructor's name), with its
    // own properties, message, stack and cause scrubbed.
    const copy = Object.create(Object.getPrototypeOf(value)) as Error & Record<string, unknown>;
    for (const [key, child] of Object.entries(value)) copy[key] = scrubValue(child, depth + 1, seen);
    copy.message = scrubLogString(value.message);
    if (value.stack) copy.stack = scrubLogString(value.stack);
    if (value.cause !== undefined) copy.cause = scrubValue(value.cause, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[key] = scrubValue(child, depth + 1, seen);
  return out;
}

const scrubObject = (object: Record<string, unknown>) =>
  scrubValue(object, 0, new WeakSet()) as Record<string, unknown>;

export function createLogger(options: LoggerOptions & { destination?: pino.DestinationStream } = {}): Logger {
  const { destination, ...rest } = options;
  const config: LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: scrubObject, bindings: scrubObject },
    hooks: {
      // The message and its interpolated arguments are scrubbed like every logged value; a bare
      // error becomes { err } plus its scrubbed message (pino would copy the raw message).
      logMethod(args, method) {
        const [first, ...others] = args as unknown[];
        if (first instanceof Error && others.length === 0) {
          return method.apply(this, [{ err: first }, scrubLogString(first.message)] as never);
        }
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubLogString(arg) : arg));
        return method.apply(this, scrubbed as never);
      },
    },
    ...rest,
  };
  return destination ? pino(config, destination) : pino(config);
}
