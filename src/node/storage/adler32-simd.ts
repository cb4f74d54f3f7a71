/**
 * Adler-32 over 16-byte blocks with WebAssembly SIMD. Every txn is checksummed when it is
 * logged (on every member of an ensemble), and the plain JS loop was 7 % of a standalone
 * server's CPU under setData of 1 KiB. No npm package offers an incremental Adler-32 that
 * starts from a given state without copying through a hasher object, so the module is
 * assembled here from its instructions (a few hundred bytes, validated at load).
 *
 * Per block of bytes x0..x15 with sums a, b before it: a' = a + Σxᵢ and
 * b' = b + 16·a + Σ(16 − i)·xᵢ. Lane-wise accumulators keep Σxᵢ (vA), the weighted sums (vB)
 * and the running total of vA before each block (vP), so that over n blocks
 * b' = b + 16·n·a + 16·Σ vP + Σ vB. A chunk is at most 1024 blocks so that no lane overflows
 * (vP's lanes stay below 1020·1024²/2 < 2³¹); the sums are reduced mod 65521 after each chunk.
 */

const MOD = 65521;
/** Bytes copied into the module's memory per call (its one 64 KiB page). */
export const SIMD_CHUNK_BYTES = 65536;

// Core opcodes.
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const SELECT = 0x1b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_LOAD8_U = 0x2d;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_LT_U = 0x49;
const I32_GT_U = 0x4b;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_REM_U = 0x70;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I64_ADD = 0x7c;
const I64_MUL = 0x7e;
const I64_REM_U = 0x82;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
// SIMD opcodes (after the 0xfd prefix, LEB128).
const V128_LOAD = 0;
const V128_CONST = 12;
const I32X4_EXTRACT_LANE = 27;
const I16X8_EXTADD_PAIRWISE_I8X16_U = 125;
const I32X4_EXTADD_PAIRWISE_I16X8_U = 127;
const I16X8_EXTEND_LOW_I8X16_U = 137;
const I16X8_EXTEND_HIGH_I8X16_U = 138;
const I32X4_ADD = 174;
const I32X4_DOT_I16X8_S = 186;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const get = (i: number): number[] => [LOCAL_GET, i];
const set = (i: number): number[] => [LOCAL_SET, i];
const i32 = (v: number): number[] => [I32_CONST, ...sleb(v)];
const i64 = (v: number): number[] => [I64_CONST, ...sleb(v)];
const i16x8 = (lanes: number[]): number[] => [
  ...simd(V128_CONST),
  ...lanes.flatMap((l) => [l & 0xff, l >> 8]),
];
const zero = (): number[] => i16x8([0, 0, 0, 0, 0, 0, 0, 0]);
const lane = (v: number, l: number): number[] => [...get(v), ...simd(I32X4_EXTRACT_LANE), l];
const hsum32 = (v: number): number[] => [
  ...lane(v, 0),
  ...lane(v, 1),
  I32_ADD,
  ...lane(v, 2),
  I32_ADD,
  ...lane(v, 3),
  I32_ADD,
];
const hsum64 = (v: number): number[] => [
  ...lane(v, 0),
  I64_EXTEND_I32_U,
  ...lane(v, 1),
  I64_EXTEND_I32_U,
  I64_ADD,
  ...lane(v, 2),
  I64_EXTEND_I32_U,
  I64_ADD,
  ...lane(v, 3),
  I64_EXTEND_I32_U,
  I64_ADD,
];

// Locals: params, then i32s, then v128s.
const STATE = 0;
const LEN = 1;
const A = 2;
const B = 3;
const P = 4;
const N = 5;
const K = 6;
const VA = 7;
const VB = 8;
const VP = 9;
const V = 10;
const MAX_BLOCKS = 1024;

