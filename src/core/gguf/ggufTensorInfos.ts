// The tensor-info part of the bounded GGUF reader: names, shapes, types and offsets, checked the way
// llama.cpp's loader checks them (ggml/src/gguf.cpp) and then some: every tensor's bytes must lie
// inside the file, no two tensors may share bytes, and each starts where the one before it ends. Sizes are computed in BigInt from ggml's
// block tables, so a shape of 2^63 elements or an offset of 2^64 - 1 is an error, not a wrap-around.
import type { GgufByteWindow } from './ggufByteWindow';
import { GgufCheckError } from './ggufCheckError';
import {
  GGML_MAX_DIMS,
  GGML_MAX_TENSOR_NAME_BYTES,
  ggmlTypeInfo,
  removedGgmlTypeName,
  type GgmlTypeInfo,
} from './ggufTypes';

export interface GgufTensorInfo {
  name: string;
  /** ne[0] first: the length of a row. */
  dims: number[];
  type: GgmlTypeInfo;
  /** Offset of the tensor's data from the start of the data section. */
  offset: number;
  byteSize: number;
  elementCount: number;
}

interface PendingTensor {
  label: string;
  name: string;
  dims: bigint[];
  type: GgmlTypeInfo;
  offset: bigint;
  byteSize: bigint;
  elements: bigint;
}

const INT64_MAX = (1n << 63n) - 1n;

type ReadString = (what: string, cap: number) => Promise<string>;

/** Reads `count` tensor infos at the window's position; returns them and the data section's offset. */
export async function readTensorInfos(
  w: GgufByteWindow,
  count: number,
  alignment: number,
  readString: ReadString,
): Promise<{ tensors: GgufTensorInfo[]; dataOffset: number }> {
  const pending: PendingTensor[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const name = await readString(`The name of tensor #${i + 1}`, GGML_MAX_TENSOR_NAME_BYTES);
    const label = `Tensor #${i + 1} ${JSON.stringify(name)}`;
    if (names.has(name)) throw new GgufCheckError('malformed', `${label} appears twice.`, w.pos);
    names.add(name);
    pending.push(await readOneInfo(w, label, name, alignment));
  }
  const dataOffset = count > 0 ? alignUp(w.pos, alignment) : w.pos;
  checkInsideFile(pending, dataOffset, w.fileSize);
  checkNoOverlap(pending);
  checkContiguous(pending, alignment);
  // Everything now lies inside the file, so each size and offset is at most the file size: a safe number.
  const tensors = pending.map((t) => ({
    name: t.name,
    dims: t.dims.map(Number),
    type: t.type,
    offset: Number(t.offset),
    byteSize: Number(t.byteSize),
    elementCount: Number(t.elements),
  }));
  return { tensors, dataOffset };
}

async function readOneInfo(w: GgufByteWindow, label: string, name: string, alignment: number): Promise<PendingTensor> {
  if (!w.has(4)) await w.load(4, label);
  const nDims = w.readU32();
  if (nDims < 1 || nDims > GGML_MAX_DIMS) {
    throw new GgufCheckError(
      'malformed',
      `${label} has ${nDims} dimensions; ggml supports 1 to ${GGML_MAX_DIMS}.`,
      w.pos - 4,
    );
  }
  const size = nDims * 8 + 4 + 8; // dimensions, type, offset
  if (!w.has(size)) await w.load(size, label);
  const dims: bigint[] = [];
  let elements = 1n;
  for (let d = 0; d < nDims; d++) {
    const dim = w.readU64();
    if (dim === 0n) throw new GgufCheckError('malformed', `${label} has a dimension of 0.`, w.pos - 8);
    if (dim > INT64_MAX)
      throw new GgufCheckError(
        'malformed',
        `${label} has a dimension of ${dim}, beyond what ggml can index.`,
        w.pos - 8,
      );
    elements *= dim;
    if (elements > INT64_MAX) {
      throw new GgufCheckError(
        'malformed',
        `${label} has more elements than ggml can index (shape ${[...dims, dim].join(' x ')}...).`,
        w.pos - 8,
      );
    }
    dims.push(dim);
  }
  const typeId = w.readU32();
  const type = ggmlTypeInfo(typeId);
  if (!type) {
    const removed = removedGgmlTypeName(typeId);
    throw new GgufCheckError(
      'malformed',
      removed
        ? `${label} uses the tensor type ${removed}, which llama.cpp no longer loads: download a current GGUF of this model.`
        : `${label} has an unknown tensor type (${typeId}): the file is corrupt or newer than this build of llama.cpp.`,
      w.pos - 4,
    );
  }
  const blockSize = BigInt(type.blockSize);
  if (dims[0]! % blockSize !== 0n) {
    throw new GgufCheckError(
      'malformed',
      `${label} has rows of ${dims[0]} elements, not a multiple of the ${type.name} block size (${type.blockSize}).`,
      w.pos - 4,
    );
  }
  const offset = w.readU64();
  if (offset % BigInt(alignment) !== 0n) {
    throw new GgufCheckError(
      'malformed',
      `${label} starts at data offset ${offset}, which is not a multiple of the alignment (${alignment}).`,
      w.pos - 8,
    );
  }
  const byteSize = (elements / blockSize) * BigInt(type.typeSize);
  return { label, name, dims, type, offset, byteSize, elements };
}

function alignUp(position: number, alignment: number): number {
  return Math.ceil(position / alignment) * alignment;
}

function checkInsideFile(tensors: PendingTensor[], dataOffset: number, fileSize: number): void {
  for (const t of tensors) {
    const end = BigInt(dataOffset) + t.offset + t.byteSize;
    if (end > BigInt(fileSize)) {
      throw new GgufCheckError(
        'truncated',
        `${t.label} (${t.byteSize} bytes) ends at byte ${end}, past the end of the file (${fileSize} ` +
          `bytes): the file is incomplete (an interrupted download?) or corrupt.`,
      );
    }
  }
}

function checkNoOverlap(tensors: PendingTensor[]): void {
  const byOffset = [...tensors].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!;
    const current = byOffset[i]!;
    if (current.offset < previous.offset + previous.byteSize) {
      throw new GgufCheckError(
        'malformed',
        `${current.label} overlaps the data of ${previous.label.replace(/^T/, 't')}.`,
      );
    }
  }
}

/** llama.cpp's loader wants each tensor right after the one before it in the file, padded to the
 * alignment (gguf.cpp: "tensor ... has offset ..., expected ..."); a gap is refused there too. */
function checkContiguous(tensors: PendingTensor[], alignment: number): void {
  const align = BigInt(alignment);
  let expected = 0n;
  for (const t of tensors) {
    if (t.offset !== expected) {
      throw new GgufCheckError(
        'malformed',
        `${t.label} starts at data offset ${t.offset}, but llama.cpp expects the tensors one after another, so it must start at ${expected}.`,
      );
    }
    expected += ((t.byteSize + align - 1n) / align) * align;
  }
}
