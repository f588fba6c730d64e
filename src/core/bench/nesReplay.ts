// The next-edit replay: plays a scripted edit sequence (nesScenarios.ts) through the extension's
// next-edit pipeline and the real engine. The user's edit goes into the edit history as the editor
// would report it; then, as at each typing pause, the pipeline is asked for a next edit, the edit
// it offers is checked against the scenario's final file and accepted, and it asks again from
// there, until nothing is offered or the file is done. Reported: the model calls and the answers
// that needed none (cache, the rest of an earlier answer), each answer's latency, the prompt tokens
// sent and evaluated, the generation speed and the input-lookup drafts, and whether every offered
// edit was one the scenario expects.
import { LinesDocument, type Position } from '../completion/documentWindow';
import type { NextEditResult } from '../engine/protocol';
import { EditHistory, type HistoryDocument } from '../nes/editHistory';
import { advance, regionEdits, type TextEdit } from '../nes/lineDiff';
import type { NextEditFamily } from '../nes/nesPrompt';
import { NextEditPipeline, type NextEditEngine } from '../nes/nextEditPipeline';
import { afterUserEdit, type NesScenario } from './nesScenarios';

export interface NesStep {
  source: 'model' | 'cache' | 'rest' | 'none';
  latencyMs: number;
  /** The offered edit made the file closer to the scenario's final file. */
  expected: boolean;
  line?: number;
  oldText?: string;
  text?: string;
  result?: NextEditResult;
}

export interface NesReplayReport {
  scenario: string;
  inputLookup: boolean;
  steps: NesStep[];
  /** Edits the scenario needs after the user's (changed runs of lines between the two files). */
  expectedEdits: number;
  offeredExpected: number;
  offeredUnexpected: number;
  /** The file ended exactly as the scenario says. */
  completed: boolean;
  modelCalls: number;
  promptTokens: number;
  evaluatedTokens: number;
  generatedTokens: number;
  draftTokens: number;
  acceptedDraftTokens: number;
  /** Generation speed of the model's answers (tokens after the first per second), averaged. */
  tokensPerSecond: number;
  latencyMsOfModelAnswers: number[];
}

const MAX_STEPS = 12;

export async function replayNes(
  scenario: NesScenario,
  engine: NextEditEngine,
  options: { family: NextEditFamily; modelId: string; inputLookup: boolean; timeoutMs?: number },
): Promise<NesReplayReport> {
  const history = new EditHistory();
  const uri = `file:///bench/${scenario.path}`;
  let doc = documentOf(uri, scenario, scenario.before, 1);
  history.observe(historyDoc(doc, scenario.path));
  const { line, start, end, text } = scenario.userEdit;
  doc = documentOf(uri, scenario, afterUserEdit(scenario), 2);
  history.onUserChange(historyDoc(doc, scenario.path), [
    { range: { start: { line, character: start }, end: { line, character: end } }, text },
  ]);
  let cursor: Position = { line, character: start + text.length };

  // Every engine reply is counted, also those whose answer offered nothing.
  const results: NextEditResult[] = [];
  const recording: NextEditEngine = {
    nextEdit: async (params, signal) => {
      const result = await engine.nextEdit(params, signal);
      results.push(result);
      return result;
    },
  };
  const pipeline = new NextEditPipeline({
    engine: recording,
    history,
    settings: { inputLookup: options.inputLookup, timeoutMs: options.timeoutMs ?? 60_000 },
  });
  pipeline.setModel({ id: options.modelId, family: options.family });
  const target = scenario.after.split('\n');
  const expectedEdits = regionEdits(lines(doc), target, 0).length;
  const steps: NesStep[] = [];
  for (let i = 0; i < MAX_STEPS; i++) {
    const started = performance.now();
    const asked = results.length;
    const suggestion = await pipeline.provide({ doc, cursor });
    const latencyMs = performance.now() - started;
    const result = results.length > asked ? results[results.length - 1] : undefined;
    if (!suggestion) {
      steps.push({ source: 'none', latencyMs, expected: false, result });
      break;
    }
    const edit = suggestion.edit;
    const next = applyEdit(doc, edit);
    const remainingBefore = regionEdits(lines(doc), target, 0).length;
    const remainingAfter = regionEdits(lines(next), target, 0).length;
    const touched = lines(next).slice(edit.range.start.line, advance(edit.range.start, edit.text).line + 1);
    const expected =
      remainingAfter === remainingBefore - 1 && touched.every((l, k) => target[edit.range.start.line + k] === l);
    steps.push({
      source: suggestion.source,
      latencyMs,
      expected,
      line: edit.range.start.line + 1,
      oldText: edit.oldText,
      text: edit.text,
      result,
    });
    // Accept it, as Tab does: the history sees the edit, the cursor lands after it.
    pipeline.onAccepted(suggestion);
    history.onUserChange(historyDoc(next, scenario.path), [{ range: edit.range, text: edit.text }]);
    doc = next;
    cursor = advance(edit.range.start, edit.text);
  }
  const speeds = results.map((r) => r.accounting.tokensPerSecond).filter((v) => v > 0);
  return {
    scenario: scenario.name,
    inputLookup: options.inputLookup,
    steps,
    expectedEdits,
    offeredExpected: steps.filter((s) => s.source !== 'none' && s.expected).length,
    offeredUnexpected: steps.filter((s) => s.source !== 'none' && !s.expected).length,
    completed: lines(doc).join('\n') === scenario.after,
    modelCalls: results.length,
    promptTokens: sum(results.map((r) => r.accounting.promptTokens)),
    evaluatedTokens: sum(results.map((r) => r.accounting.evaluatedTokens)),
    generatedTokens: sum(results.map((r) => r.accounting.generatedTokens)),
    draftTokens: sum(results.map((r) => r.draftTokens)),
    acceptedDraftTokens: sum(results.map((r) => r.acceptedDraftTokens)),
    tokensPerSecond: speeds.length ? sum(speeds) / speeds.length : 0,
    latencyMsOfModelAnswers: steps.filter((s) => s.result).map((s) => s.latencyMs),
  };
}

function documentOf(uri: string, scenario: NesScenario, text: string, version: number): LinesDocument {
  return new LinesDocument(uri, scenario.languageId, text.split('\n'), version, scenario.path);
}

function historyDoc(doc: LinesDocument, path: string): HistoryDocument {
  return { uri: doc.uri, path, lineCount: doc.lineCount, lineAt: (i) => doc.lineAt(i) };
}

function lines(doc: LinesDocument): string[] {
  return Array.from({ length: doc.lineCount }, (_, i) => doc.lineAt(i));
}

function applyEdit(doc: LinesDocument, edit: TextEdit): LinesDocument {
  const all = lines(doc);
  const { start, end } = edit.range;
  const merged = `${all[start.line]!.slice(0, start.character)}${edit.text}${all[end.line]!.slice(end.character)}`;
  all.splice(start.line, end.line - start.line + 1, ...merged.split('\n'));
  return new LinesDocument(doc.uri, doc.languageId, all, doc.version + 1, doc.relativePath);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
