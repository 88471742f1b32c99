import type { CallSession } from '../conversation/call-session';

/** The calls this process carries: for capacity limits, health and draining on shutdown. */
export class CallRegistry {
  private readonly active = new Map<string, CallSession>();
  private draining = false;

  constructor(private readonly maxConcurrentCalls: number) {}

  canAcceptCall(): boolean {
    return !this.draining && this.active.size < this.maxConcurrentCalls;
  }

  add(callSid: string, session: CallSession): void {
    this.active.set(callSid, session);
  }

  remove(callSid: string): void {
    this.active.delete(callSid);
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
    return [...this.active.values()];
  }
}
