/**
 * The caller's lines and the fake model's answers for one benchmark call. Every line carries its
 * tag ("c17 t2"), so the fakes can tell which call and turn any request, transcript or audio
 * belongs to without a side channel — and a server that mixed calls up would be caught.
 */
import type { ChatRequest, FakeReply, ReplyScript } from '../test/fakes/openai-fake';
import { lastTag } from './probes';
import type { LatencyProfile, TurnKind } from './protocol';

/** Tool turn, barge-in turn, plain turn, repeating: `--turns 2` still has a tool call and a barge-in. */
const KINDS: TurnKind[] = ['tool', 'barge-in', 'text'];

export function turnKind(turn: number): TurnKind {
  return KINDS[(turn - 1) % KINDS.length]!;
}

export const tagOf = (call: number, turn: number, afterBargeIn = false) =>
  `c${call} t${turn}${afterBargeIn ? 'b' : ''}`;

const QUESTIONS: Record<TurnKind, string> = {
  tool: 'do you have time for an oil change tomorrow?',
  'barge-in': 'can you tell me about your brake service?',
  text: 'when are you open on Saturday?',
};

export const callerLine = (call: number, turn: number) => `${tagOf(call, turn)} ${QUESTIONS[turnKind(turn)]}`;

/** Two words inside the first 100 ms of audio: the first interim result makes it an interruption. */
export const interruptingLine = (call: number, turn: number) =>
  `${tagOf(call, turn, true)} wait, one more thing please.`;

// First sentences are short (< 60 chars) and end in a word, so the splitter cuts them at once.
export const plainAnswerEnd = (tag: string) => `Anything else for ${tag}?`;
const plainAnswer = (tag: string) =>
  `Sure, ${tag} is noted. We are open from eight to six on weekdays. ${plainAnswerEnd(tag)}`;
export const toolAnswerEnd = (tag: string) => `Does that work for ${tag}?`;
const toolAnswer = (tag: string, opening: string) =>
  `I checked ${tag} for you. The first opening is ${opening}. ${toolAnswerEnd(tag)}`;
export const longAnswerStart = (tag: string) => `Let me explain that for ${tag} right now.`;
const longAnswer = (tag: string) =>
  [
    longAnswerStart(tag),
    'Our brake service starts with a full inspection of the pads, rotors, calipers and lines.',
    'We measure the pad thickness and check the rotors for scoring or warping.',
    'If the fluid is old we flush it, because moisture in brake fluid lowers its boiling point.',
    'Most jobs take about two hours, and we call you before doing anything you did not ask for.',
    `That is all for ${tag} today.`,
  ].join(' ');

/** Which fake-model requests answered which tag, for subtracting model time per turn. */
export interface ScriptLog {
  /** Tag → index (in the fake's `requests`) of the request whose text answer was spoken. */
  answerRequest: Map<string, number>;
  /** Tag → index of the request answered with the tool call. */
  toolRequest: Map<string, number>;
  toolFailures: string[];
}

export function newScriptLog(): ScriptLog {
  return { answerRequest: new Map(), toolRequest: new Map(), toolFailures: [] };
}

interface Message {
  role: string;
  content: string | null;
}

export function benchScript(profile: LatencyProfile, currentLog: () => ScriptLog): ReplyScript {
  const { ttftMs, chunkChars, interChunkMs } = profile.llm;
  const text = (body: string): FakeReply => ({ kind: 'text', text: body, ttftMs, chunkChars, interChunkMs });
  return (request: ChatRequest, index: number): FakeReply => {
    const log = currentLog();
    const messages = request.body.messages as Message[];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const tag = lastTag(lastUser);
    // No tag: the transcript lost it (a broken utterance); the turn then fails its waitForHeard.
    if (!tag) return text('Okay. How can I help you?');
    const last = messages.at(-1)!;
    if (last.role === 'tool') {
      const result = JSON.parse(last.content ?? 'null') as {
        ok: boolean;
        error?: { code: string };
        result?: { slots?: { spoken: string }[] };
      };
      if (!result?.ok) log.toolFailures.push(`${tag}: get_available_slots ${result?.error?.code}`);
      log.answerRequest.set(tag, index);
      return text(toolAnswer(tag, result?.result?.slots?.[0]?.spoken ?? 'later this week'));
    }
    const turn = Number(/ t(\d+)/.exec(tag)![1]);
    const afterBargeIn = tag.endsWith('b');
    if (!afterBargeIn && turnKind(turn) === 'tool') {
      log.toolRequest.set(tag, index);
      return {
        kind: 'tools',
        calls: [{ name: 'get_available_slots', arguments: { date: 'tomorrow', service_type: 'oil_change' } }],
        ttftMs,
        argChunkChars: chunkChars,
        interChunkMs,
      };
    }
    log.answerRequest.set(tag, index);
    return text(!afterBargeIn && turnKind(turn) === 'barge-in' ? longAnswer(tag) : plainAnswer(tag));
  };
}
