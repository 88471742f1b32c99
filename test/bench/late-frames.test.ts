import { describe, expect, it } from 'vitest';
import { BURST_GAP_MS, formatLateFrameBursts, lateFrameBursts } from '../../bench/late-frames';

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
      { atS: 5, spanMs: 0, frames: 1, calls: 1, maxDelayMs: 41 },
      { atS: 11, spanMs: 140, frames: 3, calls: 3, maxDelayMs: 52.3 },
      { atS: 29, spanMs: 0, frames: 1, calls: 1, maxDelayMs: 60 },
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
    }));
    expect(formatLateFrameBursts([{ calls: 200, lateInboundFrames: 7, lateFrameBursts }], 2)).toEqual([
      '200 calls: 7 late in 3 burst(s): at 10.0 s 4 frame(s) of 4 call(s) over 20 ms (max 50 ms); ' +
        'at 20.0 s 2 frame(s) of 2 call(s) over 20 ms (max 50 ms); 1 more',
    ]);
    expect(formatLateFrameBursts([{ calls: 1, lateInboundFrames: 0, lateFrameBursts: [] }])).toEqual([]);
  });
});
