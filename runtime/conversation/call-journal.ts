/**
 * A call's bookkeeping, kept apart from its turn-taking: the transcript, token usage and per-turn
 * metrics, the conversation state persisted by CallSid (RES-02), and the end-of-call record.
 */

import type { Temporal } from 'temporal-polyfill';
import type { CallRecord, CallsRepository, ConfirmationGateState } from '../data/calls-repo';
import type { Logger } from '../observability/logger';
import type { ChatUsage } from '../providers/interfaces';
import { TurnMetrics } from './turn-metrics';
import type { ToolCallRecord } from './turn-runner';

export type TranscriptEntry = CallRecord['transcript'][number];

export interface JournalCall {
  callSid: string;
  direction: CallRecord['direction'];
  callerPhone: string | null;
}

export class CallJournal {
  readonly metrics = new TurnMetrics();
  private readonly transcript: TranscriptEntry[] = [];
  private readonly usage = { promptTokens: 0, completionTokens: 0, llmCalls: 0 };
  private readonly startedAt: Temporal.Instant;
  private persisting: Promise<void> = Promise.resolve();
  private lastPersisted: string | undefined;

  constructor(
    private readonly call: JournalCall,
    private readonly calls: CallsRepository,
    private readonly log: Logger,
    private readonly now: () => Temporal.Instant,
  ) {
    this.startedAt = now();
  }

  record(role: 'caller' | 'assistant', text: string): TranscriptEntry {
    const entry = { role, text, at: this.now().toString() };
    this.transcript.push(entry);
    return entry;
  }

  recordTool(call: ToolCallRecord): void {
    this.transcript.push({
      role: 'tool',
      text: `${call.name} ${call.ok ? 'ok' : call.code}`,
      at: this.now().toString(),
    });
  }

  get tokensUsed(): number {
    return this.usage.promptTokens + this.usage.completionTokens;
  }

  addUsage(usage: ChatUsage & { llmCalls: number }): void {
    this.usage.promptTokens += usage.promptTokens;
    this.usage.completionTokens += usage.completionTokens;
    this.usage.llmCalls += usage.llmCalls;
  }

  /**
   * Closes a turn's metrics and logs them (ids and numbers only). `afterIo`: the line is written
   * once the current I/O has been handed off, for a turn closed on the way to the next turn's
   * model request (the log write is synchronous, and the caller is waiting for that request).
   */
  finishTurn(turnId: number, chars: { generated: number; played: number }, afterIo = false): void {
    const record = this.metrics.finish(turnId, chars);
    if (!record) return;
    const write = () => this.log.info({ turn: turnId, latency: record }, 'turn latency');
    if (afterIo) setImmediate(write);
    else write();
  }

  /**
   * Saves the conversation for a resumed stream; saves run in order, so the final one lands last.
   * A state equal to the last one asked for is not written again: a stream that drops without a
   * hang-up ends with the state its last turn saved.
   */
  persist(
    messages: unknown[],
    customerId: string | null,
    finished: boolean,
    gate: ConfirmationGateState,
  ): Promise<void> {
    const state = { messagesJson: JSON.stringify(messages), customerId, finished, gate };
    const fingerprint = `${finished}|${customerId}|${JSON.stringify(gate)}|${state.messagesJson}`;
    if (fingerprint === this.lastPersisted) return this.persisting;
    this.lastPersisted = fingerprint;
    this.persisting = this.persisting.then(() =>
      this.calls.saveConversation(this.call.callSid, state).catch((error: Error) => {
        // Not saved, so the same state asked for again (the end of the call) must be tried again.
        if (this.lastPersisted === fingerprint) this.lastPersisted = undefined;
        this.log.error({ err: { name: error.name } }, 'could not save the conversation state');
      }),
    );
    return this.persisting;
  }

  async close(outcome: string, customerId: string | null, turns: number): Promise<void> {
    const latency = this.metrics.summary();
    try {
      await this.calls.saveCallRecord({
        callSid: this.call.callSid,
        direction: this.call.direction,
        callerPhone: this.call.callerPhone,
        customerId,
        startedAt: this.startedAt.toString(),
        endedAt: this.now().toString(),
        outcome,
        transcript: this.transcript,
        usage: this.usage,
        latency,
      });
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'could not save the call record');
    }
    this.log.info({ outcome, turns, usage: this.usage, latency }, 'call ended');
  }
}
