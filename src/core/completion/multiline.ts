// Single or multi-line? Most accepted suggestions are one line (87% at Cody), and a wrong
// multi-line suggestion costs the user more to read than it saves. Several lines are offered only
// where the cursor starts a block: on a blank line right after a line that opens one (`{`, `(`,
// `[`, a Python `:`, `=>`, Ruby/Lua/shell `do`/`then`), or at the end of such a line when nothing
// but closing brackets follows the cursor.
import { isBlank } from './documentWindow';
import type { CompletionContext } from './promptLayout';

const OPENS_BLOCK = /(?:[{([:]|=>|\bdo|\bthen|\bbegin)\s*(?:\/\/.*|#.*)?$/;
const ONLY_CLOSERS = /^[\s)\]}>;,'"`]*$/;

export type MultilineMode = 'auto' | 'always' | 'never';

export function shouldCompleteMultiline(
  ctx: Pick<CompletionContext, 'linePrefix' | 'lineSuffix' | 'previousLines'>,
  mode: MultilineMode = 'auto',
): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (!ONLY_CLOSERS.test(ctx.lineSuffix)) return false;
  if (!isBlank(ctx.linePrefix)) return opensBlock(ctx.linePrefix);
  const above = lastNonBlank(ctx.previousLines);
  return above !== undefined && opensBlock(above);
}

/** Whether a line ends by opening a block (a trailing comment aside). */
export function opensBlock(line: string): boolean {
  const code = line.trimEnd();
  if (code.length === 0) return false;
  // A Python/YAML key ending with ":" opens a block; a TypeScript type annotation "x:" does too
  // rarely to matter, and a C "case x:" label is still a good place for several lines.
  return OPENS_BLOCK.test(code);
}

export function lastNonBlank(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (!isBlank(lines[i]!)) return lines[i];
  return undefined;
}

export function firstNonBlank(lines: readonly string[]): string | undefined {
  return lines.find((l) => !isBlank(l));
}
