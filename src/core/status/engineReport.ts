// "Alembic: Show Engine Status" as data: the backend and GPU, the threads, each model's context and
// memory, the speeds measured on real work, and the last errors — as sections of label/value rows
// that the Engine Status webview renders as text, and as Markdown for its Copy button (a bug
// report). Built in the core from plain inputs, so what the user reads is tested in Node.
// Fields the engine does not report (no model loaded yet, nothing measured yet) are left out,
// never shown as zero.
import type { EngineStatus, LoadedModelInfo, ModelRole, ThreadsInfo } from '../engine/protocol';
import { formatBytes, formatDuration } from '../util/format';
import type { EngineStateLike } from './statusDescription';

export interface ReportInput {
  state: EngineStateLike & { pid?: number; models: Partial<Record<ModelRole, LoadedModelInfo>> };
  /** The running engine's answer to `status`; undefined when no engine process runs. */
  status?: EngineStatus;
  /** alembic.engine.gpu. */
  gpuSetting: string;
  /** The model files in the settings. */
  configured: { completion?: string; chat?: string };
  /** The completion pipeline's figures, when completions run. */
  completion?: { requests: number; modelCalls: number; lastLatencyMs: number; tokensPerSecond: number };
  /** The last chat answer's speed. */
  lastChatAnswer?: { model: string; tokensPerSecond: number; generatedTokens: number };
  /** Newest last. */
  recentErrors: readonly { at: number; message: string }[];
  versions: { alembic: string; vscode: string; platform: string; node: string };
  now: number;
}

export interface ReportRow {
  label: string;
  value: string;
}

export interface ReportSection {
  title: string;
  rows: ReportRow[];
  /** A sentence under the rows ("Not loaded…"). */
  note?: string;
}

export interface EngineReport {
  /** One line: the state and where the model runs. */
  summary: string;
  sections: ReportSection[];
}

export function engineReport(input: ReportInput): EngineReport {
  const { state, status } = input;
  const models = status?.models ?? state.models;
  const sections: ReportSection[] = [engineSection(input)];
  const completion = models.completion;
  const chat = models.chat;
  sections.push(modelSection('Completion model', completion, input.configured.completion));
  if (chat && completion && chat.path === completion.path)
    // One file in memory, with a context of its own for each feature.
    sections.push({
      title: 'Chat model',
      rows: [
        { label: 'Context size', value: `${chat.contextSize} tokens` },
        { label: 'KV cache', value: formatBytes(chat.kvCacheBytes) },
      ],
      note: 'The same model file as completion (loaded once), with a context of its own.',
    });
  else sections.push(modelSection('Chat model', chat, input.configured.chat ?? input.configured.completion));
  sections.push(speedSection(input));
  sections.push(errorSection(input));
  const v = input.versions;
  sections.push({
    title: 'Versions',
    rows: [
      { label: 'Alembic', value: v.alembic },
      { label: 'VS Code', value: v.vscode },
      { label: 'Platform', value: `${v.platform}, Node ${v.node}` },
    ],
  });
  const model = completion ?? chat;
  const where = model ? (status?.gpu.backend ?? state.gpu?.backend ?? 'cpu') : undefined;
  return {
    summary: `Engine ${state.phase}${model ? `: ${model.name} on ${where === 'cpu' ? 'the CPU' : where!.toUpperCase()}` : ''}`,
    sections,
  };
}

function engineSection({ state, status, gpuSetting }: ReportInput): ReportSection {
  const rows: ReportRow[] = [{ label: 'State', value: state.phase }];
  if (state.error) rows.push({ label: 'Last problem', value: state.error });
  if (!status) return { title: 'Engine', rows, note: 'No engine process runs now: it starts with the next request.' };
  const gpu = status.gpu;
  const cpuWhy = gpuSetting === 'off' ? 'GPU use is off in the settings' : 'no supported GPU found';
  rows.push({
    label: 'Backend',
    value:
      gpu.backend === 'cpu'
        ? `CPU (${cpuWhy})`
        : `${gpu.backend.toUpperCase()}: ${gpu.deviceNames.join(', ') || 'GPU'}`,
  });
  if (gpu.backend !== 'cpu')
    rows.push({
      label: 'GPU memory',
      value: `${formatBytes(gpu.vramFreeBytes)} free of ${formatBytes(gpu.vramTotalBytes)}`,
    });
  if (status.threads) rows.push({ label: 'CPU threads', value: describeThreads(status.threads) });
  rows.push({
    label: 'Engine process',
    value: `pid ${status.pid}, ${formatBytes(status.rssBytes)} RAM, up ${formatDuration(status.uptimeMs)}`,
  });
  rows.push({ label: 'Requests running', value: String(status.running.length) });
  return { title: 'Engine', rows };
}

