// "Alembic: Show Engine Status": a read-only Markdown document describing the backend, the GPU,
// the loaded models (layers on the GPU, context size) and the engine's memory.
import * as vscode from 'vscode';
import type { EngineStatus, LoadedModelInfo, ThreadsInfo } from '../core/engine/protocol';
import { formatBytes } from '../core/util/format';
import type { EngineState } from '../engine/client/engineClient';
import { getSetting } from './config';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';

const SCHEME = 'alembic-status';
export const STATUS_URI = vscode.Uri.from({ scheme: SCHEME, path: '/Alembic Engine Status.md' });

export class EngineStatusDocument extends DisposableStore implements vscode.TextDocumentContentProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly engine: EngineService) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(SCHEME, this));
    this.register(engine.onDidChangeState(() => this.changed.fire(STATUS_URI)));
    this.register(vscode.commands.registerCommand('alembic.showEngineStatus', () => this.show()));
  }

  async show(): Promise<void> {
    // Opening the view starts the engine when it is not running, so the backend can be shown.
    await this.engine.engine.status().catch(() => undefined);
    const doc = await vscode.workspace.openTextDocument(STATUS_URI);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async provideTextDocumentContent(): Promise<string> {
    const status: EngineStatus | undefined = await this.engine.engine.statusIfRunning();
    return renderStatus(this.engine.state, status);
  }
}

export function renderStatus(state: EngineState, status: EngineStatus | undefined): string {
  const lines = ['# Alembic engine', '', '| | |', '|---|---|', `| State | ${state.phase} |`];
  if (state.error) lines.push(`| Last problem | ${escape(state.error)} |`);
  if (status) {
    const gpu = status.gpu;
    const cpuWhy = getSetting('engine.gpu') === 'off' ? 'GPU use is off in the settings' : 'no supported GPU found';
    lines.push(
      `| Backend | ${gpu.backend === 'cpu' ? `CPU (${cpuWhy})` : `${gpu.backend.toUpperCase()}: ${gpu.deviceNames.join(', ') || 'GPU'}`} |`,
    );
    if (gpu.backend !== 'cpu')
      lines.push(`| GPU memory | ${formatBytes(gpu.vramFreeBytes)} free of ${formatBytes(gpu.vramTotalBytes)} |`);
    lines.push(
      `| Engine process | pid ${status.pid}, ${formatBytes(status.rssBytes)} RAM, up ${Math.round(status.uptimeMs / 1000)} s |`,
    );
    lines.push(`| Requests running | ${status.running.length} |`);
    if (status.threads) lines.push(`| CPU threads | ${describeThreads(status.threads)} |`);
    if (status.speeds.promptTokensPerSecond)
      lines.push(
        `| Prompt speed | ${status.speeds.promptTokensPerSecond} tokens/s (evaluated in chunks of ${status.speeds.promptChunkTokens}) |`,
      );
  }
  const models = status?.models ?? state.models;
  const completion = models.completion;
  const chat = models.chat;
  lines.push('', '## Completion model', '', ...renderModel(completion));
  lines.push('', '## Chat model', '');
  if (chat && completion && chat.path === completion.path)
    lines.push(
      `Same model as completion (loaded once), with its own context: ${chat.contextSize} tokens, KV cache ${formatBytes(chat.kvCacheBytes)}.`,
    );
  else lines.push(...renderModel(chat));
  lines.push('', '_Use **Alembic: Select Model** to change models, **Alembic: Restart Engine** to start afresh._', '');
  return lines.join('\n');
}

function renderModel(model: LoadedModelInfo | undefined): string[] {
  if (!model)
    return ['Not loaded. Pick one with **Alembic: Select Model**; a configured model loads on the first request.'];
  return [
    '| | |',
    '|---|---|',
    `| Model | ${escape(model.name)} |`,
    `| File | ${escape(model.path)} |`,
    `| Size | ${formatBytes(model.sizeBytes)} |`,
    `| Architecture | ${escape(model.architecture)} |`,
    `| GPU layers | ${model.gpuLayers} of ${model.totalLayers} |`,
    `| Context size | ${model.contextSize} tokens (trained on ${model.trainContextSize}), KV cache ${formatBytes(model.kvCacheBytes)} |`,
    `| Fill-in-the-middle | ${model.fim ? `yes (${escape(model.fim.prefix)} ${escape(model.fim.suffix)} ${escape(model.fim.middle)})` : 'no: this model cannot do inline completions'} |`,
    `| Chat template | ${model.chatTemplateProblem ? escape(model.chatTemplateProblem) : model.hasChatTemplate ? `yes (${model.chatWrapper || 'from the file'})` : 'none in the file'} |`,
    `| Load time | ${(model.loadMs / 1000).toFixed(1)} s |`,
  ];
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

function describeThreads(t: ThreadsInfo): string {
  if (t.source === 'setting') return `${t.count} (setting alembic.engine.threads)`;
  const measured = t.measured.map((m) => `${m.threads}: ${m.tokensPerSecond} tok/s`).join(', ');
  return `${t.count}, the fastest measured at ${t.measuredBecause ?? 'load'} (${measured})`;
}
