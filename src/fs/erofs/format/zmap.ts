// This module is browser compatible.
/**
 * Compressed file indexes (fs/erofs/zmap.c). A compressed file is cut into logical clusters
 * (lclusters, one block each in practice); each has an index entry saying whether a compressed
 * extent starts in it (a HEAD, with the offset where it starts and the physical block of its
 * compressed data) or not (a NONHEAD, with the distance back to its HEAD and forward to the
 * next). Two encodings exist: full 8-byte entries (COMPRESSED_FULL, "legacy") and compact packs
 * of 2- or 4-byte entries sharing one block address (COMPRESSED_COMPACT).
 */
import {
  Z_ADVISE_BIG_PCLUSTER_1, Z_ADVISE_BIG_PCLUSTER_2, Z_ADVISE_COMPACTED_2B, Z_LCLUSTER_INDEX_SIZE,
  Z_LCLUSTER_TYPE_NONHEAD, Z_LI_D0_CBLKCNT, Z_LI_PARTIAL_REF, Z_MAP_HEADER_SIZE,
} from './constants.js';
import { corrupt, unsupported } from './format_error.js';
import { put16, put32, u16, u32 } from './le.js';

/** struct z_erofs_map_header. */
export interface MapHeader {
  /** h_fragmentoff: the low 32 bits (all 64 bits when the whole file is a fragment). */
  fragmentOff: number;
  /** Size of the inline (ztailpacking) tail pcluster. */
  idataSize: number;
  advise: number;
  /** Algorithm of HEAD1 and HEAD2 lclusters. */
  algorithmHead1: number;
  algorithmHead2: number;
  /** h_clusterbits as stored (bits 0-2: lcluster bits - block bits; bit 7: whole-file fragment). */
  clusterBits: number;
}

/** Decodes the map header at `b[o..o+8)`. */
export function decodeMapHeader(b: Uint8Array, o: number): MapHeader {
  const fragmentWhole = b[o + 7]! >> 7;
  return {
    fragmentOff: fragmentWhole
      ? (u32(b, o + 4) & 0x7fffffff) * 0x100000000 + u32(b, o)
      : u32(b, o),
    idataSize: u16(b, o + 2),
    advise: u16(b, o + 4),
    algorithmHead1: b[o + 6]! & 15,
    algorithmHead2: b[o + 6]! >> 4,
    clusterBits: b[o + 7]!,
  };
}

/** Encodes a map header at `out[o..o+8)`. */
export function encodeMapHeader(h: Omit<MapHeader, 'fragmentOff'>, out: Uint8Array, o: number): void {
  put16(out, o, 0);
  put16(out, o + 2, h.idataSize);
  put16(out, o + 4, h.advise);
  out[o + 6] = (h.algorithmHead2 << 4) | h.algorithmHead1;
  out[o + 7] = h.clusterBits;
}

/** Position of the map header: the inode's end (inode, xattrs) aligned to 8. */
export function mapHeaderPosition(inodeEnd: number): number {
  return (inodeEnd + 7) & ~7;
}

/** Position of full index `lcn` (Z_EROFS_FULL_INDEX_ALIGN: header plus 8 reserved bytes). */
export function fullIndexPosition(inodeEnd: number, lcn: number): number {
  return mapHeaderPosition(inodeEnd) + Z_MAP_HEADER_SIZE + 8 + lcn * Z_LCLUSTER_INDEX_SIZE;
}

/** A decoded lcluster index (struct z_erofs_maprecorder's fields). Reused to avoid allocation. */
export class LclusterEntry {
  type = 0;
  /** HEAD: where the extent starts in this lcluster; NONHEAD: the lcluster size. */
  clusterofs = 0;
  /** HEAD: the pcluster's first block. */
  pblk = 0;
  /** NONHEAD: lclusters back to the HEAD (1 for the CBLKCNT entry) and forward to the next HEAD. */
  delta0 = 0;
  delta1 = 0;
  /** Block count of a big pcluster, when the entry carries it (0 otherwise). */
  compressedBlocks = 0;
  /** HEAD (full index only): the pcluster is referenced partially (deduplicated). */
  partialRef = false;
  /** Position right after this entry's pack (where ztailpacking data starts after the last one). */
  nextPackOff = 0;

  reset(): void {
    this.type = 0; this.clusterofs = 0; this.pblk = 0; this.delta0 = 0; this.delta1 = 0;
    this.compressedBlocks = 0; this.partialRef = false; this.nextPackOff = 0;
  }
}

/**
 * Decodes full index entry at `b[o..o+8)` (legacy_load_cluster_from_disk). `advise` is the map
 * header's. Errors: EUCLEAN (CBLKCNT without big pclusters, clusterofs beyond the lcluster).
 */
