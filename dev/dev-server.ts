/**
 * `npm run dev`: one command for a working voice server on this machine — DynamoDB Local (in
 * memory), the tables, demo data for shops/example.json, and the server with in-process tools.
 * Provider keys and base URLs come from the environment or a .env file, so the same command runs
 * against the real providers or against local fakes.
 */
import { existsSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, localTableNames } from '../runtime/data/create-tables';
import { tableNamesToEnv } from '../runtime/data/table-definitions';
import { createLogger } from '../runtime/observability/logger';
import { buildApp } from '../runtime/server/app';
import { ConfigError, loadServerConfig, SECRET_PLACEHOLDER } from '../runtime/server/config';
import { createServerDependencies } from '../runtime/server/production-dependencies';
import { seedDemoData } from './demo-data';
import { startLocalDynamo } from './dynamodb-local';

const LOCAL_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
};

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const port = Number(process.env.PORT ?? 8080);
  const dynamo = await startLocalDynamo();
  const tables = localTableNames('pitcrew-dev');
  Object.assign(process.env, {
    ...LOCAL_CREDENTIALS,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...tableNamesToEnv(tables),
    TOOLS_INVOKER: 'local',
    SHOP_ID: process.env.SHOP_ID ?? (process.env.SHOP_CONFIG ? undefined : 'example'),
    PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? `http://localhost:${port}`,
  });
  const missingKeys = [
    'OPENAI_API_KEY',
    'DEEPGRAM_API_KEY',
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
  ].filter((name) => !process.env[name]);
  for (const name of missingKeys) process.env[name] = SECRET_PLACEHOLDER;

  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig();
  } catch (error) {
    await dynamo.stop();
    if (error instanceof ConfigError || (error as Error).name === 'ShopConfigError') {
      console.error((error as Error).message);
      process.exit(1);
    }
    throw error;
  }
  await createTables(new DynamoDBClient({ endpoint: dynamo.endpoint }), tables);
  const logger = createLogger({ name: 'voice-server', level: config.logLevel });
  const deps = createServerDependencies(config, logger);
  const demo = await seedDemoData(config.shop, deps.invoker);
  const server = await buildApp(config, deps, logger);
  await server.app.listen({ port: config.port, host: '127.0.0.1' });

  const lines = [
    '',
    `Pitcrew dev server for ${config.shop.displayName} (${config.shop.shopId})`,
    `  listening        http://127.0.0.1:${config.port}   (health: /healthz)`,
    `  public base URL  ${config.publicBaseUrl}   (Twilio voice webhook: ${config.publicBaseUrl}/twilio/voice)`,
    `  DynamoDB Local   ${dynamo.endpoint}   (in memory; tables pitcrew-dev-*)`,
    `  OpenAI           ${config.openai.baseURL ?? 'https://api.openai.com/v1'} model ${config.openai.model}`,
    `  Deepgram         ${config.deepgram.baseUrl ?? 'wss://api.deepgram.com'} stt ${config.deepgram.sttModel}, voice ${config.deepgram.voice}`,
    `  Twilio REST      ${config.twilio.apiBaseUrl ?? 'https://api.twilio.com'}`,
    missingKeys.length > 0
      ? `  ! no ${missingKeys.join(', ')}: set them in the environment or .env; until then calls go to the shop`
      : '  provider keys    set',
    '',
    'Demo customers:',
    ...demo.map((line) => `  ${line}`),
    '',
  ];
  console.log(lines.join('\n'));
  const stop = async () => {
    await server.app.close();
    await dynamo.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
