import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamedLatencyHistograms } from '../../runtime/observability/latency-histogram';
import { LocalToolInvoker } from '../../runtime/tools/invoker';
import { TimedToolInvoker } from '../../runtime/tools/timed-invoker';
import { createToolHarness, type ToolHarness } from '../support/tool-harness';

let harness: ToolHarness;

beforeAll(async () => {
  harness = await createToolHarness();
});
afterAll(() => harness?.db.destroy());

describe('the timed tool invoker', () => {
  it('passes each call through unchanged and records how long it took, failures too', async () => {
    const durations = new NamedLatencyHistograms();
    const inner = new LocalToolInvoker(harness.deps);
    const timed = new TimedToolInvoker(inner, durations);
    const event = {
      tool: 'get_available_slots' as const,
      arguments: { date: '2026-12-02', service_type: 'oil_change' },
      session: harness.session(),
    };
    const started = performance.now();
    const result = await timed.invoke(event);
    const wallMs = performance.now() - started;
    // Recorded under its tool, and within its wall time: it is this call's duration.
    const first = durations.summary().get_available_slots!;
    expect(first.count).toBe(1);
    expect(first.max).toBeGreaterThan(0);
    expect(first.max).toBeLessThanOrEqual(wallMs + 0.01);
    expect(result).toEqual(await inner.invoke(event));
    expect(result.ok).toBe(true);
    const refused = await timed.invoke({ ...event, arguments: { date: 'someday' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(Object.keys(durations.summary())).toEqual(['get_available_slots']);
    expect(durations.summary().get_available_slots!.count).toBe(2);
  });
});
