// One pass over the token texts of a vocabulary as the bounded reader streams them, noting what
// makes llama.cpp abort while it builds its vocabulary (src/llama-vocab.cpp): two tokens with the
// same text (it asserts that its text-to-id map is as large as the token list), empty texts, texts
// that are not UTF-8, and which byte-fallback tokens exist (a SentencePiece tokenizer that meets a
// byte without one throws std::out_of_range from native code, which ends the process).
//
// The texts are never decoded or kept: each is hashed twice (64 bits in all) into an open-addressing
// table of ids, about 12 bytes per token. A hash match is only a candidate; the caller confirms it by
// comparing the two texts' bytes, so a collision can never refuse a good file, and a file crafted to
// collide more than MAX_CANDIDATES times is refused as such rather than checked less.
import { isUtf8 } from 'node:buffer';
import type { VocabularyFacts } from './ggufHeader';

/** Candidate pairs kept for the byte comparison; more than this only happens to crafted files. */
export const MAX_CANDIDATES = 64;

const HEX = '0123456789ABCDEF';

export class VocabularyScan {
  readonly facts: VocabularyFacts = {
    emptyTokenId: null,
    invalidUtf8TokenId: null,
    duplicate: null,
    byteTokens: new Uint8Array(256),
  };
  /** Pairs of ids whose texts hash alike, to compare byte for byte. */
  readonly candidates: [number, number][] = [];
  /** True when more pairs collided than MAX_CANDIDATES. */
  overflowed = false;
  private readonly mask: number;
  private readonly h1: Int32Array;
  private readonly h2: Int32Array;
  /** Token id + 1 per slot; 0 is an empty slot. */
  private readonly ids: Int32Array;

  constructor(tokenCount: number) {
    let capacity = 16;
    while (capacity < tokenCount * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.h1 = new Int32Array(capacity);
    this.h2 = new Int32Array(capacity);
    this.ids = new Int32Array(capacity);
  }

  /** Notes token `id`, whose text is buf[at, at + length). */
  add(id: number, buf: Buffer, at: number, length: number): void {
    const facts = this.facts;
    if (length === 0) {
      facts.emptyTokenId ??= id;
      return;
    }
    // FNV-1a and a second multiplicative hash with another seed, in one loop over the bytes.
    let a = 0x811c9dc5 | 0;
    let b = 0x9747b28c | 0;
    let high = false;
    for (let i = at, end = at + length; i < end; i++) {
      const byte = buf[i]!;
      if (byte >= 0x80) high = true;
      a = Math.imul(a ^ byte, 0x01000193);
      b = Math.imul(b ^ byte, 0x5bd1e995);
      b ^= b >>> 15;
    }
    if (length === 1) facts.byteTokens[buf[at]!]! |= 2;
    else if (length === 6) this.noteByteToken(buf, at);
    if (high && length > 1 && facts.invalidUtf8TokenId === null && !isUtf8(buf.subarray(at, at + length))) {
      facts.invalidUtf8TokenId = id;
    }
    this.insert(id, a, b ^ length);
  }

  private noteByteToken(buf: Buffer, at: number): void {
    // Exactly the form llama.cpp looks up: "<0x" two upper-case hex digits ">".
    if (buf[at] !== 0x3c || buf[at + 1] !== 0x30 || buf[at + 2] !== 0x78 || buf[at + 5] !== 0x3e) return;
    const hi = HEX.indexOf(String.fromCharCode(buf[at + 3]!));
    const lo = HEX.indexOf(String.fromCharCode(buf[at + 4]!));
    if (hi >= 0 && lo >= 0) this.facts.byteTokens[hi * 16 + lo]! |= 1;
  }

  private insert(id: number, a: number, b: number): void {
    let slot = a & this.mask;
    for (;;) {
      const existing = this.ids[slot]!;
      if (existing === 0) {
        this.h1[slot] = a;
        this.h2[slot] = b;
        this.ids[slot] = id + 1;
        return;
      }
      if (this.h1[slot] === a && this.h2[slot] === b) {
        if (this.candidates.length < MAX_CANDIDATES) this.candidates.push([existing - 1, id]);
        else this.overflowed = true;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }
}
