/**
 * `<Stream statusCallback>` (protocols.md A.6): Twilio POSTs `stream-started` once the websocket is
 * up, `stream-stopped` when it ends, and `stream-error` when it could not be opened. Each POST is
 * signed (A.7) for the callback URL as written in the TwiML and sent to our server's real address.
 * The Timestamp format is UNCONFIRMED in the reference; ISO 8601 here.
 */
import type { HttpResult, StreamStatusDelivery } from './types';

export type StreamEvent = 'stream-started' | 'stream-stopped' | 'stream-error';

export interface StreamStatusReporterInit {
  /** The statusCallback attribute as written (it is what the signature covers). */
  callbackUrl: string;
  /** Our server's listening address; the callback's path and query are sent there. */
  serverBaseUrl: string;
  accountSid: string;
  callSid: string;
  streamSid: string;
  signedPost(args: {
    transportUrl: string;
    signedUrl: string;
    params: Record<string, string>;
  }): Promise<HttpResult>;
  /** Where deliveries and Twilio's complaints about them are recorded (the call's lists). */
  deliveries: StreamStatusDelivery[];
  protocolErrors: string[];
}

export class StreamStatusReporter {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly init: StreamStatusReporterInit) {}

  /** Sends one callback in the background; `settled()` waits for every one sent so far. */
  report(event: StreamEvent, error?: string): void {
    const { callbackUrl, serverBaseUrl, accountSid, callSid, streamSid } = this.init;
    const callback = new URL(callbackUrl);
    const params: Record<string, string> = {
      AccountSid: accountSid,
      CallSid: callSid,
      StreamSid: streamSid,
      StreamName: streamSid,
      StreamEvent: event,
      Timestamp: new Date().toISOString(),
      ...(error ? { StreamError: error } : {}),
    };
    const delivery: Promise<void> = this.init
      .signedPost({
        transportUrl: new URL(callback.pathname + callback.search, serverBaseUrl).toString(),
        signedUrl: callbackUrl,
        params,
      })
      .then(
        (result) => {
          this.init.deliveries.push({ event, status: result.status });
          if (result.status < 200 || result.status >= 300) {
            this.init.protocolErrors.push(
              `stream statusCallback ${event} answered HTTP ${result.status} (Twilio error 15003)`,
            );
          }
        },
        // Twilio does not retry a stream callback it could not deliver; a server already shut down
        // at the end of a test is not an error of the call.
        () => {
          this.init.deliveries.push({ event, status: 0 });
        },
      )
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
