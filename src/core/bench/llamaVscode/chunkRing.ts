// llama.vscode's extra context (src/extra-context.ts): chunks of code picked from where the user
// works are queued, and while the user is idle (3 s after the last completion started) a timer
// moves one queued chunk a second into a ring of 16, which is sent with every request as
// input_extra; each change of the ring is evaluated ahead with an n_predict 0 request.
// Chunks are picked: after a completion, from far above and below the cursor when it moved more
// than 32 lines; on switching editors and 1 s after a save, around the cursor (only from a saved
// document); a chunk longer than 32 lines is a random 32-line slice (seeded here); one nearly
// equal to a held one (Jaccard similarity of lines > 0.9) replaces it.
import type { CompletionDocument } from '../../completion/documentWindow';
import type { Clock } from '../../completion/clock';
import type { Random } from '../random';
import { type ExtraChunk, LLAMA_VSCODE_CONFIG } from './request';

/** The document a chunk comes from, as pickChunk sees it. */
export interface ChunkSource {
  doc: CompletionDocument;
  dirty: boolean;
}

export class ChunkRing {
  readonly chunks: ExtraChunk[] = [];
  private readonly chunkLines: string[][] = [];
  readonly queued: ExtraChunk[] = [];
  private readonly queuedLines: string[][] = [];
  /** When the last completion request started (lastComplStartTime). */
  lastCompletionStart: number;
  private lastLinePick = -9999;
  evictions = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly config = LLAMA_VSCODE_CONFIG,
  ) {
    this.lastCompletionStart = clock.now();
  }

  /** periodicRingBufferUpdate: moves one queued chunk into the ring when the user is idle;
   * true when it did (the caller then sends the ring to the server). */
  periodicUpdate(): boolean {
    if (this.queued.length === 0 || this.clock.now() - this.lastCompletionStart < this.config.ringIdleMs) return false;
    const lines = this.queuedLines.shift()!;
    const chunk = this.queued.shift()!;
    this.chunkLines.push(lines);
    this.chunks.push(chunk);
    while (this.chunks.length > this.config.ringChunks) {
      this.chunks.shift();
      this.chunkLines.shift();
    }
    return true;
  }

  /** addFimContextChunks: after a completion, once the cursor moved far, chunks from the wider scope. */
  afterCompletion(line: number, source: ChunkSource): void {
    if (Math.abs(line - this.lastLinePick) <= this.config.pickDistance) return;
    const { doc } = source;
    const last = doc.lineCount - 1;
    this.pickChunk(
      linesOf(doc, Math.max(0, line - this.config.ringScope), Math.max(0, line - this.config.nPrefix)),
      false,
      false,
      source,
    );
    this.pickChunk(
      linesOf(
        doc,
        Math.min(last, line + this.config.nSuffix),
        Math.min(last, line + this.config.nSuffix + this.config.ringChunkSize),
      ),
      false,
      false,
      source,
    );
    this.lastLinePick = line;
  }

  /** pickChunkAroundCursor: the lines around the cursor, from a saved document only. */
  pickAround(line: number, source: ChunkSource): void {
    const half = this.config.ringChunkSize / 2;
    const doc = source.doc;
    this.pickChunk(
      linesOf(doc, Math.max(0, line - half), Math.min(line + half, doc.lineCount - 1)),
      true,
      true,
      source,
    );
  }

  /** pickChunk on a whole document (a save of a document that is not the active one). */
  pickWhole(source: ChunkSource): void {
    this.pickChunk(linesOf(source.doc, 0, source.doc.lineCount - 1), true, true, source);
  }

  pickChunk(lines: string[], noModified: boolean, evict: boolean, source: ChunkSource): void {
    if (noModified && source.dirty) return;
    if (this.config.ringChunks <= 0 || lines.length < 3) return;
    const size = this.config.ringChunkSize;
    let picked = lines;
    if (lines.length + 1 >= size) {
      const start = Math.floor(this.random.next() * Math.max(0, lines.length - size / 2 + 1));
      picked = lines.slice(start, Math.min(start + size / 2, lines.length));
    }
    const text = picked.join('\n') + '\n';
    if (evict && (this.chunks.some((c) => c.text === text) || this.queued.some((c) => c.text === text))) return;
    if (evict) {
      for (let i = this.chunks.length - 1; i >= 0; i--) {
        if (jaccard(this.chunkLines[i]!, picked) > 0.9) {
          this.chunks.splice(i, 1);
          this.chunkLines.splice(i, 1);
          this.evictions++;
        }
      }
      for (let i = this.queued.length - 1; i >= 0; i--) {
        if (jaccard(this.queuedLines[i]!, picked) > 0.9) {
          this.queued.splice(i, 1);
          this.queuedLines.splice(i, 1);
          this.evictions++;
        }
      }
    }
    if (this.queued.length >= this.config.maxQueuedChunks) {
      this.queued.splice(0, 1);
      this.queuedLines.splice(0, 1);
    }
    this.queued.push({ text, time: Math.round(this.clock.now()), filename: fileNameOf(source.doc) });
    this.queuedLines.push(picked);
  }
}

/** Lines start..end inclusive (getDocumentLines). */
function linesOf(doc: CompletionDocument, start: number, end: number): string[] {
  const lines: string[] = [];
  for (let i = start; i <= end; i++) lines.push(doc.lineAt(i));
  return lines;
}

/** The file name VS Code gives (document.fileName): the path of a file: URI. */
export function fileNameOf(doc: Pick<CompletionDocument, 'uri' | 'relativePath'>): string {
  if (doc.uri.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(doc.uri).pathname);
    } catch {
      // not a valid URL: fall through
    }
  }
  return doc.relativePath ?? doc.uri;
}

/** Jaccard similarity of two chunks' sets of lines. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const setA = new Set(a);
  const setB = new Set(b);
  let common = 0;
  for (const line of setA) if (setB.has(line)) common++;
  return common / (setA.size + setB.size - common);
}
