// The staged diff, trimmed to what the model can read, and the model's answer turned into a
// commit message (Conventional Commits: "type(scope): subject", a blank line, a body).
import { stripThoughts } from '../chat/thinkSplitter';

export interface TrimmedDiff {
  text: string;
  /** Files whose hunks were left out or shortened. */
  omittedFiles: string[];
  truncated: boolean;
}

/** Keeps every file's header and as much of each file's changes as fits `maxChars`, spread fairly
 * over the files, and says what was left out. Lock files and generated bundles are summarised. */
export function trimDiff(diff: string, maxChars: number): TrimmedDiff {
  const files = diff.split(/(?=^diff --git )/m).filter((f) => f.trim());
  if (diff.length <= maxChars) return { text: diff, omittedFiles: [], truncated: false };
  const noisy = (name: string) =>
    /(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|\.min\.js|\.map|dist\/)/.test(name);
  const name = (f: string) => /^diff --git a\/(\S+)/.exec(f)?.[1] ?? '?';
  const omitted: string[] = [];
  const budget = Math.max(200, Math.floor(maxChars / Math.max(1, files.length)));
  const parts = files.map((f) => {
    const header = f.split('\n').slice(0, 4).join('\n');
    if (noisy(name(f))) {
      omitted.push(name(f));
      return `${header}\n[changes to a lock or generated file left out]\n`;
    }
    if (f.length <= budget) return f;
    omitted.push(name(f));
    return `${f.slice(0, budget)}\n[… ${f.length - budget} more characters of this file's changes left out]\n`;
  });
  let text = parts.join('');
  if (text.length > maxChars) text = `${text.slice(0, maxChars)}\n[… the rest of the diff left out]\n`;
  return { text, omittedFiles: omitted, truncated: true };
}

const TYPES = ['feat', 'fix', 'docs', 'style', 'refactor', 'perf', 'test', 'build', 'ci', 'chore', 'revert'];

/** The commit message in an answer: without reasoning, fences, quotes or a "Commit message:" label. */
export function parseCommitMessage(answer: string): string {
  let text = stripThoughts(answer).trim();
  // A plain or text fence holds the message; a fence in a programming language is code, not a message.
  const fenced = /```(|text|txt|git|gitcommit|commit|plaintext)\n([\s\S]*?)```/.exec(text);
  if (fenced) text = fenced[2]!.trim();
  else
    text = text
      .replace(/```[\s\S]*?(```|$)/g, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  text = text
    .replace(/^(commit message|message)\s*:\s*/i, '')
    .replace(/^["'`]+|["'`]+$/g, '')
    .trim();
  const lines = text.split('\n');
  // Start at the first line that looks like a conventional subject, when there is one.
  const start = lines.findIndex((l) => new RegExp(`^(${TYPES.join('|')})(\\([^)]*\\))?!?: \\S`).test(l.trim()));
  const body = (start > 0 ? lines.slice(start) : lines).map((l) => l.trimEnd());
  const subject = (body[0] ?? '').trim().slice(0, 100);
  const rest = body.slice(1).join('\n').trim();
  return rest ? `${subject}\n\n${rest}` : subject;
}
