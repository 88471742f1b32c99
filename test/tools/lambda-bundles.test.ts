/**
 * The tool Lambdas exactly as `cdk synth` bundles them (esbuild, ESM, minified), run in a child
 * Node process the way the Lambda runtime loads them, against DynamoDB Local — so a bundling
 * mistake (a missing dependency, a top-level import that breaks, a wrong handler export) fails
 * here, not at the first phone call. The voice server's LambdaToolInvoker is exercised against a
 * local stand-in of the Lambda Invoke API that runs these bundles.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TOOL_BUNDLE_BYTES } from '../../bench/targets';
import { tableNamesToEnv } from '../../runtime/data/table-definitions';
import { zonesOfNumber } from '../../runtime/domain/phone-zones';
import { TOOL_CATALOG, TOOL_NAMES, type ToolName } from '../../runtime/tools/catalog';
import type { ToolResult } from '../../runtime/tools/contract';
import { TOOL_DEFINITIONS } from '../../runtime/tools/handlers';
import { LambdaToolInvoker } from '../../runtime/tools/invoker';
import { exampleShop, synthShop } from '../cdk/synth';
import { type SchedulerFake, startSchedulerFake } from '../fakes/scheduler-fake';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio-fake';
import { createTestTables, LOCAL_CREDENTIALS, LOCAL_REGION, type TestTables } from '../support/dynamo';

/** A UK number in Ofcom's drama range. */
const CUSTOMER_PHONE = '+447700900177';

const run = promisify(execFile);
// Outside the repository, where no node_modules is in reach: each bundle must carry all it imports,
// the AWS SDK included (lib/lambda-bundling.ts), as it must in Lambda.
const OUT = mkdtempSync(join(tmpdir(), 'pitcrew-bundles-'));
const RESULT_MARK = '@@handler-result@@';

interface BundledFunction {
  functionName: string;
  bundle: string;
  environment: Record<string, unknown>;
}

let functions: Map<ToolName, BundledFunction>;
let dialerFunction: BundledFunction;
let tables: TestTables;
let scheduler: SchedulerFake;
let twilioFake: TwilioFake;

// What the stack passes as references (resolved at deploy), replaced by local stand-ins.
const REMINDER_ENV = {
  REMINDER_TARGET_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:pitcrew-example-dialer',
  REMINDER_ROLE_ARN: 'arn:aws:iam::123456789012:role/pitcrew-example-scheduler',
  REMINDER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:pitcrew-example-reminders-dlq',
};

