/**
 * The container's entry point: configuration from the environment, real dependencies, listen,
 * and a shutdown that lets live calls finish.
 */
import { createLogger } from '../observability/logger';
import { buildApp } from './app';
import { reportCapacity } from './capacity-report';
import { ConfigError, loadServerConfig } from './config';
import { createServerDependencies } from './production-dependencies';
import { drainOnSignal } from './shutdown';
import { protectTaskWhileBusy } from './task-protection';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig();
  } catch (error) {
    if (error instanceof ConfigError || (error as Error).name === 'ShopConfigError') {
      console.error((error as Error).message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ name: 'voice-server', level: config.logLevel });
  // A rejection nobody handled is a bug, but ending the process for it would cut every live call
  // on the task; it is logged (and alarmed on through the error logs) instead.
  process.on('unhandledRejection', (reason) => {
    logger.error(
      { err: { name: (reason as Error | undefined)?.name ?? typeof reason } },
      'unhandled rejection',
    );
  });
  if (!config.providersConfigured) {
    logger.error(
      'the API keys secret still holds placeholders: calls are handed to the shop until it is filled in',
    );
  }
  const server = await buildApp(config, createServerDependencies(config, logger), logger);
  protectTaskWhileBusy(server.registry, logger, {
    agentUri: config.ecsAgentUri,
    expiresInMinutes: config.shop.calls.maxCallMinutes + 15,
  });
  reportCapacity(server.registry, logger);
  drainOnSignal(server, logger);
  await server.app.listen({ port: config.port, host: config.host });
}

void main();
