// Fill-in-the-middle prompt templates. The model's own FIM tokens, read from the GGUF metadata by
// the engine, decide the family; the model name is consulted only when the metadata has none.
// A template renders a prompt as segments: special tokens as `{special}` (one token each, never
// spelled out as text) and everything else as `{text}`. The prefix arrives as several text pieces
// (stable lines, recent lines, the current line) and each becomes its own segment, so the tokens of
// an unchanged piece stay identical between requests and the KV cache can be reused.
// Extra context always comes first: it changes rarely, and whatever follows a change is re-evaluated.
import type { FimTokens, PromptSegment } from '../engine/protocol';
import type { ContextSnippet } from './extraContext';

export type FimFamily =
  | 'qwen'
  | 'deepseek'
  | 'starcoder'
  | 'codellama'
  | 'codestral'
  | 'codegemma'
  | 'generic'
  /** The server formats the FIM prompt itself (llama-server's /infill, Ollama's `suffix`). */
  | 'server';

/** The families a user can name in the `fimTemplate` setting. */
export const NAMED_FIM_FAMILIES = ['qwen', 'deepseek', 'starcoder', 'codellama', 'codestral', 'codegemma'] as const;
export type NamedFimFamily = (typeof NAMED_FIM_FAMILIES)[number];

/** Placeholder tokens for a server that formats the FIM prompt itself: the prompt keeps its parts
 * apart with these, and the server backend reads them back out (they never reach a tokenizer). */
export const SERVER_FIM_TOKENS: FimTokens = Object.freeze({
  prefix: '\u0000prefix',
  suffix: '\u0000suffix',
  middle: '\u0000middle',
  fileSeparator: '\u0000file',
});

/** What the engine reports about the loaded completion model. */
export interface FimModel {
  name: string;
  architecture?: string;
  fim: FimTokens | null;
  /** Text of the token to start the prompt with; undefined = the family's usual one, null = none. */
  bos?: string | null;
}

export interface FimPromptParts {
  /** Text above the cursor line, in pieces that become separate segments (empty ones are skipped). */
  prefix: readonly string[];
  /** The cursor line up to the cursor. Prefix–suffix–middle templates put it after the middle
   * token, as the start of the middle the model continues: a valid FIM split (the prefix ends at a
   * line break), and it keeps the suffix's tokens in the KV cache while the user types on the line,
   * so a keystroke re-evaluates only the current line. Other templates append it to the prefix. */
  middleStart?: string;
  /** Text after the cursor. */
  suffix: string;
  /** Path of the current file, as shown to the model. */
  path: string;
  languageId: string;
  repoName: string;
  snippets: readonly ContextSnippet[];
}

export interface FimTemplate {
  readonly family: FimFamily;
  readonly tokens: FimTokens;
  readonly bos?: string;
  /** Strings that end a generation for this family (besides the model's end tokens). */
  readonly stop: readonly string[];
  render(parts: FimPromptParts): PromptSegment[];
}

/** The model cannot fill in the middle: no FIM tokens in its metadata and no known family. */
export class NoFimSupportError extends Error {
  readonly code = 'noFim';
  constructor(readonly modelName: string) {
    super(`${modelName} has no fill-in-the-middle tokens; pick a code completion model such as Qwen2.5-Coder base.`);
    this.name = 'NoFimSupportError';
  }
}

interface FamilyDefaults {
  tokens: FimTokens;
  bos?: string;
  stop: string[];
}

