// This module is browser compatible.
/**
 * The LZ4 encoder of encode.ts as a WebAssembly function (private helper of encode.ts): the same
 * algorithm, step for step, so both produce identical blocks. The input window, the hash table
 * and the output block all live in the module's memory; callers fill the window in place.
 */
import { Body, VOID, W, instantiate, moduleBytes, type WasmMemory } from './_wasm_asm.js';

/** log2 of the hash table size, shared with the JavaScript encoder (identical output). */
export const HASH_LOG = 12;

/** Memory layout. */
const TABLE = 0; // 1 << HASH_LOG four-byte entries (at most 1 << 14)
const CONSUMED = 65536;
const OUT = 65536 + 64;
/** Largest output block the module holds. */
export const WASM_OUT_MAX = 65536;
const WINDOW = OUT + WASM_OUT_MAX + 64;

// Parameters and locals of `encode(start, end, capacity) -> written` (output at OUT).
const START = 0, END = 1, CAP = 2;
const IP = 3, ANCHOR = 4, OP = 5, MFLIMIT = 6, MATCHLIMIT = 7, REF = 8, WORD = 9, T = 10, ATTEMPTS = 11, LEN = 12,
  LITLEN = 13, COST = 14, N = 15, TOKEN = 16;
const PRIME = 2654435761;

