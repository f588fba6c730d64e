// A model's chat template is a program (Jinja) that node-llama-cpp runs synchronously on the engine's
// main thread: once when it resolves the chat wrapper and again for every chat request. A template
// that loops would block the engine for good. So before node-llama-cpp sees a template, the engine
// renders it on a worker thread, with the same renderer (@huggingface/jinja) and conversations of
// the shapes node-llama-cpp renders, under a time cap; a template that does not finish is not used
// (chat falls back to a wrapper chosen without rendering, see chatWrapperFallback.ts).
// A template the renderer cannot parse is left to node-llama-cpp, which falls back on its own.
import { Worker } from 'node:worker_threads';

/** The worker-thread role this module's worker runs (see main.ts). */
export const TEMPLATE_CHECK_ROLE = 'alembic-template-check';

export interface TemplateCheckInput {
  template: string;
  bosToken: string;
  eosToken: string;
}

export type TemplateVerdict =
  | { ok: true; renderMs: number }
  /** The renderer could not parse or run it: node-llama-cpp decides what to do with it. */
  | { ok: true; renderError: string }
  | { ok: false; reason: string };

/** How long rendering the sample conversations may take; real templates need a few ms. */
export const TEMPLATE_RENDER_CAP_MS = Number(process.env.ALEMBIC_ENGINE_TEMPLATE_RENDER_MS) || 3000;
/** How long the worker may take to start (a loaded machine can be slow to start a thread). */
const WORKER_START_CAP_MS = 30_000;

/** Renders the template off the main thread; resolves with the verdict (never rejects). */
export function checkChatTemplate(input: TemplateCheckInput, capMs = TEMPLATE_RENDER_CAP_MS): Promise<TemplateVerdict> {
  return new Promise((resolve) => {
    const worker = new Worker(__filename, { workerData: { role: TEMPLATE_CHECK_ROLE, ...input } });
    let timer = setTimeout(() => finish({ ok: false, reason: 'the check could not start' }), WORKER_START_CAP_MS);
    let started = 0;
    const finish = (verdict: TemplateVerdict) => {
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      void worker.terminate(); // stops a looping render too (V8 terminates the thread's script)
      resolve(verdict);
    };
    worker.on('message', (m: { type: 'started' } | { type: 'done'; error?: string }) => {
      if (m.type === 'started') {
        started = performance.now();
        clearTimeout(timer);
        timer = setTimeout(
          () => finish({ ok: false, reason: `it did not finish rendering within ${capMs / 1000} s (it may loop)` }),
          capMs,
        );
      } else if (m.error !== undefined) {
        finish({ ok: true, renderError: m.error });
      } else {
        finish({ ok: true, renderMs: Math.round(performance.now() - started) });
      }
    });
    worker.on('error', (e) => finish({ ok: true, renderError: e.message }));
    worker.on('exit', () => finish({ ok: false, reason: 'the check stopped unexpectedly' }));
  });
}

/** The worker side: render the sample conversations and report. */
export async function runTemplateCheck(
  input: TemplateCheckInput,
  post: (m: { type: 'started' } | { type: 'done'; error?: string }) => void,
): Promise<void> {
  const { Template } = await import('@huggingface/jinja');
  post({ type: 'started' });
  try {
    const template = new Template(input.template);
    for (const messages of SAMPLE_CONVERSATIONS) {
      for (const add_generation_prompt of [false, true]) {
        template.render({
          messages,
          add_generation_prompt,
          bos_token: input.bosToken,
          eos_token: input.eosToken,
        });
      }
    }
    post({ type: 'done' });
  } catch (e) {
    post({ type: 'done', error: e instanceof Error ? e.message : String(e) });
  }
}

const SAMPLE_CONVERSATIONS = [
  [{ role: 'user', content: 'Hi there' }],
  [
    { role: 'system', content: 'You are a helpful coding assistant.' },
    { role: 'user', content: 'Write a function that adds two numbers.' },
    { role: 'assistant', content: 'function add(a, b) {\n  return a + b;\n}' },
    { role: 'user', content: 'Now in Python.' },
  ],
];
