// This module is browser compatible.
/**
 * Plain-data descriptions of an image's superblock and inodes (what `vroot inspect` prints):
 * every on-disk field, decoded features, and where an inode's data lives, block by block or
 * extent by extent.
 */
import { byteStringToUtf8 } from '../../../vfs/bytes.js';
import { chunkBits, chunkBlkaddr, chunkEntryPosition, chunkEntrySize } from '../format/chunk.js';
import {
  INCOMPAT_FEATURE_NAMES, LAYOUT_CHUNK_BASED, LAYOUT_FLAT_INLINE, LAYOUT_FLAT_PLAIN, LAYOUT_NAMES, NULL_ADDR,
} from '../format/constants.js';
import { chunkFormat, compressedBlocks, isCompressedLayout, rawBlkaddr, type DiskInode } from '../format/inode.js';
import type { ErofsImage } from './image.js';

/** The superblock, decoded. */
export interface SuperblockReport {
  magic: string;
  blockSize: number;
  blocks: number;
  imageBytes: number;
  inodes: number;
  rootNid: number;
  metaBlkaddr: number;
  xattrBlkaddr: number;
  buildTime: number;
  buildTimeNsec: number;
  uuid: string;
  volumeName: string;
  featureCompat: string[];
  featureIncompat: string[];
  checksum: string;
  compression: { algorithms: string[]; lz4MaxPclusterBlocks: number; lz4MaxDistance: number };
  packedNid: number;
}

/** Where one piece of an inode's data is. */
export interface DataRange {
  /** Logical offset and length in the file. */
  offset: number;
  length: number;
  /** 'blocks' (contiguous blocks), 'inline' (after the inode), 'hole', or a compressed extent's algorithm. */
  kind: string;
  /** Image byte position and length of the stored data. */
  position: number;
  stored: number;
}

/** One inode, decoded. */
export interface InodeReport {
  nid: number;
  position: number;
  version: 'compact' | 'extended';
  layout: string;
  mode: string;
  type: string;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  mtimeNsec: number;
  rdev: number;
  ino32: number;
  xattrBodySize: number;
  xattrs: Array<{ name: string; size: number }>;
  compressedBlocks?: number;
  chunkFormat?: number;
  compression?: { advise: number; lclusterBits: number; algorithms: number[]; compactIndexes: boolean };
  data: DataRange[];
  /** True when `data` stopped at the limit. */
  dataTruncated: boolean;
}

