// This module is browser compatible.
/**
 * Fixed-width integers read from header bytes in either byte order. 64-bit fields come back as
 * numbers; values past 2^53 become Infinity, which no file offset or size can equal, so every
 * bounds check that follows fails the way the kernel's does for an offset past the file.
 */

/** Unsigned 16-bit integer at `off`. */
export function u16(b: Uint8Array, off: number, littleEndian: boolean): number {
  const x = b[off]!;
  const y = b[off + 1]!;
  return littleEndian ? x | (y << 8) : (x << 8) | y;
}

/** Unsigned 32-bit integer at `off`. */
export function u32(b: Uint8Array, off: number, littleEndian: boolean): number {
  const v = littleEndian
    ? b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)
    : (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  return v >>> 0;
}

/** Signed 32-bit integer at `off`. */
export function i32(b: Uint8Array, off: number, littleEndian: boolean): number {
  return u32(b, off, littleEndian) | 0;
}

/** Unsigned 64-bit integer at `off`, as a number (Infinity past 2^53). */
export function u64(b: Uint8Array, off: number, littleEndian: boolean): number {
  const lo = u32(b, off + (littleEndian ? 0 : 4), littleEndian);
  const hi = u32(b, off + (littleEndian ? 4 : 0), littleEndian);
  if (hi >= 0x200000) return Infinity;
  return hi * 0x100000000 + lo;
}
