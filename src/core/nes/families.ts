// Which next-edit format a model file speaks, from its GGUF metadata: general.name and
// general.basename (what the converter wrote: "Sweep Next Edit 1.5B", "zeta", "instinct"), the
// file name, and the chat template. Every open next-edit model is a Qwen2.5-Coder fine-tune, so the
// architecture says nothing; the names do. A name that matches none is not a next-edit model: a
// plain code model asked to rewrite a region with these prompts answers noise. The setting
// `alembic.nextEdit.format` names the format for a fine-tune with another name.
import { instinctFormat } from './formats/instinctFormat';
import { sweepFormat } from './formats/sweepFormat';
import { zetaFormat } from './formats/zetaFormat';
import type { NextEditFamily, NextEditFormat } from './nesPrompt';

export const NEXT_EDIT_FORMATS: Readonly<Record<NextEditFamily, NextEditFormat>> = {
  sweep: sweepFormat,
  zeta: zetaFormat,
  instinct: instinctFormat,
};

export interface ModelIdentity {
  /** general.name */
  readonly name?: string | null;
  /** general.basename */
  readonly basename?: string | null;
  /** The file's name on disk. */
  readonly fileName: string;
  readonly chatTemplate?: string | null;
}

export type FamilyDetection = { family: NextEditFamily; reason: string } | { family: undefined; reason: string };

const PATTERNS: readonly { family: NextEditFamily; pattern: RegExp }[] = [
  { family: 'sweep', pattern: /sweep[\s_.-]*next[\s_.-]*edit/i },
  { family: 'zeta', pattern: /(^|[^a-z])zeta([^a-z0-9]|$)/i },
  { family: 'instinct', pattern: /(^|[^a-z])instinct([^a-z]|$)/i },
];

/** Zed's later Zeta versions use other formats; their weights are not what Alembic prompts for. */
const LATER_ZETA = /zeta[\s_.-]*(2|v2)/i;

export function detectNextEditFamily(model: ModelIdentity): FamilyDetection {
  const fields: [string, string | null | undefined][] = [
    ['general.name', model.name],
    ['general.basename', model.basename],
    ['the file name', model.fileName],
  ];
  for (const [where, value] of fields) {
    if (!value) continue;
    if (LATER_ZETA.test(value))
      return {
        family: undefined,
        reason: `${where} "${value}" is a later Zeta, whose prompt format Alembic does not speak`,
      };
    for (const { family, pattern } of PATTERNS)
      if (pattern.test(value)) return { family, reason: `${where} "${value}"` };
  }
  // Instinct's template is Qwen's with its system prompt added by some conversions.
  if (model.chatTemplate?.includes('You are Instinct'))
    return { family: 'instinct', reason: 'its chat template names Instinct' };
  return {
    family: undefined,
    reason: `neither its name ("${model.name ?? model.fileName}") nor its chat template names a next-edit model (Sweep Next-Edit, Zeta or Instinct)`,
  };
}

export function isNextEditFamily(value: string): value is NextEditFamily {
  return value in NEXT_EDIT_FORMATS;
}
