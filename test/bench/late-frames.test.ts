import { describe, expect, it } from 'vitest';
import { BURST_GAP_MS, formatLateFrameBursts, lateFrameBursts } from '../../bench/late-frames';
import { LoopStallRecorder, longestStall, MIN_STALL_MS, stalledWithin } from '../../bench/loop-stalls';

describe('late inbound frames by burst', () => {
  it('groups frames sent within the gap of each other, across calls, in the order they happened', () => {
    const bursts = lateFrameBursts(
      [
        { sentAt: 12_040, delayMs: 45.04, call: 2 },
        { sentAt: 1_000 + 5_000, delayMs: 41, call: 1 },
        { sentAt: 12_000, delayMs: 52.26, call: 1 },
        { sentAt: 12_000 + BURST_GAP_MS + 40, delayMs: 40.5, call: 3 },
        { sentAt: 30_000, delayMs: 60, call: 3 },
      ],
      1_000,
    );
    expect(bursts).toEqual([
      { atS: 5, spanMs: 0, frames: 1, calls: 1, maxDelayMs: 41, fakesStalledMs: 0 },
      { atS: 11, spanMs: 140, frames: 3, calls: 3, maxDelayMs: 52.3, fakesStalledMs: 0 },
      { atS: 29, spanMs: 0, frames: 1, calls: 1, maxDelayMs: 60, fakesStalledMs: 0 },
    ]);
  });

  it('splits a burst where the gap to the previous late frame exceeds the limit', () => {
    const frames = [0, BURST_GAP_MS, 2 * BURST_GAP_MS + 1].map((sentAt) => ({
      sentAt,
      delayMs: 50,
      call: 1,
    }));
    expect(lateFrameBursts(frames, 0).map((b) => b.frames)).toEqual([2, 1]);
  });

  it("says how long the fakes' own loop stood still while a burst's frames were on their way", () => {
    const frames = [
      { sentAt: 1_000, delayMs: 45, call: 1 },
      { sentAt: 1_010, delayMs: 50, call: 2 },
      { sentAt: 9_000, delayMs: 41, call: 1 },
    ];
    // First sent 1000 → last received 1060: the first stall covers 30 ms of it, the second 15.
    const stalls = [
      { startAt: 990, endAt: 1_030 },
      { startAt: 1_045, endAt: 1_100 },
      { startAt: 5_000, endAt: 5_500 },
    ];
    expect(lateFrameBursts(frames, 0, stalls).map((b) => b.fakesStalledMs)).toEqual([30, 0]);
  });

  it('has no bursts without late frames', () => {
    expect(lateFrameBursts([], Number.POSITIVE_INFINITY)).toEqual([]);
  });

  it('describes the largest bursts first and says how many it left out', () => {
    const lateFrameBursts = [1, 4, 2].map((frames, i) => ({
      atS: i * 10,
      spanMs: 20,
      frames,
      calls: frames,
      maxDelayMs: 50,
      fakesStalledMs: i === 1 ? 0 : 12.5,
    }));
    expect(formatLateFrameBursts([{ calls: 200, lateInboundFrames: 7, lateFrameBursts }], 2)).toEqual([
      "200 calls: 7 late in 3 burst(s): at 10.0 s 4 frame(s) of 4 call(s) over 20 ms (max 50 ms; the fakes' loop ran throughout); " +
        "at 20.0 s 2 frame(s) of 2 call(s) over 20 ms (max 50 ms; the fakes' loop stood still 12.5 ms of it); 1 more",
    ]);
    expect(formatLateFrameBursts([{ calls: 1, lateInboundFrames: 0, lateFrameBursts: [] }])).toEqual([]);
  });
});

describe("the fakes' loop stall recorder", () => {
  it('records a blocked loop as one stall spanning the block, and nothing while the loop runs', async () => {
    const recorder = new LoopStallRecorder();
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const blockedFrom = performance.now();
    while (performance.now() - blockedFrom < 40) {
      // the loop is held, as a long synchronous task or a GC pause holds it
    }
    const blockedTo = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stalls = recorder.stop();
    const covering = stalls.filter((s) => s.endAt >= blockedTo && s.startAt <= blockedFrom + MIN_STALL_MS);
    expect(covering).toHaveLength(1);
    expect(stalledWithin(stalls, blockedFrom, blockedTo)).toBeGreaterThanOrEqual(40 - 2 * MIN_STALL_MS);
    expect(longestStall(stalls)).toBeGreaterThanOrEqual(stalledWithin(stalls, blockedFrom, blockedTo));
    // Stopped means stopped: no timer keeps the process alive or adds stalls.
    const count = stalls.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(recorder.stalls).toHaveLength(count);
  });

  it('measures overlap with a window, and nothing for stalls outside it', () => {
    const stalls = [{ startAt: 100, endAt: 150 }];
    expect(stalledWithin(stalls, 120, 200)).toBe(30);
    expect(stalledWithin(stalls, 150, 200)).toBe(0);
    expect(stalledWithin([], 0, 1_000)).toBe(0);
    expect(longestStall(stalls)).toBe(50);
  });
});
