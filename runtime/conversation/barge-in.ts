/**
 * Decides when the caller's speech is an interruption. A cough or an "uh-huh" must not cut the
 * assistant off, so speech counts only once it has lasted `minSpeechMs` (measured on the caller's
 * own audio) or the transcript has `minWords` words. The audio is looked at only between Deepgram's
 * SpeechStarted and that decision, and only while there is something to interrupt.
 */

export interface BargeInSettings {
  /** Continuous caller speech that counts as an interruption. */
  minSpeechMs: number;
  /** Words in an interim or final transcript that count as an interruption. */
  minWords: number;
}

/** Mean absolute amplitude (16-bit scale) above which a 20 ms frame counts as voiced. */
const VOICED_MEAN_AMPLITUDE = 400;
/** A gap this long in the caller's speech restarts the count (a cough followed by a breath). */
const MAX_GAP_MS = 120;
/** Stop looking at audio if SpeechStarted led nowhere for this long. */
const ARMED_FOR_MS = 3000;

/** |sample| of each mu-law byte (G.711), so a frame's loudness costs one table read per byte. */
const MU_LAW_MAGNITUDE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    const byte = ~i & 0xff;
    const exponent = (byte >> 4) & 0x07;
    const mantissa = byte & 0x0f;
    table[i] = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  }
  return table;
})();

export function isVoiced(frame: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += MU_LAW_MAGNITUDE[frame[i]!]!;
  return frame.length > 0 && sum / frame.length > VOICED_MEAN_AMPLITUDE;
}

export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed ? trimmed.split(/\s+/).length : 0;
}

export class BargeInDetector {
  private armedUntil = 0;
  private voicedMs = 0;
  private gapMs = 0;

  constructor(private readonly settings: BargeInSettings) {}

  /** Deepgram heard speech begin: start measuring it. */
  speechStarted(now: number): void {
    this.armedUntil = now + ARMED_FOR_MS;
    this.voicedMs = 0;
    this.gapMs = 0;
  }

  get armed(): boolean {
    return this.armedUntil > 0;
  }

  /** One inbound frame while armed; true when the speech has now lasted long enough. */
  frame(frame: Uint8Array, now: number): boolean {
    if (now > this.armedUntil) {
      this.disarm();
      return false;
    }
    const ms = frame.length / 8;
    if (isVoiced(frame)) {
      this.voicedMs += ms;
      this.gapMs = 0;
    } else {
      this.gapMs += ms;
      if (this.gapMs > MAX_GAP_MS) this.voicedMs = 0;
    }
    if (this.voicedMs < this.settings.minSpeechMs) return false;
    this.disarm();
    return true;
  }

  /** A transcript (interim or final) counts once it has enough words. */
  transcript(text: string): boolean {
    if (wordCount(text) < this.settings.minWords) return false;
    this.disarm();
    return true;
  }

  disarm(): void {
    this.armedUntil = 0;
    this.voicedMs = 0;
    this.gapMs = 0;
  }
}
