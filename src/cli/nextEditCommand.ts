// `alembic next-edit --model <gguf> --file <path> --edits <diff> [--json]`: the next edit a
// next-edit model suggests for a file after the recent edits in a unified diff, through the same
// pipeline as the extension (the family's prompt, the engine with input lookup, the answer diffed
// into edits). Prints the suggested edit as a unified diff (nothing when there is none), or with
// --json every edit with the engine's token accounting.
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LinesDocument } from '../core/completion/documentWindow';
import { languageIdFor } from '../core/bench/languages';
import { splitLines } from '../core/bench/typist';
import { unifiedHunk } from '../core/nes/diffText';
import type { EditRecord } from '../core/nes/editHistory';
import { NEXT_EDIT_FORMATS } from '../core/nes/families';
import type { TextEdit } from '../core/nes/lineDiff';
import { resolveNextEditFamily, type NextEditFormatSetting } from '../core/nes/nesModel';
import { NextEditPipeline } from '../core/nes/nextEditPipeline';
import { DiffParseError, parseUnifiedDiff } from '../core/nes/unifiedDiff';
import { inspectGguf, isGgufCheckError } from '../core/gguf/ggufCheck';
import { CliExit, flag, num, parseArgs, requireStr, str, UsageError } from './args';
import { readInput } from './completeCommand';
import { ENGINE_HELP, ENGINE_OPTIONS, startEngine } from './engineOptions';

export const NEXT_EDIT_HELP = `usage: alembic next-edit --model <file.gguf> --file <path> --edits <diff-file> [options]
  Suggests the next edit in a file after the recent edits in a unified diff (git diff, diff -u),
  with a next-edit model (Sweep Next-Edit, Zeta or Instinct). Prints the edit as a unified diff,
  nothing when there is none. The file is read as it is now, after the edits.
  --line <n> --column <n> the cursor (1-based; default: the end of the diff's last changed line in
                          the file)
  --json                  print {family, edits, shown, stopReason, token accounting, drafts…}
  --format <auto|sweep|zeta|instinct>   the prompt format (default: from the model's metadata)
  --no-lookup             decode without input-lookup speculation (to compare speeds)
  --timeout <ms>          wall-clock cap for the generation (default 60000)
${ENGINE_HELP}`;

const FORMATS: NextEditFormatSetting[] = ['auto', 'sweep', 'zeta', 'instinct'];

