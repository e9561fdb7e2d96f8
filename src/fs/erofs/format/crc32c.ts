// This module is browser compatible.
/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as the kernel's crc32c() computes it:
 * the caller passes the seed and no final inversion is applied, which is how EROFS checksums its
 * superblock (seed 0xFFFFFFFF, fs/erofs/super.c:erofs_superblock_csum_verify).
 */
const TABLE = new Uint32Array(256 * 4);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  TABLE[n] = c >>> 0;
}
// Slicing-by-4 tables.
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 4; t++) {
    const prev = TABLE[(t - 1) * 256 + n]!;
    TABLE[t * 256 + n] = (TABLE[prev & 0xff]! ^ (prev >>> 8)) >>> 0;
  }
}

/** Updates `crc` with `bytes[start..end)`. */
export function crc32c(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = crc >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = TABLE[768 + (c & 0xff)]! ^ TABLE[512 + ((c >>> 8) & 0xff)]! ^ TABLE[256 + ((c >>> 16) & 0xff)]! ^ TABLE[c >>> 24]!;
  }
  for (; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}
