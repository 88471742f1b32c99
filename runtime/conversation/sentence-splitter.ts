/**
 * Cuts a stream of model text deltas into speakable pieces as early as it safely can: at the end
 * of a sentence, or at a clause boundary once enough text has gathered, so the first audio can
 * leave before the model has finished its answer.
 */
const SENTENCE_END = /[.!?…]["')\]]?\s/g;
const CLAUSE_END = /[,;:—–]\s/g;
/**
 * "Dr. Smith", "a.m.", "Dec. 5" and "e.g." must not end a sentence. A number may ("That's $45.
 * Anything else?"); a decimal like "3.5" never looks like an end, a space has to follow the dot.
 */
const NOT_AN_END =
  /(?:\b(?:Mr|Mrs|Ms|Dr|St|Mt|Jr|Sr|vs|etc|e\.g|i\.e|a\.m|p\.m|No|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.|\b[A-Z]\.)$/i;

export interface SentenceSplitterOptions {
  /** A clause boundary only cuts once the piece is at least this long (short pieces sound choppy). */
  minClauseChars?: number;
  /** Without any boundary, cut at a space once the piece is this long. */
  maxChars?: number;
}

export class SentenceSplitter {
  private buffer = '';
  private readonly minClauseChars: number;
  private readonly maxChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.minClauseChars = options.minClauseChars ?? 60;
    this.maxChars = options.maxChars ?? 250;
  }

  /** Adds a delta and returns the pieces that are now complete. */
  push(delta: string): string[] {
    this.buffer += delta;
    const pieces: string[] = [];
    for (let cut = this.nextCut(); cut > 0; cut = this.nextCut()) {
      const piece = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut);
      if (piece) pieces.push(piece);
    }
    return pieces;
  }

  /** The rest, at the end of the answer. */
  flush(): string | null {
    const piece = this.buffer.trim();
    this.buffer = '';
    return piece || null;
  }

  private nextCut(): number {
    for (const match of this.buffer.matchAll(SENTENCE_END)) {
      const end = match.index + match[0].length;
      if (!NOT_AN_END.test(this.buffer.slice(0, match.index + 1))) return end;
    }
    if (this.buffer.length >= this.minClauseChars) {
      let last = 0;
      for (const match of this.buffer.matchAll(CLAUSE_END)) {
        if (match.index + 1 >= this.minClauseChars) {
          last = match.index + match[0].length;
          break;
        }
      }
      if (last > 0) return last;
    }
    if (this.buffer.length >= this.maxChars) {
      const space = this.buffer.lastIndexOf(' ', this.maxChars);
      return space > 0 ? space + 1 : this.maxChars;
    }
    return 0;
  }
}
