// The Engine Status page (bundled to media/dist/engine-status.js): renders the report the extension
// posts as tables of text — values are text nodes, never HTML, so a model's name or an engine
// message shows exactly as it is (`<|fim_prefix|>` included) — and turns its buttons into
// requests for the extension. It runs nothing else and opens nothing.
import type { EngineReport } from '../../core/status/engineReport';
import type { FromStatusView, StatusViewCommand, ToStatusView } from '../../core/status/engineStatusProtocol';
import { h } from '../dom';

interface VsCodeApi {
  postMessage(message: FromStatusView): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const api = acquireVsCodeApi();

const BUTTONS: { command: StatusViewCommand; label: string; title: string; primary?: boolean }[] = [
  { command: 'copy', label: 'Copy', title: 'Copy this report as Markdown, for a bug report', primary: true },
  { command: 'refresh', label: 'Refresh', title: 'Ask the engine again' },
  { command: 'selectModel', label: 'Select Model…', title: 'Choose the model for completions and chat' },
  { command: 'restartEngine', label: 'Restart Engine', title: 'Start the engine process afresh' },
  { command: 'showLog', label: 'Show Log', title: "Open Alembic's log" },
];

const summary = h('p', { class: 'summary', role: 'status' });
const actions = h('div', { class: 'actions' });
const body = h('div', { class: 'sections' });
document.getElementById('app')!.append(h('header', {}, h('h1', {}, 'Alembic Engine Status'), summary, actions), body);

function render(report: EngineReport, available: readonly StatusViewCommand[]): void {
  summary.textContent = report.summary;
  actions.replaceChildren(
    ...BUTTONS.filter((b) => available.includes(b.command)).map((b) => {
      const button = h(
        'button',
        { type: 'button', class: b.primary ? 'primary' : 'secondary', title: b.title, 'data-command': b.command },
        b.label,
      );
      button.addEventListener('click', () => api.postMessage({ type: 'command', command: b.command }));
      return button;
    }),
  );
  body.replaceChildren(
    ...report.sections.map((section) =>
      h(
        'section',
        { 'aria-label': section.title },
        h('h2', {}, section.title),
        section.rows.length
          ? h(
              'table',
              {},
              h(
                'tbody',
                {},
                ...section.rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.label), h('td', {}, row.value))),
              ),
            )
          : null,
        section.note ? h('p', { class: 'note' }, section.note) : null,
      ),
    ),
  );
}

window.addEventListener('message', (event: MessageEvent<ToStatusView>) => {
  if (event.data?.type === 'report') render(event.data.report, event.data.actions);
});

api.postMessage({ type: 'ready' });
