/**
 * One assistant turn: stream the model's answer into speech piece by piece, run the tools it
 * asks for (in parallel) with the call's identity, feed the results back, and repeat until the
 * model answers in words, asks to end or transfer the call, or the tool-round budget is spent.
 */

import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { ChatModel, ChatToolCall, ChatToolSpec, ChatUsage } from '../providers/interfaces';
import { TOOL_NAMES, type ToolName } from '../tools/catalog';
import type { ToolResult, ToolSession } from '../tools/contract';
import type { ToolInvoker } from '../tools/invoker';
import { type CallControlRequest, isCallControlTool, parseCallControl } from './call-control-tools';
import { type AppointmentSummary, type ConfirmationGate, isGatedTool } from './confirmation-gate';
import type { ConversationHistory } from './history';
import { SentenceSplitter } from './sentence-splitter';
import type { SpeechOutput } from './speech-output';

export interface TurnContext {
  turnId: number;
  signal: AbortSignal;
  model: ChatModel;
  tools: readonly ChatToolSpec[];
  invoker: ToolInvoker;
  history: ConversationHistory;
  output: SpeechOutput;
  /** The call's identity; tools may bind a customer, which later calls then carry. */
  session: ToolSession;
  maxToolRounds: number;
  /** Tool calls made on this call so far, and the ceiling (SEC-16); shared by all its turns. */
  toolCalls: { used: number; max: number };
  /** Holds bookings, cancellations and reschedules until the caller has said yes. */
  gate: ConfirmationGate;
  /** Caller utterances so far: a confirmation must come after the one that follows its summary. */
  callerTurns: number;
  shop: ShopConfig;
  now: () => Temporal.Instant;
  /** The model must start answering within this (its SDK retries included), else the turn fails. */
  firstTokenBudgetMs: number;
  /** A tool round slower than this gets one short filler line. */
  fillerAfterMs: number;
  nextFiller(): string;
  onFirstToken(): void;
  onToolCall(record: ToolCallRecord): void;
  onFiller(text: string): void;
}

export interface ToolCallRecord {
  name: string;
  ok: boolean;
  code?: string;
}

export interface TurnResult {
  /** Everything the model said this turn, in order (what was generated, not necessarily heard). */
  spoken: string;
  usage: ChatUsage & { llmCalls: number };
  status: 'answered' | 'aborted' | 'tool_budget_exhausted' | 'call_control';
  /** Set with status 'call_control': the model asked to hang up or transfer. */
  control?: CallControlRequest;
}

export class ModelTimeoutError extends Error {
  constructor(budgetMs: number, midAnswer: boolean) {
    super(
      midAnswer
        ? `the model's answer stalled for ${budgetMs} ms`
        : `the model did not start answering within ${budgetMs} ms`,
    );
    this.name = 'ModelTimeoutError';
  }
}

/**
 * Aborts when the model's stream has been silent for `budgetMs`, before its first event or between
 * two (a stream can stall mid-answer with its socket open). One timer, re-armed lazily when it
 * fires: a token only stamps the time.
 */
class StallWatch {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private lastEventAt = performance.now();
  private timer: NodeJS.Timeout;
  eventSeen = false;

  constructor(private readonly budgetMs: number) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.check(), budgetMs);
  }

  event(): void {
    this.lastEventAt = performance.now();
    this.eventSeen = true;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private check(): void {
    const silentFor = performance.now() - this.lastEventAt;
    if (silentFor >= this.budgetMs) this.controller.abort();
    else this.timer = setTimeout(() => this.check(), this.budgetMs - silentFor);
  }
}

/** The model ended its answer without a word or a tool call: saying nothing would be dead air. */
export class EmptyAnswerError extends Error {
  constructor() {
    super('the model answered with nothing to say');
    this.name = 'EmptyAnswerError';
  }
}

const TOOL_BUDGET_APOLOGY =
  "I'm sorry, I'm having trouble with that right now. Would you like me to transfer you to the shop?";

