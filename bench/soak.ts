/**
 * The soak (`--soak <minutes> [--soak-calls N]`): rounds of N concurrent calls, back to back, for
 * the given time. After each round, with no call left on the server, its heap is read after a full
 * garbage collection (the benchmark starts the server with --expose-gc), so what is left is what
 * the finished calls kept. A leak is a heap that grows round after round: the verdict fits a line
 * through those idle heaps, leaving out the first round (it fills caches and the JIT), and calls
 * memory flat when the fitted growth over the soak stays under MAX_GROWTH_MB.
 */
import type { ServerMetrics } from '../runtime/server/metrics-route';
import type { LevelSummary } from './report';

/** Fitted idle-heap growth over the whole soak above this is reported as a leak. */
export const MAX_GROWTH_MB = 5;

export interface SoakRound {
  round: number;
  /** Seconds from the start of the soak to the idle measurement after this round. */
  atS: number;
  calls: number;
  completed: number;
  /** Idle, after a full GC. */
  heapUsedMb: number;
  rssMb: number;
  externalMb: number;
  overheadP99Ms: number | null;
  lateInboundFrames: number;
  cpuPctOfCorePerCall: number | null;
}

export interface SoakSummary {
  minutes: number;
  callsPerRound: number;
  callsCompleted: number;
  rounds: SoakRound[];
  /** Least-squares slopes of the idle figures over time, rounds 2 onwards. */
  heapSlopeMbPerMin: number | null;
  rssSlopeMbPerMin: number | null;
  /** The heap slope times the soak's length: what a leak of that rate would have kept. */
  fittedHeapGrowthMb: number | null;
  heapGrowthPerCallKb: number | null;
  flat: boolean | null;
}

export interface SoakDriver {
  runRound(calls: number): Promise<LevelSummary>;
  idleMetrics(): Promise<ServerMetrics>;
  progress(line: string): void;
}

const MB = 2 ** 20;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Least-squares slope of y over x; null with fewer than two distinct x. */
export function slope(points: readonly { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  return sxx === 0 ? null : sxy / sxx;
}

export async function runSoak(minutes: number, calls: number, driver: SoakDriver): Promise<SoakSummary> {
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const rounds: SoakRound[] = [];
  do {
    const level = await driver.runRound(calls);
    const idle = await driver.idleMetrics();
    rounds.push({
      round: rounds.length + 1,
      atS: Math.round((Date.now() - started) / 100) / 10,
      calls,
      completed: level.completed,
      heapUsedMb: round2(idle.memoryBytes.heapUsed / MB),
      rssMb: round2(idle.memoryBytes.rss / MB),
      externalMb: round2(idle.memoryBytes.external / MB),
      overheadP99Ms: level.overheadMs.p99,
      lateInboundFrames: level.lateInboundFrames,
      cpuPctOfCorePerCall: level.server.cpuPctOfCorePerCall,
    });
    const last = rounds.at(-1)!;
    driver.progress(
      `[soak] round ${last.round}: ${last.completed}/${calls} calls, idle heap ${last.heapUsedMb} MB, ` +
        `rss ${last.rssMb} MB · ${Math.round((Date.now() - started) / 1000)} of ${minutes * 60} s`,
    );
  } while (Date.now() < deadline);
  return summarizeSoak(minutes, calls, rounds);
}

export function summarizeSoak(minutes: number, calls: number, rounds: SoakRound[]): SoakSummary {
  const steady = rounds.slice(1);
  const perMinute = (pick: (r: SoakRound) => number) => {
    const fit = slope(steady.map((r) => ({ x: r.atS / 60, y: pick(r) })));
    return fit === null ? null : round2(fit);
  };
  const heapSlope = perMinute((r) => r.heapUsedMb);
  const span = steady.length > 1 ? (steady.at(-1)!.atS - steady[0]!.atS) / 60 : 0;
  const growth = heapSlope === null ? null : round2(heapSlope * span);
  const steadyCalls = steady.reduce((n, r) => n + r.completed, 0);
  return {
    minutes,
    callsPerRound: calls,
    callsCompleted: rounds.reduce((n, r) => n + r.completed, 0),
    rounds,
    heapSlopeMbPerMin: heapSlope,
    rssSlopeMbPerMin: perMinute((r) => r.rssMb),
    fittedHeapGrowthMb: growth,
    heapGrowthPerCallKb: growth === null || steadyCalls === 0 ? null : round2((growth * 1024) / steadyCalls),
    flat: growth === null ? null : growth <= MAX_GROWTH_MB,
  };
}

export function formatSoak(soak: SoakSummary): string {
  const first = soak.rounds[0];
  const last = soak.rounds.at(-1);
  const verdict =
    soak.flat === null
      ? 'too few rounds to fit a trend'
      : soak.flat
        ? `flat (fitted growth ≤ ${MAX_GROWTH_MB} MB)`
        : `GROWING (fitted growth > ${MAX_GROWTH_MB} MB)`;
  return [
    `soak: ${soak.rounds.length} rounds of ${soak.callsPerRound} calls in ${soak.minutes} min, ` +
      `${soak.callsCompleted} calls completed`,
    `  idle heap after GC ${first?.heapUsedMb} → ${last?.heapUsedMb} MB, rss ${first?.rssMb} → ${last?.rssMb} MB`,
    `  heap slope ${soak.heapSlopeMbPerMin ?? '-'} MB/min (fitted ${soak.fittedHeapGrowthMb ?? '-'} MB over the soak, ` +
      `${soak.heapGrowthPerCallKb ?? '-'} KB per call), rss slope ${soak.rssSlopeMbPerMin ?? '-'} MB/min: ${verdict}`,
  ].join('\n');
}
