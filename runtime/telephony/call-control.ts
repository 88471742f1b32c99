/**
 * Live-call control through Twilio's REST API: hanging up and handing a call to a person. Both are
 * updates of the call resource; the media stream ends by itself when Twilio leaves <Connect>.
 */
import twilio from 'twilio';
import { transferTwiml } from './twiml';

export interface CallControl {
  /** Ends the call (`Status=completed`). */
  hangUp(callSid: string): Promise<void>;
  /**
   * Takes the call out of the stream and dials the shop; the fallback is said if nobody answers.
   * `announcement` is spoken by Twilio first, for when our own voice is what failed.
   */
  transfer(callSid: string, to: string, announcement?: string): Promise<void>;
}

export interface TwilioCallControlOptions {
  accountSid: string;
  authToken: string;
  /** A local REST fake, e.g. http://127.0.0.1:PORT (protocols.md A.8, option 1). */
  apiBaseUrl?: string;
  /** Public origin of this server: where Twilio reports how the transfer went. */
  publicBaseUrl: string;
}

export function createTwilioClient(options: Omit<TwilioCallControlOptions, 'publicBaseUrl'>) {
  const client = twilio(options.accountSid, options.authToken, {
    // Twilio retries only 429s, and only when asked; a hang-up must not be lost to a brief limit.
    autoRetry: true,
    maxRetries: 2,
    timeout: 5000,
  });
  // The api domain is created lazily and cached, so the override sticks for every later request.
  if (options.apiBaseUrl) client.api.baseUrl = options.apiBaseUrl.replace(/\/+$/, '');
  return client;
}

export class TwilioCallControl implements CallControl {
  private clientInstance?: ReturnType<typeof createTwilioClient>;

  constructor(private readonly options: TwilioCallControlOptions) {}

  /** Made on first use: until the secret is filled in its values are placeholders the SDK rejects. */
  private get client() {
    this.clientInstance ??= createTwilioClient(this.options);
    return this.clientInstance;
  }

  async hangUp(callSid: string): Promise<void> {
    await this.client.calls(callSid).update({ status: 'completed' });
  }

  async transfer(callSid: string, to: string, announcement?: string): Promise<void> {
    const action = `${this.options.publicBaseUrl}/twilio/transfer-status`;
    await this.client.calls(callSid).update({ twiml: transferTwiml(to, action, announcement) });
  }
}
