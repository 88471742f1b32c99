/**
 * Counters as CloudWatch Embedded Metric Format lines: in Lambda (and in ECS with the awslogs
 * driver) a JSON line on stdout becomes a metric without an API call or an extra permission.
 */
export const METRICS_NAMESPACE = 'Pitcrew';

export interface MetricSink {
  count(name: string, dimensions: Record<string, string>, value?: number): void;
}

export class EmfMetricSink implements MetricSink {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  count(name: string, dimensions: Record<string, string>, value = 1): void {
    this.write(
      JSON.stringify({
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dimensions)],
              Metrics: [{ Name: name, Unit: 'Count' }],
            },
          ],
        },
        ...dimensions,
        [name]: value,
      }),
    );
  }
}

/** Keeps the counts in memory, for tests and for `npm run dev`. */
export class MemoryMetricSink implements MetricSink {
  readonly counts = new Map<string, number>();

  count(name: string, _dimensions: Record<string, string>, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

/** Metric names the alarms and dashboards refer to. */
export const METRICS = {
  reminderScheduleFailures: 'ReminderScheduleFailures',
  reminderCallsPlaced: 'ReminderCallsPlaced',
  reminderCallFailures: 'ReminderCallFailures',
} as const;
