import { createHistogram } from 'node:perf_hooks';

/** Milliseconds; zeros when nothing was recorded. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Durations of one kind across the process (e.g. every tool call of every call), for the local
 * metrics endpoint: Node's native (HDR) histogram of microseconds, to three significant figures, a
 * fixed few KB however many values it has seen.
 */
export class LatencyHistogram {
  private readonly histogram = createHistogram();

  record(ms: number): void {
    // The histogram takes integers from 1 up; a sub-microsecond duration counts as one microsecond.
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const ms = (micros: number) => Math.round(micros) / 1000;
    return { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
  }

  reset(): void {
    this.histogram.reset();
  }
}

/** One histogram per name (e.g. per tool), made on first use; the summary lists the names in use. */
export class NamedLatencyHistograms {
  private readonly byName = new Map<string, LatencyHistogram>();

  record(name: string, ms: number): void {
    let histogram = this.byName.get(name);
    if (!histogram) {
      histogram = new LatencyHistogram();
      this.byName.set(name, histogram);
    }
    histogram.record(ms);
  }

  /** Names with nothing recorded since the last reset are left out. */
  summary(): Record<string, LatencySummary> {
    const out: Record<string, LatencySummary> = {};
    for (const [name, histogram] of this.byName) {
      const summary = histogram.summary();
      if (summary.count > 0) out[name] = summary;
    }
    return out;
  }

  reset(): void {
    for (const histogram of this.byName.values()) histogram.reset();
  }
}
