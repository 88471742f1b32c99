/**
 * Deepgram's TTS socket processes at most 20 Flush messages per 60 s; past that it sends a Warning
 * and ignores the Flush, so the text before it is never spoken and no Flushed ever answers it —
 * the caller would hear nothing more on this socket for up to a minute.
 *
 * The pacer sends each flush at once while the window has room (sentence-level streaming keeps
 * its latency). Past half the window it keeps one Flush in flight: flushes asked for meanwhile ride
 * on the next one, sent when the Flushed arrives. A Flush that would break the window waits for a
 * slot. Each Flushed is then reported once for every flush it answers, so callers still see one
 * flushed() per flush(). A Flush left unanswered for HOLD_MAX_MS (it should not happen, but a lost
 * Flushed must not silence the call) no longer holds the next one back.
 */

/** The longest the next Flush waits behind one in flight: synthesis runs well ahead of playback. */
export const HOLD_MAX_MS = 3000;

export interface FlushPacerOptions {
  /** Flushes allowed per window (Deepgram: 20). */
  limit: number;
  windowMs: number;
  now?: () => number;
}

export const DEEPGRAM_FLUSH_LIMIT: FlushPacerOptions = { limit: 20, windowMs: 60_000 };

export class FlushPacer {
  /** flush() calls not sent yet. */
  private asked = 0;
  /** Per Flush sent and not yet answered: how many flush() calls it answers. */
  private readonly inFlight: number[] = [];
  private readonly sentAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly send: () => void,
    private readonly options: FlushPacerOptions = DEEPGRAM_FLUSH_LIMIT,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  flush(): void {
    this.asked++;
    this.trySend();
  }

  /** A Flushed arrived: the number of flush() calls it answers (0 for one sent before a clear). */
  flushed(): number {
    const answered = this.inFlight.shift() ?? 0;
    this.trySend();
    return answered;
  }

  /** Clear drops the text of every flush not answered yet: none of them will be. */
  clear(): void {
    this.asked = 0;
    this.inFlight.length = 0;
    this.stopTimer();
  }

  close(): void {
    this.stopTimer();
  }

  /** Sends now if it may, else arms one timer for when it may; re-decided on every event. */
  private trySend(): void {
    this.stopTimer();
    if (this.asked === 0) return;
    const now = this.now();
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.options.windowMs) this.sentAt.shift();
    if (this.inFlight.length > 0 && this.sentAt.length >= this.options.limit / 2) {
      const heldFor = now - this.sentAt.at(-1)!;
      if (heldFor < HOLD_MAX_MS) {
        this.retryIn(HOLD_MAX_MS - heldFor);
        return;
      }
    }
    if (this.sentAt.length >= this.options.limit) {
      this.retryIn(this.sentAt[0]! + this.options.windowMs - now + 1);
      return;
    }
    this.sentAt.push(now);
    this.inFlight.push(this.asked);
    this.asked = 0;
    this.send();
  }

  private retryIn(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.trySend();
    }, ms);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