function uuidText(u: Uint8Array): string {
  const h = Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function bitNames(value: number, names: Readonly<Record<number, string>>): string[] {
  const out: string[] = [];
  for (let bit = 1; bit !== 0 && bit <= value; bit = (bit << 1) >>> 0) {
    if (value & bit) out.push(names[bit] ?? `0x${bit.toString(16)}`);
  }
  return out;
}

/** Describes the superblock. */
export function describeSuperblock(image: ErofsImage): SuperblockReport {
  const sb = image.sb;
  const nul = sb.volumeName.indexOf(0);
  return {
    magic: '0xe0f5e1e2',
    blockSize: image.blockSize,
    blocks: sb.blocks,
    imageBytes: image.size,
    inodes: sb.inos,
    rootNid: sb.rootNid,
    metaBlkaddr: sb.metaBlkaddr,
    xattrBlkaddr: sb.xattrBlkaddr,
    buildTime: sb.buildTime,
    buildTimeNsec: sb.buildTimeNsec,
    uuid: uuidText(sb.uuid),
    volumeName: new TextDecoder().decode(sb.volumeName.subarray(0, nul < 0 ? 16 : nul)),
    featureCompat: bitNames(sb.featureCompat, { 1: 'sb_csum', 2: 'mtime' }),
    featureIncompat: bitNames(sb.featureIncompat, INCOMPAT_FEATURE_NAMES),
    checksum: `0x${sb.checksum.toString(16).padStart(8, '0')}`,
    compression: {
      algorithms: bitNames(image.compr.algorithms, { 1: 'lz4', 2: 'lzma' }),
      lz4MaxPclusterBlocks: image.compr.lz4MaxPclusterBlocks,
      lz4MaxDistance: image.compr.lz4MaxDistance,
    },
    packedNid: sb.packedNid,
  };
}

const TYPE_NAMES: Record<number, string> = {
  0o140000: 'socket', 0o120000: 'symlink', 0o100000: 'regular', 0o060000: 'block device', 0o040000: 'directory',
  0o020000: 'character device', 0o010000: 'fifo',
};

/** Describes an inode and where its data lives (at most `maxRanges` ranges). */
export function describeInode(image: ErofsImage, ino: DiskInode, maxRanges = 1000): InodeReport {
  const report: InodeReport = {
    nid: ino.nid,
    position: image.inodePosition(ino.nid),
    version: ino.extended ? 'extended' : 'compact',
    layout: LAYOUT_NAMES[ino.layout] ?? String(ino.layout),
    mode: `0${(ino.mode & 0o7777).toString(8)}`,
    type: TYPE_NAMES[ino.mode & 0o170000] ?? 'unknown',
    nlink: ino.nlink,
    uid: ino.uid,
    gid: ino.gid,
    size: ino.size,
    mtime: ino.mtimeSec,
    mtimeNsec: ino.mtimeNsec,
    rdev: ino.rdev,
    ino32: ino.ino32,
    xattrBodySize: ino.xattrSize,
    xattrs: ino.xattrSize > 12 ? image.xattrs(ino).map((x) => ({ name: byteStringToUtf8(x.name), size: x.value.length })) : [],
    data: [],
    dataTruncated: false,
  };
  const bs = image.blockSize;
  const push = (r: DataRange): boolean => {
    if (report.data.length >= maxRanges) {
      report.dataTruncated = true;
      return false;
    }
    report.data.push(r);
    return true;
  };
  if (ino.size === 0 || (ino.mode & 0o170000) === 0o020000 || (ino.mode & 0o170000) === 0o060000) return report;
  if (ino.layout === LAYOUT_FLAT_PLAIN || ino.layout === LAYOUT_FLAT_INLINE) {
    const blocks = Math.ceil(ino.size / bs);
    const plain = ino.layout === LAYOUT_FLAT_INLINE ? (blocks - 1) * bs : ino.size;
    if (plain > 0) push({ offset: 0, length: plain, kind: 'blocks', position: rawBlkaddr(ino) * bs, stored: Math.ceil(plain / bs) * bs });
    if (plain < ino.size) push({ offset: plain, length: ino.size - plain, kind: 'inline', position: image.inodeEnd(ino), stored: ino.size - plain });
  } else if (ino.layout === LAYOUT_CHUNK_BASED) {
    const format = chunkFormat(ino);
    report.chunkFormat = format;
    const size = 2 ** chunkBits(format, image.blkbits);
    for (let off = 0, n = 0; off < ino.size; off += size, n++) {
      const at = chunkEntryPosition(image.inodeEnd(ino), format, n);
      const blk = chunkBlkaddr(image.meta(at, chunkEntrySize(format)), 0, format);
      const length = Math.min(size, ino.size - off);
      const hole = blk === NULL_ADDR;
      if (!push({ offset: off, length, kind: hole ? 'hole' : 'blocks', position: hole ? 0 : blk * bs, stored: hole ? 0 : Math.ceil(length / bs) * bs })) break;
    }
  } else if (isCompressedLayout(ino.layout)) {
    report.compressedBlocks = compressedBlocks(ino);
    const z = image.zinfo(ino);
    report.compression = {
      advise: z.advise, lclusterBits: z.lclusterBits, algorithms: [z.algorithmHead1, z.algorithmHead2], compactIndexes: z.compact !== null,
    };
    for (let off = 0; off < ino.size;) {
      const e = image.mapExtent(ino, z, off);
      if (!push({ offset: e.la, length: e.llen, kind: e.inline ? `${e.algorithm} (inline)` : e.algorithm, position: e.pa, stored: e.plen })) break;
      off = e.la + e.llen;
    }
  }
  return report;
}
