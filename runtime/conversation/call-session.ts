/**
 * One phone call: the caller's audio goes to speech-to-text, each finished utterance becomes a
 * model turn, and the answer is spoken back. Turn-taking lives here: barge-in (cut the audio, keep
 * in the history only what was heard, resume after a false alarm), deferring a short "okay" said
 * over the assistant, fillers, hang-up and transfer, DTMF, silence and the call's time limit.
 * Owns the call's provider sessions and timers and releases all of them at stop().
 */
import type { Logger } from '../observability/logger';
import type { ChatMessage, SpeechToTextSession, TextToSpeechSession } from '../providers/interfaces';
import type { ToolSession } from '../tools/contract';
import { BargeInDetector } from './barge-in';
import { CallExit } from './call-exit';
import { CallJournal } from './call-journal';
import { openProviders } from './call-providers';
import type { CallSessionDependencies, CallStart, TurnTakingSettings } from './call-setup';
import { CallWatchdog } from './call-watchdog';
import { identifyCaller } from './caller-context';
import { ConfirmationGate } from './confirmation-gate';
import { ConversationHistory } from './history';
import { createTurn, Interruptions, type Turn, textOf } from './interruptions';
import { PHRASES } from './phrases';
import { buildGreeting, buildSystemPrompt } from './prompt';
import { SpeechOutput } from './speech-output';
import { TurnAnswerer } from './turn-answerer';

/** Lines the assistant says on its own belong to no turn (pruned with every turn). */
const NO_TURN = -1;

export class CallSession {
  private readonly log: Logger;
  private readonly session: ToolSession;
  private readonly settings: TurnTakingSettings;
  private readonly bargeIn: BargeInDetector;
  private readonly journal: CallJournal;
  private readonly gate = new ConfirmationGate();
  private callerTurns = 0;
  private history!: ConversationHistory;
  private output?: SpeechOutput;
  private answerer?: TurnAnswerer;
  private watchdog?: CallWatchdog;
  private sttSession?: SpeechToTextSession;
  private ttsSession?: TextToSpeechSession;
  private utteranceParts: string[] = [];
  private deferred: string[] = [];
  private turnId = 0;
  private currentTurn?: Turn;
  private lastTurn?: Turn;
  private readonly interruptions: Interruptions;
  private readonly exit: CallExit;
  private stopped = false;
  private stopping?: Promise<void>;

