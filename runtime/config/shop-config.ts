/**
 * The shop configuration: the one source of truth for what a shop is, read by the CDK app at
 * synth time (lib/) and by every runtime process at start-up (voice server, tool Lambdas, dialer).
 *
 * Objects are strict so a misspelt key is reported instead of silently falling back to a default.
 */

import { isValidE164 } from '../domain/phone';
import * as z from '../zod';

/** Bookings lock bays in slices of this many minutes, so service durations must be multiples of it. */
export const BOOKING_SLICE_MINUTES = 15;

/** Regulatory outer bounds for automated calls (TCPA quiet hours are 21:00–08:00 local). */
export const LEGAL_CALLING_WINDOW = { start: '08:00', end: '21:00' } as const;

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clockTime = z
  .string()
  .check(
    z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time "HH:MM", e.g. "08:00"'),
    z.describe('local wall-clock time HH:MM'),
  );

/** Minutes since midnight of an "HH:MM" string that already passed `clockTime`. */
export function minutesOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

const isoDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date "YYYY-MM-DD"', abort: true }),
  z.refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, 'is not a real calendar date'),
);

const e164Phone = z.string().check(
  z.regex(/^\+[1-9]\d{6,14}$/, {
    message: 'must be an E.164 phone number such as "+12175550142"',
    abort: true,
  }),
  z.refine(isValidE164, 'is not a valid phone number for its country'),
);

let canonicalTimeZones: ReadonlySet<string> | undefined;

/**
 * The canonical IANA names are checked without a formatter: a process's first
 * `Intl.DateTimeFormat` costs ~11 ms of ICU set-up, which the cold start of a tool Lambda that never
 * formats a time should not pay for reading its configuration. Aliases ("US/Central") and UTC are
 * not in that list and still go through ICU.
 */
function isIanaTimeZone(value: string): boolean {
  canonicalTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalTimeZones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .check(z.refine(isIanaTimeZone, 'must be an IANA time zone such as "America/Chicago"'));

const interval = z.strictObject({ open: clockTime, close: clockTime });

const dayHours = z.array(interval).check(
  z.superRefine((intervals, ctx) => {
    intervals.forEach((slot, index) => {
      if (minutesOfDay(slot.close) <= minutesOfDay(slot.open)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'close'],
          message: `must be after open (${slot.open})`,
        });
      }
    });
    const sorted = intervals
      .map((slot, index) => ({ ...slot, index }))
      .sort((a, b) => minutesOfDay(a.open) - minutesOfDay(b.open));
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (minutesOfDay(current.open) < minutesOfDay(previous.close)) {
        ctx.addIssue({
          code: 'custom',
          path: [current.index, 'open'],
          message: `overlaps the interval ${previous.open}–${previous.close}`,
        });
      }
    }
  }),
);

const openingHours = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((day) => [day, z._default(dayHours, [])])) as Record<
    Weekday,
    z.ZodMiniDefault<typeof dayHours>
  >,
);

const service = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9_]{1,40}$/, 'must be snake_case, e.g. "oil_change"')),
  name: z.string().check(z.minLength(2), z.maxLength(60), z.describe('how the assistant says it')),
  durationMinutes: z.number().check(
    z.int('must be a whole number of minutes'),
    z.positive('must be more than 0'),
    z.lte(600, 'must be at most 600 minutes (10 hours)'),
    z.refine((minutes) => minutes % BOOKING_SLICE_MINUTES === 0, {
      message: `must be a multiple of ${BOOKING_SLICE_MINUTES} minutes`,
    }),
  ),
  bays: z
    .optional(z.array(z.number().check(z.int(), z.positive())).check(z.minLength(1)))
    .check(z.describe('bay numbers (1-based) that can do this service; default all')),
});

