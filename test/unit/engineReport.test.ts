// Engine Status as the user reads it and copies it (src/core/status/engineReport.ts), and the
// checks on what its page may send (engineStatusProtocol.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedModelInfo } from '../../src/core/engine/protocol';
import { engineReport, reportAsMarkdown, type ReportInput } from '../../src/core/status/engineReport';
import { STATUS_VIEW_COMMANDS, validateStatusViewMessage } from '../../src/core/status/engineStatusProtocol';

const model: LoadedModelInfo = {
  path: '/models/qwen2.5-coder-1.5b-q8_0.gguf',
  name: 'Qwen2.5 Coder 1.5B | base',
  architecture: 'qwen2',
  roles: ['completion', 'chat'],
  sizeBytes: 1_650_000_000,
  gpuLayers: 0,
  totalLayers: 28,
  contextSize: 4096,
  trainContextSize: 32768,
  kvCacheBytes: 117_440_512,
  fim: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  endTokens: ['<|endoftext|>'],
  hasChatTemplate: true,
  chatWrapper: 'Qwen',
  loadMs: 2300,
};

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    state: { phase: 'ready', models: { completion: model, chat: model } },
    status: {
      gpu: { backend: 'cpu', deviceNames: [], vramTotalBytes: 0, vramFreeBytes: 0 },
      models: { completion: model, chat: { ...model, contextSize: 8192, kvCacheBytes: 234_881_024 } },
      running: [],
      pid: 4242,
      uptimeMs: 65_000,
      rssBytes: 2_000_000_000,
      threads: {
        count: 2,
        source: 'measured',
        cpuMathCores: 2,
        measured: [
          { threads: 1, tokensPerSecond: 40 },
          { threads: 2, tokensPerSecond: 71 },
        ],
      },
      speeds: { promptTokensPerSecond: 70.6, promptChunkTokens: 64 },
    },
    gpuSetting: 'auto',
    configured: { completion: model.path },
    completion: { requests: 30, modelCalls: 7, lastLatencyMs: 240, tokensPerSecond: 18.5 },
    lastChatAnswer: { model: 'Qwen', tokensPerSecond: 9.5, generatedTokens: 120 },
    recentErrors: [
      { at: 1_000, message: 'first problem' },
      { at: 50_000, message: 'The engine crashed (exit code 134).' },
    ],
    versions: { alembic: '0.1.0', vscode: '1.100.3', platform: 'linux-x64', node: 'v20.19.0' },
    now: 60_000,
    ...over,
  };
}

const rows = (r: ReturnType<typeof engineReport>, title: string) =>
  Object.fromEntries(r.sections.find((s) => s.title === title)!.rows.map((row) => [row.label, row.value]));

