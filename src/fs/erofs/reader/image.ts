// This module is browser compatible.
/**
 * An open EROFS image: the superblock, the block cache, and the operations Linux's fs/erofs
 * performs on it (inode reading, block mapping of every data layout, decompression, directory
 * lookup and iteration, symlinks, xattrs), on plain decoded inodes. The VFS adapter (erofs.ts),
 * `vroot extract` and `vroot inspect` are built on it.
 *
 * Every offset, count and size read from the image is checked before use; corrupt metadata
 * throws a VfsError EUCLEAN (EFSCORRUPTED), reads outside the image EIO, and formats this
 * reader does not implement EOPNOTSUPP.
 */
import { S_IFDIR, S_IFMT } from '../../../abi/constants.js';
import { errno } from '../../../abi/errno.js';
import { DIR_COOKIE_MAX } from '../../../abi/limits.js';
import type { ByteString } from '../../../vfs/bytes.js';
import { VfsError, vfsError } from '../../../vfs/errors.js';
import type { ByteSource } from '../byte_source.js';
import { chunkBits, chunkBlkaddr, chunkEntryPosition, chunkEntrySize } from '../format/chunk.js';
import {
  COMPRESSION_LZ4, COMPRESSION_LZMA, DIRENT_SIZE, FEATURE_INCOMPAT_BIG_PCLUSTER, FEATURE_INCOMPAT_FRAGMENTS,
  FEATURE_INCOMPAT_ZERO_PADDING, FEATURE_INCOMPAT_ZTAILPACKING, ISLOT_BITS, LAYOUT_CHUNK_BASED,
  LAYOUT_COMPRESSED_COMPACT, LAYOUT_COMPRESSED_FULL, LAYOUT_FLAT_INLINE, LAYOUT_FLAT_PLAIN, NULL_ADDR,
  PCLUSTER_MAX_DSIZE, PCLUSTER_MAX_SIZE, XATTR_ENTRY_SIZE, XATTR_IBODY_HEADER_SIZE,
  Z_ADVISE_BIG_PCLUSTER_1, Z_ADVISE_BIG_PCLUSTER_2, Z_ADVISE_FRAGMENT_PCLUSTER,
  Z_ADVISE_INLINE_PCLUSTER, Z_ADVISE_INTERLACED_PCLUSTER, Z_FRAGMENT_INODE_BIT, Z_LCLUSTER_TYPE_HEAD1,
  Z_LCLUSTER_TYPE_HEAD2, Z_LCLUSTER_TYPE_NONHEAD, Z_LCLUSTER_TYPE_PLAIN, Z_MAP_HEADER_SIZE,
} from '../format/constants.js';
import { compareName, direntCount, direntNameBounds, direntNid, direntType } from '../format/dirent.js';
import { FormatError } from '../format/format_error.js';
import { chunkFormat, compressedBlocks, decodeInode, inodeSizeOf, rawBlkaddr, type DiskInode } from '../format/inode.js';
import { decodeComprConfig, decodeSuperblock, type ComprConfig, type Superblock } from '../format/superblock.js';
import { decodeSharedIds, decodeXattrEntry, splitXattrName, xattrPrefix } from '../format/xattr.js';
import {
  compactLayout, compactPosition, compactShift, decodeCompactIndex, decodeFullIndex, decodeMapHeader, fullIndexPosition,
  LclusterEntry, mapHeaderPosition, type CompactLayout,
} from '../format/zmap.js';
import { LZ4_DECODE_SLACK, lz4Decode } from '../lz4/decode.js';
import { BlockCache } from './block_cache.js';

/** Options of an opened image. */
export interface ErofsImageOptions {
  /** Metadata blocks kept in memory (default 256, i.e. 1 MiB with 4 KiB blocks). */
  cacheBlocks?: number;
  /** Bytes of decompressed extents kept for sequential reads (default 4 MiB). */
  extentCacheBytes?: number;
}

/** Compression state of one inode (the kernel's z_erofs_fill_inode_lazy results). */
export interface ZInfo {
  advise: number;
  algorithmHead1: number;
  algorithmHead2: number;
  lclusterBits: number;
  /** End of the inode and its xattrs (where the map header and indexes follow). */
  inodeEnd: number;
  /** Compact index layout, null for full indexes. */
  compact: CompactLayout | null;
  /** Number of lclusters (index entries). */
  totalIndexes: number;
  /** ztailpacking: where the inline tail pcluster starts, and its size. */
  idataOff: number;
  idataSize: number;
  /** The HEAD lcluster of the extent holding the last byte (ztailpacking and fragments). */
  tailHeadLcn: number;
  /** Fragments: offset of this file's tail in the packed inode; whole-file fragments. */
  fragmentOff: number;
  wholeFragment: boolean;
  /** Where the first pcluster is (-1 until mapped): a file's pclusters usually follow it. */
  firstPa: number;
}

/** One mapped compressed extent: logical range and where its data lives. */
export interface Extent {
  /** Logical start and length (the whole extent). */
  la: number;
  llen: number;
  /** Physical start and length of the pcluster (image bytes), or the inline tail. */
  pa: number;
  plen: number;
  /** 'lz4', 'lzma', 'shifted' or 'interlaced' (uncompressed), or 'fragment'. */
  algorithm: 'lz4' | 'lzma' | 'shifted' | 'interlaced' | 'fragment';
  /** The pcluster is inline after the indexes (ztailpacking). */
  inline: boolean;
  /** The pcluster is shared and decodes to more than this extent (dedupe). */
  partialRef: boolean;
  /** The HEAD lcluster. */
  headLcn: number;
}

