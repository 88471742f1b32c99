/**
 * GET /internal/metrics: the process's own load figures (event-loop delay, CPU time, memory, live
 * calls) and its tool calls' durations, for `npm run bench` and for an operator on the task itself. Only a request that reaches
 * the socket from a loopback address, and came through no proxy, gets an answer: anything that
 * arrived through the load balancer sees a plain 404, as if the route did not exist.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LatencySummary, NamedLatencyHistograms } from '../observability/latency-histogram';
import type { CallRegistry } from './call-registry';

export const METRICS_PATH = '/internal/metrics';
/** Histogram sampling resolution; 10 ms is Node's default and costs one timer per process. */
const RESOLUTION_MS = 10;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface ServerMetrics {
  /** performance.now() of the process, so a reader can compute rates between two samples. */
  uptimeMs: number;
  activeCalls: number;
  /** Event-loop delay since the last reset, in ms beyond the 10 ms sampling interval. */
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number; samples: number };
  /** process.cpuUsage() in microseconds since the process started. */
  cpuUsageMicros: { user: number; system: number };
  memoryBytes: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
  /**
   * The tool calls since the last reset by tool (the model's, the caller's lookup at the start of
   * each call, a reminder voicemail's lookup), invoke → result; tools not called are absent.
   */
  toolCallMs: Record<string, LatencySummary>;
}

export interface MetricsSources {
  toolCalls: NamedLatencyHistograms;
}

/** A request from the task itself: a loopback socket address, and no proxy on the way. */
export function fromLoopback(request: FastifyRequest): boolean {
  // trustProxy is on for the ALB, so request.ip could be forged with X-Forwarded-For: read the socket.
  const address = request.raw.socket.remoteAddress ?? '';
  return LOOPBACK.has(address) && request.headers['x-forwarded-for'] === undefined;
}

/** The histogram records the interval between its timer's wake-ups; the delay is what exceeds the resolution. */
const delayMs = (nanos: number) => Math.max(0, Math.round((nanos / 1e6 - RESOLUTION_MS) * 1000) / 1000);

export function registerMetricsRoute(
  app: FastifyInstance,
  registry: CallRegistry,
  sources: MetricsSources,
): void {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  app.addHook('onClose', async () => delay.disable());

  app.get<{ Querystring: { reset?: string; gc?: string } }>(METRICS_PATH, async (request, reply) => {
    if (!fromLoopback(request)) return reply.code(404).send({ message: 'Not Found' });
    // A leak check wants the heap without garbage: a full collection first, when the process was
    // started with --expose-gc (the benchmark's soak does; a production task never is).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (request.query.gc === '1' && gc) gc();
    const memory = process.memoryUsage();
    const body: ServerMetrics = {
      uptimeMs: performance.now(),
      activeCalls: registry.size,
      eventLoopDelayMs: {
        p50: delayMs(delay.percentile(50)),
        p99: delayMs(delay.percentile(99)),
        max: delayMs(delay.max),
        mean: Number.isNaN(delay.mean) ? 0 : delayMs(delay.mean),
        samples: delay.count,
      },
      cpuUsageMicros: process.cpuUsage(),
      memoryBytes: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
      },
      toolCallMs: sources.toolCalls.summary(),
    };
    // A reader measuring one interval (a benchmark level) starts fresh histograms.
    if (request.query.reset === '1') {
      delay.reset();
      sources.toolCalls.reset();
    }
    return reply.header('cache-control', 'no-store').send(body);
  });
}
