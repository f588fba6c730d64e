// A scripted stand-in for llama-server's /infill in the llama.vscode strategy's unit tests: it
// records every request body and answers when the test says so (or at once, with `answer`).
// The real server is exercised by test/server/.
export interface InfillCall {
  body: Record<string, unknown>;
  respond(answer: unknown): void;
}

export class ScriptedInfill {
  readonly calls: InfillCall[] = [];
  /** When set, every request is answered at once with what it returns. */
  answer?: (body: Record<string, unknown>) => unknown;

  infill(body: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve) => {
      const call: InfillCall = { body, respond: resolve };
      this.calls.push(call);
      if (this.answer) resolve(this.answer(body));
    });
  }

  get bodies(): Record<string, unknown>[] {
    return this.calls.map((c) => c.body);
  }

  /** The answer llama-server gives with n_cmpl > 1: a list of results. */
  static results(...contents: string[]): unknown[] {
    return contents.map((content, index) => ({ index, content }));
  }
}
