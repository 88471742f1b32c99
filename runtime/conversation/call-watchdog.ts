/**
 * The call's clocks: a silence timer that prompts ("Are you still there?") and then gives up, and
 * the maximum call duration. One timer each, re-armed on events, never a per-frame check.
 */

export interface WatchdogSettings {
  /** Silence (nobody speaking, nothing playing, no turn running) before each prompt. */
  silenceMs: number;
  maxCallMs: number;
}

export interface WatchdogEvents {
  /** First silence period passed: ask whether the caller is still there. */
  stillThere(): void;
  /** Second silence period passed: say goodbye and hang up. */
  silenceTimeout(): void;
  maxDurationReached(): void;
}

export class CallWatchdog {
  private silenceTimer: NodeJS.Timeout | undefined;
  private readonly durationTimer: NodeJS.Timeout;
  private prompts = 0;
  private stopped = false;

  constructor(
    private readonly settings: WatchdogSettings,
    private readonly events: WatchdogEvents,
  ) {
    this.durationTimer = setTimeout(() => events.maxDurationReached(), settings.maxCallMs);
    this.durationTimer.unref();
  }

  /** The line went quiet (nothing playing, no turn running): start counting. */
  quiet(): void {
    if (this.stopped) return;
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = undefined;
      this.prompts++;
      if (this.prompts === 1) this.events.stillThere();
      else this.events.silenceTimeout();
    }, this.settings.silenceMs);
    this.silenceTimer.unref();
  }

  /** Something is happening (the assistant talks or thinks): stop counting, keep the prompt count. */
  busy(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  /**
   * The caller made a sound or said words: forget earlier prompts, and if the line was quiet count
   * again from now. Stopping the count instead would leave a cough that never becomes a turn (noise
   * raises SpeechStarted, no words follow) holding the call open with no prompt and no hang-up; real
   * words keep restarting the count (transcripts arrive while they talk) until their turn starts.
   */
  callerActive(): void {
    this.prompts = 0;
    if (this.silenceTimer) this.quiet();
  }

  stop(): void {
    this.stopped = true;
    this.busy();
    clearTimeout(this.durationTimer);
  }
}
