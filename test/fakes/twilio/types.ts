/** Public types of the Twilio fake (see ../twilio-fake.ts for the overview). */

export interface TwilioFakeOptions {
  /** Default: 'AC' + 32 random hex digits. */
  accountSid?: string;
  /** Default: 32 random hex digits. */
  authToken?: string;
}

export interface RestRequest {
  method: string;
  /** Path and query string as received, e.g. /2010-04-01/Accounts/AC…/Calls.json */
  path: string;
  /** Parsed form body (query string for GET); repeated keys become string[]. */
  params: Record<string, string | string[]>;
  /** Basic-auth user (the account SID the SDK authenticated with), undefined without auth. */
  user: string | undefined;
  /** Request headers, lower-cased names, repeated values joined with ', '. */
  headers: Record<string, string>;
  /** performance.now() when the whole request had arrived. */
  at: number;
}

export interface RestFaultMatch {
  /** e.g. 'POST' (case-insensitive); any method when absent. */
  method?: string;
  /** Substring of the request path (e.g. '/Calls.json' for creates only); any path when absent. */
  pathIncludes?: string;
}

export interface SignedPostArgs {
  /** Where the request is really sent (our server's listening address + path). */
  transportUrl: string;
  /** The URL the signature is computed over (PUBLIC_BASE_URL + path, query string included). */
  signedUrl: string;
  params: Record<string, string>;
  /** Override the X-Twilio-Signature header: a string is sent as is, null sends no header. */
  signature?: string | null;
}

export interface HttpResult {
  status: number;
  body: string;
  /** Lower-cased names, repeated values joined with ', '. */
  headers: Record<string, string>;
}

export interface TwilioFake {
  accountSid: string;
  authToken: string;
  /** Base URL of the REST fake, e.g. http://127.0.0.1:PORT (serves /2010-04-01/Accounts/{AC}/Calls.json and /Calls/{CA}.json). */
  restBaseUrl: string;
  /** Every REST request received: method, path, parsed form params (repeated keys → string[]), basic-auth user, time. */
  restRequests: RestRequest[];
  /** Queue a fault for the next matching REST request: HTTP status + Twilio error body (e.g. 429 / 500 / 21211). */
  failNextRest(match: RestFaultMatch, status: number, body?: object): void;
  /** Carries out the next matching REST request but resets the socket instead of answering. */
  loseNextRestAnswer(match: RestFaultMatch): void;
  /** Sign like Twilio (HMAC-SHA1 per A.7) and POST form params to `transportUrl`, signed for `signedUrl`. */
  signedPost(args: SignedPostArgs): Promise<HttpResult>;
  /** Simulates an incoming (or outbound-answered) call end to end. */
  startCall(args: StartCallArgs): Promise<FakeCall>;
  /** Every call started with startCall, in order. */
  calls: FakeCall[];
  close(): Promise<void>;
}

export interface StartCallArgs {
  /** Where our server really listens, e.g. http://127.0.0.1:8080 */
  serverBaseUrl: string;
  /** What our server is configured with as PUBLIC_BASE_URL, e.g. https://voice.example.com — webhooks are SIGNED for this URL but SENT to serverBaseUrl. */
  publicBaseUrl: string;
  /** Default '/twilio/voice'. May carry a query string (it is part of the signed URL). */
  webhookPath?: string;
  /** E.164, default '+12175551234'. */
  from?: string;
  /** E.164, default '+12175550142'. */
  to?: string;
  /** Default 'CA' + 32 hex. Pass the SID of a call created through the REST fake to "answer" it. */
  callSid?: string;
  /** Default 'inbound' (CallStatus=ringing); 'outbound-api' sends CallStatus=in-progress. */
  direction?: 'inbound' | 'outbound-api';
  /** Added to (or overriding) the webhook form, e.g. { AnsweredBy: 'machine_start' }. */
  extraParams?: Record<string, string>;
  /** Real-time pacing (default true): one 160-byte frame every 20 ms. false: frames are only sent when speech is queued, as fast as possible. */
  realtime?: boolean;
  /** Override the websocket upgrade's x-twilio-signature: a string is sent as is, null sends no header. */
  streamSignature?: string | null;
}

export interface ParsedStream {
  /** The <Stream url> exactly as written in the TwiML (entities unescaped). */
  url: string;
  /** The <Parameter name value> pairs. */
  parameters: Record<string, string>;
  /** <Connect action>, when present. */
  connectAction?: string;
  /** <Stream statusCallback>, when present (POSTed to; other methods are not modelled). */
  statusCallback?: string;
}

/** One `<Stream statusCallback>` POST and our server's answer (status 0: it could not be delivered). */
export interface StreamStatusDelivery {
  event: 'stream-started' | 'stream-stopped' | 'stream-error';
  status: number;
}

export interface FakeCall {
  callSid: string;
  /** 'MZ' + 32 hex; the stream's SID (also set when no stream was opened). */
  streamSid: string;
  /** The webhook's answer: raw TwiML. */
  webhookResponse: HttpResult;
  /** Parsed from TwiML; null when the TwiML has no <Connect><Stream> (no websocket is opened). */
  stream: ParsedStream | null;
  /** Caller speech: queues frames encoding `text` (encodeSpeech, default 80 bytes/char, min 300 ms), then silence. Resolves with performance.now() when the LAST speech frame has been sent. */
  say(text: string, options?: { bytesPerChar?: number }): Promise<number>;
  /** Sends a `dtmf` message. */
  pressDigit(digit: string): void;
  /** Sends `stop` and closes the socket with 1000 (caller hangs up). Resolves once closed. */
  hangup(): Promise<void>;
  /** Text decoded from the audio that has actually PLAYED so far. */
  heard(): string;
  /** Resolves when heard() matches; rejects after timeoutMs (default 5000), or when the stream closes first, with the text heard so far in the message. */
  waitForHeard(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Messages our server sent (parsed), in order, with receive time. Binary frames appear as { event: '<binary>' }, unparseable text as { event: '<invalid-json>' }. */
  received: { at: number; message: any }[];
  /** Time (performance.now()) the first outbound media frame arrived; undefined until then. */
  firstMediaAt(): number | undefined;
  marksEchoed: { name: string; at: number; cleared: boolean }[];
  /** Times (performance.now()) a `clear` arrived. */
  clears: number[];
  /** Everything Twilio would complain about (binary frames, wrong streamSid, unknown events, bad TwiML...). Tests should expect it to be empty. */
  protocolErrors: string[];
  /** Resolves when the socket closes (by either side), with code/reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Raw access for fuzz tests (a Buffer is sent as a binary frame). */
  sendRaw(data: string | Buffer): void;
  /** HTTP status when the ws handshake is refused, else undefined. */
  upgradeRejected?: number;
  /** The `<Stream statusCallback>` POSTs answered so far (see ./stream-status.ts). */
  streamStatusCallbacks: StreamStatusDelivery[];
  /** Resolves once every stream status callback sent so far has been answered. */
  streamStatusDelivered(): Promise<void>;
}
