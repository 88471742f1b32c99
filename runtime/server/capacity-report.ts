/**
 * The task's live calls, logged on a fixed beat. CloudWatch reads the number out of these lines (a
 * log metric filter, lib/constructs/voice-service.ts) into the metric the service scales on. A
 * task refuses calls at the shop's per-task limit (25 by default) while its CPU is far below the
 * scaling target (the benchmark measures 0.4–0.9 % of a core per call), so scaling on CPU alone
 * would turn callers away and never add a task.
 */
import type { Logger } from '../observability/logger';
import type { CallRegistry } from './call-registry';

/** The line's `msg`; the metric filter selects on it. */
export const CAPACITY_REPORT_MESSAGE = 'call capacity';
/** Twice a minute: every one-minute period of the metric holds every task. */
export const CAPACITY_REPORT_INTERVAL_MS = 30_000;

export interface CapacityReportOptions {
  intervalMs?: number;
}

/** Starts reporting; the returned function stops it. */
export function reportCapacity(
  registry: CallRegistry,
  logger: Logger,
  options: CapacityReportOptions = {},
): () => void {
  // Scaling depends on these lines: they are written at info even when the server logs less.
  const log = logger.child({}, { level: logger.level === 'silent' ? 'silent' : 'info' });
  const report = () =>
    log.info(
      { activeCalls: registry.size, maxCalls: registry.capacity, draining: registry.isDraining },
      CAPACITY_REPORT_MESSAGE,
    );
  report();
  const timer = setInterval(report, options.intervalMs ?? CAPACITY_REPORT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
