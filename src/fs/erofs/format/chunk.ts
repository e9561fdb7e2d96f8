// This module is browser compatible.
/**
 * Chunk-based files (fs/erofs/data.c:erofs_map_blocks): data in chunks of `blocksize << n`
 * bytes, located by a 4-byte block map or by 8-byte chunk indexes `{ advise u16, device_id u16,
 * blkaddr u32 }` after the inode; NULL_ADDR marks a hole.
 */
import { CHUNK_FORMAT_BLKBITS_MASK, CHUNK_FORMAT_INDEXES } from './constants.js';
import { u32 } from './le.js';

/** Size of one chunk table entry for a chunk format. */
export function chunkEntrySize(chunkFormat: number): number {
  return chunkFormat & CHUNK_FORMAT_INDEXES ? 8 : 4;
}

/** log2 of the chunk size. */
export function chunkBits(chunkFormat: number, blkszbits: number): number {
  return blkszbits + (chunkFormat & CHUNK_FORMAT_BLKBITS_MASK);
}

/** Position of chunk `n`'s entry: the table starts at the inode's end aligned to the entry size. */
export function chunkEntryPosition(inodeEnd: number, chunkFormat: number, n: number): number {
  const unit = chunkEntrySize(chunkFormat);
  return Math.ceil(inodeEnd / unit) * unit + unit * n;
}

/** The block address in the entry at `b[o..]` (NULL_ADDR for a hole). */
export function chunkBlkaddr(b: Uint8Array, o: number, chunkFormat: number): number {
  return chunkFormat & CHUNK_FORMAT_INDEXES ? u32(b, o + 4) : u32(b, o);
}
