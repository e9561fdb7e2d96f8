// This module is browser compatible.
/**
 * The LZ4 block decoder as a WebAssembly function (private helper of decode.ts). The module is
 * assembled here, instruction by instruction, from the same algorithm as the JavaScript decoder:
 * 8-byte wild copies for short literals and matches, memory.copy/memory.fill for long ones, and
 * every bounds check of the JavaScript version. Compressed input and output live in the module's
 * own memory, with slack after both, so wild copies never leave it.
 */

// Opcodes used below (WebAssembly core specification, binary format).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_LOAD8_U = 0x2d, I32_LOAD16_U = 0x2f, I64_LOAD = 0x29, I64_STORE = 0x37, I32_STORE8 = 0x3a;
const I32_CONST = 0x41;
const I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_LT_U = 0x49, I32_GT_U = 0x4b, I32_LE_U = 0x4d, I32_GE_U = 0x4f;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_AND = 0x71, I32_OR = 0x72, I32_SHR_U = 0x76;
const VOID = 0x40;

/** Signed LEB128. */
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Unsigned LEB128. */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

// Parameters and locals of `decode(ip, iend, op, oend, partial) -> produced | -error`.
const IP = 0, IEND = 1, OP = 2, OEND = 3, PARTIAL = 4;
const START = 5, TOKEN = 6, LIT = 7, B = 8, OFFSET = 9, LEN = 10, REF = 11, K = 12;
const LOCALS = 8;

/** The body of `decode`, as bytes. */
function body(): number[] {
  const c: number[] = [];
  const get = (l: number): void => { c.push(LOCAL_GET, l); };
  const set = (l: number): void => { c.push(LOCAL_SET, l); };
  const k = (v: number): void => { c.push(I32_CONST, ...sleb(v)); };
  const op = (...o: number[]): void => { c.push(...o); };
  /** A load or store with its memarg (alignment hint, constant offset). */
  const mem = (o: number, align: number, offset = 0): void => { c.push(o, align, ...uleb(offset)); };
  /** `return -code` when the i32 on the stack is true. */
  const failIf = (code: number): void => { op(IF, VOID); k(-code); op(RETURN, END); };
  /** Reads LEB-less LZ4 length bytes into local `l` (adds them), failing at the input end. */
  const readLength = (l: number, code: number): void => {
    op(LOOP, VOID);
    get(IP); get(IEND); op(I32_GE_U); failIf(code);
    get(IP); mem(I32_LOAD8_U, 0); set(B);
    get(IP); k(1); op(I32_ADD); set(IP);
    get(l); get(B); op(I32_ADD); set(l);
    get(B); k(255); op(I32_EQ); op(BR_IF, 0);
    op(END);
  };
  /** Copies 8 bytes from [src + d] to [dst + d] (unaligned). */
  const copy8 = (dst: number, src: number, d: number): void => {
    get(dst); get(src); mem(I64_LOAD, 0, d);
    mem(I64_STORE, 0, d);
  };
  get(OP); set(START);
  op(BLOCK, VOID); // $done
  op(LOOP, VOID); // $main
  // token
  get(IP); get(IEND); op(I32_GE_U); failIf(1);
  get(IP); mem(I32_LOAD8_U, 0); set(TOKEN);
  get(IP); k(1); op(I32_ADD); set(IP);
  get(TOKEN); k(4); op(I32_SHR_U); set(LIT);
  get(LIT); k(15); op(I32_EQ); op(IF, VOID); readLength(LIT, 2); op(END);
  // literals
  get(LIT); op(IF, VOID);
  get(IP); get(LIT); op(I32_ADD); get(IEND); op(I32_GT_U); failIf(3);
  get(OP); get(LIT); op(I32_ADD); get(OEND); op(I32_GT_U); op(IF, VOID);
  get(PARTIAL); op(I32_EQZ); failIf(4);
  get(OEND); get(OP); op(I32_SUB); set(LIT);
  op(END);
  get(LIT); k(16); op(I32_LE_U); op(IF, VOID);
  copy8(OP, IP, 0); copy8(OP, IP, 8);
  op(ELSE);
  get(OP); get(IP); get(LIT); op(0xfc, 10, 0, 0); // memory.copy
  op(END);
  get(IP); get(LIT); op(I32_ADD); set(IP);
  get(OP); get(LIT); op(I32_ADD); set(OP);
  op(END);
  // end of block, or of the wanted output in partial mode
  get(IP); get(IEND); op(I32_GE_U); op(BR_IF, 1);
  get(PARTIAL); get(OP); get(OEND); op(I32_GE_U); op(I32_AND); op(BR_IF, 1);
  // offset
  get(IP); k(2); op(I32_ADD); get(IEND); op(I32_GT_U); failIf(5);
  get(IP); mem(I32_LOAD16_U, 0); set(OFFSET);
  get(IP); k(2); op(I32_ADD); set(IP);
  get(OFFSET); op(I32_EQZ); get(OFFSET); get(OP); get(START); op(I32_SUB); op(I32_GT_U); op(I32_OR); failIf(6);
  // match length
  get(TOKEN); k(15); op(I32_AND); set(LEN);
  get(LEN); k(15); op(I32_EQ); op(IF, VOID); readLength(LEN, 7); op(END);
  get(LEN); k(4); op(I32_ADD); set(LEN);
  get(OP); get(LEN); op(I32_ADD); get(OEND); op(I32_GT_U); op(IF, VOID);
  get(PARTIAL); op(I32_EQZ); failIf(8);
  get(OEND); get(OP); op(I32_SUB); set(LEN);
  op(END);
  get(OP); get(OFFSET); op(I32_SUB); set(REF);
  // copy the match
  get(OFFSET); k(8); op(I32_GE_U); op(IF, VOID);
  get(LEN); k(16); op(I32_LE_U); op(IF, VOID);
  copy8(OP, REF, 0); copy8(OP, REF, 8);
  op(ELSE);
  get(OFFSET); get(LEN); op(I32_GE_U); op(IF, VOID);
  get(OP); get(REF); get(LEN); op(0xfc, 10, 0, 0); // memory.copy
  op(ELSE);
  // Overlapping with offset >= 8: each 8-byte step reads bytes already final.
  k(0); set(K);
  op(LOOP, VOID);
  get(OP); get(K); op(I32_ADD); get(REF); get(K); op(I32_ADD); mem(I64_LOAD, 0); mem(I64_STORE, 0);
  get(K); k(8); op(I32_ADD); op(LOCAL_TEE, K); get(LEN); op(I32_LT_U); op(BR_IF, 0);
  op(END);
  op(END);
  op(END);
  op(ELSE);
  get(OFFSET); k(1); op(I32_EQ); op(IF, VOID);
  get(OP); get(REF); mem(I32_LOAD8_U, 0); get(LEN); op(0xfc, 11, 0); // memory.fill
  op(ELSE);
  k(0); set(K);
  op(BLOCK, VOID, LOOP, VOID);
  get(K); get(LEN); op(I32_GE_U); op(BR_IF, 1);
  get(OP); get(K); op(I32_ADD); get(REF); get(K); op(I32_ADD); mem(I32_LOAD8_U, 0); mem(I32_STORE8, 0);
  get(K); k(1); op(I32_ADD); set(K);
  op(BR, 0, END, END);
  op(END);
  op(END);
  get(OP); get(LEN); op(I32_ADD); set(OP);
  get(PARTIAL); get(OP); get(OEND); op(I32_GE_U); op(I32_AND); op(BR_IF, 1);
  op(BR, 0);
  op(END); // $main
  op(END); // $done
  get(PARTIAL); op(I32_EQZ); get(OP); get(OEND); op(I32_NE); op(I32_AND); failIf(9);
  get(OP); get(START); op(I32_SUB);
  op(END);
  return c;
}

