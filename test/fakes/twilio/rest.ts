/**
 * The REST half of the Twilio fake (protocols.md A.8/A.9): Calls create, update and fetch, with
 * basic auth, Twilio's error JSON, queued faults, and a record of every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { listenOnLoopback } from '../loopback';
import type { RestFaultMatch, RestRequest } from './types';
import { flattenHeaders, parseForm, sid } from './util';

/** A call as the REST API shows it (snake_case, like the real JSON). */
export type CallResource = Record<string, unknown> & { sid: string; status: string };

export interface CallRecord {
  resource: CallResource;
  /** Set while a FakeCall's stream is open: Twilio ends the stream (stop + close). */
  endStream?: (why: 'completed' | 'redirected') => void;
}

interface Fault {
  match: RestFaultMatch;
  status: number;
  body: object | undefined;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const ENDED = new Set(['completed', 'canceled', 'failed', 'busy', 'no-answer']);

/** RFC 2822 as Twilio writes it: 'Tue, 25 Nov 2025 05:00:00 +0000'. */
export function rfc2822(date = new Date()): string {
  return date.toUTCString().replace('GMT', '+0000');
}

export function twilioError(status: number, code: number, message: string, extra: object = {}): object {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status, ...extra };
}

function defaultFaultBody(status: number, body: object | undefined): object {
  const given = (body ?? {}) as { code?: number; message?: string };
  const code = given.code ?? (status === 429 || status >= 500 ? 20000 + status : status);
  const message =
    given.message ??
    (status === 429
      ? 'Too Many Requests'
      : status >= 500
        ? 'Internal Server Error'
        : 'Fault injected by the Twilio fake');
  return { ...twilioError(status, code, message), ...body };
}

