/**
 * Per-turn latency: end of caller speech → first model token → first TTS byte → first audio
 * frame sent to Twilio. Times come from performance.now(); nothing here touches the audio path.
 */
type Stage = 'firstToken' | 'firstTtsByte' | 'firstAudioSent';

interface TurnTimes {
  endOfSpeech: number;
  firstToken?: number;
  firstTtsByte?: number;
  firstAudioSent?: number;
}

export interface TurnLatencyRecord {
  llmFirstTokenMs: number | null;
  ttsFirstByteMs: number | null;
  firstAudioMs: number | null;
}

export class TurnLatency {
  private readonly open = new Map<number, TurnTimes>();
  private readonly firstAudio: number[] = [];

  start(turnId: number, at = performance.now()): void {
    this.open.set(turnId, { endOfSpeech: at });
  }

  mark(turnId: number, stage: Stage, at = performance.now()): void {
    const times = this.open.get(turnId);
    if (times && times[stage] === undefined) times[stage] = at;
  }

  has(turnId: number, stage: Stage): boolean {
    return this.open.get(turnId)?.[stage] !== undefined;
  }

  openTurns(): number[] {
    return [...this.open.keys()];
  }

  /** Closes the turn; returns its record (null for turns never started, e.g. the greeting). */
  finish(turnId: number): TurnLatencyRecord | null {
    const times = this.open.get(turnId);
    if (!times) return null;
    this.open.delete(turnId);
    const since = (t: number | undefined) => (t === undefined ? null : Math.round(t - times.endOfSpeech));
    const record = {
      llmFirstTokenMs: since(times.firstToken),
      ttsFirstByteMs: since(times.firstTtsByte),
      firstAudioMs: since(times.firstAudioSent),
    };
    if (record.firstAudioMs !== null) this.firstAudio.push(record.firstAudioMs);
    return record;
  }

  summary(): Record<string, number | null> {
    const sorted = [...this.firstAudio].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null;
    return { turns: sorted.length, firstAudioP50Ms: at(0.5), firstAudioMaxMs: sorted.at(-1) ?? null };
  }
}
