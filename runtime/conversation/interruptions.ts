/**
 * Barge-in, after the decision that the caller's speech is an interruption (barge-in.ts): silence
 * the assistant at once, cut the history to what the caller heard, and — if no words follow within
 * `resumeAfterMs` (a false alarm) — carry on with what was not heard yet.
 */
import type { Logger } from '../observability/logger';
import type { TranscriptEntry } from './call-journal';
import type { ConversationHistory } from './history';
import type { SpeechOutput, SpokenPiece } from './speech-output';

/** One answer of the assistant, from the caller's utterance to the last word of it. */
export interface Turn {
  id: number;
  abort: AbortController;
  done: Promise<void>;
  /** The turn's final answer went into the history. */
  answered: boolean;
  userText: string;
  userAdded: boolean;
  settled: boolean;
  spokenEntry?: TranscriptEntry;
}

export function createTurn(id: number, userText: string): Turn {
  return {
    id,
    abort: new AbortController(),
    done: Promise.resolve(),
    answered: false,
    userText,
    userAdded: false,
    settled: false,
  };
}

export interface Interruption {
  turn: Turn;
  /** What the caller heard of the turn (whole pieces, from the echoed marks). */
  heard: string;
  unheard: SpokenPiece[];
  timer: NodeJS.Timeout;
}

export interface InterruptionHost {
  readonly log: Logger;
  output(): SpeechOutput | undefined;
  history(): ConversationHistory;
  /** The turn still running, if any. */
  running(): Turn | undefined;
  /** The most recent turn, running or not (its audio may still be playing). */
  latest(): Turn | undefined;
  isEnding(): boolean;
  isStopped(): boolean;
  /** Lets the model continue without new words from the caller. */
  continueConversation(): void;
  interrupted(turnId: number, reactionMs: number): void;
}

export class Interruptions {
  private pending?: Interruption;

  constructor(
    private readonly host: InterruptionHost,
    private readonly resumeAfterMs: number,
  ) {}

  get isPending(): boolean {
    return this.pending !== undefined;
  }

  /** Silences the assistant now; the history is settled once the turn has wound down. */
  interrupt(kind: 'speech' | 'words'): void {
    const output = this.host.output();
    const turn = this.host.running() ?? this.host.latest();
    if (!output || !turn || this.host.isEnding()) return;
    const detectedAt = performance.now();
    const wasRunning = this.host.running() !== undefined;
    turn.abort.abort();
    const { heard, unheard } = output.interrupt();
    const reactionMs = performance.now() - detectedAt;
    const unheardOfTurn = unheard.filter((p) => p.turnId === turn.id);
    // What was cut may be a line of the call's own ("Are you still there?"), after a turn the caller
    // heard to the end: that turn was not interrupted, and nothing of it is left to resume.
    if (!wasRunning && unheardOfTurn.length === 0) return;
    this.host.interrupted(turn.id, reactionMs);
    this.host.log.info(
      { turn: turn.id, kind, reactionMs: Math.round(reactionMs * 100) / 100 },
      'caller interrupted',
    );
    const heardText = textOf(heard, turn.id);
    this.cancel();
    const interruption: Interruption = {
      turn,
      heard: heardText,
      unheard: unheardOfTurn,
      timer: setTimeout(() => void this.resume(interruption), this.resumeAfterMs),
    };
    this.pending = interruption;
    void turn.done.then(() => this.settle(turn, heardText));
  }

  /**
   * The caller is still talking (speech detected, words transcribed): a false alarm is one they
   * stay quiet after, so the resume waits for `resumeAfterMs` of quiet, never talks over them.
   */
  callerActive(): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => void this.resume(pending), this.resumeAfterMs);
  }

  /** The caller spoke on: the pending interruption, with its resume called off. */
  take(): Interruption | undefined {
    const interruption = this.pending;
    this.cancel();
    return interruption;
  }

  cancel(): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  /** The model must never believe it said what the caller did not hear. */
  settle(turn: Turn, heard: string): void {
    if (turn.settled) return;
    turn.settled = true;
    if (turn.spokenEntry) turn.spokenEntry.interrupted = true;
    const history = this.host.history();
    if (turn.answered) {
      history.replaceLastAssistantText(heard ? `${heard} [interrupted]` : '[interrupted by the caller]');
    } else if (heard) {
      history.add({ role: 'assistant', content: `${heard} [interrupted]` });
    }
  }

  /** No words followed the interruption: carry on with what the caller has not heard yet. */
  private async resume(interruption: Interruption): Promise<void> {
    const output = this.host.output();
    if (this.pending !== interruption || this.host.isEnding() || this.host.isStopped() || !output) return;
    this.pending = undefined;
    await interruption.turn.done.catch(() => undefined);
    if (this.pending || this.host.running() || this.host.isStopped()) return;
    const { turn, heard, unheard } = interruption;
    this.host.log.info({ turn: turn.id }, 'false alarm: resuming');
    if (!turn.answered) {
      // The answer was never finished: the model carries on from the history (tool results included).
      this.host.continueConversation();
      return;
    }
    if (unheard.length === 0) return;
    this.host
      .history()
      .replaceLastAssistantText([heard, ...unheard.map((p) => p.text)].filter(Boolean).join(' '));
    if (turn.spokenEntry) delete turn.spokenEntry.interrupted;
    // Whole again: a second interruption of the resumed answer cuts the history again.
    turn.settled = false;
    for (const piece of unheard) output.say(piece.text, turn.id);
  }
}

export function textOf(pieces: SpokenPiece[], turnId: number): string {
  return pieces
    .filter((p) => p.turnId === turnId)
    .map((p) => p.text)
    .join(' ');
}
