/**
 * Places the reminder call through the Twilio REST API (`calls.create`, protocols.md A.8/A.9).
 * Failures are split into the two kinds the dialer treats differently: a permanent rejection of
 * this call (4xx: a bad or unreachable number), and everything else, which a later try may fix.
 */
import BaseTwilio from 'twilio/lib/base/BaseTwilio.js';
import Domain from 'twilio/lib/base/Domain.js';
import Version from 'twilio/lib/base/Version.js';
import type V2010 from 'twilio/lib/rest/api/V2010.js';
import { CallListInstance } from 'twilio/lib/rest/api/v2010/account/call.js';
import type { TwilioCredentials } from './twilio-credentials';

const TWILIO_API_BASE_URL = 'https://api.twilio.com';
const API_VERSION = '2010-04-01';

/**
 * The SDK's own REST client (BaseTwilio.Client: auth, request, RestException) and its Calls
 * resource, wired the way `twilio().api.v2010.account.calls` wires them (ApiBase, V2010, Account),
 * without those three modules: `twilio()` `require`s all of Twilio's ~40 domains, and the Account
 * resource every one of its ~30 sub-resources (messages, conferences, queues, …), and a bundler
 * packs each of them. With `twilio()` the dialer bundle was 4.0 MB and loaded in 284–459 ms; through
 * the `api` domain 1.6 MB and ~160 ms; through the Calls resource alone it is the size docs/benchmark.md
 * ("Lambda bundles") gives. The dialer tests place calls through this against the REST fake, so an SDK
 * upgrade that moves these modules fails there, not in production.
 */
function callsResource(client: BaseTwilio.Client, accountSid: string, baseUrl: string) {
  const version = new (commonJsDefault(Version))(new (commonJsDefault(Domain))(client, baseUrl), API_VERSION);
  // V2010 only adds the account getters this skips; the Calls resource uses the Version it extends.
  return CallListInstance(version as V2010, accountSid);
}

/**
 * Domain and Version are CommonJS with `exports.default = …`: Node's ESM loader (and esbuild, which
 * follows it in a "type": "module" package) hands over the exports object, vitest its `default`.
 */
function commonJsDefault<T>(imported: T): T {
  return typeof imported === 'function' ? imported : (imported as { default: T }).default;
}

export interface OutboundCallRequest {
  to: string;
  from: string;
  /** Where Twilio fetches the TwiML once the call is answered. */
  url: string;
  statusCallback: string;
  /** Seconds to ring before giving up (no-answer). */
  ringSeconds: number;
  /** Hard limit on the call's length, in seconds. */
  timeLimitSeconds: number;
}

export interface OutboundCaller {
  placeCall(request: OutboundCallRequest): Promise<{ callSid: string }>;
}

/** Twilio refused this call for good (e.g. 21211 invalid number); retrying would fail the same way. */
export class CallRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
  ) {
    super(`Twilio rejected the call (HTTP ${status}${code ? `, error ${code}` : ''})`);
    this.name = 'CallRejectedError';
  }
}

/**
 * The create request may have reached Twilio but its answer never came back (a reset connection, a
 * timeout): the call may be ringing. Retrying would risk calling the customer twice.
 */
export class CallOutcomeUnknownError extends Error {
  constructor(readonly code: string | undefined) {
    super(
      `no answer from Twilio to the call request (${code ?? 'unknown error'}); the call may have been placed`,
    );
    this.name = 'CallOutcomeUnknownError';
  }
}

/** Connection errors that happen before any byte of the request is sent: nothing was placed. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export class TwilioOutboundCaller implements OutboundCaller {
  private calls: CallListInstance | undefined;

  constructor(
    private readonly credentials: () => Promise<TwilioCredentials>,
    /** TWILIO_API_BASE_URL: a local fake of the REST API in tests. */
    private readonly apiBaseUrl?: string,
  ) {}

  async placeCall(request: OutboundCallRequest): Promise<{ callSid: string }> {
    const calls = await this.callsResource();
    try {
      const call = await calls.create({
        to: request.to,
        from: request.from,
        url: request.url,
        method: 'POST',
        statusCallback: request.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        // Synchronous AMD that waits for the greeting to end: the answer webhook then carries
        // AnsweredBy, and a voicemail starts after the beep (CMP-07).
        machineDetection: 'DetectMessageEnd',
        asyncAmd: 'false',
        timeout: request.ringSeconds,
        timeLimit: request.timeLimitSeconds,
      });
      return { callSid: call.sid };
    } catch (error) {
      const { status, code } = error as { status?: unknown; code?: unknown };
      if (typeof status === 'number') {
        if (status >= 400 && status < 500 && status !== 429) {
          throw new CallRejectedError(status, typeof code === 'number' ? code : undefined);
        }
        throw error; // 429 and 5xx: Twilio answered that it did not take the request
      }
      if (typeof code === 'string' && NEVER_SENT.has(code)) throw error;
      throw new CallOutcomeUnknownError(typeof code === 'string' ? code : undefined);
    }
  }

  private async callsResource(): Promise<CallListInstance> {
    if (!this.calls) {
      const { accountSid, authToken } = await this.credentials();
      // No SDK-level retries: a failed create is retried by the scheduler/Lambda, after the claim is
      // released, so a call is never placed twice by two layers retrying.
      const client = new BaseTwilio.Client(accountSid, authToken, { autoRetry: false, timeout: 10_000 });
      const baseUrl = this.apiBaseUrl?.replace(/\/$/, '') ?? TWILIO_API_BASE_URL;
      this.calls = callsResource(client, accountSid, baseUrl);
    }
    return this.calls;
  }
}
