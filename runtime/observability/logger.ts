/**
 * Structured JSON logs, one object per line, in pino's shape (`level` as a number, ISO `time`,
 * the bindings, the fields, `msg`), so CloudWatch queries and log tooling read them as pino's.
 * Everything logged passes through log-scrub.ts first.
 *
 * Our own rather than pino because every Lambda bundles it: pino and its helpers were ~62 KB of
 * each ~640 KB bundle for features nothing here uses (transports, worker threads, custom levels),
 * and the scrubbing that walks every value was ours already. Lines are written synchronously, as
 * pino does on stdout: a Lambda can be frozen right after it returns, and a crashing server
 * should not lose its last lines.
 */
import { format } from 'node:util';
import { scrubLogFields, scrubLogString, scrubLogValue } from './log-scrub';

export { scrubLogString } from './log-scrub';

export const LOG_LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
} as const;

export type LogLevel = keyof typeof LOG_LEVELS;

/** `log.info({ fields }, 'message')`, `log.info('message %s', arg)`, or `log.error(error)`. */
export interface LogFn {
  (fields: unknown, message?: string, ...args: unknown[]): void;
  (message: string, ...args: unknown[]): void;
}

/** The shape Fastify takes as its `loggerInstance` (FastifyBaseLogger), and all our code uses. */
export interface Logger {
  level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  silent: LogFn;
  child(bindings: Record<string, unknown>, options?: { level?: string }): Logger;
}

export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  /** Default: LOG_LEVEL from the environment, else info. */
  level?: string;
  /** Logged as `name` on every line. */
  name?: string;
  /** Default: stdout. */
  destination?: LogDestination;
}

function levelValue(level: string): number {
  const value = LOG_LEVELS[level as LogLevel];
  if (value === undefined) {
    throw new Error(`unknown log level "${level}": use one of ${Object.keys(LOG_LEVELS).join(', ')}`);
  }
  return value;
}

/** `{"a":1,"b":2}` → `,"a":1,"b":2`, for splicing into a line. */
function fieldsFragment(fields: object): string {
  const json = JSON.stringify(scrubLogFields(fields));
  return json.length > 2 ? `,${json.slice(1, -1)}` : '';
}

class JsonLogger implements Logger {
  private threshold: number;
  private levelName: string;

  constructor(
    private readonly destination: LogDestination,
    /** The bindings of this logger and its parents, already scrubbed and serialized. */
    private readonly bindings: string,
    level: string,
  ) {
    this.threshold = levelValue(level);
    this.levelName = level;
  }

  get level(): string {
    return this.levelName;
  }

  set level(level: string) {
    this.threshold = levelValue(level);
    this.levelName = level;
  }

  trace(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.trace >= this.threshold) this.write(LOG_LEVELS.trace, first, rest);
  }
  debug(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.debug >= this.threshold) this.write(LOG_LEVELS.debug, first, rest);
  }
  info(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.info >= this.threshold) this.write(LOG_LEVELS.info, first, rest);
  }
  warn(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.warn >= this.threshold) this.write(LOG_LEVELS.warn, first, rest);
  }
  error(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.error >= this.threshold) this.write(LOG_LEVELS.error, first, rest);
  }
  fatal(first: unknown, ...rest: unknown[]): void {
    if (LOG_LEVELS.fatal >= this.threshold) this.write(LOG_LEVELS.fatal, first, rest);
  }
  silent(): void {}

  child(bindings: Record<string, unknown>, options?: { level?: string }): Logger {
    return new JsonLogger(
      this.destination,
      this.bindings + fieldsFragment(bindings),
      options?.level ?? this.levelName,
    );
  }

  private write(level: number, first: unknown, rest: unknown[]): void {
    const head = `{"level":${level},"time":"${new Date().toISOString()}"${this.bindings}`;
    let line: string;
    try {
      line = `${head}${body(first, rest)}}\n`;
    } catch (error) {
      // A value JSON cannot hold: the line is still written, with what went wrong and not the value.
      line = `${head},"logError":${JSON.stringify(scrubLogString(String(error)))}}\n`;
    }
    this.destination.write(line);
  }
}

/** The fields and `msg` of one line. A bare error is logged as `err`, its message as `msg`. */
function body(first: unknown, rest: unknown[]): string {
  let fields: object | undefined;
  let message: unknown;
  let args = rest;
  if (typeof first === 'object' && first !== null) {
    fields = first instanceof Error ? { err: first } : first;
    message = rest.length > 0 ? rest[0] : first instanceof Error ? first.message : undefined;
    args = rest.slice(1);
  } else {
    message = first;
  }
  let out = fields ? fieldsFragment(fields) : '';
  if (message !== undefined) {
    const text = args.length > 0 ? format(String(message), ...args.map(scrubLogValue)) : String(message);
    out += `,"msg":${JSON.stringify(scrubLogString(text))}`;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const bindings = options.name === undefined ? '' : fieldsFragment({ name: options.name });
  return new JsonLogger(options.destination ?? process.stdout, bindings, level);
}
