import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs. Redaction is the last line of defence: code logs ids and masked values
 * only, but any field with one of these names is censored if it slips through (SEC-20).
 */
export const REDACTED_PATHS = [
  '*.phone',
  '*.callerPhone',
  '*.from',
  '*.to',
  '*.firstName',
  '*.lastName',
  '*.email',
  '*.vin',
  '*.transcript',
  '*.text',
  '*.token',
  '*.authorization',
  '*.signature',
  '*["x-twilio-signature"]',
  'phone',
  'callerPhone',
  'transcript',
  'text',
  'token',
];

export function createLogger(options: LoggerOptions & { destination?: pino.DestinationStream } = {}): Logger {
  const { destination, ...rest } = options;
  const config: LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: undefined,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...rest,
  };
  return destination ? pino(config, destination) : pino(config);
}
