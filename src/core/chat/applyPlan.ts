// Decides where a code block from an answer goes when the user clicks Apply, without asking the
// model again. In order:
//   1. a selection: the block replaces it;
//   2. a declaration the block redefines (`function add`, `class Cart`, `def total`): the block
//      replaces that declaration in the file (its braces, or its indented body for Python);
//   3. a block about as long as the file, or an empty file: the block replaces the whole file;
//   4. otherwise the block is inserted at the cursor.
// The result is always reviewed in a diff before anything changes, so a wrong guess costs a Reject.
import { commonIndent, reindent } from '../actions/answerParsing';

export type ApplyTargetKind = 'selection' | 'declaration' | 'file' | 'cursor';

export interface ApplyPlan {
  /** Offsets in the document text of the range to replace. */
  start: number;
  end: number;
  newText: string;
  kind: ApplyTargetKind;
  /** For the diff title: "the selection", "function add", "the whole file", "the cursor". */
  description: string;
}

export interface ApplyDocument {
  text: string;
  selectionStart: number;
  selectionEnd: number;
}

const DECLARATION = new RegExp(
  String.raw`^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?` + // modifiers
    String.raw`(function\*?|class|def|fn|func|interface|type|enum|struct|trait|const|let|var)\s+` + // the keyword
    String.raw`([A-Za-z_$][\w$]*)`, // the name
);

export function planApply(doc: ApplyDocument, rawCode: string): ApplyPlan {
  const code = rawCode.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const { text } = doc;
  if (doc.selectionEnd > doc.selectionStart) {
    const selected = text.slice(doc.selectionStart, doc.selectionEnd);
    const newText = reindent(code, commonIndent(selected)) + (selected.endsWith('\n') ? '\n' : '');
    return {
      start: doc.selectionStart,
      end: doc.selectionEnd,
      newText,
      kind: 'selection',
      description: 'the selection',
    };
  }
  const declared = findDeclaration(text, code);
  if (declared) {
    // The range starts after the line's indentation (or after a kept `export`): the first line
    // takes no indentation of its own.
    const newText = reindent(code, declared.indent).slice(declared.indent.length);
    return {
      start: declared.start,
      end: declared.end,
      description: declared.description,
      newText,
      kind: 'declaration',
    };
  }
  const docLines = text.split('\n').length;
  const codeLines = code.split('\n').length;
  if (text.trim() === '' || codeLines >= docLines * 0.6) {
    return {
      start: 0,
      end: text.length,
      newText: code + (text.endsWith('\n') || text === '' ? '\n' : ''),
      kind: 'file',
      description: 'the whole file',
    };
  }
  return {
    start: doc.selectionStart,
    end: doc.selectionStart,
    newText: textForInsert(text, doc.selectionStart, code),
    kind: 'cursor',
    description: 'the cursor',
  };
}

/** Code to insert at an offset: later lines take the indentation of the line the cursor is on. */
export function textForInsert(text: string, offset: number, code: string): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const lineIndent = /^[ \t]*/.exec(before)![0];
  const indented = reindent(code.replace(/\n+$/, ''), lineIndent);
  // The first line lands after what is already on the line (its indentation included).
  return indented.startsWith(lineIndent) ? indented.slice(lineIndent.length) : indented;
}

/** The range of the declaration in `text` that `code` redefines, if the code starts with one. */
function findDeclaration(
  text: string,
  code: string,
): { start: number; end: number; description: string; indent: string } | undefined {
  const first = code.split('\n').find((l) => l.trim() !== '' && !/^\s*(\/\/|#|\/\*|\*|@)/.test(l));
  const m = first ? DECLARATION.exec(first) : null;
  if (!m) return undefined;
  const [, keyword, name] = m as unknown as [string, string, string];
  const family = /^(const|let|var)$/.test(keyword) ? '(?:const|let|var)' : keyword.replace('*', '\\*');
  const pattern = new RegExp(
    `^[ \\t]*(?:export\\s+)?(?:default\\s+)?(?:pub(?:\\([^)]*\\))?\\s+)?(?:async\\s+)?${family}\\s+${name.replace(/\$/g, '\\$')}(?![\\w$])`,
    'm',
  );
  const found = pattern.exec(text);
  if (!found) return undefined;
  const lineStart = found.index;
  const end = declarationEnd(text, lineStart);
  if (end === undefined) return undefined;
  const indent = /^[ \t]*/.exec(found[0])![0];
  // Modifiers the file has and the block lacks (`export`, `pub`) stay: the range starts at the keyword.
  const codeHasModifiers = first!.trimStart().indexOf(keyword) > 0;
  const keywordAt = found[0].search(new RegExp(`${family}\\s`));
  const start = lineStart + (!codeHasModifiers && keywordAt > indent.length ? keywordAt : indent.length);
  return { start, end, description: `${keyword} ${name}`, indent };
}

/** Where the declaration starting at `start` ends: its closing brace, or its indented block. */
function declarationEnd(text: string, start: number): number | undefined {
  const lineEnd = (at: number) => (text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at));
  const firstLine = text.slice(start, lineEnd(start));
  if (/:\s*(#.*)?$/.test(firstLine) && !firstLine.includes('{')) return indentedBlockEnd(text, start);
  let depth = 0;
  let opened = false;
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '{') {
      depth++;
      opened = true;
    } else if (ch === '}') {
      depth--;
      if (opened && depth === 0) return lineEnd(i);
    } else if (ch === ';' && !opened) return lineEnd(i);
    else if (ch === '\n' && !opened && i - start > 2000) return undefined;
  }
  return undefined;
}

function indentedBlockEnd(text: string, start: number): number {
  const lines = text.slice(start).split('\n');
  const indent = /^[ \t]*/.exec(lines[0]!)![0].length;
  let end = start + lines[0]!.length;
  let offset = end + 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() !== '') {
      if (/^[ \t]*/.exec(line)![0].length <= indent) break;
      end = offset + line.length;
    }
    offset += line.length + 1;
  }
  return end;
}
