import type { CallSession } from '../conversation/call-session';

export interface CallLimits {
  /** Calls this process carries at once (the shop's calls.maxConcurrentCallsPerTask). */
  maxConcurrentCalls: number;
  /** Calls from one number at once: a caller dialling in a loop cannot take every line (SEC-16). */
  maxCallsPerCaller: number;
}

export type CallRefusal = 'draining' | 'at_capacity' | 'caller_limit';

/** The calls this process carries: for capacity limits, health and draining on shutdown. */
export class CallRegistry {
  private readonly active = new Map<string, { session: CallSession; callerPhone: string | null }>();
  private draining = false;
  private readonly listeners: ((activeCalls: number) => void)[] = [];

  constructor(private readonly limits: CallLimits) {}

  /**
   * Why a call from this number would be turned away, or null when there is room for it. Logged
   * as `refusal` on the line that refuses it: `at_capacity` lines are the CallsTurnedAway alarm
   * (lib/constructs/observability.ts), the other two are not a shortage of tasks.
   */
  refusal(callerPhone: string | null = null): CallRefusal | null {
    if (this.draining) return 'draining';
    if (this.active.size >= this.limits.maxConcurrentCalls) return 'at_capacity';
    // Calls with the caller ID withheld count as one caller: withholding it must not lift the limit.
    let fromCaller = 0;
    for (const call of this.active.values()) if (call.callerPhone === callerPhone) fromCaller++;
    return fromCaller < this.limits.maxCallsPerCaller ? null : 'caller_limit';
  }

  get capacity(): number {
    return this.limits.maxConcurrentCalls;
  }

  add(callSid: string, session: CallSession, callerPhone: string | null): void {
    this.active.set(callSid, { session, callerPhone });
    this.notify();
  }

  remove(callSid: string): void {
    if (this.active.delete(callSid)) this.notify();
  }

  get size(): number {
    return this.active.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }

  sessions(): CallSession[] {
    return [...this.active.values()].map((call) => call.session);
  }

  /** Told whenever the number of active calls changes (e.g. for ECS scale-in protection). */
  onChange(listener: (activeCalls: number) => void): void {
    this.listeners.push(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.active.size);
  }
}
