import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEEPGRAM_SOCKET_LIMITS,
  FlushPacer,
  HOLD_MAX_MS,
  type WindowSpent,
} from '../../runtime/providers/deepgram/flush-pacer';

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

/** A pacer that also counts characters: `size` is what the next Flush would carry. */
function charPacer(charLimit: number, options: { overflow?: boolean } = {}) {
  vi.useFakeTimers();
  vi.setSystemTime(0);
  const sent: { at: number; chars: number }[] = [];
  const overflowed: { at: number; chars: number; spent: WindowSpent }[] = [];
  const waits: number[] = [];
  let size = 0;
  const pace = new FlushPacer(
    () => {
      sent.push({ at: Date.now(), chars: size });
      size = 0;
    },
    {
      limit: 20,
      windowMs: 1000,
      charLimit,
      size: () => size,
      now: () => Date.now(),
      exhausted: (ms) => waits.push(ms),
      overflow: options.overflow
        ? (spent) => {
            overflowed.push({ at: Date.now(), chars: size, spent });
            size = 0;
          }
        : undefined,
    },
  );
  /** Asks for a flush of this many characters and lets it go if it may. */
  const say = async (chars: number) => {
    size += chars;
    pace.flush();
    await tick();
  };
  return { pace, sent, overflowed, waits, say, advance: (ms: number) => vi.advanceTimersByTime(ms) };
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

  it('counts characters in the same window: text that would pass the budget waits until enough has left it', async () => {
    const { pace, sent, waits, say, advance } = charPacer(100);
    await say(60);
    pace.flushed();
    advance(100);
    await say(30);
    pace.flushed();
    advance(100);
    await say(50);
    // 60 + 30 + 50 > 100: the first Flush (sent at 0) must leave the window first; the second may stay.
    expect(sent).toEqual([
      { at: 0, chars: 60 },
      { at: 100, chars: 30 },
    ]);
    expect(waits).toEqual([801]);
    advance(800);
    expect(sent).toHaveLength(2);
    advance(1);
    expect(sent.at(-1)).toEqual({ at: 1001, chars: 50 });
    expect(pace.flushed()).toBe(1);
  });

  it('a text larger than the whole character budget goes once the window is empty, not never', async () => {
    const { sent, waits, say, pace, advance } = charPacer(100);
    await say(10);
    pace.flushed();
    advance(100);
    await say(150);
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([901]);
    advance(901);
    expect(sent.at(-1)).toEqual({ at: 1001, chars: 150 });
  });

  it('with another way to speak, text past the character budget takes it at once and says why', async () => {
    const { pace, sent, overflowed, say, advance } = charPacer(100, { overflow: true });
    await say(80);
    pace.flushed();
    await say(40);
    expect(sent).toEqual([{ at: 0, chars: 80 }]);
    expect(overflowed).toEqual([{ at: 0, chars: 40, spent: 'characters' }]);
    // The overflow's end answers its flush like a Flushed; the socket takes text again once room frees.
    expect(pace.answered()).toBe(1);
    advance(1000);
    await say(40);
    expect(sent.at(-1)).toEqual({ at: 1000, chars: 40 });
  });

  it("keeps Deepgram's documented limits, with headroom under 2400 characters a minute", () => {
    expect(DEEPGRAM_SOCKET_LIMITS).toMatchObject({ limit: 20, windowMs: 60_000 });
    expect(DEEPGRAM_SOCKET_LIMITS.charLimit).toBeLessThan(2400);
    expect(DEEPGRAM_SOCKET_LIMITS.charLimit).toBeGreaterThanOrEqual(2000);
  });
});
