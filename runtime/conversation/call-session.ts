/**
 * One phone call: the caller's audio goes to speech-to-text, each finished utterance becomes a
 * model turn, and the answer is spoken back. Turn-taking lives here: barge-in (cut the audio, keep
 * in the history only what was heard, resume after a false alarm), deferring a short "okay" said
 * over the assistant, fillers, hang-up and transfer, DTMF, silence and the call's time limit.
 * Owns the call's provider sessions and timers and releases all of them at stop().
 */
import type { Logger } from 'pino';
import type { Temporal } from 'temporal-polyfill';
import type { ShopConfig } from '../config/shop-config';
import type { CallRecord, CallsRepository } from '../data/calls-repo';
import type {
  ChatMessage,
  ChatModel,
  ChatToolSpec,
  SpeechToText,
  SpeechToTextSession,
  TextToSpeech,
  TextToSpeechSession,
} from '../providers/interfaces';
import type { CallControl } from '../telephony/call-control';
import type { ToolSession } from '../tools/contract';
import type { ToolInvoker } from '../tools/invoker';
import { BargeInDetector, type BargeInSettings } from './barge-in';
import type { CallControlRequest } from './call-control-tools';
import { CallWatchdog } from './call-watchdog';
import { ConfirmationGate } from './confirmation-gate';
import { ConversationHistory } from './history';
import { fillerRotation, PHRASES } from './phrases';
import { buildGreeting, buildSystemPrompt, type CallContext } from './prompt';
import { findReminderContext } from './reminder-context';
import { SpeechOutput, type SpokenPiece, type TwilioOutput } from './speech-output';
import { TurnMetrics } from './turn-metrics';
import { runTurn, type ToolCallRecord } from './turn-runner';

export interface TurnTakingSettings {
  bargeIn: BargeInSettings;
  /** After an interruption that no words follow (a false alarm), resume after this long. */
  resumeAfterMs: number;
  fillerAfterMs: number;
  /** Time the model has to start answering, its retries included (RES-07). */
  firstTokenBudgetMs: number;
  silenceMs: number;
  maxCallMs: number;
}

export interface CallSessionDependencies {
  shop: ShopConfig;
  stt: SpeechToText;
  tts: TextToSpeech;
  model: ChatModel;
  tools: readonly ChatToolSpec[];
  invoker: ToolInvoker;
  calls: CallsRepository;
  control: CallControl;
  logger: Logger;
  now: () => Temporal.Instant;
  settings: { maxToolRounds: number; historyMaxTokens: number; turnTaking: TurnTakingSettings };
}

export interface CallStart {
  callSid: string;
  direction: 'inbound' | 'outbound';
  callerPhone: string | null;
  twilio: TwilioOutput;
  /** Closes the media stream, which ends a <Connect> without action: the last resort for hang-up. */
  closeStream(): void;
  /** Set on reminder calls: the appointment the call is about. */
  appointmentId?: string;
  /** A new stream for a call whose stream dropped: the conversation carries on (RES-02). */
  resumed?: boolean;
}

interface Turn {
  id: number;
  abort: AbortController;
  done: Promise<void>;
  /** The turn's final answer went into the history. */
  answered: boolean;
  userText: string;
  userAdded: boolean;
  settled: boolean;
  spokenEntry?: CallRecord['transcript'][number];
}

interface Interruption {
  turn: Turn;
  heard: string;
  unheard: SpokenPiece[];
  timer: NodeJS.Timeout;
}

/** A goodbye is played to the end, but a broken playback clock must not hold the call open. */
const PLAYBACK_WAIT_MAX_MS = 20_000;
/** Lines the assistant says on its own belong to no turn (pruned with every turn). */
const NO_TURN = -1;

