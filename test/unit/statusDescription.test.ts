// What the status bar item says (src/core/status/statusDescription.ts): its text and icon, its
// accessible label, and its menu, for each state a user meets in the first hour.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  composeStatusItem,
  describeState,
  statusMenuEntries,
  type EngineStateLike,
} from '../../src/core/status/statusDescription';

const icon = (text: string) => /^\$\(([^)]+)\)/.exec(text)?.[1];
const ready: EngineStateLike = {
  phase: 'ready',
  models: { completion: { name: 'Qwen2.5-Coder 1.5B', gpuLayers: 0 } },
  gpu: { backend: 'cpu', deviceNames: [] },
};
const off = { text: '$(circle-slash)', tooltip: 'Inline completions: off.' };
const snoozed = { text: '$(bell-slash)', tooltip: 'Inline completions: snoozed until 10:05:00.' };

describe('status bar item', () => {
  test('"no model", completions off and snoozed each have an icon of their own', () => {
    const noModel = composeStatusItem(describeState({ phase: 'stopped', models: {} }, false), [off], false);
    const offItem = composeStatusItem(describeState(ready, true), [off], true);
    const snoozedItem = composeStatusItem(describeState(ready, true), [snoozed], true);
    const icons = (text: string) => [...text.matchAll(/\$\(([^)]+)\)/g)].map((m) => m[1]);
    assert.deepEqual(icons(noModel.text), ['cloud-download']);
    assert.deepEqual(icons(offItem.text), ['check', 'circle-slash']);
    assert.deepEqual(icons(snoozedItem.text), ['check', 'bell-slash']);
    assert.equal(noModel.text, '$(cloud-download) Alembic: no model');
  });

  test('with no model at all, the item only asks for one (no completion part)', () => {
    const item = composeStatusItem(describeState({ phase: 'idle', models: {} }, false), [off], false);
    assert.equal(item.label, 'Alembic: no model selected. Click to select or download one.');
    assert.doesNotMatch(item.tooltip, /Inline completions/);
  });

  test('the accessible label reads as sentences, each part once', () => {
    const item = composeStatusItem(describeState(ready, true), [off], true);
    assert.equal(item.label, 'Alembic: Qwen2.5-Coder 1.5B ready on CPU. Inline completions: off.');
    assert.doesNotMatch(item.label, /completions: inline completions/i);
  });

  test('the states of a model loading, running on a GPU, crashed and halted read apart', () => {
    assert.equal(
      describeState({ phase: 'loading', models: {}, loadProgress: 0.42 }, true).text,
      '$(loading~spin) Alembic 42%',
    );
    const gpu: EngineStateLike = {
      phase: 'ready',
      models: { completion: { name: 'M', gpuLayers: 28 } },
      gpu: { backend: 'cuda', deviceNames: ['NVIDIA H200'] },
    };
    assert.equal(describeState(gpu, true).text, '$(check) Alembic: NVIDIA H200');
    assert.equal(describeState(gpu, true, true).text, '$(sync~spin) Alembic');
    assert.equal(icon(describeState({ phase: 'crashed', models: {}, error: 'x' }, true).text), 'warning');
    const halted = describeState({ phase: 'halted', models: {}, error: 'it crashed 3 times' }, true);
    assert.equal(halted.error, true);
    assert.match(halted.tooltip, /it crashed 3 times/);
    assert.equal(icon(describeState({ phase: 'stopped', models: {} }, true).text), 'circle-outline');
  });

  test('a refused new model shows as a warning while the previous one keeps serving', () => {
    const view = describeState({ ...ready, error: 'bad.gguf is not a GGUF file' }, true);
    assert.equal(icon(view.text), 'warning');
    assert.match(view.tooltip, /^Qwen2.5-Coder 1.5B ready on CPU, but bad\.gguf is not a GGUF file$/);
  });
});

describe('status bar menu', () => {
  const commands = (c: Parameters<typeof statusMenuEntries>[0]) => statusMenuEntries(c).map((e) => e.command);

  test('with no model it offers Select and Download, and neither Restart nor Unload', () => {
    const entries = commands({ modelConfigured: false, completionModelConfigured: false, modelLoaded: false });
    assert.deepEqual(entries.slice(0, 2), ['alembic.selectModel', 'alembic.downloadModel']);
    assert.ok(!entries.includes('alembic.restartEngine'));
    assert.ok(!entries.includes('alembic.unloadModel'));
    assert.ok(!entries.includes('alembic.snoozeInlineCompletions'));
  });

  test('Unload is offered only while a model is loaded, Restart whenever one is set', () => {
    const idle = commands({ modelConfigured: true, completionModelConfigured: true, modelLoaded: false });
    assert.ok(idle.includes('alembic.restartEngine') && !idle.includes('alembic.unloadModel'));
    const loaded = commands({ modelConfigured: true, completionModelConfigured: true, modelLoaded: true });
    assert.ok(loaded.includes('alembic.unloadModel') && loaded.includes('alembic.toggleInlineCompletions'));
  });
});
