import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushPacer, HOLD_MAX_MS } from '../../runtime/providers/deepgram/flush-pacer';

/** Under fake timers, which also drive Date.now(): the pacer's clock and its timer move together. */
function pacer(limit = 4, windowMs = 1000) {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  const sent: number[] = [];
  const pace = new FlushPacer(() => sent.push(Date.now()), { limit, windowMs, now: () => Date.now() });
  return { pace, sent, advance: (ms: number) => vi.advanceTimersByTime(ms) };
}

describe('FlushPacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends each flush at once while under half the window, one Flushed answering each', () => {
    const { pace, sent } = pacer();
    pace.flush();
    pace.flush();
    expect(sent).toHaveLength(2);
    expect([pace.flushed(), pace.flushed(), pace.flushed()]).toEqual([1, 1, 0]);
  });

  it('past half the window keeps one Flush in flight: the flushes asked meanwhile ride on the next', () => {
    const { pace, sent } = pacer();
    pace.flush();
    pace.flush();
    pace.flush();
    pace.flush();
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(1);
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(1);
    // The two waiting flushes went out as one Flush, answered by one Flushed.
    expect(sent).toHaveLength(3);
    expect(pace.flushed()).toBe(2);
  });

  it('never breaks the window: a flush that would waits for the oldest to leave it', () => {
    const { pace, sent, advance } = pacer(4, 1000);
    for (let i = 0; i < 4; i++) {
      pace.flush();
      pace.flushed();
      advance(100);
    }
    expect(sent).toEqual([0, 100, 200, 300]);
    pace.flush();
    pace.flush();
    expect(sent).toHaveLength(4);
    advance(600);
    expect(sent).toHaveLength(4);
    advance(101);
    expect(sent).toEqual([0, 100, 200, 300, 1001]);
    expect(pace.flushed()).toBe(2);
  });

  it('a Flushed that never comes holds the next Flush back for HOLD_MAX_MS at most', () => {
    const { pace, sent, advance } = pacer(4, 60_000);
    pace.flush();
    pace.flush();
    pace.flush();
    expect(sent).toHaveLength(2);
    advance(HOLD_MAX_MS - 1);
    expect(sent).toHaveLength(2);
    advance(1);
    expect(sent).toHaveLength(3);
  });

  it('a clear forgets every flush not answered yet, and a late Flushed answers none', () => {
    const { pace, sent, advance } = pacer(2, 1000);
    pace.flush();
    pace.flush();
    pace.flush();
    pace.clear();
    expect(pace.flushed()).toBe(0);
    advance(2000);
    expect(sent).toHaveLength(1);
    pace.flush();
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(1);
  });
});