/** The whole module: one memory and `decode`, both exported. */
function moduleBytes(): Uint8Array {
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const code = [...uleb(1), LOCALS, 0x7f, ...body()];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, 4]])),
    ...section(7, vec([[...name('decode'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ];
  return new Uint8Array(bytes);
}

/** A decoder instance with its own memory. */
export interface WasmDecoder {
  /** Decodes like lz4Decode; returns the count produced, or a negative error code. */
  decode(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstEnd: number, partial: boolean): number;
}

/** The few parts of the WebAssembly JavaScript API used here (the project compiles without the DOM library). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Instantiates the decoder, or returns null where WebAssembly is unavailable. */
export function createWasmDecoder(): WasmDecoder | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  let exports: Record<string, unknown>;
  try {
    exports = new wasm.Instance(new wasm.Module(moduleBytes()), {}).exports;
  } catch {
    return null;
  }
  const memory = exports['memory'] as WasmMemory;
  const fn = exports['decode'] as (ip: number, iend: number, op: number, oend: number, partial: number) => number;
  let view = new Uint8Array(memory.buffer);
  return {
    decode(src, srcStart, srcEnd, dst, dstStart, dstEnd, partial) {
      const inLen = srcEnd - srcStart;
      const outLen = dstEnd - dstStart;
      // Layout: input at 0, output after it; 64 bytes of slack after each.
      const outBase = inLen + 64;
      const need = outBase + outLen + 64;
      if (need > view.length) {
        memory.grow(Math.ceil((need - view.length) / 65536));
        view = new Uint8Array(memory.buffer);
      }
      view.set(src.subarray(srcStart, srcEnd), 0);
      const r = fn(0, inLen, outBase, outBase + outLen, partial ? 1 : 0);
      if (r > 0) dst.set(view.subarray(outBase, outBase + r), dstStart);
      return r;
    },
  };
}