beforeAll(async () => {
  const { app, stack } = synthShop(exampleShop(), { bundleInto: OUT });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: any }>;
  };
  functions = new Map();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const environment = resource.Properties.Environment?.Variables ?? {};
    const tool = environment.TOOL_NAME as ToolName | undefined;
    const bundled = {
      functionName: logicalId,
      // The code asset's S3 key is "<hash>.zip"; the assembly holds it unzipped as asset.<hash>/.
      bundle: join(OUT, `asset.${String(resource.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs'),
      environment,
    };
    if (tool) functions.set(tool, bundled);
    else if (logicalId.startsWith('RemindersDialer')) dialerFunction = bundled;
  }
  tables = await createTestTables('bundles');
  [scheduler, twilioFake] = await Promise.all([startSchedulerFake(), startTwilioFake()]);
}, 120_000);

afterAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await Promise.all([scheduler?.close(), twilioFake?.close()]);
});

/** Runs one bundled handler once, in a fresh process (a cold start), and returns its result. */
async function invokeBundle(
  tool: ToolName | 'dialer',
  event: unknown,
  extraEnv: Record<string, string> = {},
): Promise<unknown> {
  const fn = tool === 'dialer' ? dialerFunction : functions.get(tool)!;
  // Literal values from the template; references (table names) resolved to the local tables.
  const literal = Object.fromEntries(Object.entries(fn.environment).filter(([, v]) => typeof v === 'string'));
  // A rejected handler comes back as { thrown: <its stack> }, read the way the Lambda runtime reads it.
  const script =
    'const m = await import(process.argv[1]); let r; try { r = await m.handler(JSON.parse(process.argv[2]),' +
    ' { invokedFunctionArn: process.env.REMINDER_TARGET_ARN + ":live" }); } catch (e) { r = { thrown: e.stack }; }' +
    `process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify(r) + '\\n');`;
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', script, fn.bundle, JSON.stringify(event)],
    {
      env: {
        PATH: process.env.PATH,
        ...literal,
        ...tableNamesToEnv(tables.tables),
        // Never the internet: the vPIC URL from the template is replaced by a closed local port.
        VPIC_BASE_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
        // Only functions the stack gives a schedule group get the (referenced) rest of the settings.
        ...(fn.environment.REMINDER_SCHEDULE_GROUP ? REMINDER_ENV : {}),
        AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
        ...extraEnv,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  // Log and metric lines (JSON logs, EMF) go to stdout too, so the result line is found by its mark.
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (!line) throw new Error(`no result from ${tool}:\n${stdout}`);
  return JSON.parse(line.slice(RESULT_MARK.length));
}

describe('synthesized tool Lambda bundles', () => {
  it('exist for every tool, are small, and are the only code each function ships', () => {
    expect([...functions.keys()].sort()).toEqual([...TOOL_NAMES].sort());
    for (const [tool, fn] of functions) {
      const size = statSync(fn.bundle).size;
      expect(size, `${tool} bundle size`).toBeLessThanOrEqual(MAX_TOOL_BUNDLE_BYTES);
    }
  });

  it('carry the Scheduler client only in the tools that manage reminders', () => {
    for (const [tool, fn] of functions) {
      // An operation name of the Scheduler client's commands, which no other client has.
      const hasScheduler = readFileSync(fn.bundle, 'utf8').includes('CreateSchedule');
      expect(hasScheduler, tool).toBe(TOOL_CATALOG[tool].managesReminders);
    }
  });

  it("carry their own tool's code and no other tool's", () => {
    // The start of each tool's description for the model, a string only its definition holds.
    const marks = TOOL_NAMES.map((tool) => [tool, TOOL_DEFINITIONS[tool].description.slice(0, 40)] as const);
    for (const [, mark] of marks) expect(mark).toMatch(/^[\w ,.']+$/);
    expect(new Set(marks.map(([, mark]) => mark)).size).toBe(marks.length);
    for (const [tool, fn] of functions) {
      const code = readFileSync(fn.bundle, 'utf8');
      for (const [other, mark] of marks)
        expect(code.includes(mark), `${other} in ${tool}`).toBe(other === tool);
    }
  });

  it('ship source maps for stacks, without the sources that would slow every cold start', () => {
    for (const fn of [...functions.values(), dialerFunction]) {
      const map = JSON.parse(readFileSync(`${fn.bundle}.map`, 'utf8')) as Record<string, unknown>;
      expect(map.mappings, fn.functionName).toEqual(expect.any(String));
      expect(map.sourcesContent, fn.functionName).toBeUndefined();
    }
  });

  it("leave out axios's multipart support, which the dialer's url-encoded Twilio requests never use", () => {
    const code = readFileSync(dialerFunction.bundle, 'utf8');
    expect(code).toContain('form-data is not bundled into the Lambda functions');
    // A media type only mime-db (form-data → mime-types) knows.
    expect(code).not.toContain('application/vnd.openxmlformats-officedocument');
  });

  it("leave out the SDK's event-stream codec, which none of their AWS operations use", () => {
    for (const fn of [...functions.values(), dialerFunction]) {
      const code = readFileSync(fn.bundle, 'utf8');
      expect(code, fn.functionName).toContain('@smithy/core/event-streams is not bundled');
      // An error message of the codec itself (@smithy/core/event-streams, splitMessage).
      expect(code, fn.functionName).not.toContain('accommodate event stream message overhead');
    }
  });

  it('map a stack to the TypeScript sources when it is read, without parsing the map at every cold start', async () => {
    for (const fn of [...functions.values(), dialerFunction]) {
      expect(fn.environment.NODE_OPTIONS, fn.functionName).toBeUndefined();
    }
    // The dialer throws on an event no schedule of ours would send (the runtime logs the stack).
    const { thrown } = (await invokeBundle(
      'dialer',
      { appointmentId: 'not-an-id' },
      {
        PUBLIC_BASE_URL: 'https://voice.example.com',
        TWILIO_ACCOUNT_SID: twilioFake.accountSid,
        TWILIO_AUTH_TOKEN: twilioFake.authToken,
      },
    )) as { thrown: string };
    expect(thrown).toMatch(/^Error: not a reminder event: appointmentId: must be an appointment id/);
    expect(thrown).toMatch(/\n {4}at parseReminderEvent \(runtime\/reminders\/dialer\.ts:\d+:\d+\)\n/);
    expect(thrown).toMatch(/\n {4}at dialReminder \(runtime\/reminders\/dialer\.ts:\d+:\d+\)\n/);
    // The exported handler, called from outside the bundle, keeps its minified name.
    expect(thrown).toMatch(/\n {4}at \S+ \(runtime\/reminders\/dialer-lambda\.ts:\d+:\d+\)\n/);
  });

  it("carry the environment's credentials provider instead of the SDK's whole default chain", () => {
    for (const fn of [...functions.values(), dialerFunction]) {
      const code = readFileSync(fn.bundle, 'utf8');
      expect(code, fn.functionName).toContain('Unable to find environment variable credentials');
      // From @aws-sdk/credential-provider-node's chain, which lib/lambda-bundling.ts aliases away.
      expect(code, fn.functionName).not.toContain('skipping fromEnv provider');
    }
  });

  it('run a whole booking conversation against DynamoDB Local, one cold process per call', async () => {
    const session = {
      shopId: 'example',
      callSid: 'CA00000000000000000000000000bundle',
      // A number no area code places in a zone: the dialer's calling window then holds in the
      // shop's zone alone, which the dialer below sets to midday whenever the test runs (with a
      // +1 217 number the window also held in Chicago, and the dialer skipped the call at night).
      callerPhone: CUSTOMER_PHONE,
      customerId: null as string | null,
    };
    const call = async (tool: ToolName, args: Record<string, unknown>) => {
      const result = (await invokeBundle(tool, { tool, arguments: args, session })) as ToolResult;
      session.customerId = result.session.customerId;
      return result;
    };
    expect(await call('lookup_customer', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('create_customer', { first_name: 'Edna', last_name: 'Krabappel' })).toMatchObject({
      ok: true,
    });
    expect(session.customerId).toMatch(/^cus_/);
    const vehicle = await call('add_vehicle', { vin: '1HGCM82633A004352' });
    expect(vehicle).toMatchObject({
      ok: true,
      result: { vehicle: { year: 2003, make: 'Honda', vin_on_file: true } },
    });
    const vehicleId = (vehicle as any).result.vehicle.vehicle_id;
    // The bundles read the real clock: ask two weeks ahead, on a weekday the shop is open.
    let date = Temporal.Now.plainDateISO('America/Chicago').add({ days: 14 });
    while (date.dayOfWeek > 5 || exampleShop().closedDates.includes(date.toString()))
      date = date.add({ days: 1 });
    const slots = await call('get_available_slots', { date: date.toString(), service_type: 'oil_change' });
    expect(slots).toMatchObject({ ok: true, result: { date: date.toString() } });
    expect((slots as any).result.slots.length).toBeGreaterThan(10);
    const start = (slots as any).result.slots[0].start_time;
    const booked = await call('book_appointment', {
      vehicle_id: vehicleId,
      service_type: 'oil_change',
      start_time: start,
      reminder_call_consent: true,
    });
    expect(booked).toMatchObject({ ok: true, result: { booked: true, reminder_call: { scheduled: true } } });
    const id = (booked as any).result.appointment.appointment_id;
    const group = String(functions.get('book_appointment')!.environment.REMINDER_SCHEDULE_GROUP);
    expect(scheduler.get(`rem-${id}`, group)?.Target).toMatchObject({
      Arn: REMINDER_ENV.REMINDER_TARGET_ARN,
      RoleArn: REMINDER_ENV.REMINDER_ROLE_ARN,
      DeadLetterConfig: { Arn: REMINDER_ENV.REMINDER_DLQ_ARN },
    });
    expect(await call('get_upcoming_appointments', {})).toMatchObject({
      ok: true,
      result: { appointments: [{ appointment_id: id }] },
    });
    expect(await call('confirm_appointment', { appointment_id: id, start_time: start })).toMatchObject({
      ok: true,
      result: { confirmed: true },
    });
    expect(
      await call('reschedule_appointment', { appointment_id: id, new_start_time: `${date}T10:00` }),
    ).toMatchObject({ ok: true, result: { reminder_call: { scheduled: true } } });
    expect(JSON.parse(scheduler.get(`rem-${id}`, group)!.Target.Input)).toEqual({
      appointmentId: id,
      version: 2,
      attempt: 1,
    });

    // The bundled dialer, as the schedule would invoke it. Its shop zone is picked so that "now" is
    // midday there, inside the calling window whatever time the test runs at.
    expect(zonesOfNumber(CUSTOMER_PHONE)).toEqual([]);
    const utcHour = new Date().getUTCHours();
    const offset = utcHour - 12;
    const dialerShop = { ...exampleShop(), timeZone: `Etc/GMT${offset >= 0 ? '+' : '-'}${Math.abs(offset)}` };
    const dialed = (await invokeBundle(
      'dialer',
      { appointmentId: id, version: 2 },
      {
        SHOP_CONFIG: JSON.stringify(dialerShop),
        PUBLIC_BASE_URL: 'https://voice.example.com',
        TWILIO_ACCOUNT_SID: twilioFake.accountSid,
        TWILIO_AUTH_TOKEN: twilioFake.authToken,
        TWILIO_API_BASE_URL: twilioFake.restBaseUrl,
      },
    )) as { outcome: string; callSid: string };
    expect(dialed).toMatchObject({ outcome: 'called', callSid: expect.stringMatching(/^CA/) });
    const creates = twilioFake.restRequests.filter((r) => r.path.endsWith('/Calls.json'));
    expect(creates).toHaveLength(1);
    expect(creates[0]!.params).toMatchObject({
      To: CUSTOMER_PHONE,
      From: exampleShop().phoneNumber,
      Url: `https://voice.example.com/twilio/outbound?appointmentId=${id}`,
    });
    // The single retry targets the dialer itself (its unqualified ARN from the invocation context).
    expect(scheduler.get(`rem-${id}-retry`, group)?.Target.Arn).toBe(REMINDER_ENV.REMINDER_TARGET_ARN);

    expect(await call('cancel_appointment', { appointment_id: id })).toMatchObject({
      ok: true,
      result: { cancelled: true },
    });
    expect(scheduler.get(`rem-${id}`, group)).toBeUndefined();
    expect(scheduler.get(`rem-${id}-retry`, group)).toBeUndefined();
    expect(await call('opt_out_of_reminders', {})).toMatchObject({ ok: true, result: { opted_out: true } });
    expect(await call('decode_vin', { vin: '1HGCM82633A004352' })).toMatchObject({
      ok: true,
      result: { year: 2003, partial: true },
    });
    expect(await call('decode_vin', { vin: '1HGCM82633A004353' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'vin' },
    });
  }, 90_000);

  it('refuses an event for another tool than the one the function was deployed for', async () => {
    const result = await invokeBundle('decode_vin', {
      tool: 'cancel_appointment',
      arguments: { appointment_id: 'apt_0000000000' },
      session: { shopId: 'example', callSid: 'CA1', callerPhone: null, customerId: 'cus_X' },
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'tool' } });
  });
});

