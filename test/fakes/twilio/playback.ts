/**
 * The caller's ear on one fake call: audio the server sends plays at 8 bytes per ms of real time,
 * what has played is decoded into the text the caller has heard, and each mark comes back once
 * the audio queued before it has played (or at once, flagged cleared, on `clear`).
 */
import { BYTES_PER_MS, decodeSpeech } from '../fake-audio';

type PlayItem = { kind: 'audio'; data: Buffer; offset: number } | { kind: 'mark'; name: string };

interface HeardWaiter {
  match: RegExp | string;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface PlaybackHost {
  /** A mark is due back to the server. */
  echoMark(name: string, cleared: boolean): void;
  /** The error text for a waitForHeard that failed, with what the call knows. */
  heardFailure(match: RegExp | string, heard: string, why: string): string;
}

export class Playback {
  private readonly queue: PlayItem[] = [];
  private clock = 0;
  private budget = 0;
  private heardText = '';
  private readonly waiters = new Set<HeardWaiter>();

  constructor(private readonly host: PlaybackHost) {}

  get heard(): string {
    return this.heardText;
  }

  start(now: number): void {
    this.clock = now;
  }

  enqueueAudio(audio: Buffer): void {
    if (audio.length > 0) this.queue.push({ kind: 'audio', data: audio, offset: 0 });
  }

  enqueueMark(name: string, now: number): void {
    this.queue.push({ kind: 'mark', name });
    this.advance(now); // a mark behind no audio comes back at once
  }

  /** `clear`: the queued audio is dropped and its marks come back at once. */
  clear(): void {
    const pending = this.queue.splice(0).filter((item) => item.kind === 'mark');
    this.budget = 0;
    for (const mark of pending) this.host.echoMark(mark.name, true);
  }

  /** Plays queued audio up to `now`, echoing the marks it passes. */
  advance(now: number): void {
    let budget = this.budget + Math.max(0, now - this.clock) * BYTES_PER_MS;
    this.clock = Math.max(this.clock, now);
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.kind === 'mark') {
        this.queue.shift();
        this.host.echoMark(head.name, false);
        continue;
      }
      const take = Math.min(head.data.length - head.offset, Math.floor(budget));
      if (take > 0) {
        this.heardText += decodeSpeech(head.data.subarray(head.offset, head.offset + take));
        head.offset += take;
        budget -= take;
      }
      if (head.offset < head.data.length) break;
      this.queue.shift();
    }
    // An idle clock does not bank time: audio that arrives later starts playing when it arrives.
    this.budget = this.queue.length > 0 ? budget : 0;
  }

  /** Resolves with the text heard so far once it matches; `ended`: the stream is already over. */
  waitFor(match: RegExp | string, timeoutMs: number, ended: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.matches(match)) return resolve(this.heardText);
      if (ended) return reject(new Error(this.failure(match, 'the stream closed first')));
      const waiter: HeardWaiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(this.failure(match, `${timeoutMs} ms passed`)));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  checkWaiters(): void {
    for (const waiter of this.waiters) {
      if (!this.matches(waiter.match)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(this.heardText);
    }
  }

  rejectWaiters(why: string): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(this.failure(waiter.match, why)));
    }
    this.waiters.clear();
  }

  private matches(match: RegExp | string): boolean {
    if (typeof match === 'string') return this.heardText.includes(match);
    match.lastIndex = 0;
    return match.test(this.heardText);
  }

  private failure(match: RegExp | string, why: string): string {
    return this.host.heardFailure(match, this.heardText, why);
  }
}
