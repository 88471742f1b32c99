/**
 * The voice server end to end, as production builds it (`loadServerConfig` from an environment,
 * `createServerDependencies`, `buildApp`), with the real SDKs pointed at the protocol fakes and the
 * tools running in-process on DynamoDB Local. Tests drive calls through the Twilio fake and script
 * the model through the OpenAI fake; the Deepgram fake hears the caller's audio and speaks back.
 */

import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createTables, localTableNames } from '../../runtime/data/create-tables';
import { tableNamesToEnv } from '../../runtime/data/table-definitions';
import { createLogger } from '../../runtime/observability/logger';
import { buildApp, type VoiceServer } from '../../runtime/server/app';
import { loadServerConfig, type ServerConfig } from '../../runtime/server/config';
import type { ServerDependencies } from '../../runtime/server/dependencies';
import { createServerDependencies } from '../../runtime/server/production-dependencies';
import type { ToolName } from '../../runtime/tools/catalog';
import type { ToolSession } from '../../runtime/tools/contract';
import { type DeepgramFake, type DeepgramFakeOptions, startDeepgramFake } from '../fakes/deepgram-fake';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../fakes/dynamo-fault-proxy';
import { type OpenAiFake, startOpenAiFake } from '../fakes/openai-fake';
import { type FakeCall, type StartCallArgs, startTwilioFake, type TwilioFake } from '../fakes/twilio-fake';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamo';

export const PUBLIC_BASE_URL = 'https://voice.bartsautomotive.test';

export interface E2eOptions {
  /** Extra or overriding environment variables for the server. */
  env?: Record<string, string>;
  deepgram?: DeepgramFakeOptions;
  /** Put a fault-injecting proxy between the server and DynamoDB Local. */
  dynamoFaults?: boolean;
}

export interface E2e {
  server: VoiceServer;
  config: ServerConfig;
  deps: ServerDependencies;
  /** Where the server really listens, e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  twilio: TwilioFake;
  openai: OpenAiFake;
  deepgram: DeepgramFake;
  /** Present with `dynamoFaults`. */
  dynamo?: DynamoFaultProxy;
  /** Every log line the server wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  /** The raw log output, for canary searches. */
  rawLogs(): string;
  startCall(args?: Partial<StartCallArgs>): Promise<FakeCall>;
  /** Calls a tool the way the server does, for arranging data (e.g. a known customer). */
  tool(name: ToolName, args: Record<string, unknown>, session: Partial<ToolSession>): Promise<any>;
  close(): Promise<void>;
}

let counter = 0;

export async function startE2e(options: E2eOptions = {}): Promise<E2e> {
  const endpoint = inject('dynamoEndpoint');
  const dynamo = options.dynamoFaults ? await startDynamoFaultProxy(endpoint) : undefined;
  // The server finds DynamoDB the way it does in AWS: through the standard SDK variables.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo?.endpoint ?? endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
  });
  const tables = localTableNames(`e2e-${process.pid}-${Date.now().toString(36)}-${counter++}`);
  await createTables(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    tables,
  );
  const [twilio, openai, deepgram] = await Promise.all([
    startTwilioFake(),
    startOpenAiFake({ apiKey: 'sk-test-e2e' }),
    startDeepgramFake({ apiKey: 'dg-test-e2e', ttsBytesPerChar: 16, ...options.deepgram }),
  ]);
  const config = loadServerConfig({
    PUBLIC_BASE_URL,
    SHOP_ID: 'example',
    OPENAI_API_KEY: 'sk-test-e2e',
    OPENAI_BASE_URL: openai.baseUrl,
    DEEPGRAM_API_KEY: 'dg-test-e2e',
    DEEPGRAM_BASE_URL: deepgram.baseUrl,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_API_BASE_URL: twilio.restBaseUrl,
    TOOLS_INVOKER: 'local',
    LOG_LEVEL: 'info',
    ...tableNamesToEnv(tables),
    ...options.env,
  });
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ name: 'voice-server', level: config.logLevel, destination });
  const deps = createServerDependencies(config, logger);
  const server = await buildApp(config, deps, logger);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;

  const rawLogs = () => chunks.join('');
  return {
    server,
    config,
    deps,
    baseUrl,
    twilio,
    openai,
    deepgram,
    ...(dynamo ? { dynamo } : {}),
    get logs() {
      return rawLogs()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLogs,
    startCall: (args = {}) =>
      twilio.startCall({ serverBaseUrl: baseUrl, publicBaseUrl: PUBLIC_BASE_URL, ...args }),
    async tool(name, args, session) {
      const result = await deps.invoker.invoke({
        tool: name,
        arguments: args,
        session: {
          shopId: config.shop.shopId,
          callSid: `CA${'0'.repeat(32)}`,
          callerPhone: null,
          customerId: null,
          ...session,
        },
      });
      if (!result.ok) throw new Error(`arranging ${name} failed: ${result.error.message}`);
      return { ...(result.result as object), customerId: result.session.customerId };
    },
    async close() {
      await twilio.close();
      await server.app.close();
      await Promise.all([openai.close(), deepgram.close(), dynamo?.close()]);
    },
  };
}

/** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Mints a call's stream token through the signed voice webhook, as Twilio's call would. */
export async function mintStreamToken(e2e: E2e, callSid: string): Promise<string> {
  const answer = await e2e.twilio.signedPost({
    transportUrl: `${e2e.baseUrl}/twilio/voice`,
    signedUrl: `${PUBLIC_BASE_URL}/twilio/voice`,
    params: {
      CallSid: callSid,
      AccountSid: e2e.twilio.accountSid,
      From: '+12175550123',
      To: '+12175550142',
      CallStatus: 'ringing',
      Direction: 'inbound',
    },
  });
  const token = /<Parameter name="token" value="([^"]+)"\/>/.exec(answer.body)?.[1];
  if (!token) throw new Error(`no stream token in ${answer.body}`);
  return token;
}
