/**
 * What each turn measured: end of caller speech → first model token → first TTS byte → first
 * audio frame sent to Twilio, plus how barge-in, fillers and playback went. Times come from
 * performance.now(); nothing here runs on the audio path.
 */
type Stage = 'firstToken' | 'firstTtsByte' | 'firstAudioSent';

interface TurnTimes {
  endOfSpeech: number;
  firstToken?: number;
  firstTtsByte?: number;
  firstAudioSent?: number;
  filler?: boolean;
  interruptionReactionMs?: number;
}

export interface TurnRecord {
  llmFirstTokenMs: number | null;
  ttsFirstByteMs: number | null;
  firstAudioMs: number | null;
  filler: boolean;
  interrupted: boolean;
  /** Caller speech judged an interruption → `clear` sent to Twilio. */
  interruptionReactionMs: number | null;
  generatedChars: number;
  playedChars: number;
}

export class TurnMetrics {
  private readonly open = new Map<number, TurnTimes>();
  private readonly firstAudio: number[] = [];
  private readonly reactions: number[] = [];
  private fillers = 0;

  start(turnId: number, at = performance.now()): void {
    this.open.set(turnId, { endOfSpeech: at });
  }

  mark(turnId: number, stage: Stage, at = performance.now()): void {
    const times = this.open.get(turnId);
    if (times && times[stage] === undefined) times[stage] = at;
  }

  filler(turnId: number): void {
    const times = this.open.get(turnId);
    if (times) times.filler = true;
    this.fillers++;
  }

  interrupted(turnId: number, reactionMs: number): void {
    this.reactions.push(reactionMs);
    const times = this.open.get(turnId);
    if (times) times.interruptionReactionMs ??= reactionMs;
  }

  openTurns(): number[] {
    return [...this.open.keys()];
  }

  /** Closes the turn; null for turns never started (the greeting, call-control lines). */
  finish(turnId: number, chars: { generated: number; played: number }): TurnRecord | null {
    const times = this.open.get(turnId);
    if (!times) return null;
    this.open.delete(turnId);
    const since = (t: number | undefined) => (t === undefined ? null : Math.round(t - times.endOfSpeech));
    const record: TurnRecord = {
      llmFirstTokenMs: since(times.firstToken),
      ttsFirstByteMs: since(times.firstTtsByte),
      firstAudioMs: since(times.firstAudioSent),
      filler: times.filler ?? false,
      interrupted: times.interruptionReactionMs !== undefined,
      interruptionReactionMs:
        times.interruptionReactionMs === undefined ? null : round2(times.interruptionReactionMs),
      generatedChars: chars.generated,
      playedChars: chars.played,
    };
    if (record.firstAudioMs !== null) this.firstAudio.push(record.firstAudioMs);
    return record;
  }

  summary(): Record<string, number | null> {
    const sorted = [...this.firstAudio].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null;
    return {
      turns: sorted.length,
      firstAudioP50Ms: at(0.5),
      firstAudioMaxMs: sorted.at(-1) ?? null,
      interruptions: this.reactions.length,
      interruptionReactionMaxMs: this.reactions.length ? round2(Math.max(...this.reactions)) : null,
      fillers: this.fillers,
    };
  }
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;