export async function nextEditCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...ENGINE_OPTIONS,
    file: { type: 'string' },
    edits: { type: 'string' },
    line: { type: 'number' },
    column: { type: 'number' },
    json: { type: 'boolean' },
    format: { type: 'string' },
    'no-lookup': { type: 'boolean' },
    timeout: { type: 'number' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const path = requireStr(args, 'file');
  const diffPath = requireStr(args, 'edits');
  const model = requireStr(args, 'model');
  const format = (str(args, 'format') ?? 'auto') as NextEditFormatSetting;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);

  const absolute = resolve(path);
  const uri = pathToFileURL(absolute).href;
  const shown = relative(process.cwd(), absolute);
  const lines = splitLines(readInput(path));
  let edits: EditRecord[];
  try {
    edits = parseUnifiedDiff(readInput(diffPath), (p) =>
      sameFile(p, absolute) ? uri : pathToFileURL(resolve(p)).href,
    );
  } catch (e) {
    if (e instanceof DiffParseError) throw new CliExit(2, `${diffPath}: ${e.message}`);
    throw e;
  }
  const cursor = cursorFrom(args, lines, edits, uri, path);

  try {
    await inspectGguf(model);
  } catch (e) {
    if (isGgufCheckError(e)) throw new CliExit(2, `${model}: ${e.message}`);
    throw e;
  }
  const detected = await resolveNextEditFamily(model, format);
  if (!detected.family)
    throw new CliExit(2, `${model} is not a next-edit model: ${detected.reason}. Give --format to say which it is.`);

  const engine = startEngine(args, { nextEdit: true });
  try {
    const loaded = await engine.load().catch((e: { code?: string; message?: string }) => {
      if (e.code === 'loadFailed' || e.code === 'precheckFailed') throw new CliExit(2, `${model}: ${e.message}`);
      throw e;
    });
    const info = loaded.models.nextEdit;
    if (!info) throw new CliExit(1, 'the engine did not load the next-edit model');
    const pipeline = new NextEditPipeline({
      engine,
      history: { edits: () => edits },
      settings: { timeoutMs: num(args, 'timeout') ?? 60_000, inputLookup: !flag(args, 'no-lookup') },
    });
    pipeline.setModel({ id: info.path, family: detected.family });
    const doc = new LinesDocument(uri, languageIdFor(path), lines, 1, shown);
    const suggestion = await pipeline.provide({ doc, cursor });
    const result = suggestion?.result;
    if (flag(args, 'json')) {
      const a = result?.accounting;
      const stats = pipeline.stats.snapshot();
      const position = (p: { line: number; character: number }) => ({ line: p.line + 1, column: p.character + 1 });
      const edit = (e: TextEdit) => ({
        start: position(e.range.start),
        end: position(e.range.end),
        oldText: e.oldText,
        text: e.text,
      });
      process.stdout.write(
        `${JSON.stringify(
          {
            model: info.name,
            family: detected.family,
            format: NEXT_EDIT_FORMATS[detected.family].label,
            file: path,
            cursor: position(cursor),
            edits: suggestion?.edits.map(edit) ?? [],
            shown: suggestion ? edit(suggestion.edit) : null,
            latencyMs: suggestion?.latencyMs ?? null,
            stopReason: result?.stopReason ?? null,
            rawText: result?.text ?? null,
            promptTokens: a?.promptTokens ?? stats.promptTokens,
            evaluatedTokens: a?.evaluatedTokens ?? stats.evaluatedTokens,
            reusedTokens: a?.reusedTokens ?? 0,
            generatedTokens: a?.generatedTokens ?? stats.generatedTokens,
            timeToFirstTokenMs: a?.timeToFirstTokenMs ?? 0,
            tokensPerSecond: a?.tokensPerSecond ?? 0,
            totalMs: a?.totalMs ?? 0,
            draftTokens: result?.draftTokens ?? stats.draftTokens,
            acceptedDraftTokens: result?.acceptedDraftTokens ?? stats.acceptedDraftTokens,
          },
          null,
          2,
        )}\n`,
      );
    } else if (suggestion) {
      process.stdout.write(asDiff(shown, lines, suggestion.edits));
    } else if (process.stderr.isTTY) {
      process.stderr.write('(no next edit suggested)\n');
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

function sameFile(diffPath: string, absolute: string): boolean {
  const candidate = resolve(diffPath);
  return candidate === absolute || absolute.endsWith(`/${diffPath.replace(/^\.\//, '')}`);
}

/** --line/--column, or the end of the last line the diff changed in this file. */
function cursorFrom(
  args: ReturnType<typeof parseArgs>,
  lines: string[],
  edits: readonly EditRecord[],
  uri: string,
  path: string,
): { line: number; character: number } {
  const line = num(args, 'line');
  const column = num(args, 'column');
  if (line !== undefined || column !== undefined) {
    if (line === undefined || !Number.isInteger(line) || line < 1 || line > lines.length)
      throw new CliExit(2, `--line ${line} is outside ${path} (lines 1–${lines.length})`);
    const length = lines[line - 1]!.length;
    const c = column ?? length + 1;
    if (!Number.isInteger(c) || c < 1 || c > length + 1)
      throw new CliExit(2, `--column ${c} is outside line ${line} of ${path} (columns 1–${length + 1})`);
    return { line: line - 1, character: c - 1 };
  }
  const last = [...edits].reverse().find((e) => e.uri === uri);
  if (!last) throw new CliExit(2, `${path} is not in the diff: give --line and --column for the cursor`);
  const at = Math.min(lines.length - 1, last.newStart + Math.max(0, last.newLines.length - 1));
  return { line: at, character: lines[at]!.length };
}

/** The edits as one unified diff against the file. */
function asDiff(path: string, lines: readonly string[], edits: readonly TextEdit[]): string {
  let delta = 0; // lines the earlier edits added, for the later hunks' new line numbers
  const hunks = edits.map((e) => {
    const first = e.range.start.line;
    const last = e.range.end.line;
    const oldLines = lines.slice(first, last + 1);
    const head = lines[first]!.slice(0, e.range.start.character);
    const tail = lines[last]!.slice(e.range.end.character);
    const newLines = `${head}${e.text}${tail}`.split('\n');
    const newStart = first + delta;
    delta += newLines.length - oldLines.length;
    return unifiedHunk({
      uri: '',
      path,
      oldStart: first,
      newStart,
      oldLines,
      newLines,
      above: lines.slice(Math.max(0, first - 2), first),
      below: lines.slice(last + 1, last + 3),
      at: 0,
    });
  });
  return `--- a/${path}\n+++ b/${path}\n${hunks.join('\n')}\n`;
}
