/**
 * A local fake of Twilio for the voice server's tests, faithful to the wire protocols in
 * /work/shared/reference/protocols.md section A:
 *
 * - Voice webhook (A.10): `startCall` POSTs the signed form (A.7) to our server — sent to
 *   `serverBaseUrl`, signed for `publicBaseUrl` — and reads the TwiML it answers.
 * - Media Streams (A.1–A.6): for a `<Connect><Stream url="wss://…">` it opens a real websocket to
 *   our server (the wss URL's origin swapped for `serverBaseUrl`'s), with `x-twilio-signature`
 *   computed over the wss URL exactly as written in the TwiML and `{}` params. It sends `connected`,
 *   `start`, then a 160-byte mu-law `media` frame every 20 ms: silence, or speech queued by `say()`
 *   (text travels inside the audio, see ./fake-audio.ts). Every message is a JSON text frame.
 * - Playback (A.4): outbound `media` plays at 8 bytes/ms; a `mark` comes back once the audio before
 *   it has played; `clear` drops unplayed audio and echoes pending marks at once. `heard()` is the
 *   text of the audio that has played. Audio still queued when the stream ends is never heard.
 * - Stream status (A.6): with a `<Stream statusCallback>`, signed POSTs of `stream-started`,
 *   `stream-stopped` and `stream-error` (./twilio/stream-status.ts); a non-2xx answer is a protocol error.
 * - REST (A.8/A.9): Calls create/update/fetch with basic auth and Twilio's error JSON.
 *
 * Point the real SDK at the REST fake (A.8 option 1; the api domain is created lazily and cached,
 * so the override sticks for every later call; TWILIO_REGION/TWILIO_EDGE must be unset):
 *
 *   const client = twilio(fake.accountSid, fake.authToken);
 *   client.api.baseUrl = fake.restBaseUrl;
 *   await client.calls.create({ to, from, url });
 *
 * Choices where the reference leaves things open:
 * - `media.chunk` starts at "1" and `media.timestamp` at "0", +1 / +20 per frame. The frame schedule
 *   is computed from elapsed time (one shared timer, 5 ms tick), so a late timer sends the overdue
 *   frames at once instead of slowing the audio down.
 * - Inbound `track` is 'inbound'; `dtmf.track` is 'inbound_track'; `connected` has no sequenceNumber.
 * - Whatever Twilio would reject is recorded in `call.protocolErrors` (binary or non-JSON frames,
 *   unknown events, a wrong streamSid — such messages are otherwise ignored —, a non-2xx or non-XML
 *   webhook answer, a stream URL that is not wss:// or has a query string — then no socket is opened).
 * - REST `Status=completed` on a live call, or a `Url`/`Twiml` redirect of it, ends its stream the
 *   way Twilio does: `stop`, then close 1000. A call whose TwiML has no stream is marked completed.
 */
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { CallRuntime, Ticker } from './twilio/call';
import { type CallRecord, RestFake } from './twilio/rest';
import { StreamStatusReporter } from './twilio/stream-status';
import { parseConnectStream } from './twilio/twiml';
import type { FakeCall, SignedPostArgs, StartCallArgs, TwilioFake, TwilioFakeOptions } from './twilio/types';
import { postForm, sid } from './twilio/util';

export type {
  FakeCall,
  HttpResult,
  ParsedStream,
  RestFaultMatch,
  RestRequest,
  SignedPostArgs,
  StartCallArgs,
  TwilioFake,
  TwilioFakeOptions,
} from './twilio/types';

