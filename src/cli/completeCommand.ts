// `alembic complete --model <gguf> --file <path> --line <n> --column <n> [--json]`: one inline
// completion at a position in a file, through the same pipeline as the extension (context window,
// prompt layout, engine, post-processing). Prints the suggestion and nothing else, or with --json
// the suggestion with the engine's token accounting for it.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionPipeline, type CompletionModel } from '../core/completion/completionPipeline';
import type { CompletionSettings } from '../core/completion/completionSettings';
import { LinesDocument } from '../core/completion/documentWindow';
import { NoFimSupportError } from '../core/completion/fimTemplates';
import { languageIdFor } from '../core/bench/languages';
import { MeteredEngine } from '../core/bench/meteredEngine';
import { splitLines } from '../core/bench/typist';
import type { LoadedModelInfo } from '../core/engine/protocol';
import { createLogger, type Logger } from '../core/util/logger';
import { isAbortError, type CompletionEngine, type PartialAnswer } from '../core/completion/engineContract';
import type { CompleteParams, CompleteResult } from '../core/engine/protocol';
import { displayChunk } from '../core/util/displayText';
import type { EngineClient } from '../engine/client/engineClient';
import { CliExit, flag, num, parseArgs, requireNum, requireStr, str, UsageError, type ParsedArgs } from './args';
import { ENGINE_HELP, ENGINE_OPTIONS, startLoadedEngine } from './engineOptions';
import { openServerCompletion, SERVER_HELP, SERVER_OPTIONS, usesServer, type CompletionTarget } from './serverOptions';

export const COMPLETE_HELP = `usage: alembic complete --model <file.gguf> --file <path> --line <n> --column <n> [options]
  Fills in the middle at a position in a file, as the editor's ghost text would, and prints the
  suggestion and a newline (nothing when there is none). Line and column are 1-based, as editors
  show them: the cursor sits before the column's character (end of a line = its length + 1).
  Exits 1 with the cause when the engine (or the server) fails during the completion.
  --json                  print {text, source, multiline, stopReason, token accounting…}
  --multiline <auto|always|never>   when a suggestion may span lines (default auto)
  --max-tokens <n>        generation cap (default 128)
  --timeout <ms>          wall-clock cap for the generation (default 30000)
${ENGINE_HELP}
${SERVER_HELP}`;

const MULTILINE = ['auto', 'always', 'never'] as const;

