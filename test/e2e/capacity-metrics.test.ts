/**
 * What the platform team's scaling and alarms read from the voice server's logs: the log metric
 * filters of the synthesized stack held against the lines the server really writes. A task at
 * its call limit refuses the next caller with a line the CallsTurnedAway alarm counts (and the
 * per-caller limit with one it does not), and each task's capacity line carries its live calls
 * where the ActiveCallsPerTask metric, which the service scales on, reads them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../runtime/observability/logger';
import { reportCapacity } from '../../runtime/server/capacity-report';
import { resourcesOf, shopWith, synthShop } from '../cdk/synth';
import { matchesFilterPattern, readField } from '../support/log-filter-pattern';
import { type E2e, eventually, startE2e } from './harness';

const shop = shopWith({ calls: { maxCallMinutes: 15, maxConcurrentCallsPerTask: 2 } });
const { template } = synthShop(shop);

interface MetricFilter {
  FilterPattern: string;
  MetricTransformations: { MetricName: string; MetricNamespace: string; MetricValue: string }[];
}
function metricFilter(metricName: string): MetricFilter {
  const filters = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).map(
    (resource) => resource.Properties as MetricFilter,
  );
  const found = filters.find((filter) => filter.MetricTransformations[0]?.MetricName === metricName);
  if (!found) throw new Error(`no metric filter for ${metricName}`);
  return found;
}

let e2e: E2e;
beforeAll(async () => {
  e2e = await startE2e({ env: { SHOP_CONFIG: JSON.stringify(shop), MAX_CALLS_PER_CALLER: '1' } });
});
afterAll(async () => {
  await e2e?.close();
});

describe('the logs CloudWatch turns into scaling and alarms', () => {
  it('a caller past the task limit is refused with a line CallsTurnedAway counts; one past the per-caller limit is not counted', async () => {
    const turnedAway = metricFilter('CallsTurnedAway');
    const first = await e2e.startCall({ from: '+12175550801' });
    await first.waitForHeard(/How can I help/);
    const sameCaller = await e2e.startCall({ from: '+12175550801' });
    expect(sameCaller.stream).toBeNull();
    const second = await e2e.startCall({ from: '+12175550802' });
    await second.waitForHeard(/How can I help/);
    const third = await e2e.startCall({ from: '+12175550803' });
    expect(third.stream).toBeNull();
    expect(third.webhookResponse.body).toMatch(/all our lines are busy.*<Dial>/i);

    const refusals = e2e.logs.filter((line) => line.msg === 'call refused: handed to the shop');
    expect(refusals.map((line) => [line.callSid, line.refusal])).toEqual([
      [sameCaller.callSid, 'caller_limit'],
      [third.callSid, 'at_capacity'],
    ]);
    const counted = refusals.filter((line) => matchesFilterPattern(turnedAway.FilterPattern, line));
    expect(counted.map((line) => line.callSid)).toEqual([third.callSid]);
    // The refusal lines say why and which call, never who called.
    expect(JSON.stringify(refusals)).not.toContain('217555080');
    await Promise.all([first, second].map((call) => call.hangup()));
    await eventually('every call has ended', () => e2e.server.registry.size === 0);
  });

  it("each task's capacity line carries its live calls where the scaled-on metric reads them", async () => {
    const perTask = metricFilter('ActiveCallsPerTask');
    const calls = [
      await e2e.startCall({ from: '+12175550811' }),
      await e2e.startCall({ from: '+12175550812' }),
    ];
    await Promise.all(calls.map((call) => call.waitForHeard(/How can I help/)));
    const stop = reportCapacity(e2e.server.registry, e2e.server.app.log as unknown as Logger, {
      intervalMs: 20,
    });
    try {
      const reported = () => e2e.logs.filter((line) => matchesFilterPattern(perTask.FilterPattern, line));
      await eventually('two capacity lines', () => reported().length >= 2);
      expect(
        reported().map((line) => readField(line, perTask.MetricTransformations[0]!.MetricValue)),
      ).toEqual(reported().map(() => 2));
      await Promise.all(calls.map((call) => call.hangup()));
      await eventually('every call has ended', () => e2e.server.registry.size === 0);
      const before = reported().length;
      await eventually('a line after the calls', () => reported().length > before);
      expect(readField(reported().at(-1)!, perTask.MetricTransformations[0]!.MetricValue)).toBe(0);
    } finally {
      stop();
    }
  });
});
