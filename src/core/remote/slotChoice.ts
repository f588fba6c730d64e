// Which llama-server slot an editor window takes for its completions. Left to itself (id_slot -1)
// the server gives a request the idle slot whose cached prompt looks most like it
// (--slot-prompt-similarity), so editors typing in the same files pile onto a few slots and evict
// each other's KV cache at every keystroke; and a window whose first requests are cancelled before
// the server names the slot lands somewhere new each time. Measured with 16 users on 16 slots:
// half the slots ran one or two requests in 15 s, and a keystroke evaluated 2-5× the tokens it
// evaluated for a single user.
// So the window claims a slot itself before its first request, from /slots: one no request has
// used yet, else one of the least recently used idle ones (llama-server numbers its tasks in
// order, so a lower id_task is an older last use). Picking at random among them keeps two windows
// that claim in the same instant apart most of the time.
// Most of the time is not always: 16 windows claiming within a second all see the same unused
// slots, and a few pairs land on one (measured: 3 of 16 slots left unused, a keystroke evaluating
// twice the tokens, and the paired users waiting seconds at pauses as each evicted the other's
// cache). The reply says when that happened: the server reused far fewer tokens than the prompt
// shares with this window's last one (slotTakenOver); the window then claims another slot.
import { field, numberField } from './streamParsers';

export interface SlotInfo {
  id: number;
  processing: boolean;
  /** The task the slot last ran; undefined when it has run none. */
  lastTask?: number;
}

/** The slots of a /slots answer, or undefined when it is not a slot list. */
export function parseSlots(body: unknown): SlotInfo[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const slots: SlotInfo[] = [];
  for (const entry of body) {
    const id = numberField(entry, 'id');
    if (id === undefined || id < 0) return undefined;
    const lastTask = numberField(entry, 'id_task');
    slots.push({
      id,
      processing: field(entry, 'is_processing') === true,
      ...(lastTask !== undefined && lastTask >= 0 && { lastTask }),
    });
  }
  return slots;
}

/** The slot to claim (never `avoid`, the one another window shares), or -1 (let the server choose) when every slot is busy or there are none. */
export function chooseSlot(slots: readonly SlotInfo[], random: () => number = Math.random, avoid?: number): number {
  const idle = slots.filter((s) => !s.processing && s.id !== avoid);
  const unused = idle.filter((s) => s.lastTask === undefined);
  let candidates = unused;
  if (candidates.length === 0) {
    // The older half of the idle slots (at least one): most likely a window that went away.
    const byAge = [...idle].sort((a, b) => a.lastTask! - b.lastTask!);
    candidates = byAge.slice(0, Math.max(1, Math.ceil(byAge.length / 2)));
  }
  if (candidates.length === 0) return -1;
  return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!.id;
}

/** What this window last left in its slot: the prompt (as text) and its length in tokens. */
export interface SlotUse {
  prompt: string;
  promptTokens: number;
}

/** Below this many shared tokens a low reuse says nothing (a short prompt, a new place). */
const MIN_SHARED_TOKENS = 64;

/** Whether another client used this window's slot since its last request: the prompt starts as
 * the last one did, so the slot should still hold that start, yet the server reused less than
 * half of it. (A cancelled request of this window's own can also overwrite the slot, but it starts
 * as the prompts around it do: what it evicts is their end, never most of their start.) */
export function slotTakenOver(previous: SlotUse | undefined, prompt: string, reusedTokens: number): boolean {
  if (!previous || previous.prompt.length === 0) return false;
  const shared = commonPrefixLength(previous.prompt, prompt) / previous.prompt.length;
  const expected = previous.promptTokens * shared;
  return expected >= MIN_SHARED_TOKENS && reusedTokens < expected / 2;
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
