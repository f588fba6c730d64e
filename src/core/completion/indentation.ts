// Indentation of suggestions, made consistent with the file. Models trained on mixed code often
// indent with four spaces in a file that uses tabs (llama.vscode#72, #39); the suggestion's lines
// after the first are re-based to the file's style, read from the lines around the cursor.
import { isBlank, leadingWhitespace } from './documentWindow';

export interface IndentStyle {
  useTabs: boolean;
  /** Spaces per level (for a tab file, the width a tab stands for). */
  width: number;
}

/** The indentation style of a few lines of code, or undefined when none of them is indented. */
export function detectIndentation(lines: readonly string[]): IndentStyle | undefined {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous = -1;
  for (const line of lines) {
    if (isBlank(line)) continue;
    const lead = leadingWhitespace(line);
    if (lead.startsWith('\t')) tabs++;
    else if (lead.startsWith(' ')) spaces++;
    if (!lead.includes('\t')) {
      const step = Math.abs(lead.length - Math.max(previous, 0));
      if (previous >= 0 && step > 0 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
      previous = lead.length;
    }
  }
  if (tabs === 0 && spaces === 0) return undefined;
  if (tabs > spaces) return { useTabs: true, width: 4 };
  let width = 4;
  let best = 0;
  for (const [step, count] of steps)
    if (count > best || (count === best && step < width)) [width, best] = [step, count];
  return { useTabs: false, width: best === 0 ? 4 : width };
}

/** Rewrites the leading whitespace of every line but the first (which continues the cursor line)
 * into the file's style: tabs for a tab file, `width` spaces per tab for a space file. */
export function rebaseIndentation(text: string, style: IndentStyle | undefined): string {
  if (!style || !text.includes('\n')) return text;
  const lines = text.split('\n');
  const ownUnit = spaceUnit(lines.slice(1));
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lead = leadingWhitespace(line);
    if (lead.length === 0) continue;
    const body = line.slice(lead.length);
    if (style.useTabs && lead.includes(' ')) {
      const columns = columnsOf(lead, ownUnit);
      lines[i] = '\t'.repeat(Math.floor(columns / ownUnit)) + ' '.repeat(columns % ownUnit) + body;
    } else if (!style.useTabs && lead.includes('\t')) {
      lines[i] = lead.replace(/\t/g, ' '.repeat(style.width)) + body;
    }
  }
  return lines.join('\n');
}

/** The number of spaces the suggestion itself uses per level: models indent by 4 or by 2, and a
 * lone 8-space line is two levels of 4, not one of 8. */
function spaceUnit(lines: readonly string[]): number {
  let unit = 0;
  const widths = lines
    .filter((l) => !isBlank(l))
    .map((l) => leadingWhitespace(l))
    .filter((w) => !w.includes('\t'))
    .map((w) => w.length);
  for (const w of widths) if (w > 0) unit = gcd(unit, w);
  return unit % 4 === 0 ? 4 : unit % 2 === 0 ? 2 : 4;
}

function columnsOf(lead: string, tabWidth: number): number {
  let col = 0;
  for (const ch of lead) col += ch === '\t' ? tabWidth - (col % tabWidth) : 1;
  return col;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
