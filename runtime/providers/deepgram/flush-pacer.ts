/**
 * Deepgram's TTS socket processes at most 20 Flush messages per 60 s; past that it sends a Warning
 * and ignores the Flush, so the text before it is never spoken and no Flushed ever answers it —
 * the caller would hear nothing more on this socket for up to a minute. It also takes at most 2400
 * characters of Speak text per minute, and past that it closes the socket (1008 DATA-0001): text
 * sent ahead of playback and then cut off by the caller still counts, so a call full of
 * interruptions can get there. The pacer counts both in the same sliding window.
 *
 * The pacer spends as few as it can without delaying the first audio. Flushes asked for in the same
 * tick (a greeting's two sentences) go out as one. While a Flush is in flight, the ones asked for
 * meanwhile wait and ride on the next, sent when its Flushed arrives: the first sentence of an
 * answer is synthesized at once, and the rest, which streams in while it plays, costs one or two
 * more. A Flush that would break the window goes another way if there is one (the adapter uses
 * Deepgram's REST endpoint, which has no such limit), else waits for a slot. Each is then reported once
 * for every flush it answers, so callers still see one flushed() per flush(). A Flush left
 * unanswered for HOLD_MAX_MS (it should not happen, but a lost Flushed must not silence the call)
 * no longer holds the next one back.
 */

/** The longest the next Flush waits behind one in flight: synthesis runs well ahead of playback. */
export const HOLD_MAX_MS = 3000;
/** A Cleared that never comes must not leave every later Flushed ignored (SpeechOutput waits as long). */
const CLEARED_WAIT_MS = 1500;

export interface FlushPacerOptions {
  /** Flushes allowed per window (Deepgram: 20). */
  limit: number;
  windowMs: number;
  /** Characters of text allowed per window; with it, size() says how many the next Flush carries. */
  charLimit?: number;
  size?(): number;
  now?: () => number;
  /** The window is spent: the next Flush (and the speech before it) waits this long. */
  exhausted?(waitMs: number): void;
  /**
   * Another way to have the text synthesized when the window is spent (Deepgram's REST endpoint);
   * without it the Flush waits for the window. Its end is reported with answered().
   */
  overflow?(spent: WindowSpent): void;
}

/** What a Flush would have exceeded. */
export type WindowSpent = 'flushes' | 'characters';

/**
 * How Deepgram counts characters (code points or bytes, whether a Speak it rejected counts, sliding
 * or per calendar minute) is not documented: we count UTF-16 code units of everything we sent, in a
 * sliding window, and keep 100 characters of headroom.
 */
export const DEEPGRAM_SOCKET_LIMITS: FlushPacerOptions = { limit: 20, windowMs: 60_000, charLimit: 2300 };

export class FlushPacer {
  /** flush() calls not sent yet. */
  private asked = 0;
  /** Per Flush sent and not yet answered: how many flush() calls it answers. */
  private readonly inFlight: number[] = [];
  /** Per Flush sent within the window: when, and how many characters it carried. */
  private readonly sentAt: number[] = [];
  private readonly sentChars: number[] = [];
  private charsInWindow = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the newest job in flight (a Flush or an overflow) was started. */
  private lastJobAt = Number.NEGATIVE_INFINITY;
  /** When the last Clear was sent, until its Cleared arrives. */
  private clearedAt: number | undefined;
  private readonly now: () => number;

  constructor(
    private readonly send: () => void,
    private readonly options: FlushPacerOptions = DEEPGRAM_SOCKET_LIMITS,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  flush(): void {
    this.asked++;
    if (this.asked > 1) return;
    queueMicrotask(() => this.trySend());
  }

  /** A Flushed arrived: the number of flush() calls it answers (0 for one sent before a clear). */
  flushed(): number {
    // Until the Clear is confirmed, a Flushed is one that crossed it on the wire: it must not be
    // taken for the answer to a Flush sent after the Clear, or that one would never be reported.
    if (this.clearedAt !== undefined && this.now() - this.clearedAt < CLEARED_WAIT_MS) return 0;
    this.clearedAt = undefined;
    return this.answered();
  }

  /** The oldest job in flight is done (a Flushed, or the overflow's end): the flush() calls it answers. */
  answered(): number {
    const answered = this.inFlight.shift() ?? 0;
    this.trySend();
    return answered;
  }

  /** Clear drops the text of every flush not answered yet: none of them will be. */
  clear(): void {
    this.asked = 0;
    this.inFlight.length = 0;
    this.clearedAt = this.now();
    this.stopTimer();
  }

  /** The provider confirmed the Clear: every Flushed from now on answers a Flush sent after it. */
  cleared(): void {
    this.clearedAt = undefined;
  }

  close(): void {
    this.stopTimer();
  }

  /** Sends now if it may, else arms one timer for when it may; re-decided on every event. */
  private trySend(): void {
    this.stopTimer();
    if (this.asked === 0) return;
    const now = this.now();
    this.forgetBefore(now - this.options.windowMs);
    if (this.inFlight.length > 0) {
      const heldFor = now - this.lastJobAt;
      if (heldFor < HOLD_MAX_MS) {
        this.retryIn(HOLD_MAX_MS - heldFor);
        return;
      }
    }
    const chars = this.options.size?.() ?? 0;
    const spent = this.spent(chars);
    if (spent) {
      if (this.options.overflow) {
        this.lastJobAt = now;
        this.inFlight.push(this.asked);
        this.asked = 0;
        this.options.overflow(spent);
        return;
      }
      const waitMs = this.freedAt(spent, chars) + this.options.windowMs - now + 1;
      this.options.exhausted?.(waitMs);
      this.retryIn(waitMs);
      return;
    }
    this.sentAt.push(now);
    this.sentChars.push(chars);
    this.charsInWindow += chars;
    this.lastJobAt = now;
    this.inFlight.push(this.asked);
    this.asked = 0;
    this.send();
  }

  private spent(chars: number): WindowSpent | undefined {
    if (this.sentAt.length >= this.options.limit) return 'flushes';
    const { charLimit } = this.options;
    // Text longer than the whole budget can only go once the window is empty, and then must.
    if (charLimit !== undefined && this.charsInWindow > 0 && this.charsInWindow + chars > charLimit) {
      return 'characters';
    }
    return undefined;
  }

  /** When the Flush whose leaving the window makes room was sent. */
  private freedAt(spent: WindowSpent, chars: number): number {
    if (spent === 'flushes') return this.sentAt[0]!;
    const charLimit = this.options.charLimit!;
    let remaining = this.charsInWindow;
    for (let i = 0; i < this.sentAt.length; i++) {
      remaining -= this.sentChars[i]!;
      if (remaining === 0 || remaining + chars <= charLimit) return this.sentAt[i]!;
    }
    return this.sentAt.at(-1)!;
  }

  private forgetBefore(cutoff: number): void {
    while (this.sentAt.length > 0 && this.sentAt[0]! <= cutoff) {
      this.sentAt.shift();
      this.charsInWindow -= this.sentChars.shift()!;
    }
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