/** update(state, len): the Adler-32 state after the first len bytes of memory. */
function updateBody(): number[] {
  const code = [
    ...[...get(STATE), ...i32(0xffff), I32_AND, ...set(A)],
    ...[...get(STATE), ...i32(16), I32_SHR_U, ...set(B)],
    ...[BLOCK, VOID, LOOP, VOID],
    // Fewer than 16 bytes left: on to the tail.
    ...[...get(LEN), ...get(P), I32_SUB, ...i32(16), I32_LT_U, BR_IF, 1],
    ...[...get(LEN), ...get(P), I32_SUB, ...i32(4), I32_SHR_U, ...set(N)],
    ...[...i32(MAX_BLOCKS), ...get(N), ...get(N), ...i32(MAX_BLOCKS), I32_GT_U, SELECT, ...set(N)],
    ...[...zero(), ...set(VA), ...zero(), ...set(VB), ...zero(), ...set(VP)],
    ...[...get(N), ...set(K)],
    ...[LOOP, VOID],
    ...[...get(P), ...simd(V128_LOAD), 0, 0, ...set(V)],
    ...[...get(VP), ...get(VA), ...simd(I32X4_ADD), ...set(VP)],
    ...get(VA),
    ...get(V),
    ...simd(I16X8_EXTADD_PAIRWISE_I8X16_U),
    ...simd(I32X4_EXTADD_PAIRWISE_I16X8_U),
    ...simd(I32X4_ADD),
    ...set(VA),
    ...get(VB),
    ...[...get(V), ...simd(I16X8_EXTEND_LOW_I8X16_U), ...i16x8([16, 15, 14, 13, 12, 11, 10, 9])],
    ...simd(I32X4_DOT_I16X8_S),
    ...[...get(V), ...simd(I16X8_EXTEND_HIGH_I8X16_U), ...i16x8([8, 7, 6, 5, 4, 3, 2, 1])],
    ...simd(I32X4_DOT_I16X8_S),
    ...simd(I32X4_ADD),
    ...simd(I32X4_ADD),
    ...set(VB),
    ...[...get(P), ...i32(16), I32_ADD, ...set(P)],
    ...[...get(K), ...i32(1), I32_SUB, LOCAL_TEE, K, BR_IF, 0],
    END,
    // b = (b + 16·n·a + 16·ΣvP + ΣvB) mod 65521, in 64 bits.
    ...[...get(B), I64_EXTEND_I32_U],
    ...[...get(N), I64_EXTEND_I32_U, ...get(A), I64_EXTEND_I32_U, I64_MUL, ...i64(16), I64_MUL],
    I64_ADD,
    ...[...hsum64(VP), ...i64(16), I64_MUL, I64_ADD],
    ...[...hsum64(VB), I64_ADD],
    ...[...i64(MOD), I64_REM_U, I32_WRAP_I64, ...set(B)],
    ...[...get(A), ...hsum32(VA), I32_ADD, ...i32(MOD), I32_REM_U, ...set(A)],
    ...[BR, 0, END, END],
    // The last 0..15 bytes one at a time.
    ...[BLOCK, VOID, LOOP, VOID],
    ...[...get(P), ...get(LEN), I32_GE_U, BR_IF, 1],
    ...[...get(A), ...get(P), I32_LOAD8_U, 0, 0, I32_ADD, LOCAL_TEE, A],
    ...[...get(B), I32_ADD, ...set(B)],
    ...[...get(P), ...i32(1), I32_ADD, ...set(P)],
    ...[BR, 0, END, END],
    ...[...get(B), ...i32(MOD), I32_REM_U, ...i32(16), I32_SHL],
    ...[...get(A), ...i32(MOD), I32_REM_U, I32_OR],
    END,
  ];
  const locals = [2, 5, 0x7f, 4, 0x7b];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

export function adler32ModuleBytes(): Uint8Array {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('mem'), 0x02, 0, ...name('update'), 0x00, 0]),
    ...section(10, [1, ...updateBody()]),
  ]);
}

export interface SimdAdler32 {
  /** The module's memory: callers copy up to SIMD_CHUNK_BYTES here before `update`. */
  readonly memory: Uint8Array;
  update(state: number, length: number): number;
}

/** The slice of the WebAssembly API used here (this project's TypeScript libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: object,
  ) => {
    exports: { mem: { buffer: ArrayBuffer }; update: (state: number, length: number) => number };
  };
}

/** The SIMD kernel, or null where WebAssembly SIMD is not available. */
export function loadSimdAdler32(): SimdAdler32 | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const bytes = adler32ModuleBytes();
  if (wasm === undefined || !wasm.validate(bytes)) return null;
  const { exports } = new wasm.Instance(new wasm.Module(bytes), {});
  return { memory: new Uint8Array(exports.mem.buffer), update: exports.update };
}
