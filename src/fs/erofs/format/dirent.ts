// This module is browser compatible.
/**
 * Directory blocks: 12-byte dirents `{ nid u64, nameoff u16, file_type u8, reserved u8 }`
 * followed by the names they point at, without NULs. The first dirent's nameoff gives the entry
 * count; names are byte-sorted across the whole directory, `.` and `..` included
 * (fs/erofs/dir.c, fs/erofs/namei.c). A block here is the directory's bytes from a block start,
 * at most one block long (shorter for the directory's last block).
 */
import { DIRENT_SIZE, NAME_LEN } from './constants.js';
import { corrupt } from './format_error.js';
import { put16, put64, u16, u32 } from './le.js';

/** The entry count of a directory block. Errors: EUCLEAN (bad first nameoff). */
export function direntCount(block: Uint8Array, nid: number): number {
  if (block.length < DIRENT_SIZE) corrupt(`directory ${nid}: block of ${block.length} bytes`);
  const nameoff = u16(block, 8);
  if (nameoff === 0 || nameoff % DIRENT_SIZE !== 0 || nameoff >= block.length) {
    corrupt(`directory ${nid}: invalid first nameoff ${nameoff}`);
  }
  return nameoff / DIRENT_SIZE;
}

/** The nid of entry `i`. Errors: EUCLEAN (nid beyond 2^53). */
export function direntNid(block: Uint8Array, i: number): number {
  const o = i * DIRENT_SIZE;
  const hi = u32(block, o + 4);
  if (hi > 0x1fffff) corrupt('dirent nid out of range');
  return hi * 0x100000000 + u32(block, o);
}

/** The file type (FT_*) of entry `i`. */
export function direntType(block: Uint8Array, i: number): number {
  return block[i * DIRENT_SIZE + 10]!;
}

/**
 * The name bounds of entry `i` of `count`, packed as `start * 65536 + end`. The last name ends
 * at the first NUL or the block's end. Errors: EUCLEAN (overlapping, empty, too long or
 * out-of-block names), as the kernel's erofs_fill_dentries.
 */
export function direntNameBounds(block: Uint8Array, i: number, count: number, nid: number): number {
  const start = u16(block, i * DIRENT_SIZE + 8);
  let end: number;
  if (i + 1 < count) {
    end = u16(block, (i + 1) * DIRENT_SIZE + 8);
  } else {
    end = start;
    const limit = Math.min(block.length, start + NAME_LEN + 1);
    while (end < limit && block[end] !== 0) end++;
  }
  if (start < count * DIRENT_SIZE || end <= start || end - start > NAME_LEN || end > block.length) {
    corrupt(`directory ${nid}: bogus dirent ${i} (name at ${start}..${end})`);
  }
  return start * 65536 + end;
}

/**
 * Compares `name` (a byte string) with the bytes `block[start..end)`: negative when `name` sorts
 * first, 0 when equal (strcmp order, as names never contain NUL).
 */
export function compareName(name: string, block: Uint8Array, start: number, end: number): number {
  const n = end - start;
  const m = name.length < n ? name.length : n;
  for (let k = 0; k < m; k++) {
    const d = name.charCodeAt(k) - block[start + k]!;
    if (d !== 0) return d;
  }
  return name.length - n;
}

/** One entry for the writer: its name's bytes, the target nid and the FT_* type. */
export interface DirentSpec {
  name: Uint8Array;
  nid: number;
  type: number;
}

/**
 * Splits sorted entries into directory blocks as mkfs.erofs does: an entry (dirent plus name)
 * goes into the current block while it fits. Returns the index of each block's first entry and
 * the directory size (full blocks plus the used part of the last).
 */
export function planDirBlocks(nameLengths: ArrayLike<number>, blockSize: number): { starts: number[]; size: number } {
  const starts: number[] = [0];
  let used = 0;
  let size = 0;
  for (let i = 0; i < nameLengths.length; i++) {
    const len = DIRENT_SIZE + nameLengths[i]!;
    if (used + len > blockSize) {
      size += blockSize;
      starts.push(i);
      used = 0;
    }
    used += len;
  }
  return { starts, size: size + used };
}

/** Writes entries `[from, to)` as one directory block into `out[0..length)`, zero-filling the rest. */
export function encodeDirBlock(entries: readonly DirentSpec[], from: number, to: number, out: Uint8Array, length: number): void {
  let q = (to - from) * DIRENT_SIZE;
  let p = 0;
  for (let i = from; i < to; i++) {
    const e = entries[i]!;
    put64(out, p, e.nid);
    put16(out, p + 8, q);
    out[p + 10] = e.type;
    out[p + 11] = 0;
    out.set(e.name, q);
    p += DIRENT_SIZE;
    q += e.name.length;
  }
  out.fill(0, q, length);
}
