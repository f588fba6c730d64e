// The next-edit replay's mechanics on a scripted engine that answers like the suite's test model:
// each scenario's Sweep prompt gets the scenario's final file.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NES_SCENARIOS, sweepAnswer } from '../../src/core/bench/nesScenarios';
import { replayNes } from '../../src/core/bench/nesReplay';
import type { NextEditParams, NextEditResult } from '../../src/core/engine/protocol';
import { promptText } from '../../src/core/nes/nesPrompt';
import { formatNesReports } from '../../src/cli/nesBench';

function scriptedEngine(calls: NextEditParams[]) {
  return {
    async nextEdit(params: NextEditParams): Promise<NextEditResult> {
      calls.push(params);
      const text = promptText(params.segments);
      const scenario = NES_SCENARIOS.find((s) => text.endsWith(`<|file_sep|>updated/${s.path}\n`))!;
      return {
        text: sweepAnswer(scenario),
        stopReason: 'stop',
        accounting: {
          promptTokens: 300,
          evaluatedTokens: 300,
          reusedTokens: 0,
          generatedTokens: 60,
          timeToFirstTokenMs: 5,
          tokensPerSecond: 120,
          totalMs: 20,
        },
        draftTokens: params.inputLookup ? 50 : 0,
        acceptedDraftTokens: params.inputLookup ? 45 : 0,
      };
    },
  };
}

describe('next-edit replay', () => {
  for (const scenario of NES_SCENARIOS) {
    test(`${scenario.name}: every expected edit is offered and accepted, with one model call for the whole sequence`, async () => {
      const calls: NextEditParams[] = [];
      const report = await replayNes(scenario, scriptedEngine(calls), {
        family: 'sweep',
        modelId: 'scripted',
        inputLookup: true,
      });
      assert.equal(report.completed, true);
      assert.equal(report.offeredUnexpected, 0);
      assert.equal(report.offeredExpected, report.expectedEdits);
      assert.ok(report.expectedEdits >= 3, `${report.expectedEdits} edits`);
      // The first answer covers the whole file; the check at the end asks once more and finds nothing.
      assert.equal(calls.length, 2);
      assert.deepEqual(
        report.steps.map((s) => s.source),
        ['model', ...Array(report.expectedEdits - 1).fill('rest'), 'none'],
      );
      assert.equal(report.draftTokens, 100);
    });
  }

  test('the report puts the runs with and without input lookup side by side with their ratio', async () => {
    const scenario = NES_SCENARIOS[0]!;
    const on = await replayNes(scenario, scriptedEngine([]), { family: 'sweep', modelId: 's', inputLookup: true });
    const off = await replayNes(scenario, scriptedEngine([]), { family: 'sweep', modelId: 's', inputLookup: false });
    const table = formatNesReports([on, off]);
    assert.match(table, /\| rename \| on \| 3 of 3 \| yes \| 2 \| 2 \|/);
    assert.match(table, /\| rename \| off \|/);
    assert.match(table, /rename: input lookup 1\.00× the tokens\/s without it/);
  });
});
