import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallSession } from '../../runtime/conversation/call-session';
import { createLogger } from '../../runtime/observability/logger';
import { CallRegistry } from '../../runtime/server/call-registry';
import { CAPACITY_REPORT_MESSAGE, reportCapacity } from '../../runtime/server/capacity-report';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the capacity line auto scaling reads', () => {
  it('reports live calls, the limit and draining at once and every interval, until stopped', () => {
    vi.useFakeTimers();
    const registry = new CallRegistry({ maxConcurrentCalls: 25, maxCallsPerCaller: 2 });
    const { logger, lines } = capture('info');
    const stop = reportCapacity(registry, logger, { intervalMs: 30_000 });
    expect(lines).toHaveLength(1);
    registry.add('CA1', {} as CallSession, '+12175550100');
    registry.add('CA2', {} as CallSession, null);
    vi.advanceTimersByTime(30_000);
    registry.startDraining();
    vi.advanceTimersByTime(30_000);
    stop();
    vi.advanceTimersByTime(90_000);
    expect(
      lines.map(({ msg, activeCalls, maxCalls, draining, level }) => ({
        msg,
        activeCalls,
        maxCalls,
        draining,
        level,
      })),
    ).toEqual([
      { msg: CAPACITY_REPORT_MESSAGE, activeCalls: 0, maxCalls: 25, draining: false, level: 30 },
      { msg: CAPACITY_REPORT_MESSAGE, activeCalls: 2, maxCalls: 25, draining: false, level: 30 },
      { msg: CAPACITY_REPORT_MESSAGE, activeCalls: 2, maxCalls: 25, draining: true, level: 30 },
    ]);
    // Never who is calling: the line is for a metric.
    expect(JSON.stringify(lines)).not.toContain('2175550100');
  });

  it('is written even when the server logs only warnings, since scaling depends on it; not when silent', () => {
    const registry = new CallRegistry({ maxConcurrentCalls: 25, maxCallsPerCaller: 2 });
    const warn = capture('warn');
    reportCapacity(registry, warn.logger)();
    warn.logger.info('an ordinary info line');
    expect(warn.lines.map((line) => line.msg)).toEqual([CAPACITY_REPORT_MESSAGE]);
    const silent = capture('silent');
    reportCapacity(registry, silent.logger)();
    expect(silent.lines).toEqual([]);
  });
});

describe('why a call is refused', () => {
  it('says draining, at capacity or caller limit, in that order of precedence', () => {
    const registry = new CallRegistry({ maxConcurrentCalls: 2, maxCallsPerCaller: 1 });
    expect(registry.refusal('+12175550100')).toBeNull();
    registry.add('CA1', {} as CallSession, '+12175550100');
    expect(registry.refusal('+12175550100')).toBe('caller_limit');
    expect(registry.refusal('+12175550101')).toBeNull();
    registry.add('CA2', {} as CallSession, '+12175550101');
    expect(registry.refusal('+12175550102')).toBe('at_capacity');
    registry.startDraining();
    expect(registry.refusal('+12175550102')).toBe('draining');
  });
});