export async function runTurn(context: TurnContext): Promise<TurnResult> {
  const usage = { promptTokens: 0, completionTokens: 0, llmCalls: 0 };
  let spoken = '';
  let firstToken = true;
  let fillerSaid = false;
  const say = (text: string) => {
    spoken += (spoken ? ' ' : '') + text;
    context.output.say(text, context.turnId);
  };
  const tokenArrived = () => {
    if (!firstToken) return;
    firstToken = false;
    context.onFirstToken();
  };

  let emptyAnswers = 0;
  for (let round = 0; round <= context.maxToolRounds; round++) {
    const splitter = new SentenceSplitter();
    let text = '';
    let calls: ChatToolCall[] = [];
    usage.llmCalls++;
    // A hung or rate-limited provider gets a bounded wait, not the SDK's own (minutes-long) patience,
    // and so does one that goes quiet mid-answer.
    const stall = new StallWatch(context.firstTokenBudgetMs);
    const signal = AbortSignal.any([context.signal, stall.signal]);
    const timedOut = () => stall.signal.aborted && !context.signal.aborted;
    try {
      for await (const event of context.model.stream(
        { messages: context.history.snapshot(), tools: context.tools },
        signal,
      )) {
        stall.event();
        if (context.signal.aborted) break;
        if (event.type === 'text') {
          tokenArrived();
          text += event.delta;
          for (const piece of splitter.push(event.delta)) say(piece);
        } else if (event.type === 'tool_calls') {
          calls = event.calls;
        } else if (event.type === 'usage') {
          usage.promptTokens += event.usage.promptTokens;
          usage.completionTokens += event.usage.completionTokens;
        }
      }
    } catch (error) {
      if (timedOut()) throw new ModelTimeoutError(context.firstTokenBudgetMs, stall.eventSeen);
      throw error;
    } finally {
      stall.stop();
    }
    if (context.signal.aborted) return { spoken, usage, status: 'aborted' };
    // An adapter may end the stream quietly on abort instead of throwing: a cut answer is no answer.
    if (timedOut()) throw new ModelTimeoutError(context.firstTokenBudgetMs, stall.eventSeen);
    const rest = splitter.flush();
    if (rest) say(rest);

    if (calls.length === 0 && !text.trim()) {
      // It happens now and then (most often right after tool results); asking again usually helps,
      // and the second request is not a tool round.
      if (++emptyAnswers > 1) throw new EmptyAnswerError();
      round--;
      continue;
    }
    if (calls.length === 0) {
      context.history.add({ role: 'assistant', content: text });
      return { spoken, usage, status: 'answered' };
    }
    tokenArrived();
    context.history.add({
      role: 'assistant',
      content: text || null,
      tool_calls: calls.map((call) => ({
        id: call.id,
        type: 'function' as const,
        function: { name: call.name, arguments: call.arguments },
      })),
    });
    const control = calls.find((call) => isCallControlTool(call.name));
    if (control) {
      // The call ends or leaves the assistant: other calls of the same response are not run.
      for (const call of calls) {
        const content =
          call === control
            ? { ok: true }
            : { ok: false, error: { code: 'NOT_RUN', message: 'Not run: the call is ending.' } };
        context.history.add({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(content) });
      }
      const request = parseCallControl(control.name as CallControlRequest['name'], control.arguments);
      return { spoken, usage, status: 'call_control', control: request };
    }
    // One filler per turn, only when the tools are slow enough for the silence to be noticed.
    const filler = fillerSaid
      ? undefined
      : setTimeout(() => {
          if (context.signal.aborted) return;
          fillerSaid = true;
          const line = context.nextFiller();
          context.onFiller(line);
          context.output.say(line, context.turnId);
        }, context.fillerAfterMs);
    // Tool results are kept even if the caller interrupts meanwhile: the next answer builds on them.
    // Gated calls run one after another, so the per-call limits hold within one response too.
    let gated: Promise<unknown> = Promise.resolve();
    const results = await Promise.all(
      calls.map((call) => {
        if (!isGatedTool(call.name)) return executeToolCall(context, call);
        gated = gated.then(() => executeToolCall(context, call));
        return gated;
      }),
    ).finally(() => clearTimeout(filler));
    results.forEach((result, i) => {
      context.history.add({ role: 'tool', tool_call_id: calls[i]!.id, content: JSON.stringify(result) });
    });
    if (context.signal.aborted) return { spoken, usage, status: 'aborted' };
  }
  say(TOOL_BUDGET_APOLOGY);
  context.history.add({ role: 'assistant', content: TOOL_BUDGET_APOLOGY });
  return { spoken, usage, status: 'tool_budget_exhausted' };
}

async function executeToolCall(context: TurnContext, call: ChatToolCall): Promise<unknown> {
  const finish = (result: ToolResult | { ok: false; error: { code: string; message: string } }) => {
    context.onToolCall({
      name: call.name,
      ok: result.ok,
      ...(result.ok ? {} : { code: result.error.code }),
    });
    return result.ok ? { ok: true, result: result.result } : { ok: false, error: result.error };
  };
  if (!(TOOL_NAMES as readonly string[]).includes(call.name)) {
    return finish({
      ok: false,
      error: { code: 'UNKNOWN_TOOL', message: `There is no tool called ${call.name}.` },
    });
  }
  let args: unknown;
  try {
    args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
  } catch {
    return finish({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'The tool arguments were not valid JSON.' },
    });
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return finish({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'The tool arguments must be an object.' },
    });
  }
  if (context.toolCalls.used >= context.toolCalls.max) {
    return finish({
      ok: false,
      error: {
        code: 'LIMIT_REACHED',
        message: 'No more lookups on this call; offer to transfer the caller to the shop.',
      },
    });
  }
  context.toolCalls.used++;
  let toolArguments = args as Record<string, unknown>;
  if (isGatedTool(call.name)) {
    const decision = await context.gate.check(call.name, toolArguments, {
      callerTurns: context.callerTurns,
      shop: context.shop,
      now: context.now(),
      upcoming: () => upcomingAppointments(context),
    });
    if (decision.action === 'answer') {
      context.onToolCall({ name: call.name, ok: false, code: decision.result.error.code });
      return decision.result;
    }
    toolArguments = decision.arguments;
  }
  const sent = { ...context.session };
  const result = await context.invoker.invoke({
    tool: call.name as ToolName,
    arguments: toolArguments,
    session: sent,
  });
  // Identity changes only through what a tool reports, never through what the model says; with
  // parallel calls only the one that changed it counts.
  if (result.session.customerId !== sent.customerId) context.session.customerId = result.session.customerId;
  if (result.ok && isGatedTool(call.name)) context.gate.executed(call.name);
  return finish(result);
}

async function upcomingAppointments(context: TurnContext): Promise<AppointmentSummary[]> {
  if (!context.session.customerId) return [];
  const result = await context.invoker.invoke({
    tool: 'get_upcoming_appointments',
    arguments: {},
    session: { ...context.session },
  });
  return result.ok ? ((result.result as { appointments?: AppointmentSummary[] }).appointments ?? []) : [];
}