function encodeBody(): Body {
  const c = new Body();
  /** Pushes extra(n): the bytes a length beyond a 15 nibble needs. */
  const extra = (push: () => void): void => {
    c.k(0);
    push(); c.k(15).op(W.i32Sub).k(255).op(W.i32DivU).k(1).op(W.i32Add);
    push(); c.k(15).op(W.i32LtS);
    c.op(W.select);
  };
  /** Stores the table offset of the hash of the 4 bytes at the address on top of the stack in T. */
  const slot = (): void => {
    c.mem(W.i32Load).k(PRIME).op(W.i32Mul).k(32 - HASH_LOG).op(W.i32ShrU).k(2).op(W.i32Shl).set(T);
  };
  /** Writes the extension bytes of length `N` (already reduced by 15). */
  const writeLength = (): void => {
    c.op(W.block, VOID, W.loop, VOID);
    c.get(N).k(255).op(W.i32LtU, W.brIf, 1);
    c.get(OP).k(255).mem(W.i32Store8);
    c.get(OP).k(1).op(W.i32Add).set(OP);
    c.get(N).k(255).op(W.i32Sub).set(N);
    c.op(W.br, 0, W.end, W.end);
    c.get(OP).get(N).mem(W.i32Store8);
    c.get(OP).k(1).op(W.i32Add).set(OP);
  };
  /** Writes a token with `lit` literals from ANCHOR (token low nibble from TOKEN's low bits). */
  const literals = (lit: number): void => {
    c.get(lit).k(15).get(lit).k(15).op(W.i32LtU, W.select).k(4).op(W.i32Shl).set(TOKEN);
    c.get(OP).set(T); // the token's place
    c.get(OP).k(1).op(W.i32Add).set(OP);
    c.get(lit).k(15).op(W.i32GeU, W.if, VOID);
    c.get(lit).k(15).op(W.i32Sub).set(N);
    writeLength();
    c.op(W.end);
    // Short runs as two 8-byte copies (memory.copy is a call; the output has slack after it).
    c.get(lit).k(16).op(W.i32LeU, W.if, VOID);
    c.get(OP).get(ANCHOR).mem(W.i64Load).mem(W.i64Store);
    c.get(OP).get(ANCHOR).mem(W.i64Load, 8).mem(W.i64Store, 8);
    c.op(W.else);
    c.get(OP).get(ANCHOR).get(lit).copy();
    c.op(W.end);
    c.get(OP).get(lit).op(W.i32Add).set(OP);
  };
  c.get(START).set(ANCHOR).get(START).set(IP).k(OUT).set(OP);
  c.get(END).k(12).op(W.i32Sub).set(MFLIMIT);
  c.get(END).k(5).op(W.i32Sub).set(MATCHLIMIT);
  c.op(W.block, VOID); // $final
  c.get(END).get(START).op(W.i32Sub).k(13).op(W.i32LtS, W.brIf, 0);
  c.get(IP); slot(); c.get(T).get(IP).mem(W.i32Store, TABLE);
  c.get(IP).k(1).op(W.i32Add).set(IP);
  c.op(W.loop, VOID); // $outer
  c.k(64).set(ATTEMPTS);
  c.op(W.block, VOID, W.loop, VOID); // $found, $search
  c.get(IP).get(MFLIMIT).op(0x4a /* i32.gt_s */, W.brIf, 3);
  c.get(IP).mem(W.i32Load).set(WORD);
  c.get(IP); slot();
  c.get(T).mem(W.i32Load, TABLE).set(REF);
  c.get(T).get(IP).mem(W.i32Store, TABLE);
  // ref >= start && ref < ip && ip - ref <= 65535 && load32(ref) == word, without branches: an
  // empty slot holds 0, which is below any window position (and reads harmlessly).
  c.get(REF).get(START).op(W.i32Sub).get(IP).get(START).op(W.i32Sub, W.i32LtU);
  c.get(IP).get(REF).op(W.i32Sub).k(65535).op(W.i32LeU, W.i32And);
  c.get(REF).mem(W.i32Load).get(WORD).op(W.i32Eq, W.i32And, W.brIf, 1);
  c.get(IP).get(ATTEMPTS).k(6).op(W.i32ShrU, W.i32Add).set(IP);
  c.get(ATTEMPTS).k(1).op(W.i32Add).set(ATTEMPTS);
  c.op(W.br, 0, W.end, W.end); // $search, $found
  // extend backwards over pending literals
  c.op(W.block, VOID, W.loop, VOID);
  c.get(IP).get(ANCHOR).op(0x4c /* i32.le_s */, W.brIf, 1);
  c.get(REF).get(START).op(0x4c /* i32.le_s */, W.brIf, 1);
  c.get(IP).k(1).op(W.i32Sub).mem(W.i32Load8U).get(REF).k(1).op(W.i32Sub).mem(W.i32Load8U).op(W.i32Ne, W.brIf, 1);
  c.get(IP).k(1).op(W.i32Sub).set(IP);
  c.get(REF).k(1).op(W.i32Sub).set(REF);
  c.op(W.br, 0, W.end, W.end);
  // extend forwards, eight bytes at a time (the first differing byte from the XOR's trailing
  // zeros), then byte by byte near the limit
  c.op(W.block, VOID); // $matched
  c.k(4).set(LEN);
  c.op(W.block, VOID, W.loop, VOID);
  c.get(IP).get(LEN).op(W.i32Add).k(8).op(W.i32Add).get(MATCHLIMIT).op(0x4a /* i32.gt_s */, W.brIf, 1);
  c.get(IP).get(LEN).op(W.i32Add).mem(W.i64Load).get(REF).get(LEN).op(W.i32Add).mem(W.i64Load).op(0x85 /* i64.xor */);
  c.op(0x7a /* i64.ctz */, 0xa7 /* i32.wrap_i64 */).k(3).op(W.i32ShrU).tee(N).k(8).op(W.i32Ne, W.if, VOID);
  c.get(LEN).get(N).op(W.i32Add).set(LEN);
  c.op(W.br, 3, W.end);
  c.get(LEN).k(8).op(W.i32Add).set(LEN);
  c.op(W.br, 0, W.end, W.end);
  c.op(W.block, VOID, W.loop, VOID);
  c.get(IP).get(LEN).op(W.i32Add).get(MATCHLIMIT).op(0x4e /* i32.ge_s */, W.brIf, 1);
  c.get(IP).get(LEN).op(W.i32Add).mem(W.i32Load8U).get(REF).get(LEN).op(W.i32Add).mem(W.i32Load8U).op(W.i32Ne, W.brIf, 1);
  c.get(LEN).k(1).op(W.i32Add).set(LEN);
  c.op(W.br, 0, W.end, W.end);
  c.op(W.end); // $matched
  c.get(IP).get(ANCHOR).op(W.i32Sub).set(LITLEN);
  // cost = 1 + extra(lit) + lit + 2 + extra(len - 4); keep room for 1 + 12 final bytes
  c.k(3);
  extra(() => c.get(LITLEN));
  c.op(W.i32Add).get(LITLEN).op(W.i32Add);
  extra(() => c.get(LEN).k(4).op(W.i32Sub));
  c.op(W.i32Add).set(COST);
  c.get(OP).k(OUT).op(W.i32Sub).get(COST).op(W.i32Add).k(13).op(W.i32Add).get(CAP).op(0x4a /* i32.gt_s */, W.brIf, 1);
  // the sequence: token, literal length, literals, offset, match length
  literals(LITLEN);
  c.get(OP).get(IP).get(REF).op(W.i32Sub).mem(W.i32Store16);
  c.get(OP).k(2).op(W.i32Add).set(OP);
  c.get(LEN).k(4).op(W.i32Sub).set(N);
  c.get(T).get(TOKEN).get(N).k(15).get(N).k(15).op(W.i32LtU, W.select, W.i32Or).mem(W.i32Store8);
  c.get(N).k(15).op(W.i32GeU, W.if, VOID);
  c.get(N).k(15).op(W.i32Sub).set(N);
  writeLength();
  c.op(W.end);
  c.get(IP).get(LEN).op(W.i32Add).tee(IP).set(ANCHOR);
  c.get(IP).get(MFLIMIT).op(0x4a /* i32.gt_s */, W.brIf, 1);
  c.get(IP).k(2).op(W.i32Sub); slot(); c.get(T).get(IP).k(2).op(W.i32Sub).mem(W.i32Store, TABLE);
  c.op(W.br, 0);
  c.op(W.end, W.end); // $outer, $final
  // final literals: as many of the rest as fit
  c.get(END).get(ANCHOR).op(W.i32Sub).set(LITLEN);
  c.get(CAP).get(OP).k(OUT).op(W.i32Sub, W.i32Sub).set(COST); // room
  c.k(1); extra(() => c.get(LITLEN)); c.op(W.i32Add).get(LITLEN).op(W.i32Add).get(COST).op(0x4a /* i32.gt_s */, W.if, VOID);
  c.get(COST).k(1).op(W.i32Sub).set(LITLEN);
  c.op(W.block, VOID, W.loop, VOID);
  c.get(LITLEN).k(0).op(0x4c /* i32.le_s */, W.brIf, 1);
  c.k(1); extra(() => c.get(LITLEN)); c.op(W.i32Add).get(LITLEN).op(W.i32Add).get(COST).op(0x4c /* i32.le_s */, W.brIf, 1);
  c.get(LITLEN).k(1).op(W.i32Sub).set(LITLEN);
  c.op(W.br, 0, W.end, W.end);
  c.op(W.end);
  c.get(LITLEN).k(0).op(W.i32LtS, W.if, VOID).k(0).set(LITLEN).op(W.end);
  literals(LITLEN);
  c.get(T).get(TOKEN).mem(W.i32Store8);
  c.k(CONSUMED).get(ANCHOR).get(LITLEN).op(W.i32Add).get(START).op(W.i32Sub).mem(W.i32Store);
  c.get(OP).k(OUT).op(W.i32Sub);
  return c;
}