export class CallSession {
  private readonly log: Logger;
  private readonly session: ToolSession;
  private readonly startedAt: Temporal.Instant;
  private readonly settings: TurnTakingSettings;
  private readonly bargeIn: BargeInDetector;
  private readonly nextFiller = fillerRotation();
  private readonly metrics = new TurnMetrics();
  private readonly gate = new ConfirmationGate();
  private callerTurns = 0;
  private readonly transcript: CallRecord['transcript'] = [];
  private readonly usage = { promptTokens: 0, completionTokens: 0, llmCalls: 0 };
  private history!: ConversationHistory;
  private output?: SpeechOutput;
  private watchdog?: CallWatchdog;
  private sttSession?: SpeechToTextSession;
  private ttsSession?: TextToSpeechSession;
  private utteranceParts: string[] = [];
  private deferred: string[] = [];
  private turnId = 0;
  private currentTurn?: Turn;
  private lastTurn?: Turn;
  private interruption?: Interruption;
  private failuresInARow = 0;
  private ending = false;
  private stopped = false;
  private outcome?: string;
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CallSessionDependencies,
    private readonly call: CallStart,
  ) {
    this.log = deps.logger.child({ callSid: call.callSid });
    this.startedAt = deps.now();
    this.settings = deps.settings.turnTaking;
    this.bargeIn = new BargeInDetector(this.settings.bargeIn);
    this.session = {
      shopId: deps.shop.shopId,
      callSid: call.callSid,
      callerPhone: call.callerPhone,
      customerId: null,
    };
  }

  /** Looks the caller up, opens the providers, and greets. */
  async start(): Promise<void> {
    const context = await this.lookUpCaller();
    this.history = new ConversationHistory(buildSystemPrompt(this.deps.shop, this.deps.now(), context), {
      maxTokens: this.deps.settings.historyMaxTokens,
    });
    const saved = this.call.resumed ? await this.deps.calls.loadConversation(this.call.callSid) : null;
    if (saved) {
      for (const message of saved.messages) this.history.add(message as ChatMessage);
      this.session.customerId = saved.customerId ?? this.session.customerId;
    }
    const [sttOpened, ttsOpened] = await Promise.allSettled([
      this.deps.stt.open({
        speechStarted: () => this.onSpeechStarted(),
        transcript: (event) => this.onTranscript(event.text, event.isFinal, event.speechFinal),
        utteranceEnd: () => this.endOfUtterance(),
        closed: (info) => {
          if (!info.expected) this.providerLost('stt', info.code);
        },
      }),
      this.deps.tts.open({
        audio: (chunk) => this.output?.onTtsAudio(chunk),
        flushed: () => this.output?.onTtsFlushed(),
        cleared: () => this.output?.onTtsCleared(),
        closed: (info) => {
          if (!info.expected) this.providerLost('tts', info.code);
        },
      }),
    ]);
    // One provider failing must not leave the other's socket open.
    if (sttOpened.status === 'fulfilled') this.sttSession = sttOpened.value;
    if (ttsOpened.status === 'fulfilled') this.ttsSession = ttsOpened.value;
    if (sttOpened.status === 'rejected' || ttsOpened.status === 'rejected') {
      this.closeProviders();
      throw sttOpened.status === 'rejected' ? sttOpened.reason : (ttsOpened as PromiseRejectedResult).reason;
    }
    const tts = ttsOpened.value;
    if (this.stopped) return this.closeProviders();
    this.output = new SpeechOutput(tts, this.call.twilio, {
      firstAudioReceived: (turnId) => this.metrics.mark(turnId, 'firstTtsByte'),
      firstAudioSent: (turnId) => this.metrics.mark(turnId, 'firstAudioSent'),
      idle: () => this.onOutputIdle(),
    });
    this.watchdog = new CallWatchdog(
      { silenceMs: this.settings.silenceMs, maxCallMs: this.settings.maxCallMs },
      {
        stillThere: () => this.promptSilentCaller(),
        silenceTimeout: () => void this.endCall('silence', PHRASES.silenceGoodbye(this.deps.shop)),
        maxDurationReached: () => {
          this.cutEverything();
          void this.endCall('max_duration', PHRASES.timeLimit(this.deps.shop));
        },
      },
    );
    const greeting = saved ? PHRASES.resumed : buildGreeting(this.deps.shop, context);
    const turn = this.newTurn('');
    Object.assign(turn, { answered: true, userAdded: true });
    this.history.add({ role: 'assistant', content: greeting });
    turn.spokenEntry = this.record('assistant', greeting);
    this.output.say(greeting, turn.id);
    this.log.info({ direction: this.call.direction, context: context.kind }, 'call started');
  }

  /** One inbound audio frame, already decoded from base64; passed straight through. */
  onAudio(frame: Uint8Array): void {
    this.sttSession?.sendAudio(frame);
    if (this.bargeIn.armed && this.bargeIn.frame(frame, performance.now())) this.interrupt('speech');
  }

  onMark(name: string): void {
    this.output?.onMark(name);
  }

  onDtmf(digit: string): void {
    // Digits can be account or card numbers: only the one that means something here is logged.
    if (digit !== '0' || this.ending || !this.output) return;
    this.log.info('caller pressed 0: transferring');
    this.cutEverything();
    void this.transfer('caller_pressed_0', PHRASES.transferring);
  }

  /** The server is going away: Twilio tells the caller and dials the shop (our voice may be cut). */
  async handOff(outcome: string): Promise<void> {
    if (this.stopped || !this.output) return;
    this.cutEverything();
    this.ending = false;
    await this.transfer(outcome, null, PHRASES.shutdownTransfer);
  }

  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.outcome ??= reason;
    this.watchdog?.stop();
    this.bargeIn.disarm();
    if (this.interruption) clearTimeout(this.interruption.timer);
    this.currentTurn?.abort.abort();
    await this.currentTurn?.done.catch(() => undefined);
    this.output?.interrupt();
    this.closeProviders();
    for (const turnId of this.metrics.openTurns()) this.finishMetrics(turnId);
    // Only a stream that closed by itself may be resumed; every other end is final.
    await this.persist(reason !== 'stream_closed' || this.ending);
    try {
      await this.deps.calls.saveCallRecord({
        callSid: this.call.callSid,
        direction: this.call.direction,
        callerPhone: this.call.callerPhone,
        customerId: this.session.customerId,
        startedAt: this.startedAt.toString(),
        endedAt: this.deps.now().toString(),
        outcome: this.outcome ?? reason,
        transcript: this.transcript,
        usage: this.usage,
        latency: this.metrics.summary(),
      });
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'could not save the call record');
    }
    this.log.info(
      { outcome: this.outcome, turns: this.turnId, usage: this.usage, latency: this.metrics.summary() },
      'call ended',
    );
  }

  private async lookUpCaller(): Promise<CallContext> {
    if (!this.call.callerPhone) return { kind: 'new_caller' };
    if (this.call.appointmentId) {
      const reminder = await findReminderContext(this.deps.invoker, this.session, this.call.appointmentId);
      if (reminder) {
        this.session.customerId = reminder.customerId;
        return { kind: 'reminder', ...reminder };
      }
    }
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

  private somethingToInterrupt(): boolean {
    return !this.ending && (this.currentTurn !== undefined || Boolean(this.output?.isSpeaking()));
  }

  private onSpeechStarted(): void {
    this.watchdog?.callerActive();
    if (this.somethingToInterrupt()) this.bargeIn.speechStarted(performance.now());
  }

  private onTranscript(text: string, isFinal: boolean, speechFinal: boolean): void {
    const trimmed = text.trim();
    if (trimmed) {
      this.watchdog?.callerActive();
      if (
        this.somethingToInterrupt() &&
        this.bargeIn.transcript([...this.utteranceParts, trimmed].join(' '))
      ) {
        this.interrupt('words');
      }
      if (isFinal) this.utteranceParts.push(trimmed);
    }
    if (speechFinal) this.endOfUtterance();
  }

  private endOfUtterance(): void {
    const text = this.utteranceParts.join(' ').trim();
    this.utteranceParts = [];
    if (!text || this.stopped || !this.output) return;
    this.record('caller', text);
    if (this.ending) return;
    // Too short to count as an interruption ("okay", "uh-huh"): answer it once the assistant is done.
    if (this.output.isSpeaking()) {
      this.deferred.push(text);
      return;
    }
    this.startTurn(text);
  }

  /** The caller's speech counts as an interruption: silence the assistant now, settle the history later. */
  private interrupt(kind: 'speech' | 'words'): void {
    const turn = this.currentTurn ?? this.lastTurn;
    if (!this.output || !turn || this.ending) return;
    const detectedAt = performance.now();
    this.bargeIn.disarm();
    const wasRunning = this.currentTurn !== undefined;
    turn.abort.abort();
    const { heard, unheard } = this.output.interrupt();
    const reactionMs = performance.now() - detectedAt;
    if (!wasRunning && unheard.length === 0) return;
    this.metrics.interrupted(turn.id, reactionMs);
    this.log.info(
      { turn: turn.id, kind, reactionMs: Math.round(reactionMs * 100) / 100 },
      'caller interrupted',
    );
    const heardText = textOf(heard, turn.id);
    if (this.interruption) clearTimeout(this.interruption.timer);
    const interruption: Interruption = {
      turn,
      heard: heardText,
      unheard: unheard.filter((p) => p.turnId === turn.id),
      timer: setTimeout(() => void this.resume(interruption), this.settings.resumeAfterMs),
    };
    this.interruption = interruption;
    void turn.done.then(() => this.settle(turn, heardText));
  }

  /** No words followed the interruption: carry on with what the caller has not heard yet. */
  private async resume(interruption: Interruption): Promise<void> {
    if (this.interruption !== interruption || this.ending || this.stopped || !this.output) return;
    this.interruption = undefined;
    await interruption.turn.done.catch(() => undefined);
    if (this.interruption || this.currentTurn || this.stopped) return;
    const { turn, heard, unheard } = interruption;
    this.log.info({ turn: turn.id }, 'false alarm: resuming');
    if (!turn.answered) {
      // The answer was never finished: the model carries on from the history (tool results included).
      this.startTurn(null);
      return;
    }
    if (unheard.length === 0) return;
    this.history.replaceLastAssistantText([heard, ...unheard.map((p) => p.text)].filter(Boolean).join(' '));
    if (turn.spokenEntry) delete turn.spokenEntry.interrupted;
    for (const piece of unheard) this.output.say(piece.text, turn.id);
  }

  /** The model must never believe it said what the caller did not hear. */
  private settle(turn: Turn, heard: string): void {
    if (turn.settled) return;
    turn.settled = true;
    if (turn.spokenEntry) turn.spokenEntry.interrupted = true;
    if (turn.answered) {
      this.history.replaceLastAssistantText(heard ? `${heard} [interrupted]` : '[interrupted by the caller]');
    } else if (heard) {
      this.history.add({ role: 'assistant', content: `${heard} [interrupted]` });
    }
  }

  private newTurn(userText: string): Turn {
    const turn: Turn = {
      id: this.turnId++,
      abort: new AbortController(),
      done: Promise.resolve(),
      answered: false,
      userText,
      userAdded: false,
      settled: false,
    };
    this.lastTurn = turn;
    return turn;
  }

  /**
   * Answers an utterance (or, with null, lets the model continue after a false alarm). A turn still
   * running is superseded; if the caller heard none of it, the two utterances become one message.
   */
  private startTurn(userText: string | null): void {
    const before = this.lastTurn;
    const interruption = this.interruption;
    if (interruption) clearTimeout(interruption.timer);
    this.interruption = undefined;
    let previous = this.currentTurn;
    let heardOfPrevious = '';
    if (previous) {
      previous.abort.abort();
      heardOfPrevious = textOf(this.output!.interrupt().heard, previous.id);
    } else if (interruption) {
      previous = interruption.turn;
      heardOfPrevious = interruption.heard;
    }
    const turn = this.newTurn(userText ?? '');
    this.metrics.start(turn.id);
    this.currentTurn = turn;
    this.watchdog?.busy();
    turn.done = (async () => {
      await before?.done.catch(() => undefined);
      if (previous) this.settle(previous, heardOfPrevious);
      if (before) this.finishMetrics(before.id);
      this.output!.forgetBefore(turn.id - 1);
      if (turn.abort.signal.aborted) return;
      if (userText !== null) {
        // Words of a turn superseded before it reached the model are carried over.
        if (previous && !previous.userAdded) turn.userText = `${previous.userText} ${userText}`.trim();
        const merged = previous && !heardOfPrevious && this.history.appendToLastUser(turn.userText);
        if (!merged) this.history.add({ role: 'user', content: turn.userText });
        this.callerTurns++;
      }
      turn.userAdded = true;
      await this.executeTurn(turn);
    })();
    void turn.done.finally(() => {
      void this.persist(false);
      if (this.currentTurn === turn) this.currentTurn = undefined;
      if (!this.output?.isSpeaking()) this.onOutputIdle();
    });
  }

  private async executeTurn(turn: Turn): Promise<void> {
    const signal = turn.abort.signal;
    try {
      const result = await runTurn({
        turnId: turn.id,
        signal,
        model: this.deps.model,
        tools: this.deps.tools,
        invoker: this.deps.invoker,
        history: this.history,
        output: this.output!,
        session: this.session,
        maxToolRounds: this.deps.settings.maxToolRounds,
        gate: this.gate,
        callerTurns: this.callerTurns,
        shop: this.deps.shop,
        now: this.deps.now,
        fillerAfterMs: this.settings.fillerAfterMs,
        firstTokenBudgetMs: this.settings.firstTokenBudgetMs,
        nextFiller: this.nextFiller,
        onFirstToken: () => this.metrics.mark(turn.id, 'firstToken'),
        onToolCall: (call) => this.recordTool(call),
        onFiller: (text) => {
          this.metrics.filler(turn.id);
          this.record('assistant', text);
        },
      });
      this.usage.promptTokens += result.usage.promptTokens;
      this.usage.completionTokens += result.usage.completionTokens;
      this.usage.llmCalls += result.usage.llmCalls;
      turn.answered = result.status !== 'aborted';
      if (result.spoken) turn.spokenEntry = this.record('assistant', result.spoken);
      if (turn.answered) this.failuresInARow = 0;
      if (result.control) await this.control(result.control, result.spoken);
    } catch (error) {
      if (signal.aborted || this.stopped) return;
      this.log.error(
        { err: { name: (error as Error).name, status: (error as { status?: number }).status } },
        'turn failed',
      );
      // Never dead air and never the error text; a second failure in a row goes to a person.
      if (++this.failuresInARow >= 2) {
        void this.transfer('repeated_failures', PHRASES.troubleTransfer);
        return;
      }
      this.say(PHRASES.apology, turn.id);
      turn.answered = true;
    }
  }

  private control(request: CallControlRequest, spoken: string): Promise<void> {
    this.log.info({ tool: request.name }, 'call control requested by the assistant');
    return request.name === 'end_call'
      ? this.endCall('assistant_ended', spoken ? null : PHRASES.goodbye(this.deps.shop))
      : this.transfer('transferred', spoken ? null : PHRASES.transferring);
  }

  /** Says the goodbye, waits until it has played, then hangs up. */
  private async endCall(outcome: string, line: string | null): Promise<void> {
    if (this.ending || this.stopped) return;
    this.ending = true;
    this.outcome = outcome;
    if (line) this.say(line, NO_TURN);
    await this.untilPlayed();
    if (this.stopped) return;
    try {
      await this.deps.control.hangUp(this.call.callSid);
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'hang-up failed: closing the stream');
      this.call.closeStream();
    }
  }

  private async transfer(outcome: string, line: string | null, announcement?: string): Promise<void> {
    if (this.stopped || (this.ending && !announcement)) return;
    this.ending = true;
    if (line) this.say(line, NO_TURN);
    await this.untilPlayed();
    if (this.stopped) return;
    try {
      await this.deps.control.transfer(this.call.callSid, this.deps.shop.transferNumber, announcement);
      this.outcome = outcome;
    } catch (error) {
      this.log.error({ err: { name: (error as Error).name } }, 'transfer failed');
      this.ending = false;
      this.say(PHRASES.transferFailed(this.deps.shop), NO_TURN);
    }
  }

  private untilPlayed(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PLAYBACK_WAIT_MAX_MS);
    });
    return Promise.race([this.output?.whenIdle() ?? Promise.resolve(), late]).finally(() =>
      clearTimeout(timer),
    );
  }

  /** A provider stayed down after its reconnects: the caller goes to a person, with Twilio's voice. */
  private providerLost(provider: 'stt' | 'tts', code: number): void {
    if (this.stopped) return;
    this.log.error({ provider, code }, 'provider lost for good: handing the call to the shop');
    this.cutEverything();
    void this.transfer('provider_failure', null, PHRASES.troubleTransfer);
  }

  private promptSilentCaller(): void {
    if (this.ending || this.currentTurn || this.output?.isSpeaking()) return;
    this.say(PHRASES.stillThere, NO_TURN);
  }

  /** Silences the assistant and drops the running turn, for the call's own announcements. */
  private cutEverything(): void {
    if (this.interruption) clearTimeout(this.interruption.timer);
    this.interruption = undefined;
    this.deferred = [];
    this.currentTurn?.abort.abort();
    this.output?.interrupt();
  }

  private onOutputIdle(): void {
    if (this.currentTurn || this.ending || this.stopped) return;
    if (this.deferred.length > 0) {
      const text = this.deferred.join(' ');
      this.deferred = [];
      this.startTurn(text);
      return;
    }
    if (!this.interruption) this.watchdog?.quiet();
  }

  /** A line of the assistant's own, into speech, history and transcript. */
  private say(text: string, turnId: number): void {
    this.watchdog?.busy();
    this.output?.say(text, turnId);
    this.history.add({ role: 'assistant', content: text });
    this.record('assistant', text);
  }

  /** The conversation by CallSid, so a dropped stream can resume on any task (RES-02). */
  private persist(finished: boolean): Promise<void> {
    if (!this.history) return Promise.resolve();
    const state = {
      messages: this.history.snapshot().slice(1),
      customerId: this.session.customerId,
      finished,
    };
    // In order: a turn's save must never land after the final one.
    this.persisting = this.persisting.then(() =>
      this.deps.calls.saveConversation(this.call.callSid, state).catch((error: Error) => {
        this.log.error({ err: { name: error.name } }, 'could not save the conversation state');
      }),
    );
    return this.persisting;
  }

  private finishMetrics(turnId: number): void {
    const record = this.metrics.finish(turnId, this.output?.charsOf(turnId) ?? { generated: 0, played: 0 });
    if (record) this.log.info({ turn: turnId, latency: record }, 'turn latency');
  }

  private record(role: 'caller' | 'assistant', text: string): CallRecord['transcript'][number] {
    const entry = { role, text, at: this.deps.now().toString() };
    this.transcript.push(entry);
    return entry;
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

function textOf(pieces: SpokenPiece[], turnId: number): string {
  return pieces
    .filter((p) => p.turnId === turnId)
    .map((p) => p.text)
    .join(' ');
}