const callingWindow = z.strictObject({ start: clockTime, end: clockTime }).check(
  z.superRefine((window, ctx) => {
    if (minutesOfDay(window.start) < minutesOfDay(LEGAL_CALLING_WINDOW.start)) {
      ctx.addIssue({
        code: 'custom',
        path: ['start'],
        message: `must not be before ${LEGAL_CALLING_WINDOW.start}`,
      });
    }
    if (minutesOfDay(window.end) > minutesOfDay(LEGAL_CALLING_WINDOW.end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `must not be after ${LEGAL_CALLING_WINDOW.end}`,
      });
    }
    if (minutesOfDay(window.end) <= minutesOfDay(window.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${window.start})` });
    }
  }),
);

/** An optional string that, when present, must match `pattern`. */
const optionalMatching = (pattern: RegExp, message: string) =>
  z.optional(z.string().check(z.regex(pattern, message)));

/** An integer within [min, max] that defaults to `fallback`. */
const intWithDefault = (min: number, max: number, fallback: number) =>
  z._default(z.number().check(z.int(), z.gte(min), z.lte(max)), fallback);

const customDomain = z
  .strictObject({
    domainName: z
      .string()
      .check(z.regex(/^(?=.{4,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, 'must be a lower-case host name')),
    hostedZoneId: optionalMatching(/^Z[A-Z0-9]{4,32}$/, 'must be a Route 53 hosted zone id'),
    hostedZoneName: z.optional(z.string()),
    certificateArn: optionalMatching(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/,
      'must be an ACM certificate ARN',
    ),
  })
  .check(
    z.superRefine((domain, ctx) => {
      // Half a hosted zone would leave the stack with neither a DNS record nor the note to add one.
      if (Boolean(domain.hostedZoneId) !== Boolean(domain.hostedZoneName)) {
        const missing = domain.hostedZoneId ? 'hostedZoneName' : 'hostedZoneId';
        const given = domain.hostedZoneId ? 'hostedZoneId' : 'hostedZoneName';
        ctx.addIssue({ code: 'custom', path: [missing], message: `is required with ${given}` });
      } else if (!domain.certificateArn && !domain.hostedZoneId) {
        ctx.addIssue({
          code: 'custom',
          path: ['certificateArn'],
          message: 'give either certificateArn, or hostedZoneId and hostedZoneName to issue one',
        });
      }
      const zone = domain.hostedZoneName?.replace(/\.$/, '');
      if (zone && domain.domainName !== zone && !domain.domainName.endsWith(`.${zone}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['domainName'],
          message: `must be inside the hosted zone "${zone}"`,
        });
      }
    }),
  );

