import { describe, expect, it } from 'vitest';
import { MAX_GROWTH_MB, type SoakRound, slope, summarizeSoak } from '../../bench/soak';

const round = (n: number, atS: number, heapUsedMb: number): SoakRound => ({
  round: n,
  atS,
  calls: 50,
  completed: 50,
  heapUsedMb,
  rssMb: 500,
  externalMb: 10,
  overheadP99Ms: 5,
  lateInboundFrames: 0,
  cpuPctOfCorePerCall: 0.9,
});

describe('soak verdict', () => {
  it('fits a least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBe(2);
    expect(slope([{ x: 1, y: 1 }])).toBeNull();
    expect(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeNull();
  });

  it('calls memory flat when the idle heap only wobbles, leaving the first round out', () => {
    // Round 1 fills caches (+40 MB); after it the heap goes up and down by a megabyte.
    const rounds = [
      round(1, 20, 80),
      ...[121, 120.5, 121.2, 120.8, 121].map((mb, i) => round(i + 2, 40 + i * 20, mb)),
    ];
    const soak = summarizeSoak(2, 50, rounds);
    expect(soak.flat).toBe(true);
    expect(Math.abs(soak.heapSlopeMbPerMin!)).toBeLessThan(1);
    expect(soak.callsCompleted).toBe(300);
  });

  it('reports a heap that keeps growing as a leak, with what each call kept', () => {
    // 3 MB per round of 50 calls every 20 s: 9 MB/min.
    const rounds = Array.from({ length: 10 }, (_, i) => round(i + 1, 20 * (i + 1), 100 + 3 * i));
    const soak = summarizeSoak(3.3, 50, rounds);
    expect(soak.heapSlopeMbPerMin).toBe(9);
    expect(soak.fittedHeapGrowthMb!).toBeGreaterThan(MAX_GROWTH_MB);
    expect(soak.flat).toBe(false);
    expect(soak.heapGrowthPerCallKb).toBeCloseTo((24 * 1024) / 450, 1);
  });
});
