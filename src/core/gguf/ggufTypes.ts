// Constants of the GGUF format and of ggml's tensor types, as read by the bounded pre-check.
// The numbers are copied from the llama.cpp release node-llama-cpp 3.21.1 bundles
// (ggml/include/ggml.h, ggml/src/ggml-common.h, include/llama.h): block sizes and byte sizes were
// taken from sizeof() of the block structs, so a tensor's byte size computed here is exactly the
// one llama.cpp will map from the file.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;

/** llama.cpp's default when a file has no general.alignment key. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** ggml's GGML_MAX_DIMS. */
export const GGML_MAX_DIMS = 4;

/** ggml's GGML_MAX_NAME is 64 bytes including the terminating NUL; longer names are refused. */
export const GGML_MAX_TENSOR_NAME_BYTES = 63;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

export type GgufScalarType = Exclude<GgufValueType, GgufValueType.ARRAY>;

/** Encoded size of each fixed-size value type; strings are a uint64 length then bytes. */
const FIXED_VALUE_SIZES: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

export function isKnownValueType(type: number): type is GgufValueType {
  return Number.isInteger(type) && type >= GgufValueType.UINT8 && type <= GgufValueType.FLOAT64;
}

/** Integer and floating-point types (not BOOL, STRING or ARRAY). */
export function isNumericType(type: GgufValueType): boolean {
  return fixedValueSize(type) !== undefined && type !== GgufValueType.BOOL;
}

/** Byte size of a fixed-size value, or undefined for STRING and ARRAY. */
export function fixedValueSize(type: GgufValueType): number | undefined {
  return FIXED_VALUE_SIZES[type];
}

/** The fewest bytes a value of this type can occupy (an empty string is its 8-byte length). */
export function minimalValueSize(type: GgufValueType): number {
  if (type === GgufValueType.STRING) return 8;
  if (type === GgufValueType.ARRAY) return 12; // item type + length, no items
  return FIXED_VALUE_SIZES[type] ?? 1;
}

export function valueTypeName(type: number): string {
  return isKnownValueType(type) ? GgufValueType[type] : `unknown type ${type}`;
}

export interface GgmlTypeInfo {
  id: number;
  name: string;
  /** Elements per block: a row's length must be a multiple of it. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

// [id, name, elements per block, bytes per block]
const GGML_TYPE_TABLE: [number, string, number, number][] = [
  [0, 'F32', 1, 4],
  [1, 'F16', 1, 2],
  [2, 'Q4_0', 32, 18],
  [3, 'Q4_1', 32, 20],
  [6, 'Q5_0', 32, 22],
  [7, 'Q5_1', 32, 24],
  [8, 'Q8_0', 32, 34],
  [9, 'Q8_1', 32, 36],
  [10, 'Q2_K', 256, 84],
  [11, 'Q3_K', 256, 110],
  [12, 'Q4_K', 256, 144],
  [13, 'Q5_K', 256, 176],
  [14, 'Q6_K', 256, 210],
  [15, 'Q8_K', 256, 292],
  [16, 'IQ2_XXS', 256, 66],
  [17, 'IQ2_XS', 256, 74],
  [18, 'IQ3_XXS', 256, 98],
  [19, 'IQ1_S', 256, 50],
  [20, 'IQ4_NL', 32, 18],
  [21, 'IQ3_S', 256, 110],
  [22, 'IQ2_S', 256, 82],
  [23, 'IQ4_XS', 256, 136],
  [24, 'I8', 1, 1],
  [25, 'I16', 1, 2],
  [26, 'I32', 1, 4],
  [27, 'I64', 1, 8],
  [28, 'F64', 1, 8],
  [29, 'IQ1_M', 256, 56],
  [30, 'BF16', 1, 2],
  [34, 'TQ1_0', 256, 54],
  [35, 'TQ2_0', 256, 66],
  [39, 'MXFP4', 32, 17],
  [40, 'NVFP4', 64, 36],
  [41, 'Q1_0', 128, 18],
  [42, 'Q2_0', 64, 18],
];

const GGML_TYPES = new Map<number, GgmlTypeInfo>(
  GGML_TYPE_TABLE.map(([id, name, blockSize, typeSize]) => [id, { id, name, blockSize, typeSize }]),
);

/** Type ids llama.cpp once wrote and now refuses to load: worth a more helpful message than "unknown". */
const REMOVED_GGML_TYPES = new Map<number, string>([
  [4, 'Q4_2'],
  [5, 'Q4_3'],
  [31, 'Q4_0_4_4'],
  [32, 'Q4_0_4_8'],
  [33, 'Q4_0_8_8'],
  [36, 'IQ4_NL_4_4'],
  [37, 'IQ4_NL_4_8'],
  [38, 'IQ4_NL_8_8'],
]);

export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return GGML_TYPES.get(id);
}

export function removedGgmlTypeName(id: number): string | undefined {
  return REMOVED_GGML_TYPES.get(id);
}

/** llama_ftype names (general.file_type), without the MOSTLY_/ALL_ prefixes users never see. */
const FILE_TYPE_NAMES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  4: 'Q4_1_SOME_F16',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  33: 'Q4_0_4_4',
  34: 'Q4_0_4_8',
  35: 'Q4_0_8_8',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
  39: 'NVFP4',
  40: 'Q1_0',
  41: 'Q2_0',
};

/** The quantization name of a general.file_type value, or undefined when it is not a known one. */
export function fileTypeName(fileType: number): string | undefined {
  return FILE_TYPE_NAMES[fileType];
}
