// This module is browser compatible.
/**
 * A greedy LZ4 block encoder with a single-entry hash table, and its "destination size" mode:
 * compress as much input as fits in a fixed output budget, which is how EROFS fills each
 * physical cluster (lz4's LZ4_compress_destSize). Output always obeys the block format's end
 * rules that the kernel's decoder enforces: the last 5 bytes are literals and the last match
 * starts at least 12 bytes before the end.
 */

import { HASH_LOG, WASM_OUT_MAX, createWasmEncoder, type WasmEncoder } from './_wasm_encoder.js';

const MINMATCH = 4;
const LASTLITERALS = 5;
const MFLIMIT = 12;
const MAX_DISTANCE = 65535;
const HASH_SHIFT = 32 - HASH_LOG;
/** Literals kept in reserve at the end of a destination-size block (see encodeBlock). */
const RESERVE_LITERALS = MFLIMIT;

/** The reusable state of an encoder: the hash table of recent positions. */
export class Lz4Encoder {
  private readonly table = new Int32Array(1 << HASH_LOG);
  private tableOwner: Uint8Array | null = null;
  /** Search effort: 1 is the fastest scan; higher values look for matches more densely. */
  private readonly acceleration: number;

  constructor(options: { acceleration?: number } = {}) {
    this.acceleration = Math.max(1, options.acceleration ?? 1);
  }

  /** Input bytes covered by the last `encode` call. */
  consumed = 0;
  private wasm: WasmEncoder | null = null;

  /**
   * An input buffer of `size` bytes that `encode` compresses fastest: where WebAssembly is
   * available it lives in the WebAssembly encoder's memory, which then runs the same algorithm
   * (identical output). Replaces the previous window.
   */
  window(size: number): Uint8Array {
    this.wasm = this.acceleration === 1 ? createWasmEncoder(size) : null;
    return this.wasm?.window ?? new Uint8Array(size);
  }

  /**
   * Compresses as much of `src[start..end)` as fits into `dst[0..capacity)`; sets `consumed` to
   * the input bytes covered and returns the compressed size.
   *
   * @example
   * const enc = new Lz4Encoder();
   * const n = enc.encode(data, 0, data.length, out, 4096);
   * // out[0..n) decodes to data[0..enc.consumed)
   */
  encode(src: Uint8Array, start: number, end: number, dst: Uint8Array, capacity: number): number {
    const wasm = this.wasm;
    if (wasm !== null && src === wasm.window && capacity <= WASM_OUT_MAX) {
      const n = wasm.encode(start, end, dst, capacity);
      this.consumed = wasm.consumed();
      return n;
    }
    const table = this.table;
    if (this.tableOwner !== src) {
      table.fill(-1);
      this.tableOwner = src;
    }
    const mflimit = end - MFLIMIT;
    const matchlimit = end - LASTLITERALS;
    const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    let anchor = start;
    let ip = start;
    let op = 0;
    const accel = this.acceleration;
    if (end - start >= MFLIMIT + 1) {
      table[Math.imul(sv.getUint32(ip, true), 2654435761) >>> HASH_SHIFT] = ip;
      ip++;
      outer: for (;;) {
        // Find a match, skipping faster through incompressible stretches (lz4's search step).
        let ref = -1;
        let attempts = 1 << 6;
        let word = 0;
        for (;;) {
          if (ip > mflimit) break outer;
          word = sv.getUint32(ip, true);
          const h = Math.imul(word, 2654435761) >>> HASH_SHIFT;
          ref = table[h]!;
          table[h] = ip;
          if (ref >= start && ref < ip && ip - ref <= MAX_DISTANCE && sv.getUint32(ref, true) === word) break;
          ip += (attempts++ >> 6) * accel;
        }
        // Extend backwards over pending literals.
        while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) { ip--; ref--; }
        // Extend forwards, four bytes at a time while they all match.
        let len = MINMATCH;
        while (ip + len + 4 <= matchlimit && sv.getUint32(ip + len, true) === sv.getUint32(ref + len, true)) len += 4;
        while (ip + len < matchlimit && src[ip + len] === src[ref + len]) len++;
        const litLen = ip - anchor;
        const cost = 1 + extraBytes(litLen, 15) + litLen + 2 + extraBytes(len - MINMATCH, 15);
        // Keep room for a final literal run of RESERVE_LITERALS bytes after this sequence.
        if (op + cost + 1 + RESERVE_LITERALS > capacity) break;
        op = writeSequence(dst, op, src, anchor, litLen, ip - ref, len - MINMATCH);
        ip += len;
        anchor = ip;
        if (ip > mflimit) break;
        // Prime the table with a position inside the match, as lz4 does.
        table[Math.imul(sv.getUint32(ip - 2, true), 2654435761) >>> HASH_SHIFT] = ip - 2;
      }
    }
    // Final literals: as many of the rest as fit.
    let lastLit = end - anchor;
    const room = capacity - op;
    if (1 + extraBytes(lastLit, 15) + lastLit > room) {
      lastLit = room - 1;
      while (lastLit > 0 && 1 + extraBytes(lastLit, 15) + lastLit > room) lastLit--;
    }
    if (lastLit < 0) lastLit = 0;
    op = writeLiterals(dst, op, src, anchor, lastLit);
    this.consumed = anchor + lastLit - start;
    return op;
  }
}

/** Bytes needed to extend a length field past its 4-bit token nibble (value `n`, nibble max `max`). */
function extraBytes(n: number, max: number): number {
  return n < max ? 0 : Math.floor((n - max) / 255) + 1;
}

function writeLength(dst: Uint8Array, op: number, n: number): number {
  while (n >= 255) {
    dst[op++] = 255;
    n -= 255;
  }
  dst[op++] = n;
  return op;
}

function writeSequence(dst: Uint8Array, op: number, src: Uint8Array, anchor: number, litLen: number, offset: number, mlCode: number): number {
  const tokenAt = op++;
  let token = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
  if (litLen < 24) {
    for (let k = 0; k < litLen; k++) dst[op + k] = src[anchor + k]!;
  } else {
    dst.set(src.subarray(anchor, anchor + litLen), op);
  }
  op += litLen;
  dst[op++] = offset & 0xff;
  dst[op++] = offset >>> 8;
  token |= mlCode >= 15 ? 15 : mlCode;
  if (mlCode >= 15) op = writeLength(dst, op, mlCode - 15);
  dst[tokenAt] = token;
  return op;
}

function writeLiterals(dst: Uint8Array, op: number, src: Uint8Array, anchor: number, litLen: number): number {
  dst[op++] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) op = writeLength(dst, op, litLen - 15);
  dst.set(src.subarray(anchor, anchor + litLen), op);
  return op + litLen;
}
