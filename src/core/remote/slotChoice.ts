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

/** The slot to claim, or -1 (let the server choose) when every slot is busy or there are none. */
export function chooseSlot(slots: readonly SlotInfo[], random: () => number = Math.random): number {
  const idle = slots.filter((s) => !s.processing);
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
