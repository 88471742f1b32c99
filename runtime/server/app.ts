/**
 * The voice server as a fastify app, built by a factory so tests and `npm run dev` construct the
 * same thing production runs, with the parts they choose.
 */
import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { callControlToolSpecs } from '../conversation/call-control-tools';
import { ConfirmationGate } from '../conversation/confirmation-gate';
import { NamedLatencyHistograms } from '../observability/latency-histogram';
import type { Logger } from '../observability/logger';
import { TOOL_NAMES } from '../tools/catalog';
import { toOpenAiTool } from '../tools/define-tool';
import { TOOL_DEFINITIONS } from '../tools/handlers';
import { TimedToolInvoker } from '../tools/timed-invoker';
import { CallRegistry } from './call-registry';
import type { ServerConfig } from './config';
import type { ServerDependencies } from './dependencies';
import { registerMediaStreamRoute } from './media-stream-route';
import { registerTwilioWebhooks } from './twilio-webhooks';

/** Media frames are ~300 bytes; nothing legitimate comes close to this (SEC-07). */
const MAX_WS_PAYLOAD_BYTES = 64 * 1024;
/**
 * Longer than the load balancer keeps an idle connection to a task (900 s, ALB_IDLE_TIMEOUT in
 * lib/constructs/voice-service.ts): a task that closed first would race the ALB reusing the
 * connection, and the webhook on it would get a 502.
 */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 905_000;

export interface VoiceServer {
  app: FastifyInstance;
  registry: CallRegistry;
}

export async function buildApp(
  config: ServerConfig,
  givenDeps: ServerDependencies,
  logger: Logger,
): Promise<VoiceServer> {
  // Every tool call the server makes, the webhooks' included, is timed for /internal/metrics.
  const toolCallTimes = new NamedLatencyHistograms();
  const deps = { ...givenDeps, invoker: new TimedToolInvoker(givenDeps.invoker, toolCallTimes) };
  const app = Fastify({
    loggerInstance: logger,
    // Request lines carry no PII here, but per-request logs add nothing the call logs lack.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: true,
    keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS,
  });
  // Fastify's default answer to a failure carries the error's message (an AWS error text, say).
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).type('text/plain').send(error.message);
    request.log.error({ err: { name: error.name }, route: request.routeOptions.url }, 'request failed');
    return reply.code(500).type('text/plain').send('internal error');
  });
  const registry = new CallRegistry({
    maxConcurrentCalls: config.shop.calls.maxConcurrentCallsPerTask,
    maxCallsPerCaller: config.maxCallsPerCaller,
  });

  await app.register(formbody);
  await app.register(websocket, {
    options: { maxPayload: MAX_WS_PAYLOAD_BYTES },
    // The default handler terminates the socket before ws's own close frame (1009 for an oversized
    // frame) leaves; ws closes the socket itself, so only log, and without the stack.
    errorHandler: (error, _socket, request) => {
      request.log.warn({ err: { name: error.name } }, 'media socket error');
    },
    // fastify.close() must not wait for live calls; shutdown drains them explicitly first.
    preClose: (done) => {
      for (const client of app.websocketServer.clients) client.close(1001, 'server shutting down');
      done();
    },
  });

  const { fromLoopback, registerMetricsRoute } = await import('./metrics-route');
  app.get('/healthz', async (request, reply) => {
    const status = registry.isDraining ? 'draining' : 'ok';
    // The ALB forwards this path from the internet: the load and the configuration are only told
    // to the task itself (an operator, the dev server), never to anyone polling the public URL.
    const body = fromLoopback(request)
      ? { status, activeCalls: registry.size, providersConfigured: config.providersConfigured }
      : { status };
    return reply.code(registry.isDraining ? 503 : 200).send(body);
  });
  registerMetricsRoute(app, registry, { toolCalls: toolCallTimes });

  const tools = [
    ...ConfirmationGate.decorate(TOOL_NAMES.map((name) => toOpenAiTool(TOOL_DEFINITIONS[name], config.shop))),
    ...callControlToolSpecs(),
  ];
  registerTwilioWebhooks(app, config, deps, registry);
  registerMediaStreamRoute(app, config, deps, registry, {
    shop: config.shop,
    stt: deps.stt,
    tts: deps.tts,
    model: deps.model,
    tools,
    invoker: deps.invoker,
    calls: deps.calls,
    control: deps.control,
    now: deps.now,
    settings: {
      maxToolRounds: config.maxToolRounds,
      perCall: config.perCall,
      historyMaxTokens: config.historyMaxTokens,
      turnTaking: config.turnTaking,
    },
  });
  return { app, registry };
}
