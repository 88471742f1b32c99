/**
 * One phone call: the caller's audio goes to speech-to-text, each finished utterance becomes a
 * model turn, and the answer is spoken back. Owns the call's provider sessions and everything
 * the call allocates, and releases all of it at stop().
 */
import type { Logger } from 'pino';
import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { CallRecord, CallsRepository } from '../data/calls-repo';
import type {
  ChatModel,
  ChatToolSpec,
  SpeechToText,
  SpeechToTextSession,
  TextToSpeech,
  TextToSpeechSession,
} from '../providers/interfaces';
import type { ToolSession } from '../tools/contract';
import type { ToolInvoker } from '../tools/invoker';
import { ConversationHistory } from './history';
import { buildGreeting, buildSystemPrompt, type CallContext } from './prompt';
import { SpeechOutput, type TwilioOutput } from './speech-output';
import { TurnLatency } from './turn-latency';
import { runTurn, type ToolCallRecord } from './turn-runner';

export interface CallSessionDependencies {
  shop: ShopConfig;
  stt: SpeechToText;
  tts: TextToSpeech;
  model: ChatModel;
  tools: readonly ChatToolSpec[];
  invoker: ToolInvoker;
  calls: CallsRepository;
  logger: Logger;
  now: () => Temporal.Instant;
  settings: { maxToolRounds: number; historyMaxTokens: number };
}

export interface CallStart {
  callSid: string;
  direction: 'inbound' | 'outbound';
  callerPhone: string | null;
  twilio: TwilioOutput;
}

interface ActiveTurn {
  id: number;
  abort: AbortController;
  done: Promise<void>;
  /** The turn's final answer went into the history. */
  answered: boolean;
  userText: string;
  userAdded: boolean;
}

const APOLOGY = "I'm sorry, I had a problem on my end. Could you say that again?";

export class CallSession {
  private readonly log: Logger;
  private readonly session: ToolSession;
  private readonly startedAt: Temporal.Instant;
  private history!: ConversationHistory;
  private output!: SpeechOutput;
  private sttSession?: SpeechToTextSession;
  private ttsSession?: TextToSpeechSession;
  private utteranceParts: string[] = [];
  private turnId = 0;
  private currentTurn?: ActiveTurn;
  private readonly latency = new TurnLatency();
  private readonly transcript: CallRecord['transcript'] = [];
  private readonly usage = { promptTokens: 0, completionTokens: 0, llmCalls: 0 };
  private stopped = false;
  private outcome = 'completed';

  constructor(
    private readonly deps: CallSessionDependencies,
    private readonly call: CallStart,
  ) {
    this.log = deps.logger.child({ callSid: call.callSid });
    this.startedAt = deps.now();
    this.session = {
      shopId: deps.shop.shopId,
      callSid: call.callSid,
      callerPhone: call.callerPhone,
      customerId: null,
    };
  }

  /** Looks the caller up, opens the providers, and greets. */
  async start(): Promise<void> {
    const context = await this.callContext();
    this.history = new ConversationHistory(buildSystemPrompt(this.deps.shop, this.deps.now(), context), {
      maxTokens: this.deps.settings.historyMaxTokens,
    });
    const [stt, tts] = await Promise.all([
      this.deps.stt.open({
        speechStarted: () => this.onSpeechStarted(),
        transcript: (event) => this.onTranscript(event.text, event.isFinal, event.speechFinal),
        utteranceEnd: () => this.onUtteranceEnd(),
        closed: (info) => {
          if (!info.expected) this.log.warn({ code: info.code }, 'speech-to-text closed unexpectedly');
        },
      }),
      this.deps.tts.open({
        audio: (chunk) => this.output?.onTtsAudio(chunk),
        flushed: () => this.output?.onTtsFlushed(),
        cleared: () => this.output?.onTtsCleared(),
        closed: (info) => {
          if (!info.expected) this.log.warn({ code: info.code }, 'text-to-speech closed unexpectedly');
        },
      }),
    ]);
    this.sttSession = stt;
    this.ttsSession = tts;
    if (this.stopped) return this.closeProviders();
    this.output = new SpeechOutput(tts, this.call.twilio, {
      firstAudioReceived: (turnId) => this.latency.mark(turnId, 'firstTtsByte'),
      firstAudioSent: (turnId) => {
        this.latency.mark(turnId, 'firstAudioSent');
        if (this.currentTurn?.id !== turnId) this.logLatency(turnId);
      },
    });
    const greeting = buildGreeting(this.deps.shop, context);
    this.history.add({ role: 'assistant', content: greeting });
    this.record('assistant', greeting);
    this.output.say(greeting, this.turnId);
    this.log.info({ direction: this.call.direction, context: context.kind }, 'call started');
  }

  /** One inbound audio frame, already decoded from base64; passed straight through. */
  onAudio(frame: Uint8Array): void {
    this.sttSession?.sendAudio(frame);
  }

  onMark(name: string): void {
    this.output?.onMark(name);
  }