export const shopConfigSchema = z
  .strictObject({
    shopId: z
      .string()
      .check(z.regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'must be 1–30 lower-case letters, digits or dashes')),
    displayName: z.string().check(z.minLength(2), z.maxLength(80)),
    address: z
      .optional(z.string().check(z.maxLength(200)))
      .check(z.describe('spoken to callers who ask where the shop is')),
    timeZone,
    openingHours,
    closedDates: z._default(z.array(isoDate), []),
    bays: z.number().check(z.int(), z.gte(1), z.lte(50)),
    services: z.array(service).check(z.minLength(1)),
    phoneNumber: e164Phone.check(z.describe("the shop's Twilio number")),
    transferNumber: e164Phone.check(z.describe('where callers are transferred to reach a person')),
    assistant: z.strictObject({
      personaName: z.string().check(z.minLength(1), z.maxLength(40)),
      voice: z
        .string()
        .check(z.regex(/^aura-[a-z0-9-]+$/, 'must be a Deepgram Aura voice such as "aura-2-thalia-en"')),
    }),
    reminders: z._default(
      z.strictObject({
        enabled: z._default(z.boolean(), true),
        leadTimeHours: intWithDefault(1, 168, 24),
        callingWindow: z._default(callingWindow, { start: '09:00', end: '19:00' }),
      }),
      { enabled: true, leadTimeHours: 24, callingWindow: { start: '09:00', end: '19:00' } },
    ),
    calls: z._default(
      z.strictObject({
        maxCallMinutes: intWithDefault(1, 60, 15),
        maxConcurrentCallsPerTask: intWithDefault(1, 500, 25),
      }),
      { maxCallMinutes: 15, maxConcurrentCallsPerTask: 25 },
    ),
    scaling: z._default(
      z.strictObject({ minTasks: intWithDefault(1, 10, 1), maxTasks: intWithDefault(1, 50, 4) }),
      { minTasks: 1, maxTasks: 4 },
    ),
    customDomain: z.optional(customDomain),
    vpcId: optionalMatching(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as "vpc-0123456789abcdef0"'),
    // A schema's own message outranks requiredFieldMessages, so it tells a missing value apart itself.
    alarmEmail: z.email({
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be an e-mail address'),
    }),
    aws: z.optional(
      z.strictObject({
        account: optionalMatching(/^\d{12}$/, 'must be a 12-digit AWS account id'),
        region: optionalMatching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as "us-east-2"'),
      }),
    ),
  })
  .check(
    z.superRefine((shop, ctx) => {
      const serviceIds = new Set<string>();
      shop.services.forEach((svc, index) => {
        if (serviceIds.has(svc.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['services', index, 'id'],
            message: `duplicates "${svc.id}"`,
          });
        }
        serviceIds.add(svc.id);
        svc.bays?.forEach((bay, bayIndex) => {
          if (bay > shop.bays) {
            ctx.addIssue({
              code: 'custom',
              path: ['services', index, 'bays', bayIndex],
              message: `bay ${bay} does not exist (the shop has ${shop.bays})`,
            });
          }
        });
      });
      if (WEEKDAYS.every((day) => shop.openingHours[day].length === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['openingHours'],
          message: 'the shop must be open on at least one day',
        });
      }
      if (shop.transferNumber === shop.phoneNumber) {
        ctx.addIssue({
          code: 'custom',
          path: ['transferNumber'],
          message: "must not be the shop's Twilio number (a transfer would ring the assistant again)",
        });
      }
      if (shop.scaling.maxTasks < shop.scaling.minTasks) {
        ctx.addIssue({ code: 'custom', path: ['scaling', 'maxTasks'], message: 'must be at least minTasks' });
      }
      if (shop.vpcId && !(shop.aws?.account && shop.aws.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['aws'],
          message: 'account and region are required when vpcId is set (the VPC is looked up at synth)',
        });
      }
    }),
  );

export type ShopConfig = z.output<typeof shopConfigSchema>;
export type ShopConfigInput = z.input<typeof shopConfigSchema>;
export type ServiceConfig = ShopConfig['services'][number];

/** Bays that can perform a service (1-based), in ascending order. */
export function baysForService(shop: ShopConfig, serviceConfig: ServiceConfig): number[] {
  const bays = serviceConfig.bays ?? Array.from({ length: shop.bays }, (_, i) => i + 1);
  return [...new Set(bays)].sort((a, b) => a - b);
}

export class ShopConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid shop configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ShopConfigError';
  }
}

/** One line per problem: "openingHours.monday[1].open: overlaps the interval 08:00–12:00". */
export function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: is not a known field`);
    }
    return [`${formatPath(issue.path) || '(root)'}: ${issue.message}`];
  });
}

/** Renders a zod path the way a person would write it: `services[0].durationMinutes`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, '');
}

/** A missing field reads "is required" rather than zod's "expected string, received undefined". */
export const requiredFieldMessages: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/** Validates an already-parsed JSON value; `source` names the file or variable in the error. */
export function parseShopConfig(value: unknown, source: string): ShopConfig {
  const result = shopConfigSchema.safeParse(value, { error: requiredFieldMessages });
  if (!result.success) throw new ShopConfigError(source, describeIssues(result.error));
  return result.data;
}

/** Parses JSON text (a file's content or the SHOP_CONFIG variable) and validates it. */
export function parseShopConfigJson(text: string, source: string): ShopConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ShopConfigError(source, [`not valid JSON (${(error as Error).message})`]);
  }
  return parseShopConfig(value, source);
}
