import { type LoopStall, stalledWithin } from './loop-stalls';

/**
 * Late inbound frames grouped into bursts by when the fake Twilio sent them. The count alone
 * cannot say whose they are: a burst that catches many calls at once is one process stalling (a
 * GC pause, the host's scheduler giving the core to the fakes or DynamoDB Local), while late
 * frames of one call spread over the level point at that call's path.
 */

export interface LateFrame {
  /** When the fake Twilio sent it (the fakes' clock, ms). */
  sentAt: number;
  /** Sent → received by the fake Deepgram, ms. */
  delayMs: number;
  call: number;
}

export interface LateFrameBurst {
  /** When its first late frame was sent, seconds from the level's first frame. */
  atS: number;
  /** First to last late frame sent, ms. */
  spanMs: number;
  frames: number;
  /** How many calls had a late frame in it. */
  calls: number;
  maxDelayMs: number;
  /**
   * The longest the fakes' own loop stood still while the burst's frames were on their way (first
   * sent → last received), ms: that much of their delay may be the harness's, not the server's.
   */
  fakesStalledMs: number;
}

/** Late frames sent within this long of the previous one belong to the same burst (5 frames). */
export const BURST_GAP_MS = 100;

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Bursts in the order they happened; `levelStart` is when the level's first frame was sent. */
export function lateFrameBursts(
  frames: readonly LateFrame[],
  levelStart: number,
  fakesStalls: readonly LoopStall[] = [],
): LateFrameBurst[] {
  const sorted = [...frames].sort((a, b) => a.sentAt - b.sentAt);
  const bursts: LateFrameBurst[] = [];
  let members: LateFrame[] = [];
  const close = () => {
    if (members.length === 0) return;
    const first = members[0]!.sentAt;
    const lastArrival = Math.max(...members.map((m) => m.sentAt + m.delayMs));
    bursts.push({
      atS: Math.round(first - levelStart) / 1000,
      spanMs: round1(members.at(-1)!.sentAt - first),
      frames: members.length,
      calls: new Set(members.map((m) => m.call)).size,
      maxDelayMs: round1(Math.max(...members.map((m) => m.delayMs))),
      fakesStalledMs: round1(stalledWithin(fakesStalls, first, lastArrival)),
    });
    members = [];
  };
  for (const frame of sorted) {
    if (members.length > 0 && frame.sentAt - members.at(-1)!.sentAt > BURST_GAP_MS) close();
    members.push(frame);
  }
  close();
  return bursts;
}

/** One line per level with late frames: the bursts with the most frames first, at most `limit`. */
export function formatLateFrameBursts(
  levels: readonly { calls: number; lateInboundFrames: number; lateFrameBursts?: LateFrameBurst[] }[],
  limit = 5,
): string[] {
  return levels.flatMap((level) => {
    const bursts = level.lateFrameBursts ?? [];
    if (level.lateInboundFrames === 0 || bursts.length === 0) return [];
    const largest = [...bursts].sort((a, b) => b.frames - a.frames).slice(0, limit);
    const described = largest.map(
      (b) =>
        `at ${b.atS.toFixed(1)} s ${b.frames} frame(s) of ${b.calls} call(s) over ${b.spanMs} ms ` +
        `(max ${b.maxDelayMs} ms; ${stallNote(b.fakesStalledMs)})`,
    );
    const more = bursts.length > limit ? `; ${bursts.length - limit} more` : '';
    return [
      `${level.calls} calls: ${level.lateInboundFrames} late in ${bursts.length} burst(s): ${described.join('; ')}${more}`,
    ];
  });
}

function stallNote(fakesStalledMs: number): string {
  return fakesStalledMs === 0
    ? "the fakes' loop ran throughout"
    : `the fakes' loop stood still ${fakesStalledMs} ms of it`;
}
