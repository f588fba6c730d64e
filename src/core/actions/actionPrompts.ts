// Every prompt the command-palette actions send, in one place. Each builder is a pure function of
// what the editor knows (code, language, path, diagnostics, diff), so the wording is testable and
// reviewable without VS Code. Prompts state exactly what was attached and ask for one fenced code
// block when the answer is applied as an edit.
import type { ChatMessage } from '../engine/protocol';
import { docConvention } from './docConventions';
import type { TestConventions } from './testFramework';

export interface CodeSelection {
  path: string;
  languageId: string;
  /** The selected text (or the symbol at the cursor). */
  code: string;
  /** 1-based, for the prompt's description. */
  startLine: number;
  endLine: number;
  /** Some lines around the selection, for context (not to be changed). */
  surrounding?: string;
}

export interface DiagnosticInfo {
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  source?: string;
  code?: string;
  line: number;
  related?: { path: string; line: number; message: string }[];
}

export interface ActionPrompt {
  /** Shown in the chat and progress, and the title of the command's conversation ("Explain total.ts lines 12-20"). */
  title: string;
  /** The command in a word, for short labels such as a review tab's title ("Explain", "Fix"). */
  verb: string;
  messages: ChatMessage[];
}

const SYSTEM =
  "You are Alembic, a careful coding assistant running locally in the user's editor. Be precise and brief.";
const EDIT_RULES =
  'Answer with exactly one fenced code block containing the complete replacement code and nothing ' +
  'after it. Keep the original indentation style, names and behaviour that the instruction does ' +
  'not ask to change. Do not add explanations outside the code block.';

const fence = (s: CodeSelection) => `\`\`\`${s.languageId}\n${s.code}\n\`\`\``;
const lines = (s: CodeSelection) =>
  s.startLine === s.endLine ? `line ${s.startLine}` : `lines ${s.startLine}-${s.endLine}`;
const where = (s: CodeSelection) => `${s.path} ${lines(s)}`;
/** For titles: the workspace-relative path, or only the file name of a file outside the workspace. */
const shortWhere = (s: CodeSelection) =>
  `${/^([a-zA-Z]:)?[\\/]/.test(s.path) ? s.path.split(/[\\/]/).pop() : s.path} ${lines(s)}`;
const context = (s: CodeSelection) =>
  s.surrounding
    ? `\n\nFor context only (do not change it), the code around it:\n\`\`\`${s.languageId}\n${s.surrounding}\n\`\`\``
    : '';

export function explainPrompt(s: CodeSelection): ActionPrompt {
  return {
    title: `Explain ${shortWhere(s)}`,
    verb: 'Explain',
    messages: [
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content:
          `Explain what this ${s.languageId} code from ${where(s)} does, how it works, and anything ` +
          `surprising or risky in it.\n\n${fence(s)}${context(s)}`,
      },
    ],
  };
}

export function editPrompt(s: CodeSelection, instruction: string): ActionPrompt {
  return {
    title: `Edit ${shortWhere(s)}: ${instruction}`,
    verb: 'Edit',
    messages: [
      { role: 'system', content: `${SYSTEM} ${EDIT_RULES}` },
      {
        role: 'user',
        content:
          `Rewrite the selected ${s.languageId} code from ${where(s)} following this instruction: ` +
          `${instruction}\n\nThe selected code:\n${fence(s)}${context(s)}`,
      },
    ],
  };
}

export function docsPrompt(s: CodeSelection): ActionPrompt {
  const convention = docConvention(s.languageId);
  const example = convention.example
    ? `\n\nThe style looks like this:\n\`\`\`${s.languageId}\n${convention.example}\n\`\`\``
    : '';
  const placement =
    convention.placement === 'above'
      ? 'directly above each declaration'
      : 'as the first statement inside each function or class';
  return {
    title: `Document ${shortWhere(s)}`,
    verb: 'Document',
    messages: [
      { role: 'system', content: `${SYSTEM} ${EDIT_RULES}` },
      {
        role: 'user',
        content:
          `Add documentation comments in ${convention.name} style ${placement} of this ${s.languageId} ` +
          `code from ${where(s)}. Describe purpose, parameters, return value and errors. Return the same ` +
          `code with the comments added; change nothing else.${example}\n\nThe code:\n${fence(s)}`,
      },
    ],
  };
}

export function testsPrompt(s: CodeSelection, conventions: TestConventions): ActionPrompt {
  return {
    title: `Tests for ${shortWhere(s)}`,
    verb: 'Tests',
    messages: [
      {
        role: 'system',
        content: `${SYSTEM} Answer with exactly one fenced code block containing the complete test file.`,
      },
      {
        role: 'user',
        content:
          `Write unit tests with ${conventions.framework} for this ${s.languageId} code from ${s.path}. ` +
          `${conventions.hint ? `Use: ${conventions.hint}. ` : ''}The test file will be saved as ` +
          `${conventions.testPath}; import the code under test from ${s.path} with a path relative to it. ` +
          `Cover normal cases, edge cases and errors, with test names that state the behaviour.\n\n` +
          `${fence(s)}`,
      },
    ],
  };
}

export function fixPrompt(s: CodeSelection, diagnostics: DiagnosticInfo[]): ActionPrompt {
  const problems = diagnostics
    .map((d) => {
      const origin = [d.source, d.code].filter(Boolean).join(' ');
      const related = (d.related ?? []).map((r) => `\n    related: ${r.path}:${r.line}: ${r.message}`).join('');
      return `- line ${d.line}, ${d.severity}${origin ? ` (${origin})` : ''}: ${d.message}${related}`;
    })
    .join('\n');
  return {
    title: `Fix ${diagnostics[0]?.message ?? 'problem'} in ${shortWhere(s)}`,
    verb: 'Fix',
    messages: [
      { role: 'system', content: `${SYSTEM} ${EDIT_RULES}` },
      {
        role: 'user',
        content: `Fix these problems reported in ${s.path}:\n${problems}\n\nThe code (${where(s)}) to return fixed:\n${fence(s)}${context(s)}`,
      },
    ],
  };
}

export function commitMessagePrompt(diff: string, note: string | undefined): ActionPrompt {
  return {
    title: 'Commit message',
    verb: 'Commit message',
    messages: [
      {
        role: 'system',
        content:
          `${SYSTEM} Write git commit messages in the Conventional Commits format: a subject line ` +
          `"type(scope): summary" under 72 characters in the imperative mood (types: feat, fix, docs, ` +
          `style, refactor, perf, test, build, ci, chore), then a blank line and a short body saying what ` +
          `changed and why. Answer with the message only.`,
      },
      {
        role: 'user',
        content: `Write the commit message for this staged diff.${note ? ` Note: ${note}` : ''}\n\n\`\`\`diff\n${diff}\n\`\`\``,
      },
    ],
  };
}