  constructor(
    private readonly deps: CallSessionDependencies,
    private readonly call: CallStart,
  ) {
    this.log = deps.logger.child({ callSid: call.callSid });
    this.journal = new CallJournal(call, deps.calls, this.log, deps.now);
    this.interruptions = new Interruptions(
      {
        log: this.log,
        output: () => this.output,
        history: () => this.history,
        running: () => this.currentTurn,
        latest: () => this.lastTurn,
        isEnding: () => this.exit.ending,
        isStopped: () => this.stopped,
        continueConversation: () => this.startTurn(null),
        interrupted: (turnId, reactionMs) => this.journal.metrics.interrupted(turnId, reactionMs),
      },
      deps.settings.turnTaking.resumeAfterMs,
    );
    this.exit = new CallExit(
      {
        isStopped: () => this.stopped,
        say: (text) => this.say(text, NO_TURN),
        whenPlayed: () => this.output?.whenIdle() ?? Promise.resolve(),
        closeStream: () => call.closeStream(),
      },
      deps.control,
      call.callSid,
      deps.shop,
      this.log,
    );
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
    const context = await identifyCaller(this.deps.invoker, this.session, this.call.appointmentId);
    this.history = new ConversationHistory(buildSystemPrompt(this.deps.shop, this.deps.now(), context), {
      maxTokens: this.deps.settings.historyMaxTokens,
    });
    const saved = this.call.resumed ? await this.deps.calls.loadConversation(this.call.callSid) : null;
    if (saved) {
      for (const message of saved.messages) this.history.add(message as ChatMessage);
      this.session.customerId = saved.customerId ?? this.session.customerId;
      if (saved.gate) this.gate.restore(saved.gate);
    }
    const providers = await openProviders(
      this.deps.stt,
      {
        speechStarted: () => this.onSpeechStarted(),
        transcript: (event) => this.onTranscript(event.text, event.isFinal, event.speechFinal),
        utteranceEnd: () => this.endOfUtterance(),
        closed: (info) => {
          if (!info.expected) this.providerLost('stt', info.code);
        },
      },
      this.deps.tts,
      {
        audio: (chunk) => this.output?.onTtsAudio(chunk),
        flushed: () => this.output?.onTtsFlushed(),
        cleared: () => this.output?.onTtsCleared(),
        warning: ({ code, description }) =>
          this.log.warn({ provider: 'tts', code, description }, 'TTS warning'),
        closed: (info) => {
          if (!info.expected) this.providerLost('tts', info.code);
        },
      },
    );
    this.sttSession = providers.stt;
    this.ttsSession = providers.tts;
    const tts = providers.tts;
    if (this.stopped) return this.closeProviders();
    this.output = new SpeechOutput(tts, this.call.twilio, {
      firstAudioReceived: (turnId) => this.journal.metrics.mark(turnId, 'firstTtsByte'),
      firstAudioSent: (turnId) => this.journal.metrics.mark(turnId, 'firstAudioSent'),
      idle: () => this.onOutputIdle(),
    });
    this.answerer = new TurnAnswerer({
      deps: this.deps,
      log: this.log,
      journal: this.journal,
      exit: this.exit,
      gate: this.gate,
      history: this.history,
      output: this.output,
      session: this.session,
      isStopped: () => this.stopped,
      say: (text, turnId) => this.say(text, turnId),
    });
    this.watchdog = new CallWatchdog(
      { silenceMs: this.settings.silenceMs, maxCallMs: this.settings.maxCallMs },
      {
        stillThere: () => this.promptSilentCaller(),
        silenceTimeout: () => void this.exit.endCall('silence', PHRASES.silenceGoodbye(this.deps.shop)),
        maxDurationReached: () => {
          this.cutEverything();
          void this.exit.endCall('max_duration', PHRASES.timeLimit(this.deps.shop));
        },
      },
    );
    const greeting = saved ? PHRASES.resumed : buildGreeting(this.deps.shop, context);
    const turn = this.newTurn('');
    Object.assign(turn, { answered: true, userAdded: true });
    this.history.add({ role: 'assistant', content: greeting });
    turn.spokenEntry = this.journal.record('assistant', greeting);
    this.output.say(greeting, turn.id);
    this.log.info({ direction: this.call.direction, context: context.kind }, 'call started');
  }

  /** One inbound audio frame, already decoded from base64; passed straight through. */
  onAudio(frame: Uint8Array): void {
    this.sttSession?.sendAudio(frame);
    if (this.bargeIn.armed && this.bargeIn.frame(frame, performance.now())) this.bargeInNow('speech');
  }

  onMark(name: string): void {
    this.output?.onMark(name);
  }

  onDtmf(digit: string): void {
    // Digits can be account or card numbers: only the one that means something here is logged.
    if (digit !== '0' || this.exit.ending || !this.output) return;
    this.log.info('caller pressed 0: transferring');
    this.cutEverything();
    void this.exit.transfer('caller_pressed_0', PHRASES.transferring);
  }

  /** The server is going away: Twilio tells the caller and dials the shop (our voice may be cut). */
  async handOff(outcome: string): Promise<void> {
    if (this.stopped || !this.output) return;
    this.cutEverything();
    await this.exit.transfer(outcome, null, PHRASES.shutdownTransfer);
  }

