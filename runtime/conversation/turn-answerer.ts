/**
 * Answers one turn of a call and decides what the call does when answering fails: the token
 * ceiling and a second failure in a row go to a person, a first failure gets an apology. The
 * turn-taking around it (which turn runs, barge-in, deferral) stays in the CallSession.
 */
import type { Logger } from '../observability/logger';
import type { ToolSession } from '../tools/contract';
import type { CallExit } from './call-exit';
import type { CallJournal } from './call-journal';
import type { CallSessionDependencies } from './call-setup';
import type { ConfirmationGate } from './confirmation-gate';
import type { ConversationHistory } from './history';
import type { Turn } from './interruptions';
import { fillerRotation, PHRASES } from './phrases';
import type { SpeechOutput } from './speech-output';
import { runTurn } from './turn-runner';

export interface TurnAnswererParts {
  deps: CallSessionDependencies;
  log: Logger;
  journal: CallJournal;
  exit: CallExit;
  gate: ConfirmationGate;
  history: ConversationHistory;
  output: SpeechOutput;
  session: ToolSession;
  isStopped(): boolean;
  /** A line of the assistant's own, into speech, history and transcript. */
  say(text: string, turnId: number): void;
}

export class TurnAnswerer {
  private readonly nextFiller = fillerRotation();
  /** Shared by every turn of the call: the ceiling is per call (SEC-16). */
  private readonly toolCalls: { used: number; max: number };
  private failuresInARow = 0;

  constructor(private readonly parts: TurnAnswererParts) {
    this.toolCalls = { used: 0, max: parts.deps.settings.perCall.maxToolCalls };
  }

  /** Runs the turn to its end; sets `turn.answered` when the caller got an answer (or an apology). */
  async answer(turn: Turn, callerTurns: number): Promise<void> {
    const { deps, journal, exit, log } = this.parts;
    if (journal.tokensUsed >= deps.settings.perCall.maxTokens) {
      // A call this long is not going anywhere good with the assistant: a person takes over.
      log.warn({ tokens: journal.tokensUsed }, 'token ceiling reached: handing the call to the shop');
      await exit.transfer('token_limit', PHRASES.limitTransfer);
      return;
    }
    const signal = turn.abort.signal;
    try {
      const result = await runTurn({
        turnId: turn.id,
        signal,
        model: deps.model,
        tools: deps.tools,
        invoker: deps.invoker,
        history: this.parts.history,
        output: this.parts.output,
        session: this.parts.session,
        maxToolRounds: deps.settings.maxToolRounds,
        toolCalls: this.toolCalls,
        gate: this.parts.gate,
        callerTurns,
        shop: deps.shop,
        now: deps.now,
        fillerAfterMs: deps.settings.turnTaking.fillerAfterMs,
        firstTokenBudgetMs: deps.settings.turnTaking.firstTokenBudgetMs,
        nextFiller: this.nextFiller,
        onFirstToken: () => journal.metrics.mark(turn.id, 'firstToken'),
        onToolCall: (call) => journal.recordTool(call),
        onFiller: (text) => {
          journal.metrics.filler(turn.id);
          journal.record('assistant', text);
        },
      });
      journal.addUsage(result.usage);
      turn.answered = result.status !== 'aborted';
      if (result.spoken) turn.spokenEntry = journal.record('assistant', result.spoken);
      if (turn.answered) this.failuresInARow = 0;
      if (result.control) await exit.onModelRequest(result.control, result.spoken);
    } catch (error) {
      if (signal.aborted || this.parts.isStopped()) return;
      log.error(
        { err: { name: (error as Error).name, status: (error as { status?: number }).status } },
        'turn failed',
      );
      // Never dead air and never the error text; a second failure in a row goes to a person.
      if (++this.failuresInARow >= 2) {
        void exit.transfer('repeated_failures', PHRASES.troubleTransfer);
        return;
      }
      this.parts.say(PHRASES.apology, turn.id);
      turn.answered = true;
    }
  }
}
