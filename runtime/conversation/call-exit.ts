/**
 * How a call leaves the assistant: hung up after the goodbye has played to the end, or handed to a
 * person at the shop. Both are Twilio REST updates of the live call; a failed hang-up falls back to
 * closing the stream, a failed transfer to telling the caller the shop's number (or, when our voice
 * may be gone, to closing the stream too).
 */

import type { ShopConfig } from '../config/shop-config';
import type { Logger } from '../observability/logger';
import type { CallControl } from '../telephony/call-control';
import type { CallControlRequest } from './call-control-tools';
import { PHRASES } from './phrases';

/** A goodbye is played to the end, but a broken playback clock must not hold the call open. */
const PLAYBACK_WAIT_MAX_MS = 20_000;

export interface ExitHost {
  isStopped(): boolean;
  /** Says a line of the call's own (it goes into the history and the transcript too). */
  say(text: string): void;
  /** Resolves when everything said so far has played. */
  whenPlayed(): Promise<void>;
  closeStream(): void;
}

export class CallExit {
  /** Set once the call is on its way out: no new turns start. */
  ending = false;
  outcome?: string;

  constructor(
    private readonly host: ExitHost,
    private readonly control: CallControl,
    private readonly callSid: string,
    private readonly shop: ShopConfig,
    private readonly log: Logger,
  ) {}

  /** Says the goodbye, waits until it has played, then hangs up. */
  async endCall(outcome: string, line: string | null): Promise<void> {
    if (this.ending || this.host.isStopped()) return;
    this.ending = true;
    this.outcome = outcome;
    if (line) this.host.say(line);
    await this.untilPlayed();
    if (this.host.isStopped()) return;
    try {
      await this.control.hangUp(this.callSid);
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'hang-up failed: closing the stream');
      this.host.closeStream();
    }
  }

  /**
   * Hands the call to the shop. With an `announcement` Twilio speaks it (for when our own voice is
   * what failed), and the transfer goes ahead even if the call was already on its way out.
   */
  async transfer(outcome: string, line: string | null, announcement?: string): Promise<void> {
    if (this.host.isStopped() || (this.ending && !announcement)) return;
    this.ending = true;
    if (line) this.host.say(line);
    await this.untilPlayed();
    if (this.host.isStopped()) return;
    try {
      await this.control.transfer(this.callSid, this.shop.transferNumber, announcement);
      this.outcome = outcome;
    } catch (error) {
      this.ending = false;
      if (announcement) {
        // Our own voice may be what failed (or the task is going away): closing the stream leaves
        // the call to the signed stream-ended webhook, which resumes it once or dials the shop.
        this.log.error({ err: { name: (error as Error).name } }, 'transfer failed: closing the stream');
        this.host.closeStream();
        return;
      }
      this.log.error({ err: { name: (error as Error).name } }, 'transfer failed');
      this.host.say(PHRASES.transferFailed(this.shop));
    }
  }

  /** The model asked to hang up or transfer; a line of its own was `spoken`, else ours is said. */
  onModelRequest(request: CallControlRequest, spoken: string): Promise<void> {
    this.log.info({ tool: request.name }, 'call control requested by the assistant');
    return request.name === 'end_call'
      ? this.endCall('assistant_ended', spoken ? null : PHRASES.goodbye(this.shop))
      : this.transfer('transferred', spoken ? null : PHRASES.transferring);
  }

  private untilPlayed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PLAYBACK_WAIT_MAX_MS);
    });
    return Promise.race([this.host.whenPlayed(), late]).finally(() => clearTimeout(timer));
  }
}