interface CachedExtent {
  nid: number;
  la: number;
  data: Uint8Array;
  llen: number;
}

/** Turns a codec error into the VfsError the VFS expects; passes VfsErrors through. */
export function toVfsError(e: unknown): unknown {
  if (e instanceof FormatError) return new VfsError(errno[e.code], undefined, undefined, e.message);
  return e;
}

function corrupt(message: string): never {
  throw vfsError('EUCLEAN', message);
}

/** Maps an EROFS dirent file type to a DT_* value (fs_ftype_to_dtype). */
export function dtypeOf(fileType: number): number {
  return fileType < 8 ? FT_TO_DT[fileType]! : 0;
}
const FT_TO_DT = [0, 8, 4, 2, 6, 1, 12, 10];

/** Converts a name's bytes to a byte string. */
export function bytesToName(b: Uint8Array, start: number, end: number): ByteString {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/**
 * An EROFS image opened for reading.
 *
 * @example
 * const image = new ErofsImage(new BufferSource(bytes));
 * const root = image.inode(image.sb.rootNid);
 */
export class ErofsImage {
  readonly source: ByteSource;
  readonly sb: Superblock;
  readonly compr: ComprConfig;
  readonly blockSize: number;
  readonly blkbits: number;
  readonly cache: BlockCache;
  private readonly metaBase: number;
  private readonly zeroPadding: boolean;
  private readonly extentBudget: number;
  private extents: CachedExtent[] = [];
  private extentBytes = 0;
  private readonly zinfos = new Map<number, ZInfo>();
  private readonly entry = new LclusterEntry();
  private readahead = new Uint8Array(0);
  private raStart = 0;
  private raEnd = 0;
  private raWindow = 0;
  /** The compressed area of the file being read ([raFrom, raLimit), empty when unknown). */
  private raFrom = 0;
  private raLimit = 0;
  private candidate = new Uint8Array(0);
  private fragmentDepth = 0;

  /** Opens an image. Errors: EINVAL (not EROFS), EUCLEAN, EOPNOTSUPP, EIO. */
  constructor(source: ByteSource, options: ErofsImageOptions = {}) {
    this.source = source;
    try {
      const headLen = Math.min(source.size, 65536);
      const head = new Uint8Array(headLen);
      if (source.read(head, 0, headLen, 0) !== headLen) throw vfsError('EIO', 'short read of the superblock');
      this.sb = decodeSuperblock(head);
      this.compr = decodeComprConfig(this.sb, head);
    } catch (e) {
      throw toVfsError(e);
    }
    this.blkbits = this.sb.blkszbits;
    this.blockSize = 1 << this.blkbits;
    this.metaBase = this.sb.metaBlkaddr * this.blockSize;
    this.zeroPadding = (this.sb.featureIncompat & FEATURE_INCOMPAT_ZERO_PADDING) !== 0;
    this.cache = new BlockCache(source, this.blockSize, options.cacheBlocks ?? 256);
    this.candidate = new Uint8Array(this.blockSize);
    this.extentBudget = options.extentCacheBytes ?? 4 << 20;
    if (this.metaBase + (this.sb.rootNid << ISLOT_BITS) >= source.size) corrupt('root inode lies beyond the end of the image');
    const root = this.inode(this.sb.rootNid);
    if ((root.mode & S_IFMT) !== S_IFDIR) corrupt(`root inode ${this.sb.rootNid} is not a directory`);
  }

  /** Size of the image in bytes. */
  get size(): number {
    return this.source.size;
  }

  /** The byte position of inode `nid`. */
  inodePosition(nid: number): number {
    return this.metaBase + nid * (1 << ISLOT_BITS);
  }

  /**
   * `length` metadata bytes at `pos`: a view of a cached block when they lie in one block,
   * otherwise a copy. Errors: EIO (beyond the image).
   */
  meta(pos: number, length: number): Uint8Array {
    if (!(pos >= 0) || pos + length > this.source.size) throw vfsError('EIO', `metadata at ${pos}+${length} lies beyond the end of the image`);
    const bs = this.blockSize;
    const blk = Math.floor(pos / bs);
    const off = pos - blk * bs;
    if (off + length <= bs) {
      const b = this.cache.get(blk);
      return off === 0 && length === bs ? b : b.subarray(off, off + length);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const p = pos + done;
      const b = this.cache.get(Math.floor(p / bs));
      const o = p % bs;
      const n = Math.min(bs - o, length - done);
      out.set(b.subarray(o, o + n), done);
      done += n;
    }
    return out;
  }

  /** Reads and decodes inode `nid` (into `into` when given). Errors: EUCLEAN, EOPNOTSUPP, EIO. */
  inode(nid: number, into?: DiskInode): DiskInode {
    if (!Number.isSafeInteger(nid) || nid < 0) corrupt(`bad nid ${nid}`);
    const pos = this.inodePosition(nid);
    if (pos + 32 > this.source.size) corrupt(`inode ${nid} lies beyond the end of the image`);
    try {
      // Decode in place from the cached block; only an inode across two blocks is copied.
      const bs = this.blockSize;
      const blk = Math.floor(pos / bs);
      const off = pos - blk * bs;
      const block = this.cache.get(blk);
      const size = inodeSizeOf(block, off);
      if (off + size <= bs) return decodeInode(block, off, nid, this.sb.buildTime, this.sb.buildTimeNsec, into);
      if (pos + size > this.source.size) corrupt(`inode ${nid} lies beyond the end of the image`);
      return decodeInode(this.meta(pos, size), 0, nid, this.sb.buildTime, this.sb.buildTimeNsec, into);
    } catch (e) {
      throw toVfsError(e);
    }
  }

  /** The position right after an inode and its inline xattrs. */
  inodeEnd(ino: DiskInode): number {
    return this.inodePosition(ino.nid) + ino.inodeSize + ino.xattrSize;
  }

  // ---- data ----

  /**
   * Reads up to `length` bytes of the inode's data at `position` into `buf[offset..]`, whatever
   * its layout; returns the count (short only at end of file). Errors: EUCLEAN, EIO, EOPNOTSUPP.
   */
  read(ino: DiskInode, buf: Uint8Array, offset: number, length: number, position: number): number {
    if (position >= ino.size || length <= 0) return 0;
    const n = Math.min(length, ino.size - position);
    try {
      switch (ino.layout) {
        case LAYOUT_FLAT_PLAIN:
        case LAYOUT_FLAT_INLINE:
          this.readFlat(ino, buf, offset, n, position);
          break;
        case LAYOUT_CHUNK_BASED:
          this.readChunked(ino, buf, offset, n, position);
          break;
        default:
          this.readCompressed(ino, buf, offset, n, position);
      }
    } catch (e) {
      throw toVfsError(e);
    }
    return n;
  }

  private readSource(buf: Uint8Array, offset: number, length: number, pos: number): void {
    if (pos + length > this.source.size) throw vfsError('EIO', `data at ${pos}+${length} lies beyond the end of the image`);
    if (this.source.read(buf, offset, length, pos) !== length) throw vfsError('EIO', `short read at ${pos}`);
  }

  /** Where a flat inode's tail block starts (the size when nothing is inline). */
  private tailStart(ino: DiskInode): number {
    if (ino.layout !== LAYOUT_FLAT_INLINE) return ino.size;
    const nblocks = Math.ceil(ino.size / this.blockSize);
    return (nblocks - 1) * this.blockSize;
  }

  /** The position of a FLAT_INLINE inode's tail, checked to lie in one block. */
  private inlinePosition(ino: DiskInode, tailStart: number): number {
    const pos = this.inodeEnd(ino);
    if ((pos % this.blockSize) + (ino.size - tailStart) > this.blockSize) corrupt(`inode ${ino.nid}: inline data crosses a block boundary`);
    return pos;
  }

  private readFlat(ino: DiskInode, buf: Uint8Array, offset: number, n: number, position: number): void {
    const tailStart = this.tailStart(ino);
    let done = 0;
    if (position < tailStart) {
      const k = Math.min(n, tailStart - position);
      this.readSource(buf, offset, k, rawBlkaddr(ino) * this.blockSize + position);
      done = k;
    }
    if (done < n) {
      const inline = this.inlinePosition(ino, tailStart) + (position + done - tailStart);
      buf.set(this.meta(inline, n - done), offset + done);
    }
  }

  /**
   * For a flat inode (FLAT_PLAIN or FLAT_INLINE): where its block data lies in the image (`at`)
   * and how many bytes of the file that is (`length`); the rest, if any, is the inline tail that
   * `read` serves. For copying data without reading it (copy_file_range). Errors: EIO (data
   * beyond the end of the image).
   */
  flatRun(ino: DiskInode): { at: number; length: number } {
    const length = Math.min(this.tailStart(ino), ino.size);
    const at = rawBlkaddr(ino) * this.blockSize;
    if (length > 0 && at + length > this.source.size) throw vfsError('EIO', `data at ${at}+${length} lies beyond the end of the image`);
    return { at, length };
  }

  private readChunked(ino: DiskInode, buf: Uint8Array, offset: number, n: number, position: number): void {
    const format = chunkFormat(ino);
    const bits = chunkBits(format, this.blkbits);
    if (bits > 40) corrupt(`inode ${ino.nid}: chunk size 2^${bits}`);
    const chunkSize = 2 ** bits;
    const unit = chunkEntrySize(format);
    const end = this.inodeEnd(ino);
    let done = 0;
    while (done < n) {
      const pos = position + done;
      const chunk = Math.floor(pos / chunkSize);
      const within = pos - chunk * chunkSize;
      const k = Math.min(n - done, chunkSize - within);
      const blkaddr = chunkBlkaddr(this.meta(chunkEntryPosition(end, format, chunk), unit), 0, format);
      if (blkaddr === NULL_ADDR) buf.fill(0, offset + done, offset + done + k);
      else this.readSource(buf, offset + done, k, blkaddr * this.blockSize + within);
      done += k;
    }
  }

  // ---- compressed data ----

  /** The compression state of an inode (z_erofs_fill_inode_lazy). Errors: EUCLEAN, EOPNOTSUPP. */
  zinfo(ino: DiskInode): ZInfo {
    const cached = this.zinfos.get(ino.nid);
    if (cached !== undefined) return cached;
    const sbf = this.sb.featureIncompat;
    const inodeEnd = this.inodeEnd(ino);
    const z: ZInfo = {
      advise: 0, algorithmHead1: 0, algorithmHead2: 0, lclusterBits: this.blkbits, inodeEnd, compact: null,
      totalIndexes: Math.ceil(ino.size / this.blockSize), idataOff: 0, idataSize: 0, tailHeadLcn: 0, fragmentOff: 0,
      wholeFragment: false, firstPa: -1,
    };
    const legacyOnly = ino.layout === LAYOUT_COMPRESSED_FULL &&
      !(sbf & (FEATURE_INCOMPAT_BIG_PCLUSTER | FEATURE_INCOMPAT_ZTAILPACKING | FEATURE_INCOMPAT_FRAGMENTS));
    if (!legacyOnly) {
      const hb = this.meta(mapHeaderPosition(inodeEnd), Z_MAP_HEADER_SIZE);
      const h = decodeMapHeader(hb, 0);
      if (h.clusterBits >> Z_FRAGMENT_INODE_BIT) {
        z.advise = Z_ADVISE_FRAGMENT_PCLUSTER;
        z.fragmentOff = h.fragmentOff;
        z.wholeFragment = true;
        this.rememberZinfo(ino.nid, z);
        return z;
      }
      z.advise = h.advise;
      z.algorithmHead1 = h.algorithmHead1;
      z.algorithmHead2 = h.algorithmHead2;
      if (z.algorithmHead1 > COMPRESSION_LZMA || z.algorithmHead2 > COMPRESSION_LZMA) {
        throw vfsError('EOPNOTSUPP', `inode ${ino.nid}: unknown compression algorithm ${Math.max(z.algorithmHead1, z.algorithmHead2)}`);
      }
      z.lclusterBits = this.blkbits + (h.clusterBits & 7);
      if (!(sbf & FEATURE_INCOMPAT_BIG_PCLUSTER) && z.advise & (Z_ADVISE_BIG_PCLUSTER_1 | Z_ADVISE_BIG_PCLUSTER_2)) {
        corrupt(`inode ${ino.nid}: big pclusters without the superblock feature`);
      }
      if (ino.layout === LAYOUT_COMPRESSED_COMPACT &&
        !(z.advise & Z_ADVISE_BIG_PCLUSTER_1) !== !(z.advise & Z_ADVISE_BIG_PCLUSTER_2)) {
        corrupt(`inode ${ino.nid}: inconsistent big pcluster heads`);
      }
      z.totalIndexes = Math.ceil(ino.size / 2 ** z.lclusterBits);
      if (ino.layout === LAYOUT_COMPRESSED_COMPACT) {
        if (z.lclusterBits > 14) throw vfsError('EOPNOTSUPP', `inode ${ino.nid}: compact indexes with ${z.lclusterBits}-bit lclusters`);
        z.compact = compactLayout(mapHeaderPosition(inodeEnd) + Z_MAP_HEADER_SIZE, z.totalIndexes, z.advise);
      }
      if (z.advise & Z_ADVISE_INLINE_PCLUSTER) {
        z.idataSize = h.idataSize;
        const last = this.mapExtent(ino, z, ino.size - 1, true);
        z.tailHeadLcn = last.headLcn;
        if (z.idataSize === 0 || (z.idataOff % this.blockSize) + z.idataSize > this.blockSize) {
          corrupt(`inode ${ino.nid}: invalid tail-packing pcluster size ${z.idataSize}`);
        }
      }
      if (z.advise & Z_ADVISE_FRAGMENT_PCLUSTER) {
        z.fragmentOff = h.fragmentOff;
        const last = this.mapExtent(ino, z, ino.size - 1, true);
        z.tailHeadLcn = last.headLcn;
        if (ino.layout === LAYOUT_COMPRESSED_FULL) z.fragmentOff += this.entry.pblk * 0x100000000;
      }
    }
    this.rememberZinfo(ino.nid, z);
    return z;
  }

  private rememberZinfo(nid: number, z: ZInfo): void {
    if (this.zinfos.size >= 1024) this.zinfos.delete(this.zinfos.keys().next().value as number);
    this.zinfos.set(nid, z);
  }

  /** Loads the index of lcluster `lcn` into `this.entry` (z_erofs_load_cluster_from_disk). */
  private loadCluster(ino: DiskInode, z: ZInfo, lcn: number, lookahead: boolean): LclusterEntry {
    const e = this.entry;
    const bs = this.blockSize;
    try {
      // Index entries and packs are aligned to their size, so each lies in one block: decode
      // them in place from the cached block.
      if (z.compact === null) {
        const pos = fullIndexPosition(z.inodeEnd, lcn);
        if (pos + 8 > this.source.size) throw vfsError('EIO', `index of inode ${ino.nid} lies beyond the end of the image`);
        const blk = Math.floor(pos / bs);
        decodeFullIndex(this.cache.get(blk), pos - blk * bs, z.lclusterBits, z.advise, e);
        e.nextPackOff = pos + 8;
      } else {
        if (lcn >= z.totalIndexes) corrupt(`inode ${ino.nid}: lcluster ${lcn} beyond the index`);
        const pos = compactPosition(z.compact, lcn);
        const shift = compactShift(z.compact, lcn);
        const packSize = shift === 1 ? 32 : 8;
        const packStart = pos - (pos % packSize);
        if (packStart + packSize > this.source.size) throw vfsError('EIO', `index of inode ${ino.nid} lies beyond the end of the image`);
        const blk = Math.floor(packStart / bs);
        decodeCompactIndex(this.cache.get(blk), pos - blk * bs, shift, z.lclusterBits, z.advise, lookahead, packStart + packSize, e);
      }
    } catch (err) {
      throw toVfsError(err);
    }
    return e;
  }

  /**
   * Maps the compressed extent holding byte `offset` (z_erofs_map_blocks_iter, with the full
   * extent length as FIEMAP computes it). Errors: EUCLEAN, EOPNOTSUPP, EIO.
   */
  mapExtent(ino: DiskInode, z: ZInfo, offset: number, findTail = false): Extent {
    if (z.wholeFragment) {
      return { la: 0, llen: ino.size, pa: 0, plen: 0, algorithm: 'fragment', inline: false, partialRef: false, headLcn: 0 };
    }
    const bits = z.lclusterBits;
    const lsize = 2 ** bits;
    let lcn = Math.floor(offset / lsize);
    const endoff = offset - lcn * lsize;
    let m = this.loadCluster(ino, z, lcn, false);
    if (findTail) z.idataOff = m.nextPackOff;
    let dist: number;
    if (m.type !== Z_LCLUSTER_TYPE_NONHEAD) {
      if (endoff >= m.clusterofs) {
        dist = 0;
      } else {
        if (lcn === 0) corrupt(`inode ${ino.nid}: invalid logical cluster 0`);
        dist = 1;
      }
    } else {
      dist = m.delta0;
    }
    // z_erofs_extent_lookback: each step moves back by at least one lcluster.
    while (dist !== 0) {
      if (lcn < dist) corrupt(`inode ${ino.nid}: bogus lookback distance`);
      lcn -= dist;
      m = this.loadCluster(ino, z, lcn, false);
      if (m.type === Z_LCLUSTER_TYPE_NONHEAD) {
        if (m.delta0 === 0) corrupt(`inode ${ino.nid}: lookback distance 0`);
        dist = m.delta0;
      } else {
        dist = 0;
      }
    }
    const headLcn = lcn;
    const headType = m.type;
    const la = headLcn * lsize + m.clusterofs;
    const pblk = m.pblk;
    const partialRef = m.partialRef;
    // The extent ends where the next HEAD lcluster says, or at EOF.
    let end = -1;
    for (let next = headLcn + 1; ;) {
      if (next * lsize >= ino.size) {
        end = ino.size;
        break;
      }
      if (next * lsize - la > PCLUSTER_MAX_DSIZE) corrupt(`inode ${ino.nid}: extent at ${la} longer than ${PCLUSTER_MAX_DSIZE} bytes`);
      const n = this.loadCluster(ino, z, next, true);
      if (n.type !== Z_LCLUSTER_TYPE_NONHEAD) {
        end = next * lsize + n.clusterofs;
        break;
      }
      next += n.delta1 === 0 ? 1 : n.delta1;
    }
    const llen = end - la;
    if (llen <= 0 || offset < la || offset >= end) corrupt(`inode ${ino.nid}: inconsistent extent at ${la}+${llen} for offset ${offset}`);
    if (llen > PCLUSTER_MAX_DSIZE) corrupt(`inode ${ino.nid}: extent of ${llen} bytes`);
    const extent: Extent = { la, llen, pa: 0, plen: 0, algorithm: 'shifted', inline: false, partialRef, headLcn };
    if (findTail) {
      // Only the tail HEAD matters here; the fragment offset takes its pblk (full indexes).
      this.entry.pblk = pblk;
      return extent;
    }
    if (z.advise & Z_ADVISE_INLINE_PCLUSTER && headLcn === z.tailHeadLcn) {
      extent.inline = true;
      extent.pa = z.idataOff;
      extent.plen = z.idataSize;
    } else if (z.advise & Z_ADVISE_FRAGMENT_PCLUSTER && headLcn === z.tailHeadLcn) {
      extent.algorithm = 'fragment';
      return extent;
    } else {
      if (pblk === 0) corrupt(`inode ${ino.nid}: pcluster in block 0`);
      extent.pa = pblk * this.blockSize;
      extent.plen = this.pclusterLength(ino, z, headLcn, headType);
    }
    if (headType === Z_LCLUSTER_TYPE_PLAIN) {
      if (llen > extent.plen) corrupt(`inode ${ino.nid}: uncompressed extent of ${llen} bytes in a ${extent.plen}-byte pcluster`);
      extent.algorithm = z.advise & Z_ADVISE_INTERLACED_PCLUSTER && !extent.inline ? 'interlaced' : 'shifted';
    } else {
      const alg = headType === Z_LCLUSTER_TYPE_HEAD2 ? z.algorithmHead2 : z.algorithmHead1;
      if (!(this.compr.algorithms & (1 << alg))) corrupt(`inode ${ino.nid}: algorithm ${alg} not announced by the superblock`);
      extent.algorithm = alg === COMPRESSION_LZ4 ? 'lz4' : 'lzma';
    }
    return extent;
  }

  /** The pcluster size of a HEAD (z_erofs_get_extent_compressedlen). */
  private pclusterLength(ino: DiskInode, z: ZInfo, headLcn: number, headType: number): number {
    const lsize = 2 ** z.lclusterBits;
    if (headType === Z_LCLUSTER_TYPE_PLAIN ||
      (headType === Z_LCLUSTER_TYPE_HEAD1 && !(z.advise & Z_ADVISE_BIG_PCLUSTER_1)) ||
      (headType === Z_LCLUSTER_TYPE_HEAD2 && !(z.advise & Z_ADVISE_BIG_PCLUSTER_2))) {
      return lsize;
    }
    if ((headLcn + 1) >= z.totalIndexes && z.compact !== null) corrupt(`inode ${ino.nid}: big pcluster without a block count`);
    const m = this.loadCluster(ino, z, headLcn + 1, false);
    let blocks: number;
    if (m.type !== Z_LCLUSTER_TYPE_NONHEAD) {
      blocks = lsize / this.blockSize;
    } else {
      if (m.delta0 !== 1 || m.compressedBlocks === 0) corrupt(`inode ${ino.nid}: missing compressed block count at lcluster ${headLcn + 1}`);
      blocks = m.compressedBlocks;
    }
    const plen = blocks * this.blockSize;
    if (plen > PCLUSTER_MAX_SIZE) corrupt(`inode ${ino.nid}: pcluster of ${plen} bytes`);
    return plen;
  }

  private readCompressed(ino: DiskInode, buf: Uint8Array, offset: number, n: number, position: number): void {
    let done = 0;
    while (done < n) {
      const pos = position + done;
      let ext = this.cachedExtent(ino.nid, pos);
      if (ext === null) {
        const z = this.zinfo(ino);
        const mapped = this.mapExtent(ino, z, pos);
        if (mapped.headLcn === 0 && !mapped.inline) z.firstPa = mapped.pa;
        this.raFrom = z.firstPa;
        this.raLimit = z.firstPa >= 0 ? z.firstPa + compressedBlocks(ino) * this.blockSize : 0;
        // A whole extent inside the request (with room for the decoder's scratch bytes after it,
        // which later extents overwrite) decodes straight into the caller's buffer.
        if (mapped.la === pos && mapped.llen + LZ4_DECODE_SLACK <= n - done) {
          this.decodeExtent(ino, z, mapped, buf, offset + done);
          done += mapped.llen;
          continue;
        }
        ext = this.cacheExtent(ino, z, mapped);
      }
      const within = pos - ext.la;
      const k = Math.min(n - done, ext.llen - within);
      if (k < 64) {
        const d = ext.data;
        for (let i = 0; i < k; i++) buf[offset + done + i] = d[within + i]!;
      } else {
        buf.set(ext.data.subarray(within, within + k), offset + done);
      }
      done += k;
    }
  }

  /** The cached decompressed extent of inode `nid` holding byte `pos`, or null. */
  private cachedExtent(nid: number, pos: number): CachedExtent | null {
    const list = this.extents;
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i]!;
      if (c.nid === nid && pos >= c.la && pos < c.la + c.llen) return c;
    }
    return null;
  }

  /** Decodes an extent into the cache (the oldest entries' buffers are reused). */
  private cacheExtent(ino: DiskInode, z: ZInfo, ext: Extent): CachedExtent {
    const list = this.extents;
    const need = ext.llen + LZ4_DECODE_SLACK;
    let c: CachedExtent | undefined;
    while (list.length > 0 && (this.extentBytes + need > this.extentBudget || list.length >= 8)) {
      const old = list.shift()!;
      this.extentBytes -= old.data.length;
      if (c === undefined || old.data.length > c.data.length) c = old;
    }
    const data = c !== undefined && c.data.length >= need ? c.data : new Uint8Array(Math.max(need, 64 * 1024));
    const entry: CachedExtent = { nid: -1, la: ext.la, llen: ext.llen, data };
    this.decodeExtent(ino, z, ext, data, 0);
    entry.nid = ino.nid;
    list.push(entry);
    this.extentBytes += data.length;
    return entry;
  }

  /**
   * Decompresses (or copies) an extent into `out[at..at+llen)`; up to LZ4_DECODE_SLACK bytes
   * after it may be overwritten. Errors: EUCLEAN, EOPNOTSUPP, EIO.
   */
  decodeExtent(ino: DiskInode, z: ZInfo, ext: Extent, out: Uint8Array, at: number): void {
    const llen = ext.llen;
    switch (ext.algorithm) {
      case 'fragment':
        this.readFragment(z, ext, out, at);
        return;
      case 'lzma':
        throw vfsError('EOPNOTSUPP', `inode ${ino.nid}: LZMA-compressed data is not supported`);
      case 'shifted':
      case 'interlaced': {
        const bs = this.blockSize;
        const pageofs = ext.la % bs;
        if (ext.algorithm === 'shifted' && Math.ceil((pageofs + llen) / bs) > 2 && !ext.inline) {
          corrupt(`inode ${ino.nid}: shifted extent spans more than two blocks`);
        }
        // readPcluster may replace the readahead buffer: take the buffer after it.
        const base = ext.inline ? 0 : this.readPcluster(ext.pa, ext.plen);
        const src = ext.inline ? this.meta(ext.pa, ext.plen) : this.readahead;
        if (ext.algorithm === 'shifted') {
          out.set(src.subarray(base, base + llen), at);
        } else {
          const right = Math.min(llen, bs - pageofs);
          out.set(src.subarray(base + pageofs, base + pageofs + right), at);
          out.set(src.subarray(base, base + llen - right), at + right);
        }
        return;
      }
      case 'lz4': {
        // readPcluster may replace the readahead buffer: take the buffer after it.
        const base = ext.inline ? 0 : this.readPcluster(ext.pa, ext.plen);
        const src = ext.inline ? this.meta(ext.pa, ext.plen) : this.readahead;
        let start = base;
        if (this.zeroPadding) {
          // z_erofs_fixup_insize: the data is right-aligned; skip the zero padding.
          const limit = base + Math.min(ext.plen, this.blockSize - (ext.pa % this.blockSize));
          while (start < limit && src[start] === 0) start++;
          if (start === limit) corrupt(`inode ${ino.nid}: pcluster at ${ext.pa} holds only padding`);
        }
        const partial = !this.zeroPadding || ext.partialRef;
        let produced: number;
        try {
          produced = lz4Decode(src, start, base + ext.plen, out, at, at + llen, partial);
        } catch (e) {
          const err = toVfsError(e);
          if (err instanceof VfsError) err.message += ` (inode ${ino.nid}, extent at ${ext.la})`;
          throw err;
        }
        if (produced !== llen) corrupt(`inode ${ino.nid}: extent at ${ext.la} decompressed to ${produced} of ${llen} bytes`);
        return;
      }
    }
  }

  /**
   * Makes pcluster `[pa, pa+plen)` available in `this.readahead`; returns its offset there.
   * Sequential pclusters (a file's, one after another) are read in growing windows, as the
   * kernel's readahead does, so a compressed file costs a few large reads, not one per block.
   */
  private readPcluster(pa: number, plen: number): number {
    if (pa >= this.raStart && pa + plen <= this.raEnd) return pa - this.raStart;
    let want: number;
    if (pa >= this.raFrom && pa + plen <= this.raLimit) {
      // Inside the file's compressed area: read on to its end, up to 256 KiB.
      want = Math.min(Math.max(this.raLimit - pa, plen), 256 * 1024);
      this.raWindow = want;
    } else {
      this.raWindow = pa === this.raEnd ? Math.min(this.raWindow * 2, 256 * 1024) : 0;
      want = Math.max(this.raWindow, plen);
    }
    want = Math.min(want, this.source.size - pa);
    if (want < plen) throw vfsError('EIO', `pcluster at ${pa}+${plen} lies beyond the end of the image`);
    if (this.readahead.length < want + 16) this.readahead = new Uint8Array(Math.max(want + 16, 64 * 1024));
    this.raStart = this.raEnd = 0;
    this.readSource(this.readahead, 0, want, pa);
    this.raStart = pa;
    this.raEnd = pa + want;
    if (this.raWindow === 0) this.raWindow = want;
    return 0;
  }

  /** Copies an extent stored as a fragment of the packed inode. */
  private readFragment(z: ZInfo, ext: Extent, out: Uint8Array, at: number): void {
    if (this.sb.packedNid === 0 || this.fragmentDepth > 0) corrupt('fragment without a usable packed inode');
    this.fragmentDepth++;
    try {
      const packed = this.inode(this.sb.packedNid);
      // The fragment holds the extent's bytes from its logical start on.
      const from = z.fragmentOff;
      if (from + ext.llen > packed.size) corrupt(`fragment at ${from}+${ext.llen} beyond the packed inode`);
      this.read(packed, out, at, ext.llen, from);
    } finally {
      this.fragmentDepth--;
    }
  }

  // ---- directories ----

  /** The directory's block `i` (at most one block; shorter at the end). */
  dirBlock(dir: DiskInode, i: number): Uint8Array {
    const bs = this.blockSize;
    const start = i * bs;
    const length = Math.min(bs, dir.size - start);
    if (length <= 0) corrupt(`directory ${dir.nid}: block ${i} beyond its size`);
    if (dir.layout === LAYOUT_FLAT_PLAIN || dir.layout === LAYOUT_FLAT_INLINE) {
      const tailStart = this.tailStart(dir);
      if (start < tailStart) {
        const b = this.cache.get(rawBlkaddr(dir) + i);
        return length === bs ? b : b.subarray(0, length);
      }
      return this.meta(this.inlinePosition(dir, tailStart) + (start - tailStart), length);
    }
    const out = new Uint8Array(length);
    this.read(dir, out, 0, length, start);
    return out;
  }

  /**
   * Finds `name` (a byte string) in a directory by binary search over its blocks and then over
   * the block's entries (fs/erofs/namei.c:erofs_namei). Returns the nid and FT_* type, or null.
   */
  lookup(dir: DiskInode, name: ByteString): { nid: number; type: number } | null {
    const at = this.find(dir, name);
    try {
      return at === null ? null : { nid: direntNid(at.block, at.index), type: direntType(at.block, at.index) };
    } catch (e) {
      throw toVfsError(e);
    }
  }

  /** The nid `name` names in a directory, or -1 (lookup without the object). */
  lookupNid(dir: DiskInode, name: ByteString): number {
    const at = this.find(dir, name);
    try {
      return at === null ? -1 : direntNid(at.block, at.index);
    } catch (e) {
      throw toVfsError(e);
    }
  }

  private readonly found: { block: Uint8Array; index: number } = { block: new Uint8Array(0), index: 0 };

  /** Binary search for `name`: the block holding its dirent and the dirent's index (a reused object). */
  private find(dir: DiskInode, name: ByteString): { block: Uint8Array; index: number } | null {
    if (dir.size === 0) return null;
    try {
      let head = 0;
      let back = Math.ceil(dir.size / this.blockSize) - 1;
      let candidate: Uint8Array | null = null;
      let candidateCount = 0;
      while (head <= back) {
        const mid = head + ((back - head) >> 1);
        const block = this.dirBlock(dir, mid);
        const count = direntCount(block, dir.nid);
        const bounds = direntNameBounds(block, 0, count, dir.nid);
        const diff = compareName(name, block, Math.floor(bounds / 65536), bounds % 65536);
        if (diff < 0) {
          back = mid - 1;
        } else if (diff === 0) {
          this.found.block = block;
          this.found.index = 0;
          return this.found;
        } else {
          head = mid + 1;
          // The block is searched after more blocks are read: keep a copy, not a cache view.
          this.candidate.set(block);
          candidate = this.candidate.subarray(0, block.length);
          candidateCount = count;
        }
      }
      if (candidate === null) return null;
      let lo = 1;
      let hi = candidateCount - 1;
      while (lo <= hi) {
        const mid = lo + ((hi - lo) >> 1);
        const bounds = direntNameBounds(candidate, mid, candidateCount, dir.nid);
        const diff = compareName(name, candidate, Math.floor(bounds / 65536), bounds % 65536);
        if (diff === 0) {
          this.found.block = candidate;
          this.found.index = mid;
          return this.found;
        }
        if (diff < 0) hi = mid - 1;
        else lo = mid + 1;
      }
      return null;
    } catch (e) {
      throw toVfsError(e);
    }
  }

  /**
   * Lists entries from directory byte position `pos` on (fs/erofs/dir.c:erofs_readdir), `.` and
   * `..` included; `sink` gets each name, nid, FT_* type and the position after the entry, and
   * returns false to stop.
   */
  readdir(dir: DiskInode, pos: number, sink: (name: ByteString, nid: number, type: number, next: number) => boolean): void {
    const bs = this.blockSize;
    try {
      let i = Math.floor(pos / bs);
      let ofs = pos - i * bs;
      while (i * bs + ofs < dir.size) {
        const block = this.dirBlock(dir, i);
        const count = direntCount(block, dir.nid);
        // A position inside a dirent resumes at the next one, as the kernel rounds up.
        let e = Math.ceil(ofs / DIRENT_SIZE);
        for (; e < count; e++) {
          const bounds = direntNameBounds(block, e, count, dir.nid);
          const name = bytesToName(block, Math.floor(bounds / 65536), bounds % 65536);
          const next = e + 1 < count ? i * bs + (e + 1) * DIRENT_SIZE : i * bs + block.length;
          if (!sink(name, direntNid(block, e), direntType(block, e), next)) return;
        }
        i++;
        ofs = 0;
      }
    } catch (e) {
      throw toVfsError(e);
    }
  }

  // ---- symlinks ----

  /**
   * A symlink's target: its data up to the first NUL, at most 4095 bytes, as Linux's
   * page_get_link shows it.
   */
  readlink(ino: DiskInode): ByteString {
    const n = Math.min(ino.size, 4095);
    const buf = new Uint8Array(n);
    this.read(ino, buf, 0, n, 0);
    let end = buf.indexOf(0);
    if (end < 0) end = n;
    return bytesToName(buf, 0, end);
  }

  // ---- xattrs ----

  /**
   * Every xattr of an inode Linux would list, inline ones first, then shared ones
   * (fs/erofs/xattr.c). Errors: EOPNOTSUPP (a header-only xattr body), EUCLEAN, EIO.
   */
  xattrs(ino: DiskInode): Array<{ name: ByteString; value: Uint8Array }> {
    const out: Array<{ name: ByteString; value: Uint8Array }> = [];
    this.forEachXattr(ino, (index, body, nameStart, nameLen, valueSize) => {
      const prefix = xattrPrefix(index);
      if (prefix === null) return false;
      const name = prefix + bytesToName(body, nameStart, nameStart + nameLen);
      out.push({ name, value: body.slice(nameStart + nameLen, nameStart + nameLen + valueSize) });
      return false;
    });
    return out;
  }

  /**
   * The value of xattr `name`, null when absent. Errors: EOPNOTSUPP (namespaces EROFS cannot
   * hold, as Linux has no handler for them), EUCLEAN, EIO.
   */
  getxattr(ino: DiskInode, name: ByteString): Uint8Array | null {
    const split = splitXattrName(name);
    if (split === null) throw vfsError('EOPNOTSUPP');
    let value: Uint8Array | null = null;
    const suffix = split.suffix;
    this.forEachXattr(ino, (index, body, nameStart, nameLen, valueSize) => {
      if (index !== split.index || nameLen !== suffix.length) return false;
      for (let k = 0; k < nameLen; k++) if (body[nameStart + k] !== suffix.charCodeAt(k)) return false;
      value = body.slice(nameStart + nameLen, nameStart + nameLen + valueSize);
      return true;
    });
    return value;
  }

  /** Calls `visit` for each entry (inline then shared) until it returns true. */
  private forEachXattr(ino: DiskInode, visit: (index: number, body: Uint8Array, nameStart: number, nameLen: number, valueSize: number) => boolean): void {
    if (ino.xattrSize === 0) return;
    if (ino.xattrSize === XATTR_IBODY_HEADER_SIZE) throw vfsError('EOPNOTSUPP', `inode ${ino.nid}: header-only xattr body`);
    try {
      const bodyPos = this.inodePosition(ino.nid) + ino.inodeSize;
      const size = ino.xattrSize;
      const body = this.meta(bodyPos, size);
      const shared = decodeSharedIds(body, 0, size, ino.nid);
      let p = XATTR_IBODY_HEADER_SIZE + 4 * shared.length;
      while (p < size) {
        if (p + XATTR_ENTRY_SIZE > size) corrupt(`inode ${ino.nid}: truncated xattr entry`);
        const h = decodeXattrEntry(body, p);
        if (p + h.size > size) corrupt(`inode ${ino.nid}: xattr entry overflows the xattr body`);
        if (visit(h.nameIndex, body, p + XATTR_ENTRY_SIZE, h.nameLen, h.valueSize)) return;
        p += h.size;
      }
      const base = this.sb.xattrBlkaddr * this.blockSize;
      for (const id of shared) {
        const pos = base + id * 4;
        if (pos + XATTR_ENTRY_SIZE > this.source.size) corrupt(`inode ${ino.nid}: shared xattr ${id} beyond the image`);
        const h = decodeXattrEntry(this.meta(pos, XATTR_ENTRY_SIZE), 0);
        if (pos + h.size > this.source.size) corrupt(`inode ${ino.nid}: shared xattr ${id} beyond the image`);
        const entry = this.meta(pos, h.size);
        if (visit(h.nameIndex, entry, XATTR_ENTRY_SIZE, h.nameLen, h.valueSize)) return;
      }
    } catch (e) {
      throw toVfsError(e);
    }
  }

  /** The largest readdir cookie this reader hands out for a directory position. */
  static cookieOf(pos: number): number {
    const c = pos + 2;
    if (c > DIR_COOKIE_MAX) throw vfsError('EOVERFLOW', 'directory too large for 31-bit cookies');
    return c;
  }
}

