/**
 * Places the reminder call through the Twilio REST API (`calls.create`, protocols.md A.8/A.9).
 * Failures are split into the two kinds the dialer treats differently: a permanent rejection of
 * this call (4xx: a bad or unreachable number), and everything else, which a later try may fix.
 */
import BaseTwilio from 'twilio/lib/base/BaseTwilio.js';
import Api from 'twilio/lib/rest/Api.js';
import type { TwilioCredentials } from './twilio-credentials';

/**
 * The SDK's own REST client (BaseTwilio.Client: auth, request, RestException) with only the `api`
 * domain that `calls.create` lives in. `twilio()` returns a client whose getters `require` all of
 * Twilio's ~40 domains, and a bundler packs every one of them: the dialer bundle was 4.0 MB
 * (3.2 MB of it Twilio) and loaded in 284–459 ms; with this it is about a quarter of that
 * (README "Benchmark"). The two modules are the ones `twilio()` itself uses for this call; the
 * dialer tests place calls through them against the REST fake, so an SDK upgrade that moves them
 * fails there, not in production.
 */
class CallsClient extends BaseTwilio.Client {
  private apiDomain?: Api;

  /** Created once and cached, like the SDK's own getter, so a base URL override sticks. */
  get api(): Api {
    this.apiDomain ??= new Api(this);
    return this.apiDomain;
  }
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

export class TwilioOutboundCaller implements OutboundCaller {
  private client: CallsClient | undefined;

  constructor(
    private readonly credentials: () => Promise<TwilioCredentials>,
    /** TWILIO_API_BASE_URL: a local fake of the REST API in tests. */
    private readonly apiBaseUrl?: string,
  ) {}

  async placeCall(request: OutboundCallRequest): Promise<{ callSid: string }> {
    const client = await this.twilioClient();
    try {
      const call = await client.api.v2010.account.calls.create({
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
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) {
        throw new CallRejectedError(status, (error as { code?: number }).code);
      }
      throw error;
    }
  }

  private async twilioClient() {
    if (!this.client) {
      const { accountSid, authToken } = await this.credentials();
      // No SDK-level retries: a failed create is retried by the scheduler/Lambda, after the claim is
      // released, so a call is never placed twice by two layers retrying.
      const client = new CallsClient(accountSid, authToken, { autoRetry: false, timeout: 10_000 });
      // The api domain is created lazily and cached, so this override sticks (protocols.md A.8).
      if (this.apiBaseUrl) client.api.baseUrl = this.apiBaseUrl.replace(/\/$/, '');
      this.client = client;
    }
    return this.client;
  }
}
