// This module is browser compatible.
/**
 * The LZ4 block decoder as a WebAssembly function (private helper of decode.ts), assembled from
 * the same algorithm as the JavaScript decoder: 8-byte wild copies for short literals and
 * matches, memory.copy/memory.fill for long ones, and every bounds check of the JavaScript
 * version. Compressed input and output live in the module's own memory, with slack after both,
 * so wild copies never leave it.
 */
import { Body, VOID, W, instantiate, moduleBytes, type WasmMemory } from './_wasm_asm.js';

// Parameters and locals of `decode(ip, iend, op, oend, partial) -> produced | -error`.
const IP = 0, IEND = 1, OP = 2, OEND = 3, PARTIAL = 4;
const START = 5, TOKEN = 6, LIT = 7, B = 8, OFFSET = 9, LEN = 10, REF = 11, K = 12;

function decodeBody(): Body {
  const c = new Body();
  /** Adds LZ4 length-extension bytes to local `l`, failing with `code` at the input's end. */
  const readLength = (l: number, code: number): void => {
    c.op(W.loop, VOID);
    c.get(IP).get(IEND).op(W.i32GeU).failIf(-code);
    c.get(IP).mem(W.i32Load8U).set(B);
    c.get(IP).k(1).op(W.i32Add).set(IP);
    c.get(l).get(B).op(W.i32Add).set(l);
    c.get(B).k(255).op(W.i32Eq, W.brIf, 0);
    c.op(W.end);
  };
  /** Copies 8 bytes from [src + d] to [dst + d]. */
  const copy8 = (dst: number, src: number, d: number): void => {
    c.get(dst).get(src).mem(W.i64Load, d).mem(W.i64Store, d);
  };
  c.get(OP).set(START);
  c.op(W.block, VOID, W.loop, VOID); // $done, $main
  c.get(IP).get(IEND).op(W.i32GeU).failIf(-1);
  c.get(IP).mem(W.i32Load8U).set(TOKEN);
  c.get(IP).k(1).op(W.i32Add).set(IP);
  c.get(TOKEN).k(4).op(W.i32ShrU).set(LIT);
  c.get(LIT).k(15).op(W.i32Eq, W.if, VOID); readLength(LIT, 2); c.op(W.end);
  // literals
  c.get(LIT).op(W.if, VOID);
  c.get(IP).get(LIT).op(W.i32Add).get(IEND).op(W.i32GtU).failIf(-3);
  c.get(OP).get(LIT).op(W.i32Add).get(OEND).op(W.i32GtU, W.if, VOID);
  c.get(PARTIAL).op(W.i32Eqz).failIf(-4);
  c.get(OEND).get(OP).op(W.i32Sub).set(LIT);
  c.op(W.end);
  c.get(LIT).k(16).op(W.i32LeU, W.if, VOID);
  copy8(OP, IP, 0); copy8(OP, IP, 8);
  c.op(W.else);
  c.get(LIT).k(128).op(W.i32LtU, W.if, VOID);
  c.k(0).set(K);
  c.op(W.loop, VOID);
  c.get(OP).get(K).op(W.i32Add).get(IP).get(K).op(W.i32Add).mem(W.i64Load).mem(W.i64Store);
  c.get(K).k(8).op(W.i32Add).tee(K).get(LIT).op(W.i32LtU, W.brIf, 0);
  c.op(W.end);
  c.op(W.else);
  c.get(OP).get(IP).get(LIT).copy();
  c.op(W.end, W.end);
  c.get(IP).get(LIT).op(W.i32Add).set(IP);
  c.get(OP).get(LIT).op(W.i32Add).set(OP);
  c.op(W.end);
  // the end of the block, or of the wanted output in partial mode
  c.get(IP).get(IEND).op(W.i32GeU, W.brIf, 1);
  c.get(PARTIAL).get(OP).get(OEND).op(W.i32GeU, W.i32And, W.brIf, 1);
  // offset
  c.get(IP).k(2).op(W.i32Add).get(IEND).op(W.i32GtU).failIf(-5);
  c.get(IP).mem(W.i32Load16U).set(OFFSET);
  c.get(IP).k(2).op(W.i32Add).set(IP);
  c.get(OFFSET).op(W.i32Eqz).get(OFFSET).get(OP).get(START).op(W.i32Sub, W.i32GtU, W.i32Or).failIf(-6);
  // match length
  c.get(TOKEN).k(15).op(W.i32And).set(LEN);
  c.get(LEN).k(15).op(W.i32Eq, W.if, VOID); readLength(LEN, 7); c.op(W.end);
  c.get(LEN).k(4).op(W.i32Add).set(LEN);
  c.get(OP).get(LEN).op(W.i32Add).get(OEND).op(W.i32GtU, W.if, VOID);
  c.get(PARTIAL).op(W.i32Eqz).failIf(-8);
  c.get(OEND).get(OP).op(W.i32Sub).set(LEN);
  c.op(W.end);
  c.get(OP).get(OFFSET).op(W.i32Sub).set(REF);
  // the match: offsets of 8 and more copy 8 bytes at a time (each read is already final)
  c.get(OFFSET).k(8).op(W.i32GeU, W.if, VOID);
  c.get(LEN).k(16).op(W.i32LeU, W.if, VOID);
  copy8(OP, REF, 0); copy8(OP, REF, 8);
  c.op(W.else);
  // memory.copy is a call: only long, non-overlapping matches are worth it
  c.get(OFFSET).get(LEN).op(W.i32GeU).get(LEN).k(128).op(W.i32GeU, W.i32And, W.if, VOID);
  c.get(OP).get(REF).get(LEN).copy();
  c.op(W.else);
  c.k(0).set(K);
  c.op(W.loop, VOID);
  c.get(OP).get(K).op(W.i32Add).get(REF).get(K).op(W.i32Add).mem(W.i64Load).mem(W.i64Store);
  c.get(K).k(8).op(W.i32Add).tee(K).get(LEN).op(W.i32LtU, W.brIf, 0);
  c.op(W.end, W.end, W.end);
  c.op(W.else);
  c.get(OFFSET).k(1).op(W.i32Eq, W.if, VOID);
  c.get(OP).get(REF).mem(W.i32Load8U).get(LEN).fill();
  c.op(W.else);
  c.k(0).set(K);
  c.op(W.block, VOID, W.loop, VOID);
  c.get(K).get(LEN).op(W.i32GeU, W.brIf, 1);
  c.get(OP).get(K).op(W.i32Add).get(REF).get(K).op(W.i32Add).mem(W.i32Load8U).mem(W.i32Store8);
  c.get(K).k(1).op(W.i32Add).set(K);
  c.op(W.br, 0, W.end, W.end);
  c.op(W.end, W.end);
  c.get(OP).get(LEN).op(W.i32Add).set(OP);
  c.get(PARTIAL).get(OP).get(OEND).op(W.i32GeU, W.i32And, W.brIf, 1);
  c.op(W.br, 0);
  c.op(W.end, W.end); // $main, $done
  c.get(PARTIAL).op(W.i32Eqz).get(OP).get(OEND).op(W.i32Ne, W.i32And).failIf(-9);
  c.get(OP).get(START).op(W.i32Sub);
  return c;
}

/** A decoder instance with its own memory. */
export interface WasmDecoder {
  /** Decodes like lz4Decode; returns the count produced, or a negative error code. */
  decode(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstEnd: number, partial: boolean): number;
}

/** Instantiates the decoder, or returns null where WebAssembly is unavailable. */
export function createWasmDecoder(): WasmDecoder | null {
  const exports = instantiate(moduleBytes(4, [{ name: 'decode', params: 5, locals: 8, body: decodeBody() }]));
  if (exports === null) return null;
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