export async function startTwilioFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  const accountSid = options.accountSid ?? sid('AC');
  const authToken = options.authToken ?? sid('').slice(0, 32);
  const rest = new RestFake(accountSid, authToken);
  await rest.listen();
  const ticker = new Ticker();
  const calls: CallRuntime[] = [];

  const signedPost = ({ transportUrl, signedUrl, params, signature }: SignedPostArgs) => {
    const header =
      signature === undefined ? twilio.getExpectedTwilioSignature(authToken, signedUrl, params) : signature;
    return postForm(transportUrl, params, {
      'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': randomUUID(),
      'x-home-region': 'us1',
      ...(header === null ? {} : { 'x-twilio-signature': header }),
    });
  };

  const startCall = async (args: StartCallArgs): Promise<FakeCall> => {
    const webhookPath = args.webhookPath ?? '/twilio/voice';
    const callSid = args.callSid ?? sid('CA');
    const direction = args.direction ?? 'inbound';
    const from = args.from ?? '+12175551234';
    const to = args.to ?? '+12175550142';
    const params: Record<string, string> = {
      CallSid: callSid,
      AccountSid: accountSid,
      From: from,
      To: to,
      CallStatus: direction === 'inbound' ? 'ringing' : 'in-progress',
      Direction: direction,
      ApiVersion: '2010-04-01',
      Caller: from,
      Called: to,
      ...args.extraParams,
    };
    const record: CallRecord =
      rest.calls.get(callSid) ?? rest.newCall({ sid: callSid, to, from, status: 'ringing', direction });
    const webhookResponse = await signedPost({
      transportUrl: args.serverBaseUrl + webhookPath,
      signedUrl: args.publicBaseUrl + webhookPath,
      params,
    });

    const errors: string[] = [];
    const ok = webhookResponse.status >= 200 && webhookResponse.status < 300;
    const contentType = webhookResponse.headers['content-type'] ?? '';
    if (!ok) errors.push(`voice webhook answered HTTP ${webhookResponse.status} (Twilio error 11200)`);
    else if (!/xml/i.test(contentType)) {
      errors.push(
        `voice webhook answered content-type ${JSON.stringify(contentType)}, not XML (Twilio error 12300)`,
      );
    }
    const stream = errors.length === 0 ? parseConnectStream(webhookResponse.body) : null;
    if (stream && (!stream.url.startsWith('wss://') || stream.url.includes('?'))) {
      errors.push(
        `<Stream url> must be wss:// without a query string, got ${JSON.stringify(stream.url)} (Twilio error 31920)`,
      );
    }

    const call = new CallRuntime({
      accountSid,
      callSid,
      streamSid: sid('MZ'),
      webhookResponse,
      stream,
      realtime: args.realtime ?? true,
      ticker,
      onClosed: () => {
        if (streamStarted) call.streamStatus?.report('stream-stopped');
        if (record.endStream === endStream) delete record.endStream;
        if (record.resource.status === 'in-progress') rest.setStatus(record, 'completed');
      },
    });
    let streamStarted = false;
    const endStream = () => call.endStream();
    call.protocolErrors.push(...errors);
    calls.push(call);

    if (!stream || errors.length > 0) {
      if (ok) rest.setStatus(record, 'completed');
      else rest.setStatus(record, 'failed');
      call.finishWithoutStream(errors[0] ?? 'no <Connect><Stream> in the TwiML');
      return call;
    }
    rest.setStatus(record, 'in-progress');
    record.endStream = endStream;
    if (stream.statusCallback) {
      call.streamStatus = new StreamStatusReporter({
        callbackUrl: stream.statusCallback,
        serverBaseUrl: args.serverBaseUrl,
        accountSid,
        callSid,
        streamSid: call.streamSid,
        signedPost,
        deliveries: call.streamStatusCallbacks,
        protocolErrors: call.protocolErrors,
      });
    }
    const publicUrl = new URL(stream.url);
    const server = new URL(args.serverBaseUrl);
    const target = new URL(publicUrl.pathname + publicUrl.search, server);
    target.protocol = server.protocol === 'https:' ? 'wss:' : 'ws:';
    const signature =
      args.streamSignature === undefined
        ? twilio.getExpectedTwilioSignature(authToken, stream.url, {})
        : args.streamSignature;
    await call.connect(target.toString(), {
      'user-agent': 'Twilio.TmeWs/1.0',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    });
    if (call.upgradeRejected === undefined) {
      streamStarted = true;
      call.streamStatus?.report('stream-started');
    } else {
      call.streamStatus?.report(
        'stream-error',
        `31920 Stream - WebSocket - Handshake Error (HTTP ${call.upgradeRejected})`,
      );
    }
    return call;
  };

  return {
    accountSid,
    authToken,
    restBaseUrl: rest.baseUrl,
    restRequests: rest.requests,
    calls,
    failNextRest: (match, status, body) => rest.failNext(match, status, body),
    loseNextRestAnswer: (match) => rest.loseNextAnswer(match),
    signedPost,
    startCall,
    async close() {
      await Promise.all(calls.map((call) => call.terminate()));
      await Promise.all(calls.map((call) => call.streamStatusDelivered()));
      ticker.stop();
      await rest.close();
    },
  };
}
