/**
 * A local fake of the EventBridge Scheduler REST API, faithful to the wire format the real
 * `@aws-sdk/client-scheduler` speaks (protocols.md D.1/D.2):
 *
 *   POST   /schedules/{Name}                         CreateSchedule  (GroupName in the JSON body)
 *   PUT    /schedules/{Name}                         UpdateSchedule  (replaces every field)
 *   GET    /schedules/{Name}?groupName=…             GetSchedule
 *   DELETE /schedules/{Name}?groupName=…&clientToken=…  DeleteSchedule
 *
 * Errors are a status code plus `x-amzn-errortype: <Type>` and `{"Message": "…"}`, which the SDK
 * turns into an exception named after the type: ConflictException (409) for a duplicate name,
 * ResourceNotFoundException (404) for a missing schedule, ValidationException (400) for a request
 * the real service would refuse (the constraints of D.1). Every request is recorded with its parsed
 * body; `failNext` queues injected faults. Point the SDK at it with the `endpoint` client option or
 * AWS_ENDPOINT_URL_SCHEDULER.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

export interface SchedulerRequest {
  method: string;
  /** Decoded schedule name from the path. */
  name: string;
  query: Record<string, string>;
  body: Record<string, any> | null;
  headers: Record<string, string | string[] | undefined>;
}

export interface StoredSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  ActionAfterCompletion?: string;
  State?: string;
  Description?: string;
  Target: Record<string, any>;
  CreationDate: number;
  LastModificationDate: number;
}

export interface SchedulerFault {
  status: number;
  type: string;
  message?: string;
  /** Only requests with this method (any when absent). */
  method?: string;
}

export interface SchedulerFake {
  endpoint: string;
  requests: SchedulerRequest[];
  /** Keyed by "group/name". */
  schedules: Map<string, StoredSchedule>;
  get(name: string, group: string): StoredSchedule | undefined;
  /** The next `count` matching requests fail with this status and error type. */
  failNext(count: number, fault: SchedulerFault): void;
  close(): Promise<void>;
}

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;
const EXPRESSION = /^(at\(.+\)|rate\(.+\)|cron\(.+\))$/;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The checks the real service makes on Create/Update bodies (protocols.md D.1). */
function validate(name: string, body: Record<string, any> | null): void {
  // Annotated as never so the checks below narrow `body` like a throw would.
  const fail: (message: string) => never = (message) => {
    throw new ApiError(400, 'ValidationException', message);
  };
  if (!NAME.test(name)) fail(`Invalid schedule name ${JSON.stringify(name)}`);
  if (!body) fail('Request body is not JSON');
  if (body.GroupName !== undefined && !NAME.test(body.GroupName)) fail('Invalid GroupName');
  if (typeof body.ScheduleExpression !== 'string' || !EXPRESSION.test(body.ScheduleExpression)) {
    fail('Invalid ScheduleExpression');
  }
  if (body.ScheduleExpression.startsWith('at(') && !AT.test(body.ScheduleExpression)) {
    fail('Invalid at() expression: expected at(yyyy-mm-ddThh:mm:ss)');
  }
  const zone = body.ScheduleExpressionTimezone;
  if (zone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      fail(`Invalid ScheduleExpressionTimezone ${zone}`);
    }
  }
  if (!body.FlexibleTimeWindow || !['OFF', 'FLEXIBLE'].includes(body.FlexibleTimeWindow.Mode)) {
    fail('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
  }
  if (body.ActionAfterCompletion !== undefined && !['NONE', 'DELETE'].includes(body.ActionAfterCompletion)) {
    fail('Invalid ActionAfterCompletion');
  }
  const target = body.Target;
  if (!target?.Arn) fail('Target.Arn is required');
  if (!ROLE_ARN.test(target.RoleArn ?? '')) fail('Target.RoleArn must be an IAM role ARN');
  if (target.Input !== undefined && (typeof target.Input !== 'string' || target.Input.length < 1)) {
    fail('Target.Input must be at least 1 character');
  }
  const retry = target.RetryPolicy;
  if (
    retry?.MaximumRetryAttempts !== undefined &&
    (retry.MaximumRetryAttempts < 0 || retry.MaximumRetryAttempts > 185)
  ) {
    fail('RetryPolicy.MaximumRetryAttempts must be 0–185');
  }
  if (
    retry?.MaximumEventAgeInSeconds !== undefined &&
    (retry.MaximumEventAgeInSeconds < 60 || retry.MaximumEventAgeInSeconds > 86400)
  ) {
    fail('RetryPolicy.MaximumEventAgeInSeconds must be 60–86400');
  }
}

export async function startSchedulerFake(
  options: { region?: string; account?: string } = {},
): Promise<SchedulerFake> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const requests: SchedulerRequest[] = [];
  const schedules = new Map<string, StoredSchedule>();
  const faults: (SchedulerFault & { remaining: number })[] = [];
  const arnOf = (group: string, name: string) =>
    `arn:aws:scheduler:${region}:${account}:schedule/${group}/${name}`;

  const send = (res: ServerResponse, status: number, body: object, type?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `req-${requests.length}`,
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    const name = match ? decodeURIComponent(match[1]!) : '';
    let body: Record<string, any> | null = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Record<string, any>;
      } catch {
        body = null;
      }
    }
    const query = Object.fromEntries(url.searchParams.entries());
    requests.push({ method, name, query, body, headers: req.headers });

    const fault = faults.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method));
    if (fault) {
      fault.remaining--;
      return send(res, fault.status, { Message: fault.message ?? `Injected ${fault.type}` }, fault.type);
    }
    if (!match)
      return send(
        res,
        404,
        { Message: `No route for ${method} ${url.pathname}` },
        'UnknownOperationException',
      );

    try {
      if (method === 'POST' || method === 'PUT') {
        validate(name, body);
        const group = (body!.GroupName as string | undefined) ?? 'default';
        const key = `${group}/${name}`;
        const existing = schedules.get(key);
        if (method === 'POST' && existing)
          throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
        if (method === 'PUT' && !existing)
          throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        const now = Date.now() / 1000;
        // Update replaces the whole schedule: fields left out fall back to defaults (D.1).
        const { ClientToken: _token, GroupName: _group, ...fields } = body!;
        schedules.set(key, {
          ...(fields as Omit<
            StoredSchedule,
            'Name' | 'GroupName' | 'Arn' | 'CreationDate' | 'LastModificationDate'
          >),
          Name: name,
          GroupName: group,
          Arn: arnOf(group, name),
          CreationDate: existing?.CreationDate ?? now,
          LastModificationDate: now,
        });
        return send(res, 200, { ScheduleArn: arnOf(group, name) });
      }
      const group = query.groupName ?? 'default';
      const stored = schedules.get(`${group}/${name}`);
      if (!stored) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      if (method === 'GET') return send(res, 200, stored);
      if (method === 'DELETE') {
        schedules.delete(`${group}/${name}`);
        return send(res, 200, {});
      }
      return send(res, 405, { Message: `Method ${method} not allowed` }, 'ValidationException');
    } catch (error) {
      if (error instanceof ApiError) return send(res, error.status, { Message: error.message }, error.type);
      return send(res, 500, { Message: String(error) }, 'InternalServerException');
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const endpoint = `http://127.0.0.1:${await listenOnLoopback(server)}`;

  return {
    endpoint,
    requests,
    schedules,
    get: (name, group) => schedules.get(`${group}/${name}`),
    failNext: (count, fault) => {
      faults.push({ ...fault, remaining: count });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