export async function completeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...ENGINE_OPTIONS,
    ...SERVER_OPTIONS,
    file: { type: 'string' },
    line: { type: 'number' },
    column: { type: 'number' },
    json: { type: 'boolean' },
    multiline: { type: 'string' },
    'max-tokens': { type: 'number' },
    timeout: { type: 'number' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const path = requireStr(args, 'file');
  const line = requireNum(args, 'line');
  const column = requireNum(args, 'column');
  const multiline = str(args, 'multiline') ?? 'auto';
  if (!MULTILINE.includes(multiline as (typeof MULTILINE)[number]))
    throw new UsageError(`--multiline must be one of ${MULTILINE.join(', ')}`);
  const text = readInput(path);
  const lines = splitLines(text);
  // Checked before the engine starts, so a wrong position fails at once.
  if (!Number.isInteger(line) || line < 1 || line > lines.length)
    throw new CliExit(2, `--line ${line} is outside ${path} (lines 1–${lines.length})`);
  const lineLength = lines[line - 1]!.length;
  if (!Number.isInteger(column) || column < 1 || column > lineLength + 1) {
    throw new CliExit(2, `--column ${column} is outside line ${line} of ${path} (columns 1–${lineLength + 1})`);
  }
  const settings: Partial<CompletionSettings> = {
    prefetch: false,
    multiline: multiline as CompletionSettings['multiline'],
    maxTokens: num(args, 'max-tokens') ?? 128,
    timeoutMs: num(args, 'timeout') ?? 30_000,
    partialAfterMs: 0, // the command prints one answer: the whole one
  };

  const target = usesServer(args) ? await openServerCompletion(args) : await localCompletion(args);
  const watched = new FailureWatch(target.engine);
  const metered = new MeteredEngine(watched);
  const log = logTo(args);
  const pipeline = new CompletionPipeline({ engine: metered, settings, log });
  try {
    pipeline.setModel(target.model);
    log?.info(
      `loaded ${target.name} (${target.backend}, ${target.contextSize} tokens of context); completing ${path}:${line}:${column}`,
    );
    const absolute = resolve(path);
    const doc = new LinesDocument(
      pathToFileURL(absolute).href,
      languageIdFor(path),
      lines,
      1,
      relative(process.cwd(), absolute),
    );
    const suggestion = await pipeline.provide({
      doc,
      position: { line: line - 1, character: column - 1 },
      triggerKind: 'invoke',
    });
    // The pipeline answers "no suggestion" when the engine fails, as the editor wants; a command
    // must say why instead, and exit non-zero (a crash mid-generation is not an empty answer).
    if (!suggestion && watched.failure) {
      const who = usesServer(args) ? 'the server' : 'the engine';
      throw new CliExit(1, `${who} failed during the completion: ${errorMessage(watched.failure)}`);
    }
    const last = metered.lastResult;
    if (flag(args, 'json')) {
      const a = last?.accounting;
      process.stdout.write(
        `${JSON.stringify(
          {
            text: suggestion?.insertText ?? '',
            source: suggestion?.source ?? null,
            multiline: suggestion?.multiline ?? false,
            stopReason: last?.stopReason ?? null,
            rawText: last?.text ?? null,
            replayed: last?.replayed ?? false,
            promptTokens: a?.promptTokens ?? 0,
            evaluatedTokens: a?.evaluatedTokens ?? 0,
            reusedTokens: a?.reusedTokens ?? 0,
            generatedTokens: a?.generatedTokens ?? 0,
            timeToFirstTokenMs: a?.timeToFirstTokenMs ?? 0,
            tokensPerSecond: a?.tokensPerSecond ?? 0,
            totalMs: a?.totalMs ?? 0,
            model: target.name,
            contextSize: target.contextSize,
            kvCacheBytes: target.kvCacheBytes,
            threads: target.threads?.() ?? null,
            file: path,
            line,
            column,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      // Generated text: control characters removed, so it cannot drive the terminal. A final
      // newline ends the output like any command's (--json gives the exact text).
      if (suggestion) process.stdout.write(`${displayChunk(suggestion.insertText)}\n`);
      else if (process.stderr.isTTY) process.stderr.write('(no suggestion here)\n');
    }
    return 0;
  } finally {
    pipeline.dispose();
    await target.dispose();
  }
}

/** The local engine with the model of --model, as a completion target. */
export async function localCompletion(args: ParsedArgs): Promise<CompletionTarget> {
  const { engine, info } = await startCompletionEngine(args);
  return {
    engine,
    model: completionModel(info),
    name: info.name,
    backend: engine.state.gpu?.backend ?? 'unknown',
    modelPath: info.path,
    contextSize: info.contextSize,
    kvCacheBytes: info.kvCacheBytes,
    threads: () => engine.state.threads ?? null,
    endToken: info.endTokens[0],
    dispose: () => engine.dispose(),
  };
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'there is no such file',
  ENOTDIR: 'a folder on its path is a file',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export function readInput(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = (code && READ_ERRORS[code]) ?? (e instanceof Error ? e.message : String(e));
    throw new CliExit(2, `cannot read --file ${path}: ${why}`);
  }
}

/** Checks the model file (bounded read, no engine) and that it can fill in the middle, then starts
 * the engine with it for completions and loads it. Exit 2 for a file that is not a usable model. */
export async function startCompletionEngine(
  args: ParsedArgs,
): Promise<{ engine: EngineClient; info: LoadedModelInfo }> {
  const { engine, loaded } = await startLoadedEngine(args, { completion: true }, (summary) => {
    if (!summary.fim) throw new CliExit(2, new NoFimSupportError(summary.name).message);
  });
  const info = loaded.models.completion;
  if (!info?.fim) {
    await engine.dispose();
    throw info
      ? new CliExit(2, new NoFimSupportError(info.name).message)
      : new CliExit(1, 'the engine did not load the completion model');
  }
  return { engine, info };
}

/** The loaded model as the completion pipeline binds to it. */
export function completionModel(info: LoadedModelInfo): CompletionModel {
  return {
    id: `${info.path}#${info.contextSize}`,
    name: info.name,
    architecture: info.architecture,
    fim: info.fim,
    contextSize: info.contextSize,
  };
}

function logTo(args: ParsedArgs): Logger | undefined {
  if (!flag(args, 'verbose')) return undefined;
  return createLogger((level, line) => process.stderr.write(`[${level}] ${line}\n`)).child('completion');
}

/** Passes completions through and remembers the last failure that was not an abort. */
class FailureWatch implements CompletionEngine {
  failure: unknown;

  constructor(private readonly inner: CompletionEngine) {}

  async complete(
    params: CompleteParams,
    signal: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult> {
    try {
      return await this.inner.complete(params, signal, onPartial);
    } catch (e) {
      if (!signal.aborted && !isAbortError(e)) this.failure = e;
      throw e;
    }
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
