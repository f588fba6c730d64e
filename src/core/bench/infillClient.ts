// llama-server's /infill endpoint as the benchmark calls it: a plain HTTP POST that is never
// aborted (llama.vscode's axios calls have no cancel token), run as device work on the replay's
// clock, and metered from the server's own figures: per request, tokens_evaluated (the prompt's
// length), timings.prompt_n (what the server evaluated for it), timings.cache_n (what it reused)
// and timings.predicted_n (what it generated). With n_cmpl > 1 the answer is an array; its
// results share one prompt evaluation (each reports the same prompt figures, counted once) and
// are generated side by side (their tokens add up; a projection counts the longest).
import type { DeviceMeter, DeviceWork } from './deviceMeter';
import { emptyTotals, type Metered } from './meteredEngine';

export class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

interface ResultFigures {
  promptTokens: number;
  evaluated: number;
  cached: number;
  generated: number[];
  promptMs: number;
  predictedMs: number[];
}

export class InfillClient implements Metered {
  readonly totals = emptyTotals();

  constructor(
    readonly url: string,
    private readonly device: DeviceMeter,
  ) {}

  /** POSTs an /infill request and returns the parsed answer (an object, or an array for n_cmpl > 1). */
  async infill(body: Record<string, unknown>): Promise<unknown> {
    const predicts = typeof body.n_predict === 'number' && body.n_predict !== 0;
    let figures: ResultFigures | undefined;
    const { result } = await this.device.run(
      async () => {
        const response = await fetch(`${this.url}/infill`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok)
          throw new ServerError(response.status, `llama-server /infill: ${response.status} ${errorText(text)}`);
        const answer: unknown = JSON.parse(text);
        figures = figuresOf(answer);
        this.account(figures, predicts);
        return answer;
      },
      (): DeviceWork | undefined =>
        figures && { evaluated: figures.evaluated, generated: Math.max(0, ...figures.generated) },
    );
    return result;
  }

  private account(f: ResultFigures, predicts: boolean): void {
    if (predicts) {
      this.totals.completeCalls++;
      this.totals.callEvaluated.push(f.evaluated);
    } else {
      this.totals.prefills++;
      this.totals.prefillEvaluatedTokens += f.evaluated;
    }
    this.totals.promptTokens += f.promptTokens;
    this.totals.evaluatedTokens += f.evaluated;
    this.totals.reusedTokens += f.cached;
    this.totals.generatedTokens += f.generated.reduce((a, b) => a + b, 0);
    this.totals.engineMs += f.promptMs + Math.max(0, ...f.predictedMs);
  }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: show the start of the body
  }
  return body.slice(0, 200);
}

/** The server's own figures of one answer; throws when they are missing (no figure is guessed). */
export function figuresOf(answer: unknown): ResultFigures {
  const results = Array.isArray(answer) ? answer : [answer];
  if (results.length === 0) throw new Error('llama-server answered an empty list');
  const num = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`llama-server's answer has no ${name}`);
    return v;
  };
  const timings = (r: unknown) => (r as { timings?: Record<string, unknown> })?.timings ?? {};
  const first = results[0] as { tokens_evaluated?: unknown };
  return {
    promptTokens: num(first.tokens_evaluated, 'tokens_evaluated'),
    evaluated: num(timings(first).prompt_n, 'timings.prompt_n'),
    cached: num(timings(first).cache_n ?? 0, 'timings.cache_n'),
    generated: results.map((r) => num(timings(r).predicted_n, 'timings.predicted_n')),
    promptMs: num(timings(first).prompt_ms ?? 0, 'timings.prompt_ms'),
    predictedMs: results.map((r) => num(timings(r).predicted_ms ?? 0, 'timings.predicted_ms')),
  };
}