const FAMILIES: Record<NamedFimFamily, FamilyDefaults> = {
  qwen: {
    tokens: {
      prefix: '<|fim_prefix|>',
      suffix: '<|fim_suffix|>',
      middle: '<|fim_middle|>',
      pad: '<|fim_pad|>',
      repoName: '<|repo_name|>',
      fileSeparator: '<|file_sep|>',
    },
    stop: ['<|endoftext|>', '<|fim_pad|>', '<|file_sep|>', '<|im_end|>', '<|repo_name|>'],
  },
  deepseek: {
    tokens: { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
    bos: '<｜begin▁of▁sentence｜>',
    stop: ['<｜end▁of▁sentence｜>'],
  },
  starcoder: {
    tokens: {
      prefix: '<fim_prefix>',
      suffix: '<fim_suffix>',
      middle: '<fim_middle>',
      pad: '<fim_pad>',
      repoName: '<repo_name>',
      fileSeparator: '<file_sep>',
    },
    stop: ['<file_sep>', '<|endoftext|>'],
  },
  codellama: {
    tokens: { prefix: '<PRE>', suffix: '<SUF>', middle: '<MID>' },
    bos: '<s>',
    stop: ['<EOT>'],
  },
  codestral: {
    tokens: { prefix: '[PREFIX]', suffix: '[SUFFIX]', middle: '[MIDDLE]' },
    bos: '<s>',
    stop: ['[PREFIX]', '[SUFFIX]'],
  },
  codegemma: {
    tokens: {
      prefix: '<|fim_prefix|>',
      suffix: '<|fim_suffix|>',
      middle: '<|fim_middle|>',
      fileSeparator: '<|file_separator|>',
    },
    bos: '<bos>',
    stop: ['<|file_separator|>', '<end_of_turn>'],
  },
};

/** A family's usual FIM tokens, its usual first token and its stops (for servers that report none). */
export function familyDefaults(family: NamedFimFamily): Readonly<FamilyDefaults> {
  return FAMILIES[family];
}

/** The family a model's name suggests, when it names a known code model. */
export function familyFromModelName(name: string): NamedFimFamily | undefined {
  return familyFromName(name.toLowerCase());
}

/** Picks the template for a model: its metadata FIM tokens first, its name only when they are missing. */
export function selectFimTemplate(model: FimModel): FimTemplate {
  let family: FimFamily;
  let tokens: FimTokens;
  if (model.fim) {
    family = familyFromTokens(model.fim, `${model.name} ${model.architecture ?? ''}`.toLowerCase());
    tokens = model.fim; // metadata wins: its texts are the ones the tokenizer knows
  } else {
    const named = familyFromName(`${model.name} ${model.architecture ?? ''}`.toLowerCase());
    if (!named) throw new NoFimSupportError(model.name);
    family = named;
    tokens = FAMILIES[named].tokens;
  }
  const defaults = family === 'generic' || family === 'server' ? undefined : FAMILIES[family];
  const bos = model.bos === null ? undefined : (model.bos ?? defaults?.bos);
  const stop = unique([
    ...(defaults?.stop ?? []),
    tokens.prefix,
    tokens.suffix,
    tokens.middle,
    ...(tokens.fileSeparator ? [tokens.fileSeparator] : []),
  ]);
  const render = RENDERERS[family];
  return {
    family,
    tokens,
    bos,
    stop,
    render: (parts) => [...(bos ? [{ special: bos }] : []), ...render(tokens, parts)],
  };
}

function familyFromTokens(t: FimTokens, name: string): FimFamily {
  if (t.prefix === SERVER_FIM_TOKENS.prefix) return 'server';
  if (t.prefix.includes('fim▁begin')) return 'deepseek';
  if (t.prefix.includes('<PRE>')) return 'codellama';
  if (t.prefix === '[PREFIX]') return 'codestral';
  if (t.prefix === '<fim_prefix>') return 'starcoder';
  if (t.prefix === '<|fim_prefix|>') {
    if (t.fileSeparator === '<|file_separator|>') return 'codegemma';
    if (t.fileSeparator === '<|file_sep|>' || t.repoName === '<|repo_name|>') return 'qwen';
    if (name.includes('gemma')) return 'codegemma';
    if (name.includes('qwen')) return 'qwen';
  }
  return 'generic';
}

function familyFromName(name: string): NamedFimFamily | undefined {
  if (name.includes('codegemma')) return 'codegemma';
  if (name.includes('codestral')) return 'codestral';
  if (/code[-_ ]?llama/.test(name)) return 'codellama';
  if (name.includes('starcoder')) return 'starcoder';
  if (name.includes('deepseek') && name.includes('coder')) return 'deepseek';
  if (name.includes('qwen') && name.includes('coder')) return 'qwen';
  return undefined;
}

type Renderer = (t: FimTokens, p: FimPromptParts) => PromptSegment[];

const RENDERERS: Record<FimFamily, Renderer> = {
  qwen: (t, p) => {
    if (!t.repoName || !t.fileSeparator) return psm(t, p);
    // Qwen2.5-Coder's repository-level form: other files first, then the file being completed.
    const head: PromptSegment[] = [{ special: t.repoName }, { text: `${p.repoName}\n` }];
    for (const s of p.snippets) head.push({ special: t.fileSeparator }, { text: `${s.path}\n${s.text}` });
    head.push({ special: t.fileSeparator }, { text: `${p.path}\n` });
    return psmAfter(head, t, p.prefix, p);
  },
  starcoder: (t, p) => {
    if (!t.fileSeparator || p.snippets.length === 0) return psm(t, p);
    const head: PromptSegment[] = [];
    for (const s of p.snippets) head.push({ special: t.fileSeparator }, { text: `${s.path}\n${s.text}` });
    head.push({ special: t.fileSeparator });
    return psmAfter(head, t, [`${p.path}\n`, ...p.prefix], p);
  },
  codegemma: (t, p) => {
    if (!t.fileSeparator) return psm(t, p);
    const head: PromptSegment[] = [];
    for (const s of p.snippets) head.push({ text: `${s.path}\n${s.text}` }, { special: t.fileSeparator });
    return psmAfter(head, t, p.prefix, p);
  },
  codellama: (t, p) => [
    { special: t.prefix },
    // CodeLlama's spaces around the sentinels are part of its format: the line stays in the prefix.
    ...texts([' ', commentedSnippets(p), ...p.prefix, p.middleStart ?? '', ' ']),
    { special: t.suffix },
    ...texts([p.suffix, ' ']),
    { special: t.middle },
  ],
  // Suffix first (SPM): Codestral was trained on `[SUFFIX]S[PREFIX]P`.
  // (The prefix already comes last there, so the current line stays at its end.)
  codestral: (t, p) => [
    { special: t.suffix },
    ...texts([p.suffix]),
    { special: t.prefix },
    ...texts([commentedSnippets(p), ...p.prefix, p.middleStart ?? '']),
  ],
  deepseek: (t, p) => psm(t, p),
  generic: (t, p) => psm(t, p),
  // Parts only, kept apart by placeholders: [file, path, text]… prefix… suffix… middle start.
  server: (t, p) =>
    psmAfter(
      p.snippets.flatMap((s): PromptSegment[] => [{ special: t.fileSeparator! }, { text: s.path }, { text: s.text }]),
      t,
      p.prefix,
      p,
    ),
};

/** Prefix–suffix–middle order with the extra context as commented files at the top of the prefix. */
function psm(t: FimTokens, p: FimPromptParts): PromptSegment[] {
  return psmAfter([], t, [commentedSnippets(p), ...p.prefix], p);
}

/** Prefix–suffix–middle order after `head` (the other files, where a format has its own place for them). */
function psmAfter(head: PromptSegment[], t: FimTokens, prefix: readonly string[], p: FimPromptParts): PromptSegment[] {
  return [
    ...head,
    { special: t.prefix },
    ...texts(prefix),
    { special: t.suffix },
    ...texts([p.suffix]),
    { special: t.middle },
    ...texts([p.middleStart ?? '']),
  ];
}

function texts(pieces: readonly string[]): PromptSegment[] {
  return pieces.filter((text) => text.length > 0).map((text) => ({ text }));
}

/** Snippets rendered as code with a comment naming their file, then a header for the current file. */
export function commentedSnippets(p: Pick<FimPromptParts, 'snippets' | 'path' | 'languageId'>): string {
  if (p.snippets.length === 0) return '';
  const header = (path: string) => commentLine(`${path}`, p.languageId);
  return p.snippets.map((s) => `${header(s.path)}${s.text}\n`).join('') + header(p.path);
}

const HASH = new Set([
  'python',
  'ruby',
  'shellscript',
  'perl',
  'r',
  'yaml',
  'toml',
  'dockerfile',
  'makefile',
  'powershell',
  'elixir',
  'julia',
  'coffeescript',
  'nim',
  'cmake',
  'ini',
  'properties',
]);
const DASHES = new Set(['sql', 'lua', 'haskell', 'ada', 'elm', 'purescript']);
const MARKUP = new Set(['html', 'xml', 'markdown', 'vue', 'svelte', 'xsl']);
const PERCENT = new Set(['latex', 'tex', 'erlang', 'matlab', 'prolog']);
const SEMICOLON = new Set(['clojure', 'lisp', 'scheme', 'racket']);

/** One comment line in the syntax of the language (so the model reads it as a file header). */
export function commentLine(text: string, languageId: string): string {
  if (HASH.has(languageId)) return `# ${text}\n`;
  if (DASHES.has(languageId)) return `-- ${text}\n`;
  if (MARKUP.has(languageId)) return `<!-- ${text} -->\n`;
  if (PERCENT.has(languageId)) return `% ${text}\n`;
  if (SEMICOLON.has(languageId)) return `;; ${text}\n`;
  if (languageId === 'css') return `/* ${text} */\n`;
  return `// ${text}\n`;
}

function unique(items: string[]): string[] {
  return [...new Set(items.filter(Boolean))];
}