describe('LambdaToolInvoker', () => {
  let server: Server;
  let invoker: LambdaToolInvoker;
  const invocations: string[] = [];

  beforeAll(async () => {
    // A stand-in for the Lambda Invoke API: POST /2015-03-31/functions/{name}/invocations.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', async () => {
        const name = decodeURIComponent(/\/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1] ?? '');
        invocations.push(name);
        if (name === 'broken-function') {
          res.writeHead(200, { 'x-amz-function-error': 'Unhandled', 'content-type': 'application/json' });
          res.end(JSON.stringify({ errorType: 'Error', errorMessage: 'boom' }));
          return;
        }
        const tool = [...functions.entries()].find(([, fn]) => fn.functionName === name)?.[0];
        if (!tool) {
          res
            .writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' })
            .end('{"Message":"no such function"}');
          return;
        }
        const result = await invokeBundle(tool, JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const names = Object.fromEntries(
      [...functions.entries()].map(([tool, fn]) => [tool, fn.functionName]),
    ) as Record<ToolName, string>;
    invoker = new LambdaToolInvoker(lambda, names);
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const session = { shopId: 'example', callSid: 'CA2', callerPhone: '+12175550188', customerId: null };

  it('invokes the function of the tool and returns its result', async () => {
    const result = await invoker.invoke({
      tool: 'create_customer',
      arguments: { first_name: 'Otto', last_name: 'Mann' },
      session,
    });
    expect(result).toMatchObject({ ok: true, result: { created: true } });
    expect(invocations.at(-1)).toBe(functions.get('create_customer')!.functionName);
  });

  it('turns a crashed function or an unreachable one into UNAVAILABLE, never an exception', async () => {
    const broken = new LambdaToolInvoker((invoker as any).lambda, {
      ...(invoker as any).functionNames,
      lookup_customer: 'broken-function',
    });
    expect(await broken.invoke({ tool: 'lookup_customer', arguments: {}, session })).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE' },
    });
    const unreachable = new LambdaToolInvoker(
      new LambdaClient({
        endpoint: 'http://127.0.0.1:9',
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      }),
      (invoker as any).functionNames,
    );
    expect(await unreachable.invoke({ tool: 'lookup_customer', arguments: {}, session })).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE' },
    });
  });
});
