// Fits a conversation into the chat model's context so that a long chat never fails: the system
// prompt and the latest user message always go in; earlier exchanges go in newest first while they
// fit; what is left over is dropped whole (a question without its answer would confuse the model).
// A latest message too long on its own is shortened in the middle. Sizes are estimates (about three
// characters per token, on the safe side for code); node-llama-cpp also shifts the context itself
// if an answer runs past the end, so an estimate a little off costs nothing but a shift.
// Only answers go back to the model: reasoning is stripped, as reasoning models expect.
import type { ChatMessage } from '../engine/protocol';
import { TokenEstimator } from '../completion/tokenEstimate';
import { capText } from './chatPrompt';
import type { ChatTurn } from './conversation';
import { stripThoughts } from './thinkSplitter';

export interface FitOptions {
  system: string;
  /** The conversation up to and including the new user turn (no answer placeholder). */
  turns: readonly ChatTurn[];
  contextSize: number;
  /** The answer's token cap; up to a quarter of the context is kept free for it. */
  maxAnswerTokens: number;
}

export interface FittedPrompt {
  messages: ChatMessage[];
  /** Earlier turns left out to fit. */
  droppedTurns: number;
  /** True when the latest message itself had to be shortened. */
  shortened: boolean;
  estimatedTokens: number;
}

/** The code base's one token estimator, at about three characters per token (on the safe side for
 * chat text, which mixes prose and code). */
const ESTIMATOR = new TokenEstimator(3);
/** Template tokens around each message (role markers, separators). */
const PER_MESSAGE = 8;
const BASE = 32;

export function estimateTokens(text: string): number {
  return ESTIMATOR.estimate(text) + PER_MESSAGE;
}

interface Exchange {
  user: string;
  answer: string;
  turns: number;
}

export function fitConversation(options: FitOptions): FittedPrompt {
  const { system, turns, contextSize } = options;
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'user') throw new Error('the conversation must end with a user turn');
  const reserve = Math.min(options.maxAnswerTokens, Math.floor(contextSize / 4));
  const available = Math.max(0, contextSize - reserve - BASE - estimateTokens(system));

  let latest = userText(last);
  let shortened = false;
  if (estimateTokens(latest) > available) {
    latest = capText(latest, Math.max(200, ESTIMATOR.charsFor(available - PER_MESSAGE) - 80)).text;
    shortened = true;
  }
  let used = estimateTokens(latest);

  const exchanges = pairUp(turns.slice(0, -1));
  const kept: Exchange[] = [];
  let dropped = turns.length - 1 - exchanges.reduce((n, e) => n + e.turns, 0);
  for (let i = exchanges.length - 1; i >= 0; i--) {
    const e = exchanges[i]!;
    const cost = estimateTokens(e.user) + estimateTokens(e.answer);
    if (used + cost > available) {
      dropped += exchanges.slice(0, i + 1).reduce((n, x) => n + x.turns, 0);
      break;
    }
    used += cost;
    kept.unshift(e);
  }

  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const e of kept) messages.push({ role: 'user', content: e.user }, { role: 'assistant', content: e.answer });
  messages.push({ role: 'user', content: latest });
  return { messages, droppedTurns: dropped, shortened, estimatedTokens: used + BASE + estimateTokens(system) };
}

function userText(turn: ChatTurn): string {
  return turn.content ?? turn.text;
}

/** Each user turn with the answer that follows it; unanswered questions and empty answers are left out. */
function pairUp(turns: readonly ChatTurn[]): Exchange[] {
  const out: Exchange[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    const next = turns[i + 1];
    if (turn.role !== 'user' || next?.role !== 'assistant') continue;
    const answer = stripThoughts(next.text).trim();
    if (answer) out.push({ user: userText(turn), answer, turns: 2 });
    i++;
  }
  return out;
}
