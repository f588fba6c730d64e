// Shared fixtures for the completion pipeline's tests: a Qwen model description, a pipeline on a
// manual clock with the scripted engine, and a small Python file being typed into.
import { ManualClock } from '../../src/core/completion/clock';
import { CompletionPipeline, type CompletionModel } from '../../src/core/completion/completionPipeline';
import type { CompletionSettings } from '../../src/core/completion/completionSettings';
import { LinesDocument, type Position } from '../../src/core/completion/documentWindow';
import { FakeCompletionEngine } from './fakeCompletionEngine';

export const QWEN_MODEL: CompletionModel = {
  id: 'qwen2.5-coder-1.5b-q8',
  name: 'Qwen2.5 Coder 1.5B',
  architecture: 'qwen2',
  contextSize: 4096,
  fim: {
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repoName: '<|repo_name|>',
    fileSeparator: '<|file_sep|>',
  },
};

export const GEO = [
  'import math',
  '',
  'def circle_area(r):',
  '    return ',
  '',
  'def square_area(a):',
  '    return a * a',
];

/** A pipeline on a manual clock with a scripted engine; prefetch off unless asked for. */
export function setup(settings: Partial<CompletionSettings> = {}) {
  const engine = new FakeCompletionEngine();
  const clock = new ManualClock();
  const pipeline = new CompletionPipeline({ engine, clock, settings: { prefetch: false, ...settings } });
  pipeline.setModel(QWEN_MODEL);
  return { engine, clock, pipeline };
}

/** The geometry file with `text` typed after "    return " on line 3, and the cursor after it. */
export function typed(text: string, version = text.length + 1): { doc: LinesDocument; position: Position } {
  const lines = [...GEO];
  lines[3] = `    return ${text}`;
  return {
    doc: new LinesDocument('file:///geo.py', 'python', lines, version),
    position: { line: 3, character: lines[3]!.length },
  };
}
