// How Alembic's prompt segments reach llama-server token for token. /completion accepts a prompt
// that mixes token ids and strings, and tokenizes each string on its own: so a segment is
// tokenized exactly as the local engine tokenizes it, and an unchanged segment keeps its tokens
// from one request to the next (which is what keeps the slot's KV cache valid). Special tokens
// go as ids. llama-server parses special-token texts inside strings, though, so a text segment
// that spells one (code that mentions "<|fim_prefix|>") is tokenized literally through /tokenize
// first, and goes as ids too. The FIM tokens are found the same way: a family's token text that
// the server's tokenizer turns into one token is a special token of the model.
import { familyDefaults, type NamedFimFamily } from '../completion/fimTemplates';
import type { FimTokens, PromptSegment } from '../engine/protocol';
import { endpointUrl } from './endpoint';
import { ensureOk, jsonBody } from './httpErrors';
import type { HttpTransport } from './httpTransport';
import { field } from './streamParsers';

/** Text that may contain a special token's spelling: <|…|>, <｜…｜>, <name>, [NAME]. */
const SPECIAL_LOOKING = /<[|｜]|[|｜]>|<\/?[A-Za-z_][\w.▁-]*>|\[\/?[A-Z_]{3,}\]/;
const LITERAL_CACHE_SIZE = 512;

export type MixedPrompt = (string | number)[];

export class LlamaServerTokens {
  private readonly specials = new Map<string, number | null>();
  private readonly literals = new Map<string, number[]>();

  constructor(private readonly transport: HttpTransport) {}

  /** The FIM tokens of the served model, or null when none of the known families' are there. */
  async probeFim(signal?: AbortSignal): Promise<FimTokens | null> {
    const order: NamedFimFamily[] = ['qwen', 'codegemma', 'starcoder', 'deepseek', 'codellama', 'codestral'];
    const prefixes = [...new Set(order.map((f) => familyDefaults(f).tokens.prefix))];
    await Promise.all(prefixes.map((p) => this.specialId(p, signal)));
    for (const family of order) {
      const t = familyDefaults(family).tokens;
      if (this.specials.get(t.prefix) == null) continue;
      const optional = [t.pad, t.repoName, t.fileSeparator, familyDefaults(family).bos].filter((x): x is string =>
        Boolean(x),
      );
      const found = await Promise.all([t.suffix, t.middle, ...optional].map((x) => this.specialId(x, signal)));
      if (found[0] == null || found[1] == null) continue;
      if (family === 'codegemma' && this.specials.get(t.fileSeparator!) == null) continue; // then it is Qwen's set
      const has = (x: string | undefined) => (x && this.specials.get(x) != null ? x : undefined);
      return {
        prefix: t.prefix,
        suffix: t.suffix,
        middle: t.middle,
        ...(has(t.pad) && { pad: t.pad }),
        ...(has(t.repoName) && { repoName: t.repoName }),
        ...(has(t.fileSeparator) && { fileSeparator: t.fileSeparator }),
      };
    }
    return null;
  }

  /** Whether the model has `text` as a special token (after probeFim or a prompt used it). */
  isSpecial(text: string): boolean {
    return this.specials.get(text) != null;
  }

  /** The prompt as llama-server takes it: ids for special tokens and for text that spells one. */
  async mixedPrompt(segments: readonly PromptSegment[], signal?: AbortSignal): Promise<MixedPrompt> {
    const out: MixedPrompt = [];
    for (const s of segments) {
      if ('special' in s) {
        const id = await this.specialId(s.special, signal);
        if (id == null) throw new Error(`"${s.special}" is not a special token of the server's model.`);
        out.push(id);
      } else if (!s.text) {
        continue;
      } else if (SPECIAL_LOOKING.test(s.text)) {
        out.push(...(await this.literal(s.text, signal)));
      } else {
        out.push(s.text);
      }
    }
    return out;
  }

  /** Forget what was learnt (the server may serve another model after a restart). */
  reset(): void {
    this.specials.clear();
    this.literals.clear();
  }

  private async specialId(text: string, signal?: AbortSignal): Promise<number | null> {
    if (this.specials.has(text)) return this.specials.get(text)!;
    const tokens = await this.tokenize(text, true, signal);
    const id = tokens.length === 1 ? tokens[0]! : null;
    this.specials.set(text, id);
    return id;
  }

  private async literal(text: string, signal?: AbortSignal): Promise<number[]> {
    const cached = this.literals.get(text);
    if (cached) {
      this.literals.delete(text); // most recent last
      this.literals.set(text, cached);
      return cached;
    }
    const tokens = await this.tokenize(text, false, signal);
    this.literals.set(text, tokens);
    if (this.literals.size > LITERAL_CACHE_SIZE) this.literals.delete(this.literals.keys().next().value!);
    return tokens;
  }

  private async tokenize(content: string, parseSpecial: boolean, signal?: AbortSignal): Promise<number[]> {
    const t = this.transport;
    const res = await ensureOk(
      await t.request('POST', endpointUrl(t.endpoint, '/tokenize'), {
        body: { content, add_special: false, parse_special: parseSpecial },
        signal,
      }),
      'the tokenize request',
      t.hasApiKey,
    );
    const tokens = field(await jsonBody(res, 'the tokenize request'), 'tokens');
    if (!Array.isArray(tokens)) return [];
    return tokens.map((x) => (typeof x === 'number' ? x : Number(field(x, 'id'))));
  }
}