/** An encoder instance: its input window, and `encode` over offsets in that window. */
export interface WasmEncoder {
  /** The input window (a view of the module's memory; valid until the next `window` call). */
  window: Uint8Array;
  /** Compresses `window[start..end)` into at most `capacity` bytes copied to `dst`; returns the bytes written. */
  encode(start: number, end: number, dst: Uint8Array, capacity: number): number;
  /** Input bytes covered by the last encode. */
  consumed(): number;
}

/** Instantiates the encoder with a `windowSize`-byte window, or returns null without WebAssembly. */
export function createWasmEncoder(windowSize: number): WasmEncoder | null {
  const exports = instantiate(moduleBytes(Math.ceil((WINDOW + windowSize + 64) / 65536), [{ name: 'encode', params: 3, locals: 14, body: encodeBody() }]));
  if (exports === null) return null;
  const memory = exports['memory'] as WasmMemory;
  const fn = exports['encode'] as (start: number, end: number, capacity: number) => number;
  const all = new Uint8Array(memory.buffer);
  const words = new Int32Array(memory.buffer, CONSUMED, 1);
  return {
    window: all.subarray(WINDOW, WINDOW + windowSize),
    encode(start, end, dst, capacity) {
      const n = fn(WINDOW + start, WINDOW + end, Math.min(capacity, WASM_OUT_MAX));
      dst.set(all.subarray(OUT, OUT + n), 0);
      return n;
    },
    consumed: () => words[0]!,
  };
}
