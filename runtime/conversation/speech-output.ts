/**
 * What the assistant says, from text to the caller's ear: text goes to TTS (speak + flush per
 * piece; the adapter may let pieces share a provider flush, still answering each), audio is
 * forwarded to Twilio as it arrives, and a mark follows each piece. Twilio echoes a mark once the
 * audio before it has played, so we always know what the caller actually heard.
 */
import type { TextToSpeechSession } from '../providers/interfaces';

export interface SpokenPiece {
  id: number;
  text: string;
  turnId: number;
  state: 'synthesizing' | 'sent' | 'played' | 'dropped';
}

export interface TwilioOutput {
  sendAudio(audio: Buffer): void;
  sendMark(name: string): void;
  sendClear(): void;
}

export interface SpeechOutputListener {
  /** The first audio of a turn left for Twilio. */
  firstAudioSent(turnId: number): void;
  /** The first TTS byte of a turn arrived. */
  firstAudioReceived(turnId: number): void;
  /** Everything said so far has played (or was dropped). */
  idle(): void;
}

const MARK_PREFIX = 'piece-';
const CLEARED_TIMEOUT_MS = 1500;

export class SpeechOutput {
  private readonly pieces: SpokenPiece[] = [];
  /** Pieces whose Flushed has not arrived yet, in order. */
  private readonly awaitingFlush: SpokenPiece[] = [];
  private nextId = 1;
  /** After a Clear, audio still in flight from TTS belongs to dropped pieces until Cleared. */
  private discardingUntil = 0;
  private readonly turnsWithAudio = new Set<number>();
  private readonly turnsWithTts = new Set<number>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly tts: TextToSpeechSession,
    private readonly twilio: TwilioOutput,
    private readonly listener: SpeechOutputListener,
  ) {}

  say(text: string, turnId: number): SpokenPiece {
    const piece: SpokenPiece = { id: this.nextId++, text, turnId, state: 'synthesizing' };
    this.pieces.push(piece);
    this.awaitingFlush.push(piece);
    this.tts.speak(text);
    this.tts.flush();
    return piece;
  }

  /** TTS audio for the oldest unflushed piece. */
  onTtsAudio(chunk: Buffer): void {
    if (this.discardingUntil > Date.now()) return;
    const piece = this.awaitingFlush[0];
    if (!piece) return;
    if (!this.turnsWithTts.has(piece.turnId)) {
      this.turnsWithTts.add(piece.turnId);
      this.listener.firstAudioReceived(piece.turnId);
    }
    this.twilio.sendAudio(chunk);
    if (!this.turnsWithAudio.has(piece.turnId)) {
      this.turnsWithAudio.add(piece.turnId);
      this.listener.firstAudioSent(piece.turnId);
    }
  }

  onTtsFlushed(): void {
    if (this.discardingUntil > Date.now()) return;
    const piece = this.awaitingFlush.shift();
    if (piece?.state !== 'synthesizing') return;
    piece.state = 'sent';
    this.twilio.sendMark(`${MARK_PREFIX}${piece.id}`);
  }

  onTtsCleared(): void {
    this.discardingUntil = 0;
  }

  /** Twilio echoed a mark: the audio before it has played (unless we cleared it). */
  onMark(name: string): void {
    if (!name.startsWith(MARK_PREFIX)) return;
    const id = Number(name.slice(MARK_PREFIX.length));
    const piece = this.pieces.find((p) => p.id === id);
    if (piece?.state === 'sent') piece.state = 'played';
    this.notifyIfIdle();
  }

  /** Stops everything not yet heard. Returns what the caller heard of the turn and what they did not. */
  interrupt(): { heard: SpokenPiece[]; unheard: SpokenPiece[] } {
    const unheard = this.pieces.filter((p) => p.state === 'synthesizing' || p.state === 'sent');
    if (unheard.length > 0) {
      this.twilio.sendClear();
      this.tts.clear();
      this.discardingUntil = Date.now() + CLEARED_TIMEOUT_MS;
    }
    for (const piece of unheard) piece.state = 'dropped';
    this.awaitingFlush.length = 0;
    this.notifyIfIdle();
    return { heard: this.pieces.filter((p) => p.state === 'played'), unheard };
  }

  isSpeaking(): boolean {
    return this.pieces.some((p) => p.state === 'synthesizing' || p.state === 'sent');
  }

  /** True once any audio of the turn has been sent to Twilio. */
  hasSentAudio(turnId: number): boolean {
    return this.turnsWithAudio.has(turnId);
  }

  piecesOf(turnId: number): SpokenPiece[] {
    return this.pieces.filter((p) => p.turnId === turnId);
  }

  /** Characters generated for a turn, and how many of them the caller heard. */
  charsOf(turnId: number): { generated: number; played: number } {
    let generated = 0;
    let played = 0;
    for (const piece of this.pieces) {
      if (piece.turnId !== turnId) continue;
      generated += piece.text.length;
      if (piece.state === 'played') played += piece.text.length;
    }
    return { generated, played };
  }

  /** Resolves when everything said so far has played (or was dropped). */
  whenIdle(): Promise<void> {
    if (!this.isSpeaking()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets finished pieces of old turns so a long call does not grow without bound. */
  forgetBefore(turnId: number): void {
    for (let i = this.pieces.length - 1; i >= 0; i--) {
      const piece = this.pieces[i]!;
      if (piece.turnId < turnId && (piece.state === 'played' || piece.state === 'dropped'))
        this.pieces.splice(i, 1);
    }
    for (const id of this.turnsWithAudio) if (id < turnId) this.turnsWithAudio.delete(id);
    for (const id of this.turnsWithTts) if (id < turnId) this.turnsWithTts.delete(id);
  }

  private notifyIfIdle(): void {
    if (this.isSpeaking()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
    this.listener.idle();
  }
}