  onDtmf(digit: string): void {
    this.log.info({ digit }, 'dtmf');
  }

  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.outcome = reason;
    this.currentTurn?.abort.abort();
    await this.currentTurn?.done.catch(() => undefined);
    this.closeProviders();
    for (const turnId of this.latency.openTurns()) this.logLatency(turnId);
    try {
      await this.deps.calls.saveCallRecord({
        callSid: this.call.callSid,
        direction: this.call.direction,
        callerPhone: this.call.callerPhone,
        customerId: this.session.customerId,
        startedAt: this.startedAt.toString(),
        endedAt: this.deps.now().toString(),
        outcome: this.outcome,
        transcript: this.transcript,
        usage: this.usage,
        latency: this.latency.summary(),
      });
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'could not save the call record');
    }
    this.log.info(
      { outcome: reason, turns: this.turnId, usage: this.usage, latency: this.latency.summary() },
      'call ended',
    );
  }

  private async callContext(): Promise<CallContext> {
    if (!this.call.callerPhone) return { kind: 'new_caller' };
    const lookup = await this.deps.invoker.invoke({
      tool: 'lookup_customer',
      arguments: {},
      session: { ...this.session },
    });
    if (!lookup.ok) return { kind: 'new_caller' };
    this.session.customerId = lookup.session.customerId;
    const customer = (lookup.result as { customer?: { first_name?: string } }).customer;
    return { kind: 'known_customer', firstName: customer?.first_name ?? 'there', profile: lookup.result };
  }

  private onSpeechStarted(): void {
    // Barge-in decisions belong to the turn-taking policy; speech start alone does not end a turn.
  }

  private onTranscript(text: string, isFinal: boolean, speechFinal: boolean): void {
    if (isFinal && text.trim()) this.utteranceParts.push(text.trim());
    if (speechFinal) this.endOfUtterance();
  }

  private onUtteranceEnd(): void {
    this.endOfUtterance();
  }

  private endOfUtterance(): void {
    const text = this.utteranceParts.join(' ').trim();
    this.utteranceParts = [];
    if (!text || this.stopped || !this.output) return;
    this.record('caller', text);
    this.startTurn(text);
  }

  /**
   * Starts the answer to an utterance. A turn still running is superseded at once (its audio is
   * cut); if the caller had heard none of it, the two utterances become one user message.
   */
  private startTurn(userText: string): void {
    const previous = this.currentTurn;
    const id = ++this.turnId;
    this.latency.start(id);
    const abort = new AbortController();
    const heardOfPrevious = previous ? this.interruptTurn(previous) : null;
    const turn: ActiveTurn = {
      id,
      abort,
      done: Promise.resolve(),
      answered: false,
      userText,
      userAdded: false,
    };
    this.currentTurn = turn;
    turn.done = (async () => {
      if (previous) {
        await previous.done.catch(() => undefined);
        this.settleInterruptedTurn(previous, heardOfPrevious ?? '');
      }
      if (abort.signal.aborted) return;
      // Words of a turn superseded before it even reached the model are carried over.
      if (previous && !previous.userAdded) turn.userText = `${previous.userText} ${userText}`;
      this.output.forgetBefore(id - 1);
      if (!(previous && !heardOfPrevious && this.history.appendToLastUser(turn.userText))) {
        this.history.add({ role: 'user', content: turn.userText });
      }
      turn.userAdded = true;
      await this.executeTurn(id, abort.signal, (answered) => {
        turn.answered = answered;
      });
    })();
    void turn.done.finally(() => {
      if (this.currentTurn?.id === id) this.currentTurn = undefined;
    });
  }

  /** Stops a turn's model stream and its audio now; returns the text the caller heard of it. */
  private interruptTurn(turn: ActiveTurn): string {
    turn.abort.abort();
    const { heard } = this.output.interrupt();
    return heard
      .filter((p) => p.turnId === turn.id)
      .map((p) => p.text)
      .join(' ');
  }

  /** The model must never believe it said what the caller did not hear. */
  private settleInterruptedTurn(turn: ActiveTurn, heard: string): void {
    if (turn.answered) {
      this.history.replaceLastAssistantText(heard ? `${heard} [interrupted]` : '[interrupted by the caller]');
    } else if (heard) {
      this.history.add({ role: 'assistant', content: `${heard} [interrupted]` });
    }
  }

  private async executeTurn(
    id: number,
    signal: AbortSignal,
    answered: (yes: boolean) => void,
  ): Promise<void> {
    try {
      const result = await runTurn({
        turnId: id,
        signal,
        model: this.deps.model,
        tools: this.deps.tools,
        invoker: this.deps.invoker,
        history: this.history,
        output: this.output,
        session: this.session,
        maxToolRounds: this.deps.settings.maxToolRounds,
        onFirstToken: () => this.latency.mark(id, 'firstToken'),
        onToolCall: (call) => this.recordTool(call),
      });
      this.usage.promptTokens += result.usage.promptTokens;
      this.usage.completionTokens += result.usage.completionTokens;
      this.usage.llmCalls += result.usage.llmCalls;
      answered(result.status !== 'aborted');
      if (result.spoken) this.record('assistant', result.spoken);
    } catch (error) {
      if (signal.aborted || this.stopped) return;
      // Never dead air and never the error text: a short apology the caller can act on.
      this.log.error(
        { err: { name: (error as Error).name, status: (error as { status?: number }).status } },
        'turn failed',
      );
      this.output.say(APOLOGY, id);
      this.history.add({ role: 'assistant', content: APOLOGY });
      this.record('assistant', APOLOGY);
    } finally {
      // The answer's audio may still be on its way from TTS; then the audio callback closes it.
      if (this.latency.has(id, 'firstAudioSent') || signal.aborted) this.logLatency(id);
    }
  }

  private logLatency(turnId: number): void {
    const latency = this.latency.finish(turnId);
    if (latency) this.log.info({ turn: turnId, latency }, 'turn latency');
  }

  private record(role: 'caller' | 'assistant', text: string): void {
    this.transcript.push({ role, text, at: this.deps.now().toString() });
  }

  private recordTool(call: ToolCallRecord): void {
    this.transcript.push({
      role: 'tool',
      text: `${call.name} ${call.ok ? 'ok' : call.code}`,
      at: this.deps.now().toString(),
    });
  }

  private closeProviders(): void {
    this.sttSession?.close();
    this.ttsSession?.close();
  }
}