export function decodeFullIndex(b: Uint8Array, o: number, lclusterBits: number, advise: number, out: LclusterEntry): void {
  const diAdvise = u16(b, o);
  const type = diAdvise & 3;
  out.type = type;
  out.compressedBlocks = 0;
  out.partialRef = false;
  if (type === Z_LCLUSTER_TYPE_NONHEAD) {
    out.clusterofs = 1 << lclusterBits;
    let d0 = u16(b, o + 4);
    if (d0 & Z_LI_D0_CBLKCNT) {
      if (!(advise & (Z_ADVISE_BIG_PCLUSTER_1 | Z_ADVISE_BIG_PCLUSTER_2))) corrupt('compressed block count without big pclusters');
      out.compressedBlocks = d0 & ~Z_LI_D0_CBLKCNT;
      d0 = 1;
    }
    out.delta0 = d0;
    out.delta1 = u16(b, o + 6);
  } else {
    out.partialRef = (diAdvise & Z_LI_PARTIAL_REF) !== 0;
    out.clusterofs = u16(b, o + 2);
    if (out.clusterofs >= 1 << lclusterBits) corrupt(`clusterofs ${out.clusterofs} beyond the lcluster`);
    out.pblk = u32(b, o + 4);
    out.delta0 = 0;
  }
}

/** How a compact index area is split into 4-byte entries, 2-byte packs and 4-byte entries. */
export interface CompactLayout {
  ebase: number;
  initial4b: number;
  count2b: number;
}

/**
 * The split of a compact index area starting at `ebase` (after the map header) for `total`
 * lclusters (compacted_load_cluster_from_disk): 4-byte entries until 32-byte alignment, then
 * 2-byte entries in packs of 16 (with COMPACTED_2B), then 4-byte entries.
 */
export function compactLayout(ebase: number, total: number, advise: number): CompactLayout {
  let initial4b = (32 - (ebase % 32)) / 4;
  if (initial4b === 8) initial4b = 0;
  const count2b = advise & Z_ADVISE_COMPACTED_2B && initial4b < total ? Math.floor((total - initial4b) / 16) * 16 : 0;
  return { ebase, initial4b, count2b };
}

/** Position of compact entry `lcn`. */
export function compactPosition(l: CompactLayout, lcn: number): number {
  if (lcn < l.initial4b) return l.ebase + lcn * 4;
  const after4b = l.ebase + l.initial4b * 4;
  const k = lcn - l.initial4b;
  if (k < l.count2b) return after4b + k * 2;
  return after4b + l.count2b * 2 + (k - l.count2b) * 4;
}

/** The entry size shift of compact entry `lcn`: 1 for 2-byte entries, 2 for 4-byte ones. */
export function compactShift(l: CompactLayout, lcn: number): number {
  return lcn >= l.initial4b && lcn - l.initial4b < l.count2b ? 1 : 2;
}

/** Total bytes of a compact index area for `total` lclusters (each trailing pack is whole). */
export function compactIndexBytes(l: CompactLayout, total: number): number {
  if (l.initial4b > total) return Math.ceil(total / 2) * 8;
  const rest = total - l.initial4b - l.count2b;
  return l.initial4b * 4 + l.count2b * 2 + Math.ceil(rest / 2) * 8;
}

function bitsAt(pack: Uint8Array, base: number, bitpos: number): number {
  const o = base + (bitpos >> 3);
  const v = pack[o]! | (pack[o + 1]! << 8) | (pack[o + 2]! << 16) | ((pack[o + 3] ?? 0) << 24);
  return v >>> (bitpos & 7);
}

/**
 * Decodes compact entry `pos` (unpack_compacted_index). `b` holds the whole pack the entry is
 * in; `pos` is the entry's offset in `b`. With `lookahead` the distance to the next HEAD is
 * worked out too. Errors: EUCLEAN (bad deltas), EOPNOTSUPP (lcluster sizes without a compact
 * encoding).
 */
