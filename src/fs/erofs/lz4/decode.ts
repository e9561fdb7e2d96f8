// This module is browser compatible.
/**
 * The LZ4 block decoder (the block format of lz4's doc/lz4_Block_format.md), on typed arrays.
 * It sits on the hot path of reading compressed EROFS files, so short literal runs and matches
 * are copied four bytes at a time through DataViews ("wild copies" that may write up to 16
 * bytes past the current sequence, like the reference decoder), long ones with native
 * `set`/`copyWithin`, runs (offset 1) with `fill`. Every read and write stays inside the given
 * arrays, so a hostile block can only make it throw.
 */
import { corrupt } from '../format/format_error.js';
import { createWasmDecoder } from './_wasm_decoder.js';

/** Bytes after `dstEnd` the decoder may overwrite with scratch data when the array has them. */
export const LZ4_DECODE_SLACK = 16;

/**
 * Decodes the LZ4 block `src[srcStart..srcEnd)` into `dst[dstStart..dstEnd)`. Bytes of `dst`
 * from `dstEnd` up to `dstEnd + LZ4_DECODE_SLACK` (where they exist) may be overwritten.
 *
 * With `partial` false the block must produce exactly `dstEnd - dstStart` bytes and end exactly
 * at `srcEnd` (the kernel's LZ4_decompress_safe). With `partial` true decoding stops once the
 * output is full and the rest of the input is ignored (LZ4_decompress_safe_partial); the result
 * is short when the input ends first.
 *
 * Returns the number of bytes produced. Errors: EUCLEAN (malformed block).
 *
 * @example
 * const out = new Uint8Array(4096 + LZ4_DECODE_SLACK);
 * lz4Decode(block, 0, block.length, out, 0, 4096, false);
 */
export function lz4Decode(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstEnd: number, partial: boolean): number {
  // Blocks worth the copies in and out go to the WebAssembly decoder; it reports damage with a
  // negative result, and the JavaScript decoder then says what is wrong.
  if (wasm !== null && dstEnd - dstStart >= WASM_MIN && srcEnd <= src.length && srcStart >= 0 && srcStart <= srcEnd &&
    dstEnd <= dst.length && dstStart >= 0 && dstStart <= dstEnd) {
    const r = wasm.decode(src, srcStart, srcEnd, dst, dstStart, dstEnd, partial);
    if (r >= 0) return r;
  }
  return lz4DecodeJs(src, srcStart, srcEnd, dst, dstStart, dstEnd, partial);
}

/** Output sizes from which the WebAssembly decoder is used. */
const WASM_MIN = 512;
const wasm = createWasmDecoder();

/** True when lz4Decode runs in WebAssembly (false where WebAssembly is unavailable). */
export const LZ4_WASM = wasm !== null;

/** The JavaScript decoder (lz4Decode's fallback and reference; same contract). */
export function lz4DecodeJs(src: Uint8Array, srcStart: number, srcEnd: number, dst: Uint8Array, dstStart: number, dstEnd: number, partial: boolean): number {
  if (srcEnd > src.length || dstEnd > dst.length || srcStart > srcEnd || dstStart > dstEnd || srcStart < 0 || dstStart < 0) {
    corrupt('lz4: bad buffer bounds');
  }
  const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dv = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  const srcLimit = src.length - 16;
  const dstLimit = Math.min(dst.length, dstEnd + LZ4_DECODE_SLACK) - 16;
  let ip = srcStart;
  let op = dstStart;
  for (;;) {
    if (ip >= srcEnd) corrupt('lz4: truncated block');
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) corrupt('lz4: truncated literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit !== 0) {
      if (ip + lit > srcEnd) corrupt('lz4: literals beyond the input');
      if (op + lit > dstEnd) {
        if (!partial) corrupt('lz4: output overflow');
        lit = dstEnd - op;
      }
      if (lit <= 16 && ip <= srcLimit && op <= dstLimit) {
        dv.setUint32(op, sv.getUint32(ip, true), true);
        dv.setUint32(op + 4, sv.getUint32(ip + 4, true), true);
        dv.setUint32(op + 8, sv.getUint32(ip + 8, true), true);
        dv.setUint32(op + 12, sv.getUint32(ip + 12, true), true);
      } else if (lit < 48) {
        for (let k = 0; k < lit; k++) dst[op + k] = src[ip + k]!;
      } else {
        dst.set(src.subarray(ip, ip + lit), op);
      }
      ip += lit;
      op += lit;
    }
    if (ip >= srcEnd) break;
    if (partial && op >= dstEnd) break;
    if (ip + 2 > srcEnd) corrupt('lz4: truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - dstStart) corrupt('lz4: match offset out of range');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) corrupt('lz4: truncated match length');
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (op + len > dstEnd) {
      if (!partial) corrupt('lz4: output overflow');
      len = dstEnd - op;
    }
    const ref = op - offset;
    if (offset >= 8) {
      if (len <= 16 && op <= dstLimit) {
        // Each 4-byte unit reads bytes at least 8 behind the one it writes: already final.
        dv.setUint32(op, dv.getUint32(ref, true), true);
        dv.setUint32(op + 4, dv.getUint32(ref + 4, true), true);
        dv.setUint32(op + 8, dv.getUint32(ref + 8, true), true);
        dv.setUint32(op + 12, dv.getUint32(ref + 12, true), true);
      } else if (len < 64 && op + len + 8 <= dstLimit + 16) {
        for (let k = 0; k < len; k += 8) {
          dv.setUint32(op + k, dv.getUint32(ref + k, true), true);
          dv.setUint32(op + k + 4, dv.getUint32(ref + k + 4, true), true);
        }
      } else if (offset >= len) {
        dst.copyWithin(op, ref, ref + len);
      } else {
        overlapCopy(dst, op, ref, offset, len);
      }
    } else if (offset === 1) {
      dst.fill(dst[ref]!, op, op + len);
    } else if (len < 32) {
      for (let k = 0; k < len; k++) dst[op + k] = dst[ref + k]!;
    } else {
      overlapCopy(dst, op, ref, offset, len);
    }
    op += len;
    if (partial && op >= dstEnd) break;
  }
  if (!partial && op !== dstEnd) corrupt(`lz4: produced ${op - dstStart} bytes, expected ${dstEnd - dstStart}`);
  return op - dstStart;
}

/**
 * Copies an overlapping match: the output repeats every `offset` bytes, so copying from `ref`
 * is right for any length already written, and each step doubles what is available.
 */
function overlapCopy(dst: Uint8Array, op: number, ref: number, offset: number, len: number): void {
  let done = 0;
  while (done < len) {
    const n = Math.min(done + offset, len - done);
    dst.copyWithin(op + done, ref, ref + n);
    done += n;
  }
}
