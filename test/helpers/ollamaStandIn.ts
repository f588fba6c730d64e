// A stand-in for Ollama, because Ollama cannot be installed here. Written from Ollama's API
// documentation (docs/api.md in ollama/ollama; docs.ollama.com/api for `capabilities` and
// `thinking`): GET /api/version and /api/tags, POST /api/show, /api/generate and /api/chat, which
// stream newline-delimited JSON objects ending with one that has `done: true`, `done_reason` and
// the counts (prompt_eval_count, eval_count, durations in nanoseconds). An unknown model is a 404
// with `{"error": "model \"x\" not found, try pulling it first"}`. It generates nothing: it streams
// the scripted answer word by word and records every request, so tests can check what Alembic sent
// (raw, suffix, num_ctx, keep_alive) and that closing the connection reached it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalServer, type LocalServer } from './localServer';

export interface StandInModel {
  name: string;
  /** /api/show's capabilities: "completion", "insert" (its template takes a suffix), "thinking"… */
  capabilities: string[];
  family: string;
  contextLength: number;
  template?: string;
}

export interface OllamaStandIn {
  url: string;
  server: LocalServer;
  models: StandInModel[];
  /** What /api/generate streams. */
  completion: string;
  /** What /api/chat streams: thinking first (when the model has the capability), then content. */
  chat: { thinking: string; content: string };
  /** Delay between streamed pieces, ms. */
  pieceDelayMs: number;
  /** Parsed bodies of the generate and chat requests, in order. */
  bodies: { path: string; body: Record<string, unknown> }[];
  /** Streams closed by the client before their end. */
  cancelled: number;
  close(): Promise<void>;
}

export async function startOllamaStandIn(models: StandInModel[]): Promise<OllamaStandIn> {
  const standIn = {
    models,
    completion: 'items.reduce((sum, item) => sum + item.price, 0);',
    chat: { thinking: 'The user wants a function.', content: 'Here is a function.' },
    pieceDelayMs: 1,
    bodies: [],
    cancelled: 0,
  } as unknown as OllamaStandIn;
  const server = await startLocalServer((req, res) => handle(standIn, req, res));
  standIn.server = server;
  standIn.url = server.url;
  standIn.close = () => server.close();
  return standIn;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function handle(o: OllamaStandIn, req: IncomingMessage & { body: string }, res: ServerResponse): Promise<void> {
  const path = req.url ?? '';
  if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version: '0.6.2' });
  if (req.method === 'GET' && path === '/api/tags')
    return json(res, 200, {
      models: o.models.map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: '2025-01-01T00:00:00Z',
        size: 986_000_000,
        digest: 'sha256:0',
        details: { format: 'gguf', family: m.family, parameter_size: '1.5B', quantization_level: 'Q8_0' },
      })),
    });
  if (req.method !== 'POST') return json(res, 404, { error: 'not found' });
  const body = JSON.parse(req.body || '{}') as Record<string, unknown>;
  const model = o.models.find((m) => m.name === body.model || `${m.name}` === `${String(body.model)}:latest`);
  if (!model) return json(res, 404, { error: `model "${String(body.model)}" not found, try pulling it first` });
  if (path === '/api/show')
    return json(res, 200, {
      template: model.template ?? '{{ .Prompt }}',
      details: { format: 'gguf', family: model.family },
      model_info: { 'general.architecture': model.family, [`${model.family}.context_length`]: model.contextLength },
      capabilities: model.capabilities,
    });
  if (path !== '/api/generate' && path !== '/api/chat') return json(res, 404, { error: 'not found' });
  o.bodies.push({ path, body });
  const chat = path === '/api/chat';
  const thinking = chat && model.capabilities.includes('thinking') ? words(o.chat.thinking) : [];
  const content = words(chat ? o.chat.content : o.completion);
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let closed = false;
  res.on('close', () => {
    if (!res.writableFinished) {
      closed = true;
      o.cancelled++;
    }
  });
  const base = { model: model.name, created_at: new Date().toISOString() };
  const numPredict = Number((body.options as Record<string, unknown> | undefined)?.num_predict ?? Infinity);
  let emitted = 0;
  for (const [kind, piece] of [...thinking.map((t) => ['thinking', t]), ...content.map((c) => ['content', c])]) {
    if (closed) return;
    if (emitted >= numPredict) break;
    await new Promise((r) => setTimeout(r, o.pieceDelayMs));
    const chunk = chat
      ? {
          ...base,
          message: {
            role: 'assistant',
            content: kind === 'content' ? piece : '',
            ...(kind === 'thinking' && { thinking: piece }),
          },
          done: false,
        }
      : { ...base, response: piece, done: false };
    res.write(`${JSON.stringify(chunk)}\n`);
    emitted++;
  }
  const promptLength = chat ? JSON.stringify(body.messages).length : String(body.prompt ?? '').length;
  res.end(
    `${JSON.stringify({
      ...base,
      ...(chat ? { message: { role: 'assistant', content: '' } } : { response: '' }),
      done: true,
      done_reason: emitted >= numPredict ? 'length' : 'stop',
      total_duration: 12_000_000,
      load_duration: 1_000_000,
      prompt_eval_count: Math.ceil(promptLength / 4),
      prompt_eval_duration: 2_000_000,
      eval_count: emitted,
      eval_duration: 8_000_000,
    })}\n`,
  );
}

function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
