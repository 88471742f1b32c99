/**
 * When the fakes' own event loop stopped running, with timestamps on the fakes' clock. A late
 * frame is timed from the fake Twilio's write to the fake Deepgram's handler, both in the fakes
 * process, so a stall of that process lengthens its delay exactly as a stall of the server does:
 * the bursts of late frames are checked against these spans to tell the two apart.
 *
 * A 5 ms interval timer costs ~200 callbacks a second, nothing beside the level's ~10,000 frames.
 */

/** The loop ran no timer from `startAt` to `endAt` beyond the interval it was asked for. */
export interface LoopStall {
  startAt: number;
  endAt: number;
}

export const STALL_TICK_MS = 5;
/** Shorter gaps are ordinary queueing behind the level's own work. */
export const MIN_STALL_MS = 10;

export class LoopStallRecorder {
  readonly stalls: LoopStall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      if (now - this.last - STALL_TICK_MS >= MIN_STALL_MS)
        this.stalls.push({ startAt: this.last + STALL_TICK_MS, endAt: now });
      this.last = now;
    }, STALL_TICK_MS);
  }

  stop(): LoopStall[] {
    clearInterval(this.timer);
    return this.stalls;
  }
}

/** The longest time any one stall covered of [from, to], ms; 0 when none touched it. */
export function stalledWithin(stalls: readonly LoopStall[], from: number, to: number): number {
  let longest = 0;
  for (const stall of stalls) {
    const overlap = Math.min(stall.endAt, to) - Math.max(stall.startAt, from);
    if (overlap > longest) longest = overlap;
  }
  return longest;
}

export function longestStall(stalls: readonly LoopStall[]): number {
  return stalls.reduce((longest, s) => Math.max(longest, s.endAt - s.startAt), 0);
}