export class RestFake {
  readonly requests: RestRequest[] = [];
  readonly calls = new Map<string, CallRecord>();
  baseUrl = '';
  private readonly faults: Fault[] = [];
  private readonly lostAnswers: RestFaultMatch[] = [];
  private readonly server = createServer((req, res) => {
    this.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        this.send(res, 500, twilioError(500, 20500, `Twilio fake crashed: ${String(err)}`));
      else res.destroy();
    });
  });

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  async listen(): Promise<void> {
    this.baseUrl = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  failNext(match: RestFaultMatch, status: number, body?: object): void {
    this.faults.push({ match, status, body });
  }

  /** The next matching request is carried out, but its answer is lost: the socket is reset instead. */
  loseNextAnswer(match: RestFaultMatch): void {
    this.lostAnswers.push(match);
  }

  /** A call resource for a call that reached our server some other way (startCall). */
  newCall(fields: { sid: string; to: string; from: string; status: string; direction: string }): CallRecord {
    const now = rfc2822();
    const base = `/2010-04-01/Accounts/${this.accountSid}/Calls/${fields.sid}`;
    const record: CallRecord = {
      resource: {
        sid: fields.sid,
        date_created: now,
        date_updated: now,
        parent_call_sid: null,
        account_sid: this.accountSid,
        to: fields.to,
        to_formatted: fields.to,
        from: fields.from,
        from_formatted: fields.from,
        phone_number_sid: null,
        status: fields.status,
        start_time: null,
        end_time: null,
        duration: null,
        price: null,
        price_unit: 'USD',
        direction: fields.direction,
        answered_by: null,
        api_version: '2010-04-01',
        forwarded_from: null,
        group_sid: null,
        caller_name: null,
        queue_time: '0',
        trunk_sid: null,
        uri: `${base}.json`,
        subresource_uris: {
          notifications: `${base}/Notifications.json`,
          recordings: `${base}/Recordings.json`,
          payments: `${base}/Payments.json`,
          events: `${base}/Events.json`,
          siprec: `${base}/Siprec.json`,
          streams: `${base}/Streams.json`,
          transcriptions: `${base}/Transcriptions.json`,
          user_defined_message_subscriptions: `${base}/UserDefinedMessageSubscriptions.json`,
          user_defined_messages: `${base}/UserDefinedMessages.json`,
        },
      },
    };
    this.calls.set(fields.sid, record);
    return record;
  }

  setStatus(record: CallRecord, status: string): void {
    const resource = record.resource;
    const now = rfc2822();
    if (status === 'in-progress' && resource.start_time === null) resource.start_time = now;
    if (ENDED.has(status) && !ENDED.has(resource.status)) {
      resource.end_time = now;
      if (typeof resource.start_time === 'string') {
        const seconds = (Date.parse(now) - Date.parse(resource.start_time)) / 1000;
        resource.duration = String(Math.max(0, Math.round(seconds)));
      } else resource.duration = '0';
    }
    resource.status = status;
    resource.date_updated = now;
  }

  private send(res: ServerResponse, status: number, body: object): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'twilio-request-id': sid('RQ'),
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const auth = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const credentials = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8') : undefined;
    const colon = credentials?.indexOf(':') ?? -1;
    const user =
      credentials === undefined ? undefined : colon === -1 ? credentials : credentials.slice(0, colon);
    const params = parseForm(method === 'GET' ? url.search.slice(1) : body);
    const path = req.url ?? '/';
    this.requests.push({
      method,
      path,
      params,
      user,
      headers: flattenHeaders(req.headers),
      at: performance.now(),
    });

    const matches = (match: RestFaultMatch) =>
      (match.method === undefined || match.method.toUpperCase() === method) &&
      (match.pathIncludes === undefined || path.includes(match.pathIncludes));
    const lostIndex = this.lostAnswers.findIndex(matches);
    if (lostIndex !== -1) {
      this.lostAnswers.splice(lostIndex, 1);
      res.writeHead = (() => res.destroy()) as unknown as typeof res.writeHead;
      res.end = (() => res) as unknown as typeof res.end;
    }
    const faultIndex = this.faults.findIndex(({ match }) => matches(match));
    if (faultIndex !== -1) {
      const [fault] = this.faults.splice(faultIndex, 1);
      return this.send(res, fault!.status, defaultFaultBody(fault!.status, fault!.body));
    }

    if (credentials !== `${this.accountSid}:${this.authToken}`) {
      res.setHeader('www-authenticate', 'Basic realm="Twilio API"');
      return this.send(res, 401, twilioError(401, 20003, 'Authenticate'));
    }
    const notFound = () =>
      this.send(res, 404, twilioError(404, 20404, `The requested resource ${url.pathname} was not found`));
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls(?:\/([^/]+))?\.json$/.exec(url.pathname);
    if (!route) return notFound();
    if (route[1] !== this.accountSid) return this.send(res, 401, twilioError(401, 20003, 'Authenticate'));
    const callSid = route[2];
    const one = (name: string) => {
      const value = params[name];
      return Array.isArray(value) ? value[value.length - 1] : value;
    };

    if (callSid === undefined) {
      if (method !== 'POST') return notFound();
      return this.create(res, one);
    }
    const record = this.calls.get(callSid);
    if (!record) return notFound();
    if (method === 'GET') return this.send(res, 200, record.resource);
    if (method !== 'POST') return notFound();
    return this.update(res, record, one);
  }

  private create(res: ServerResponse, one: (name: string) => string | undefined) {
    const to = one('To');
    const from = one('From');
    const url = one('Url');
    if (!to) return this.send(res, 400, twilioError(400, 21201, "No 'To' number is specified"));
    if (!from) return this.send(res, 400, twilioError(400, 21213, "No 'From' number is specified"));
    if (!E164.test(to) && !/^(client|sip):/.test(to)) {
      return this.send(res, 400, twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`));
    }
    if (!E164.test(from) && !/^client:/.test(from)) {
      return this.send(res, 400, twilioError(400, 21212, `Invalid From Number (caller ID): ${from}`));
    }
    if (!url && !one('Twiml') && !one('ApplicationSid')) {
      return this.send(res, 400, twilioError(400, 21205, 'Url parameter is required.'));
    }
    if (url && !/^https?:\/\//.test(url))
      return this.send(res, 400, twilioError(400, 21205, `Invalid url: ${url}`));
    const record = this.newCall({ sid: sid('CA'), to, from, status: 'queued', direction: 'outbound-api' });
    return this.send(res, 201, record.resource);
  }

  private update(res: ServerResponse, record: CallRecord, one: (name: string) => string | undefined) {
    const status = one('Status');
    const redirect = one('Url') ?? one('Twiml');
    const current = record.resource.status;
    if (status !== undefined && status !== 'completed' && status !== 'canceled') {
      return this.send(res, 400, twilioError(400, 20001, `Invalid Status: ${status}`));
    }
    if (status === undefined && redirect === undefined) {
      return this.send(res, 400, twilioError(400, 20001, 'Either Status, Url or Twiml must be given'));
    }
    if (status === undefined && ENDED.has(current)) {
      return this.send(res, 400, twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.'));
    }
    if (status === 'completed') {
      if (current === 'in-progress') {
        record.endStream?.('completed');
        this.setStatus(record, 'completed');
      } else if (!ENDED.has(current)) this.setStatus(record, 'canceled');
    } else if (status === 'canceled') {
      if (current === 'queued' || current === 'ringing') this.setStatus(record, 'canceled');
    } else if (current === 'in-progress') {
      // A redirect takes the call out of <Connect>: Twilio ends the stream and runs the new TwiML.
      record.endStream?.('redirected');
      record.resource.date_updated = rfc2822();
    }
    return this.send(res, 200, record.resource);
  }
}