export function decodeCompactIndex(
  b: Uint8Array, pos: number, shift: number, lclusterBits: number, advise: number, lookahead: boolean, packEnd: number,
  out: LclusterEntry,
): void {
  let vcnt: number;
  if (shift === 2 && lclusterBits <= 14) vcnt = 2;
  else if (shift === 1 && lclusterBits === 12) vcnt = 16;
  else unsupported(`compact indexes with ${lclusterBits}-bit lclusters`);
  const packSize = vcnt << shift;
  const base = pos - (pos % packSize);
  if (base + packSize > b.length) corrupt('compressed index pack beyond the metadata read');
  out.nextPackOff = packEnd;
  out.compressedBlocks = 0;
  out.partialRef = false;
  const bigPcluster = (advise & Z_ADVISE_BIG_PCLUSTER_1) !== 0;
  const encodebits = ((packSize - 4) * 8) / vcnt;
  const lomask = (1 << lclusterBits) - 1;
  let i = (pos - base) >> shift;
  let v = bitsAt(b, base, encodebits * i);
  let lo = v & lomask;
  let type = (v >>> lclusterBits) & 3;
  out.type = type;
  if (type === Z_LCLUSTER_TYPE_NONHEAD) {
    out.clusterofs = 1 << lclusterBits;
    if (lookahead) {
      // get_compacted_la_distance: count NONHEADs up to the next HEAD in this pack.
      let d1 = 0;
      let j = i;
      let lastLo = lo;
      let found = false;
      do {
        const w = bitsAt(b, base, encodebits * j);
        lastLo = w & lomask;
        if (((w >>> lclusterBits) & 3) !== Z_LCLUSTER_TYPE_NONHEAD) { found = true; break; }
        d1++;
      } while (++j < vcnt);
      if (!found && !(lastLo & Z_LI_D0_CBLKCNT)) d1 += lastLo - 1;
      out.delta1 = d1;
    }
    if (lo & Z_LI_D0_CBLKCNT) {
      if (!bigPcluster) corrupt('compressed block count without big pclusters');
      out.compressedBlocks = lo & ~Z_LI_D0_CBLKCNT;
      out.delta0 = 1;
      return;
    }
    if (i + 1 !== vcnt) {
      out.delta0 = lo;
      return;
    }
    // The last entry of a pack stores delta[1]; delta[0] comes from the entry before it.
    v = bitsAt(b, base, encodebits * (i - 1));
    lo = v & lomask;
    type = (v >>> lclusterBits) & 3;
    if (type !== Z_LCLUSTER_TYPE_NONHEAD) lo = 0;
    else if (lo & Z_LI_D0_CBLKCNT) lo = 1;
    out.delta0 = lo + 1;
    return;
  }
  out.clusterofs = lo;
  out.delta0 = 0;
  let nblk: number;
  if (!bigPcluster) {
    nblk = 1;
    while (i > 0) {
      --i;
      v = bitsAt(b, base, encodebits * i);
      if (((v >>> lclusterBits) & 3) === Z_LCLUSTER_TYPE_NONHEAD) i -= v & lomask;
      if (i >= 0) ++nblk;
    }
  } else {
    nblk = 0;
    while (i > 0) {
      --i;
      v = bitsAt(b, base, encodebits * i);
      lo = v & lomask;
      if (((v >>> lclusterBits) & 3) === Z_LCLUSTER_TYPE_NONHEAD) {
        if (lo & Z_LI_D0_CBLKCNT) {
          --i;
          nblk += lo & ~Z_LI_D0_CBLKCNT;
          continue;
        }
        if (lo <= 1) corrupt('big pcluster NONHEAD with delta 1');
        i -= lo - 2;
        continue;
      }
      ++nblk;
    }
  }
  out.pblk = (u32(b, base + packSize - 4) + nblk) >>> 0;
}

/** One lcluster for the compact encoder (no big pclusters): a HEAD or a NONHEAD. */
export interface CompactEntrySpec {
  type: number;
  /** HEAD: clusterofs; NONHEAD: delta[0]. */
  lo: number;
  /** NONHEAD: delta[1]. */
  delta1: number;
  /** HEAD: the pcluster's block (heads must use consecutive blocks, one each). */
  blkaddr: number;
}

/**
 * Encodes compact indexes for `entries` without big pclusters into `out[o..]` following
 * `layout` (COMPACTED_2B on); returns the bytes written. Each HEAD's pcluster is one block and
 * the pclusters are consecutive from the first HEAD's blkaddr.
 */
export function encodeCompactIndexes(entries: readonly CompactEntrySpec[], layout: CompactLayout, lclusterBits: number, out: Uint8Array, o: number): number {
  const total = entries.length;
  const start = o;
  let i = 0;
  // The block of the last HEAD before the pack being written (the pack base, see the decoder).
  let lastHead = -1;
  for (const e of entries) if (e.type !== Z_LCLUSTER_TYPE_NONHEAD) { lastHead = e.blkaddr - 1; break; }
  const pack = (vcnt: number, shift: number): void => {
    const packSize = vcnt << shift;
    const encodebits = ((packSize - 4) * 8) / vcnt;
    out.fill(0, o, o + packSize);
    let base = lastHead;
    for (let k = 0; k < vcnt; k++, i++) {
      const e = i < total ? entries[i]! : { type: 0, lo: 0, delta1: 0, blkaddr: 0 };
      let lo: number;
      if (e.type === Z_LCLUSTER_TYPE_NONHEAD) {
        lo = k + 1 === vcnt ? e.delta1 : e.lo;
      } else {
        lo = e.lo;
        if (i < total) lastHead = e.blkaddr;
      }
      if (lo >= 1 << lclusterBits || (e.type === Z_LCLUSTER_TYPE_NONHEAD && lo & Z_LI_D0_CBLKCNT)) {
        corrupt(`compact index value ${lo} does not fit`);
      }
      const value = (e.type << lclusterBits) | lo;
      const bit = encodebits * k;
      const at = o + (bit >> 3);
      const sh = bit & 7;
      out[at] = out[at]! | ((value << sh) & 0xff);
      out[at + 1] = out[at + 1]! | ((value >>> (8 - sh)) & 0xff);
      if (sh + lclusterBits + 2 > 16) out[at + 2] = out[at + 2]! | ((value >>> (16 - sh)) & 0xff);
    }
    put32(out, o + packSize - 4, base >>> 0);
    o += packSize;
  };
  if (layout.initial4b > total) {
    while (i < total) pack(2, 2);
    return o - start;
  }
  while (i < layout.initial4b) pack(2, 2);
  while (i < layout.initial4b + layout.count2b) pack(16, 1);
  while (i < total) pack(2, 2);
  return o - start;
}