  /** Every caller gets the same promise: a shutdown waits for a stop already under way. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.stopOnce(reason);
    return this.stopping;
  }

  private async stopOnce(reason: string): Promise<void> {
    this.stopped = true;
    this.exit.outcome ??= reason;
    this.watchdog?.stop();
    this.bargeIn.disarm();
    this.interruptions.cancel();
    this.currentTurn?.abort.abort();
    // Before waiting for the turn: one saying goodbye waits for its playback, which a stopped
    // stream never reports (the caller hung up as it played).
    this.output?.interrupt();
    await this.currentTurn?.done.catch(() => undefined);
    this.closeProviders();
    for (const turnId of this.journal.metrics.openTurns()) this.finishMetrics(turnId);
    // Only a stream that closed by itself may be resumed; every other end is final.
    await this.persist(reason !== 'stream_closed' || this.exit.ending);
    await this.journal.close(this.exit.outcome ?? reason, this.session.customerId, this.turnId);
  }

  private somethingToInterrupt(): boolean {
    return !this.exit.ending && (this.currentTurn !== undefined || Boolean(this.output?.isSpeaking()));
  }

  private onSpeechStarted(): void {
    this.watchdog?.callerActive();
    this.interruptions.callerActive();
    // The answer's request leaves when they stop: its connection is opened while they talk.
    this.deps.model.warmUp?.();
    if (this.somethingToInterrupt()) this.bargeIn.speechStarted(performance.now());
  }

  private onTranscript(text: string, isFinal: boolean, speechFinal: boolean): void {
    const trimmed = text.trim();
    if (trimmed) {
      this.watchdog?.callerActive();
      this.interruptions.callerActive();
      if (this.utteranceParts.length === 0) this.deps.model.warmUp?.();
      if (
        this.somethingToInterrupt() &&
        this.bargeIn.transcript([...this.utteranceParts, trimmed].join(' '))
      ) {
        this.bargeInNow('words');
      }
      if (isFinal) this.utteranceParts.push(trimmed);
    }
    if (speechFinal) this.endOfUtterance();
  }

  private endOfUtterance(): void {
    const text = this.utteranceParts.join(' ').trim();
    this.utteranceParts = [];
    if (!text || this.stopped || !this.output) return;
    this.journal.record('caller', text);
    if (this.exit.ending) return;
    // Too short to count as an interruption ("okay", "uh-huh"): answer it once the assistant is done.
    if (this.output.isSpeaking()) {
      this.deferred.push(text);
      return;
    }
    this.startTurn(text);
  }

  private bargeInNow(kind: 'speech' | 'words'): void {
    this.bargeIn.disarm();
    this.interruptions.interrupt(kind);
  }

  private newTurn(userText: string): Turn {
    this.lastTurn = createTurn(this.turnId++, userText);
    return this.lastTurn;
  }

  /**
   * Answers an utterance (or, with null, lets the model continue after a false alarm). A turn still
   * running is superseded; if the caller heard none of it, the two utterances become one message.
   */
  private startTurn(userText: string | null): void {
    const before = this.lastTurn;
    const interruption = this.interruptions.take();
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
    this.journal.metrics.start(turn.id);
    this.currentTurn = turn;
    this.watchdog?.busy();
    turn.done = (async () => {
      await before?.done.catch(() => undefined);
      if (previous) this.interruptions.settle(previous, heardOfPrevious);
      if (before) this.finishMetrics(before.id, true);
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
      await this.answerer!.answer(turn, this.callerTurns);
    })();
    void turn.done.finally(() => {
      void this.persist(false);
      if (this.currentTurn === turn) this.currentTurn = undefined;
      if (!this.output?.isSpeaking()) this.onOutputIdle();
    });
  }

  /** A provider stayed down after its reconnects: the caller goes to a person, with Twilio's voice. */
  private providerLost(provider: 'stt' | 'tts', code: number): void {
    if (this.stopped) return;
    this.log.error({ provider, code }, 'provider lost for good: handing the call to the shop');
    this.cutEverything();
    void this.exit.transfer('provider_failure', null, PHRASES.troubleTransfer);
  }

  private promptSilentCaller(): void {
    if (this.exit.ending || this.currentTurn || this.output?.isSpeaking()) return;
    this.say(PHRASES.stillThere, NO_TURN);
  }

  /** Silences the assistant and drops the running turn, for the call's own announcements. */
  private cutEverything(): void {
    this.interruptions.cancel();
    this.deferred = [];
    this.currentTurn?.abort.abort();
    this.output?.interrupt();
  }

  private onOutputIdle(): void {
    if (this.currentTurn || this.exit.ending || this.stopped) return;
    if (this.deferred.length > 0) {
      const text = this.deferred.join(' ');
      this.deferred = [];
      this.startTurn(text);
      return;
    }
    if (!this.interruptions.isPending) this.watchdog?.quiet();
  }

  /** A line of the assistant's own, into speech, history and transcript. */
  private say(text: string, turnId: number): void {
    this.watchdog?.busy();
    this.output?.say(text, turnId);
    this.history.add({ role: 'assistant', content: text });
    this.journal.record('assistant', text);
  }

  /** The conversation by CallSid, so a dropped stream can resume on any task (RES-02). */
  private persist(finished: boolean): Promise<void> {
    if (!this.history) return Promise.resolve();
    const messages = this.history.snapshot().slice(1);
    return this.journal.persist(messages, this.session.customerId, finished, this.gate.snapshot());
  }

  private finishMetrics(turnId: number, afterIo = false): void {
    const chars = this.output?.charsOf(turnId) ?? { generated: 0, played: 0 };
    this.journal.finishTurn(turnId, chars, afterIo);
  }

  private closeProviders(): void {
    this.sttSession?.close();
    this.ttsSession?.close();
  }
}
