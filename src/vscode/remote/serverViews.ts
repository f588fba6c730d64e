// How the features' servers read in the status bar ("Alembic: gpu-box · llama-server") and in the
// chat's header, next to the local engine's own views.
import type { EngineView } from '../../core/chat/webviewProtocol';
import type { ReportSection } from '../../core/status/engineReport';
import type { StateView } from '../../core/status/statusDescription';
import type { RemoteServers, ServerView } from './remoteServers';

/** The status bar item when a feature runs on a server; undefined when both run locally. */
export function describeServers(servers: RemoteServers): StateView | undefined {
  const completion = servers.view('completion');
  const chat = servers.view('chat');
  const main = completion ?? chat;
  if (!main) return undefined;
  const line = (feature: string, v: ServerView | undefined) =>
    v ? `${feature}: ${describe(v)}` : `${feature}: the model on this machine`;
  const tooltip = `${line('completions', completion)}; ${line('chat', chat)}`;
  const worst =
    [completion, chat].find((v) => v?.phase === 'error') ?? [completion, chat].find((v) => v?.phase === 'checking');
  if (worst?.phase === 'error') return { text: `$(error) Alembic: ${worst.label}`, tooltip, error: true };
  if (worst?.phase === 'checking') return { text: `$(loading~spin) Alembic: ${main.label}`, tooltip, error: false };
  return { text: `$(check) Alembic: ${main.label}`, tooltip, error: false };
}

function describe(v: ServerView): string {
  if (v.phase === 'error') return `${v.label} is unusable: ${v.error ?? 'unknown problem'}`;
  if (v.phase === 'checking') return `checking ${v.label}…`;
  const slots = v.facts?.slots ? `, ${v.facts.slots} slots` : '';
  return `${v.facts?.name ?? 'model'} on ${v.label} (context ${v.facts?.contextSize || '?'}${slots})`;
}

/** The chat header's view when the chat runs on a server. */
export function serverEngineView(v: ServerView): EngineView {
  const model = `${v.facts?.name ?? v.label.split(' · ')[0]} · ${v.label.split(' · ')[0]}`;
  if (v.phase === 'checking') return { phase: 'starting', model };
  if (v.phase === 'error') return { phase: 'halted', model, error: `${v.label}: ${v.error ?? 'unusable'}` };
  return { phase: 'ready', model };
}

/** The servers' sections of "Alembic: Show Engine Status" (none when every feature is local). */
export function serverReportSections(servers: RemoteServers): ReportSection[] {
  const sections: ReportSection[] = [];
  for (const [role, title] of [
    ['completion', 'Completion server'],
    ['chat', 'Chat server'],
  ] as const) {
    const v = servers.view(role);
    if (!v) continue;
    const f = v.facts;
    const rows = [
      { label: 'Server', value: `${v.label} (${v.endpoint})` },
      { label: 'State', value: v.phase === 'error' ? `unusable: ${v.error ?? '?'}` : v.phase },
    ];
    if (f) {
      rows.push(
        { label: 'Model', value: `${f.name} (${f.id})` },
        { label: 'Context', value: f.contextSize ? `${f.contextSize} tokens` : 'not reported' },
      );
      if (role === 'completion')
        rows.push({
          label: 'Fill-in-the-middle',
          value: f.fim
            ? `Alembic's prompt (${f.fim.prefix} ${f.fim.suffix} ${f.fim.middle})`
            : f.serverInfill
              ? "the server's own format"
              : 'no',
        });
      if (f.slots) rows.push({ label: 'Slots', value: String(f.slots) });
    }
    sections.push({ title, rows });
  }
  return sections;
}
