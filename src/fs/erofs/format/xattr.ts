// This module is browser compatible.
/**
 * Extended attributes: the inline body after an inode (a 12-byte header with the shared xattr
 * ids, then entries) and the entries themselves, `{ name_len u8, name_index u8, value_size
 * u16 }` + name suffix + value, padded to 4 bytes (fs/erofs/xattr.c). A name is its index's
 * prefix followed by the stored suffix.
 */
import {
  XATTR_ENTRY_SIZE, XATTR_IBODY_HEADER_SIZE, XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT,
  XATTR_INDEX_SECURITY, XATTR_INDEX_TRUSTED, XATTR_INDEX_USER, XATTR_PREFIXES,
} from './constants.js';
import { corrupt } from './format_error.js';
import { put16, put32, u16, u32 } from './le.js';

/** The decoded header of an entry at some offset. */
export interface XattrEntryHeader {
  nameLen: number;
  nameIndex: number;
  valueSize: number;
  /** The entry's size including padding. */
  size: number;
}

/** Decodes an entry header at `b[o..]` (4 bytes). */
export function decodeXattrEntry(b: Uint8Array, o: number): XattrEntryHeader {
  const nameLen = b[o]!;
  const nameIndex = b[o + 1]!;
  const valueSize = u16(b, o + 2);
  return { nameLen, nameIndex, valueSize, size: xattrEntrySize(nameLen, valueSize) };
}

/** The padded size of an entry with a `nameLen`-byte suffix and a `valueSize`-byte value. */
export function xattrEntrySize(nameLen: number, valueSize: number): number {
  return (XATTR_ENTRY_SIZE + nameLen + valueSize + 3) & ~3;
}

/** The shared xattr ids listed in an inline body `b[o..o+size)`. Errors: EUCLEAN. */
export function decodeSharedIds(b: Uint8Array, o: number, size: number, nid: number): number[] {
  const count = b[o + 4]!;
  if (XATTR_IBODY_HEADER_SIZE + 4 * count > size) corrupt(`inode ${nid}: ${count} shared xattrs overflow the xattr body`);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(u32(b, o + XATTR_IBODY_HEADER_SIZE + 4 * i));
  return ids;
}

/**
 * The name prefix of an index as Linux shows it, or null for indexes Linux hides (0, lustre and
 * unknown ones: fs/erofs/xattr.h:erofs_xattr_handler).
 */
export function xattrPrefix(index: number): string | null {
  switch (index) {
    case XATTR_INDEX_USER:
    case XATTR_INDEX_POSIX_ACL_ACCESS:
    case XATTR_INDEX_POSIX_ACL_DEFAULT:
    case XATTR_INDEX_TRUSTED:
    case XATTR_INDEX_SECURITY:
      return XATTR_PREFIXES[index]!;
    default:
      return null;
  }
}

/**
 * Splits a full xattr name (a byte string) into its index and stored suffix, or null when EROFS
 * cannot store the namespace (mkfs.erofs skips such names too).
 */
export function splitXattrName(name: string): { index: number; suffix: string } | null {
  for (const index of [XATTR_INDEX_USER, XATTR_INDEX_POSIX_ACL_ACCESS, XATTR_INDEX_POSIX_ACL_DEFAULT, XATTR_INDEX_TRUSTED, XATTR_INDEX_SECURITY]) {
    const prefix = XATTR_PREFIXES[index]!;
    if (name.startsWith(prefix)) return { index, suffix: name.slice(prefix.length) };
  }
  return null;
}

/** One xattr for the encoder: index, suffix bytes and value. */
export interface XattrSpec {
  index: number;
  suffix: Uint8Array;
  value: Uint8Array;
}

/** Encodes one entry at `out[o..]`; returns the offset after its padding. */
export function encodeXattrEntry(x: XattrSpec, out: Uint8Array, o: number): number {
  if (x.suffix.length > 255 || x.value.length > 0xffff) corrupt('xattr too large for EROFS');
  out[o] = x.suffix.length;
  out[o + 1] = x.index;
  put16(out, o + 2, x.value.length);
  out.set(x.suffix, o + 4);
  out.set(x.value, o + 4 + x.suffix.length);
  const end = o + xattrEntrySize(x.suffix.length, x.value.length);
  out.fill(0, o + 4 + x.suffix.length + x.value.length, end);
  return end;
}

/** The size of an inline body holding `sharedCount` ids and `inline` entries (0 when empty). */
export function xattrIbodyLength(sharedCount: number, inline: readonly XattrSpec[]): number {
  if (sharedCount === 0 && inline.length === 0) return 0;
  let size = XATTR_IBODY_HEADER_SIZE + 4 * sharedCount;
  for (const x of inline) size += xattrEntrySize(x.suffix.length, x.value.length);
  return size;
}

/** Encodes an inline body at `out[o..]`; returns its i_xattr_icount. */
export function encodeXattrIbody(shared: readonly number[], inline: readonly XattrSpec[], out: Uint8Array, o: number): number {
  const size = xattrIbodyLength(shared.length, inline);
  if (size === 0) return 0;
  out.fill(0, o, o + XATTR_IBODY_HEADER_SIZE);
  out[o + 4] = shared.length;
  let p = o + XATTR_IBODY_HEADER_SIZE;
  for (const id of shared) {
    put32(out, p, id);
    p += 4;
  }
  for (const x of inline) p = encodeXattrEntry(x, out, p);
  return (size - XATTR_IBODY_HEADER_SIZE) / 4 + 1;
}
