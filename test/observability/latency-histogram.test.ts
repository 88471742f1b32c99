import { describe, expect, it } from 'vitest';
import { LatencyHistogram, NamedLatencyHistograms } from '../../runtime/observability/latency-histogram';

describe('a latency histogram', () => {
  it('summarizes what it recorded in milliseconds, to three significant figures', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) histogram.record(i / 10); // 0.1 … 10 ms
    const summary = histogram.summary();
    expect(summary.count).toBe(100);
    expect(summary.p50).toBeCloseTo(5, 1);
    expect(summary.p99).toBeCloseTo(9.9, 1);
    expect(summary.max).toBeCloseTo(10, 1);
  });

  it('is all zeros when empty and again after a reset, and takes a duration under a microsecond', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    histogram.record(0);
    histogram.record(0.0004);
    expect(histogram.summary()).toEqual({ count: 2, p50: 0.001, p99: 0.001, max: 0.001 });
    histogram.reset();
    expect(histogram.summary()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
  });
});

describe('latency histograms by name', () => {
  it('keeps one histogram per name and leaves out names with nothing since the last reset', () => {
    const histograms = new NamedLatencyHistograms();
    expect(histograms.summary()).toEqual({});
    histograms.record('lookup_customer', 2);
    histograms.record('get_available_slots', 4);
    histograms.record('get_available_slots', 6);
    const summary = histograms.summary();
    expect(summary.lookup_customer).toMatchObject({ count: 1, max: expect.closeTo(2, 2) });
    expect(summary.get_available_slots).toMatchObject({ count: 2, max: expect.closeTo(6, 2) });
    histograms.reset();
    histograms.record('get_available_slots', 1);
    expect(Object.keys(histograms.summary())).toEqual(['get_available_slots']);
    expect(histograms.summary().get_available_slots).toMatchObject({ count: 1, max: expect.closeTo(1, 2) });
  });
});