/** How the thread count was chosen: the setting, or the fastest of the candidates measured. */
function describeThreads(t: ThreadsInfo): string {
  const cores = `${t.cpuMathCores} cores for math`;
  if (t.source === 'setting') return `${t.count} (set by alembic.engine.threads; ${cores})`;
  const measured = t.measured.map((m) => `${m.threads} → ${m.tokensPerSecond.toFixed(0)} tokens/s`).join(', ');
  const when = t.measuredBecause && t.measuredBecause !== 'load' ? `, measured again: ${t.measuredBecause}` : '';
  return `${t.count} (the fastest measured${measured ? `: ${measured}` : ''}${when}; ${cores})`;
}

function modelSection(
  title: string,
  model: LoadedModelInfo | undefined,
  configured: string | undefined,
): ReportSection {
  if (!model)
    return {
      title,
      rows: configured ? [{ label: 'File', value: configured }] : [],
      note: configured
        ? 'Not loaded: it loads with the first request.'
        : 'None selected. Choose one with Select Model…, or download one.',
    };
  const rows: ReportRow[] = [
    { label: 'Model', value: model.name },
    { label: 'File', value: model.path },
    { label: 'Size', value: formatBytes(model.sizeBytes) },
    { label: 'Architecture', value: model.architecture },
    { label: 'GPU layers', value: `${model.gpuLayers} of ${model.totalLayers}` },
    { label: 'Context size', value: `${model.contextSize} tokens (trained on ${model.trainContextSize})` },
  ];
  rows.push({ label: 'KV cache', value: formatBytes(model.kvCacheBytes) });
  rows.push({
    label: 'Fill-in-the-middle',
    value: model.fim
      ? `yes (${model.fim.prefix} ${model.fim.suffix} ${model.fim.middle})`
      : 'no: this model cannot do inline completions',
  });
  rows.push({
    label: 'Chat template',
    value: model.hasChatTemplate
      ? `yes (${model.chatWrapper || 'from the file'})${model.chatTemplateProblem ? `, not used: ${model.chatTemplateProblem}` : ''}`
      : 'none in the file',
  });
  rows.push({ label: 'Load time', value: formatDuration(model.loadMs) });
  return { title, rows };
}

function speedSection({ status, completion, lastChatAnswer }: ReportInput): ReportSection {
  const rows: ReportRow[] = [];
  if (status?.speeds.promptTokensPerSecond) {
    const chunks = status.speeds.promptChunkTokens;
    rows.push({
      label: 'Prompt evaluation',
      value: `${status.speeds.promptTokensPerSecond.toFixed(0)} tokens/s${chunks ? ` (chunks of ${chunks} tokens)` : ''}`,
    });
  }
  if (completion && completion.requests > 0) {
    const speed = completion.tokensPerSecond > 0 ? `, ${completion.tokensPerSecond.toFixed(1)} tokens/s` : '';
    rows.push({
      label: 'Completions',
      value:
        `last suggestion in ${formatDuration(completion.lastLatencyMs)}${speed}; ` +
        `${completion.modelCalls} model calls for ${completion.requests} requests`,
    });
  }
  if (lastChatAnswer)
    rows.push({
      label: 'Last chat answer',
      value: `${lastChatAnswer.tokensPerSecond.toFixed(1)} tokens/s, ${lastChatAnswer.generatedTokens} tokens (${lastChatAnswer.model})`,
    });
  return {
    title: 'Measured speed',
    rows,
    note: rows.length ? undefined : 'Nothing measured yet: type, or ask the chat.',
  };
}

function errorSection({ recentErrors, now }: ReportInput): ReportSection {
  const rows = [...recentErrors]
    .reverse()
    .slice(0, 10)
    .map((e) => ({ label: ago(now - e.at), value: e.message }));
  return { title: 'Last errors', rows, note: rows.length ? undefined : 'None since the window opened.' };
}

function ago(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

/** The report as Markdown, for a bug report: every value in a code span, so nothing in a model's
 * name or an error message is read as Markdown. */
export function reportAsMarkdown(report: EngineReport): string {
  const out = ['## Alembic engine status', '', report.summary, ''];
  for (const section of report.sections) {
    out.push(`### ${section.title}`, '');
    for (const row of section.rows) out.push(`- ${row.label}: ${codeSpan(row.value)}`);
    if (section.note) out.push(section.note);
    out.push('');
  }
  return out.join('\n');
}

function codeSpan(value: string): string {
  const flat = value.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat}${fence}`;
}