describe('engine report', () => {
  test('shows the backend, the threads, the process and each model with its context and KV memory', () => {
    const r = engineReport(input());
    assert.equal(r.summary, 'Engine ready: Qwen2.5 Coder 1.5B | base on the CPU');
    const engine = rows(r, 'Engine');
    assert.equal(engine['Backend'], 'CPU (no supported GPU found)');
    assert.equal(engine['CPU threads'], '2 (the fastest measured: 1 → 40 tokens/s, 2 → 71 tokens/s; 2 cores for math)');
    assert.equal(engine['Engine process'], 'pid 4242, 1.9 GB RAM, up 1 min 5 s');
    const completion = rows(r, 'Completion model');
    assert.equal(completion['Context size'], '4096 tokens (trained on 32768)');
    assert.equal(completion['KV cache'], '112 MB');
    assert.equal(completion['GPU layers'], '0 of 28');
    const chat = r.sections.find((s) => s.title === 'Chat model')!;
    assert.equal(chat.note, 'The same model file as completion (loaded once), with a context of its own.');
    assert.deepEqual(rows(r, 'Chat model'), { 'Context size': '8192 tokens', 'KV cache': '224 MB' });
  });

  test('model strings stay as they are: FIM tokens and a "|" in a name are not escaped', () => {
    const completion = rows(engineReport(input()), 'Completion model');
    assert.equal(completion['Fill-in-the-middle'], 'yes (<|fim_prefix|> <|fim_suffix|> <|fim_middle|>)');
    assert.equal(completion['Model'], 'Qwen2.5 Coder 1.5B | base');
  });

  test('gives the measured speeds and the last errors, newest first', () => {
    const r = engineReport(input());
    const speed = rows(r, 'Measured speed');
    assert.equal(speed['Prompt evaluation'], '71 tokens/s (chunks of 64 tokens)');
    assert.equal(speed['Completions'], 'last suggestion in 240 ms, 18.5 tokens/s; 7 model calls for 30 requests');
    assert.equal(speed['Last chat answer'], '9.5 tokens/s, 120 tokens (Qwen)');
    const errors = r.sections.find((s) => s.title === 'Last errors')!.rows;
    assert.deepEqual(
      errors.map((e) => `${e.label}: ${e.value}`),
      ['10 s ago: The engine crashed (exit code 134).', '59 s ago: first problem'],
    );
  });

  test('says what is missing instead of showing zeros: no engine process, nothing measured, no model', () => {
    const r = engineReport(
      input({
        state: { phase: 'stopped', models: {} },
        status: undefined,
        configured: {},
        completion: undefined,
        lastChatAnswer: undefined,
        recentErrors: [],
      }),
    );
    assert.equal(r.summary, 'Engine stopped');
    assert.match(r.sections[0]!.note ?? '', /No engine process runs now/);
    assert.match(r.sections.find((s) => s.title === 'Completion model')!.note ?? '', /None selected/);
    assert.match(r.sections.find((s) => s.title === 'Measured speed')!.note ?? '', /Nothing measured yet/);
    assert.match(r.sections.find((s) => s.title === 'Last errors')!.note ?? '', /None/);
  });

  test('before anything ran there are no thread or prompt-speed rows, never zeros', () => {
    const status = { ...input().status!, threads: undefined, speeds: { promptChunkTokens: 64 } };
    const r = engineReport(input({ status }));
    assert.equal(rows(r, 'Engine')['CPU threads'], undefined);
    assert.equal(rows(r, 'Measured speed')['Prompt evaluation'], undefined);
  });

  test('threads set by the setting say so, and a measurement made again says why', () => {
    const base = input().status!;
    const set = { ...base, threads: { count: 4, source: 'setting' as const, cpuMathCores: 8, measured: [] } };
    assert.equal(
      rows(engineReport(input({ status: set })), 'Engine')['CPU threads'],
      '4 (set by alembic.engine.threads; 8 cores for math)',
    );
    const again = {
      ...base,
      threads: { ...base.threads!, measuredBecause: 'prompt speed fell to 40% of 71 tokens/s' },
    };
    assert.equal(
      rows(engineReport(input({ status: again })), 'Engine')['CPU threads'],
      '2 (the fastest measured: 1 → 40 tokens/s, 2 → 71 tokens/s, measured again: prompt speed fell to 40% of 71 tokens/s; 2 cores for math)',
    );
  });

  test('the GPU off in the settings is named as the reason for the CPU', () => {
    assert.equal(
      rows(engineReport(input({ gpuSetting: 'off' })), 'Engine')['Backend'],
      'CPU (GPU use is off in the settings)',
    );
  });

  test('the Markdown for a bug report puts every value in a code span, backticks and all', () => {
    const md = reportAsMarkdown(
      engineReport(input({ recentErrors: [{ at: 59_000, message: 'bad `template` <script>' }] })),
    );
    assert.match(md, /^## Alembic engine status\n\nEngine ready/);
    assert.match(md, /- Fill-in-the-middle: `yes \(<\|fim_prefix\|> <\|fim_suffix\|> <\|fim_middle\|>\)`/);
    assert.match(md, /- 1 s ago: ``bad `template` <script>``/);
    assert.match(md, /### Versions\n\n- Alembic: `0\.1\.0`/);
  });
});

describe('Engine Status page messages', () => {
  test('accepts ready and each command of the list', () => {
    assert.ok(validateStatusViewMessage({ type: 'ready' }).ok);
    for (const command of STATUS_VIEW_COMMANDS) assert.ok(validateStatusViewMessage({ type: 'command', command }).ok);
  });

  test('drops an unknown type, an unknown command, a command id of VS Code and extra fields', () => {
    for (const raw of [
      null,
      [],
      'copy',
      { type: 'run', command: 'copy' },
      { type: 'command', command: 'workbench.action.quit' },
      { type: 'command', command: 'copy', text: 'x' },
      { type: 'command' },
      { type: 'ready', html: '<img>' },
    ])
      assert.equal(validateStatusViewMessage(raw).ok, false, JSON.stringify(raw));
  });
});
