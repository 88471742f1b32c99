import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushPacer, HOLD_MAX_MS } from '../../runtime/providers/deepgram/flush-pacer';

/** Under fake timers, which also drive Date.now(): the pacer's clock and its timer move together. */
function pacer(limit = 4, windowMs = 1000) {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  const sent: number[] = [];
  const waits: number[] = [];
  const pace = new FlushPacer(() => sent.push(Date.now()), {
    limit,
    windowMs,
    now: () => Date.now(),
    exhausted: (ms) => waits.push(ms),
  });
  return { pace, sent, waits, advance: (ms: number) => vi.advanceTimersByTime(ms) };
}

/** Lets the microtask that sends a tick's flushes run. */
const tick = () => Promise.resolve();

describe('FlushPacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the flushes asked for in one tick as one Flush, at once', async () => {
    const { pace, sent } = pacer();
    pace.flush();
    pace.flush();
    await tick();
    expect(sent).toEqual([0]);
    expect([pace.flushed(), pace.flushed()]).toEqual([2, 0]);
  });

  it('keeps one Flush in flight: the flushes asked for meanwhile ride on the next', async () => {
    const { pace, sent } = pacer();
    pace.flush();
    await tick();
    pace.flush();
    await tick();
    pace.flush();
    await tick();
    expect(sent).toHaveLength(1);
    expect(pace.flushed()).toBe(1);
    // The two waiting flushes went out as one Flush, answered by one Flushed.
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(2);
  });

  it('never breaks the window: a flush that would waits for the oldest to leave it, and says so', async () => {
    const { pace, sent, waits, advance } = pacer(4, 1000);
    for (let i = 0; i < 4; i++) {
      pace.flush();
      await tick();
      pace.flushed();
      advance(100);
    }
    expect(sent).toEqual([0, 100, 200, 300]);
    pace.flush();
    pace.flush();
    await tick();
    expect(sent).toHaveLength(4);
    expect(waits).toEqual([601]);
    advance(600);
    expect(sent).toHaveLength(4);
    advance(1);
    expect(sent).toEqual([0, 100, 200, 300, 1001]);
    expect(pace.flushed()).toBe(2);
  });

  it('a Flushed that never comes holds the next Flush back for HOLD_MAX_MS at most', async () => {
    const { pace, sent, advance } = pacer(4, 60_000);
    pace.flush();
    await tick();
    pace.flush();
    await tick();
    expect(sent).toHaveLength(1);
    advance(HOLD_MAX_MS - 1);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent).toHaveLength(2);
  });

  it('a Flushed that crossed the Clear on the wire is not taken for the answer to a Flush sent after it', async () => {
    const { pace, sent } = pacer();
    pace.flush();
    await tick();
    pace.clear();
    pace.flush();
    await tick();
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(0);
    pace.cleared();
    expect(pace.flushed()).toBe(1);
  });

  it('a clear forgets every flush not answered yet, and a late Flushed answers none', async () => {
    const { pace, sent, advance } = pacer(2, 1000);
    pace.flush();
    await tick();
    pace.flush();
    pace.flush();
    await tick();
    pace.clear();
    pace.cleared();
    expect(pace.flushed()).toBe(0);
    advance(2000);
    expect(sent).toHaveLength(1);
    pace.flush();
    await tick();
    expect(sent).toHaveLength(2);
    expect(pace.flushed()).toBe(1);
  });
});
