// Builds the text the model receives for one user turn: what the user typed, preceded by each
// attachment with a sentence that states exactly what it is ("The user attached the selection from
// src/a.ts lines 10-20:"), so the model never has to guess where a piece of code came from.
// Attachment texts are capped here; the context window trims further if the whole chat is too long.

/** An attachment with its content, as captured when the message is sent. */
export interface AttachmentContent {
  kind: 'selection' | 'file' | 'diagnostics' | 'text';
  /** Workspace-relative path (or the file name) of the document it came from. */
  path?: string;
  languageId?: string;
  /** 1-based lines of a selection. */
  startLine?: number;
  endLine?: number;
  /** For `text`: what it is ("the staged diff"). */
  description?: string;
  text: string;
}

/** The most characters of one attachment put into a prompt. */
export const MAX_ATTACHMENT_CHARS = 24_000;

export const CHAT_SYSTEM_PROMPT =
  "You are Alembic, a coding assistant running locally in the user's editor (VS Code). " +
  'Answer precisely and briefly, in markdown. Put code in fenced code blocks with a language tag. ' +
  'When the user attached code, refer to it by its file and lines. Say so when you are not sure.';

/** The sentence that introduces an attachment in the prompt. */
export function describeAttachment(a: AttachmentContent): string {
  const path = a.path ?? 'an untitled file';
  switch (a.kind) {
    case 'selection':
      return a.startLine === undefined
        ? `The user attached a selection from ${path}:`
        : a.endLine === undefined || a.endLine === a.startLine
          ? `The user attached the selection from ${path} line ${a.startLine}:`
          : `The user attached the selection from ${path} lines ${a.startLine}-${a.endLine}:`;
    case 'file':
      return `The user attached the file ${path}:`;
    case 'diagnostics':
      return `The user attached the problems (diagnostics) VS Code reports in ${path}:`;
    case 'text':
      return `The user attached ${a.description ?? 'this text'}:`;
  }
}

/** The full content of a user message: each attachment introduced and fenced, then the message. */
export function buildUserContent(typed: string, attachments: readonly AttachmentContent[]): string {
  if (attachments.length === 0) return typed;
  const parts = attachments.map((a) => {
    const { text, cut } = capText(a.text, MAX_ATTACHMENT_CHARS);
    const note = cut ? `\n(${cut} more characters were left out.)` : '';
    const body = a.kind === 'diagnostics' ? text : fence(text, a.languageId);
    return `${describeAttachment(a)}\n${body}${note}`;
  });
  return `${parts.join('\n\n')}\n\nThe user's message:\n${typed}`;
}

/** Fences code with a fence longer than any run of backticks inside it. */
export function fence(code: string, languageId = ''): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${languageId}\n${code.replace(/\n$/, '')}\n${ticks}`;
}

/** Keeps the start and the end of a long text (the middle of a file matters least). */
export function capText(text: string, max: number): { text: string; cut: number } {
  if (text.length <= max) return { text, cut: 0 };
  const head = Math.ceil(max * 0.7);
  const tail = max - head;
  const cut = text.length - max;
  return {
    text: `${text.slice(0, head)}\n[… ${cut} characters left out …]\n${tail > 0 ? text.slice(-tail) : ''}`,
    cut,
  };
}

/** A conversation's title: the first line of its first message, shortened. */
export function titleFrom(text: string, max = 60): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!line) return 'New Chat';
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

export interface DiagnosticLine {
  severity: 'error' | 'warning' | 'information' | 'hint';
  /** 1-based. */
  line: number;
  message: string;
  source?: string;
}

/** Diagnostics as a short list for the prompt (most severe first, capped). */
export function formatDiagnostics(diagnostics: readonly DiagnosticLine[], max = 50): string {
  if (diagnostics.length === 0) return '(no problems reported)';
  const order = { error: 0, warning: 1, information: 2, hint: 3 };
  const sorted = [...diagnostics].sort((a, b) => order[a.severity] - order[b.severity] || a.line - b.line);
  const lines = sorted
    .slice(0, max)
    .map(
      (d) =>
        `- line ${d.line}: ${d.severity}${d.source ? ` (${d.source})` : ''}: ${d.message.replace(/\s+/g, ' ').trim()}`,
    );
  if (sorted.length > max) lines.push(`- … and ${sorted.length - max} more`);
  return lines.join('\n');
}
