// This module is browser compatible.
/**
 * The EROFS writer: builds an image from any TreeSource into a ByteSink, streaming file data
 * and keeping only the tree's metadata in memory.
 *
 * Layout (4 KiB blocks):
 *   block 0            superblock (checksummed)
 *   blocks 1..         shared xattrs (values used by two or more inodes)
 *   metadata           inodes with their xattrs, inline tails and compressed indexes (nids
 *                      count 32-byte slots from here; the root is nid 0)
 *   data               file contents, directory blocks and long symlink targets, in
 *                      breadth-first order
 *
 * Every layout decision except one follows from sizes known after the scan, so inodes are
 * placed first and then each file is read exactly once, its data streamed to the data area and
 * its record (inode, xattrs, tail or compressed index) to the metadata area. The exception: a
 * file planned compressed that saves no block is stored flat, and the index slot reserved for it
 * stays unused. Output is a function of the input tree and the options alone: entries are
 * sorted by name bytes, inodes are numbered breadth-first, the build time defaults to the most
 * common mtime and the UUID is a digest of the metadata.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../../../abi/constants.js';
import { byteStringToBytes, bytesToByteString, type ByteString } from '../../../vfs/bytes.js';
import {
  COMPACT_INODE_SIZE, EXTENDED_INODE_SIZE, FEATURE_COMPAT_MTIME, FEATURE_COMPAT_SB_CHKSUM,
  FEATURE_INCOMPAT_ZERO_PADDING, FT_BLKDEV, FT_CHRDEV, FT_DIR, FT_FIFO, FT_REG_FILE, FT_SOCK, FT_SYMLINK,
  LAYOUT_COMPRESSED_COMPACT, LAYOUT_FLAT_INLINE, LAYOUT_FLAT_PLAIN, NAME_LEN, NULL_ADDR, Z_ADVISE_COMPACTED_2B,
  Z_LCLUSTER_TYPE_NONHEAD, Z_MAP_HEADER_SIZE,
} from '../format/constants.js';
import { crc32c } from '../format/crc32c.js';
import { encodeDirBlock, planDirBlocks, type DirentSpec } from '../format/dirent.js';
import { encodeInode, fitsCompact } from '../format/inode.js';
import { encodeSuperblock, sealSuperblock, type Superblock } from '../format/superblock.js';
import { encodeXattrEntry, encodeXattrIbody, splitXattrName, xattrEntrySize, xattrIbodyLength, type XattrSpec } from '../format/xattr.js';
import { compactIndexBytes, compactLayout, encodeCompactIndexes, encodeMapHeader, type CompactEntrySpec } from '../format/zmap.js';
import type { ByteSink } from './byte_sink.js';
import { FileCompressor, type CompressedIndex } from './_file_compressor.js';
import { SequentialWriter } from './_sequential_writer.js';
import type { SourceStat, TreeSource } from './tree_source.js';

const BLOCK_BITS = 12;
const BLOCK_SIZE = 1 << BLOCK_BITS;

/** Options of `writeErofs`. */
export interface ErofsWriteOptions {
  /** Compress regular files with LZ4 (default: no compression). */
  compress?: 'lz4' | 'none';
  /** Pack file tails after their inode (FLAT_INLINE). false keeps every regular file's data block-aligned (mkfs.erofs -E noinline_data). Default true. */
  inlineData?: boolean;
  /** Give every inode this mtime (seconds) and use it as the build time (mkfs.erofs -T). */
  timestamp?: number;
  /** Clamp mtimes later than this (SOURCE_DATE_EPOCH) and use it as the build time. */
  clampMtime?: number;
  /** Make every file owned by root (--all-root). */
  allRoot?: boolean;
  /** Force this uid / gid on every file. */
  uid?: number;
  gid?: number;
  /** Always use 64-byte inodes. */
  forceExtended?: boolean;
  /** Copy xattrs (default true). */
  xattrs?: boolean;
  /** Filesystem UUID (16 bytes); default: a digest of the metadata. */
  uuid?: Uint8Array;
  /** Volume label (at most 15 bytes). */
  volumeName?: string;
  /** Called as the build progresses. */
  onProgress?: (progress: ErofsWriteProgress) => void;
}

/** Progress of a build. */
export interface ErofsWriteProgress {
  phase: 'scan' | 'data' | 'metadata' | 'done';
  inodes: number;
  filesDone: number;
  files: number;
  bytesDone: number;
  bytes: number;
}

/** What a build produced. */
export interface ErofsWriteResult {
  /** Image size in bytes. */
  size: number;
  blocks: number;
  inodes: number;
  buildTime: number;
  /** Bytes of regular file data read. */
  dataBytes: number;
  compressedFiles: number;
  /** Blocks of compressed data written (for compressed files). */
  compressedBlocks: number;
  /** Xattrs left out because EROFS cannot hold their namespace. */
  skippedXattrs: number;
  uuid: Uint8Array;
}

/** A node of the tree being written (one per inode; hard links share it). */
class WNode<H> {
  handle: H;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  mtimeNsec: number;
  size: number;
  rdev: number;
  nlink = 1;
  /** The first directory holding this node (a directory's `..`). */
  parent: WNode<H> | null;
  /** Directories: entry names (byte strings, sorted) and the nodes they name. */
  names: ByteString[] | null = null;
  kids: Array<WNode<H>> | null = null;
  /** Symlinks: the target as a byte string. */
  target: ByteString | null = null;
  xattrs: XattrSpec[] | null = null;
  xattrKeys: string[] | null = null;
  sharedIds: number[] | null = null;
  inlineXattrs: XattrSpec[] | null = null;
  // layout
  extended = false;
  inodeSize = COMPACT_INODE_SIZE;
  xattrSize = 0;
  layout = LAYOUT_FLAT_PLAIN;
  /** Bytes of data stored inline after the inode. */
  tail = 0;
  blkaddr = 0;
  /** The i_u union value. */
  iu = 0;
  nid = 0;
  ino32 = 0;

  constructor(handle: H, stat: SourceStat, parent: WNode<H> | null) {
    this.handle = handle;
    this.mode = stat.mode;
    this.uid = stat.uid;
    this.gid = stat.gid;
    this.mtime = stat.mtimeSec;
    this.mtimeNsec = stat.mtimeNsec;
    this.size = stat.size;
    this.rdev = stat.rdev;
    this.parent = parent;
  }

  get type(): number {
    return this.mode & S_IFMT;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function fileType(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return FT_REG_FILE;
    case S_IFDIR: return FT_DIR;
    case S_IFCHR: return FT_CHRDEV;
    case S_IFBLK: return FT_BLKDEV;
    case S_IFIFO: return FT_FIFO;
    case S_IFSOCK: return FT_SOCK;
    case S_IFLNK: return FT_SYMLINK;
    default: return 0;
  }
}

/** The index of the first of the sorted `names` not below `name` (byte strings sort as bytes). */
function insertionPoint(names: ByteString[], name: ByteString): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** NULL_ADDR as the int32 the nodes keep (small integers keep nodes compact). */
const NULL_BLKADDR = NULL_ADDR | 0;

const DOT_BYTES = new Uint8Array([0x2e]);
const DOTDOT_BYTES = new Uint8Array([0x2e, 0x2e]);

/** The error a build fails with (bad input: a name, a size, a file that changed). */
export class ErofsWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErofsWriteError';
  }
}

/**
 * Writes an EROFS image of `source` to `sink`. Errors: ErofsWriteError for input EROFS cannot
 * hold or that changed while being read; the source's and sink's own errors.
 *
 * @example
 * const sink = new MemorySink();
 * writeErofs(new ProcessTreeSource(process, '/'), sink, { compress: 'lz4' });
 * const fs = Erofs.open(sink.bytes());
 */
export function writeErofs<H>(source: TreeSource<H>, sink: ByteSink, options: ErofsWriteOptions = {}): ErofsWriteResult {
  return new ImageBuilder(source, sink, options).build();
}

class ImageBuilder<H> {
  private readonly source: TreeSource<H>;
  private readonly sink: ByteSink;
  private readonly options: ErofsWriteOptions;
  private readonly nodes: Array<WNode<H>> = [];
  private readonly progress: ErofsWriteProgress = { phase: 'scan', inodes: 0, filesDone: 0, files: 0, bytesDone: 0, bytes: 0 };
  private buildTime = 0;
  private buildTimeNsec = 0;
  private sharedArea = new Uint8Array(0);
  private skippedXattrs = 0;
  private compressedFiles = 0;
  private compressedBlocks = 0;
  private readonly copyBuffer = new Uint8Array(1 << 20);
  private hashA = 0xffffffff;
  private hashB = 0x811c9dc5;
  private hashedBytes = 0;

  constructor(source: TreeSource<H>, sink: ByteSink, options: ErofsWriteOptions) {
    this.source = source;
    this.sink = sink;
    this.options = options;
  }

  build(): ErofsWriteResult {
    this.scan();
    this.chooseBuildTime();
    this.shareXattrs();
    this.sizeInodes();
    const metaStart = (1 + this.sharedArea.length / BLOCK_SIZE) * BLOCK_SIZE;
    const metaLength = this.placeInodes();
    const meta = new SequentialWriter(this.sink, metaStart);
    const data = new SequentialWriter(this.sink, Math.ceil((metaStart + metaLength) / BLOCK_SIZE) * BLOCK_SIZE);
    this.writeAll(meta, data, metaStart);
    meta.flush();
    data.align(BLOCK_SIZE);
    data.flush();
    const totalBlocks = data.position / BLOCK_SIZE;
    const uuid = this.options.uuid ?? this.digestUuid(totalBlocks);
    this.writeHead(metaStart, totalBlocks, uuid);
    this.sink.truncate(totalBlocks * BLOCK_SIZE);
    this.progress.phase = 'done';
    this.report();
    return {
      size: totalBlocks * BLOCK_SIZE, blocks: totalBlocks, inodes: this.nodes.length, buildTime: this.buildTime,
      dataBytes: this.progress.bytesDone, compressedFiles: this.compressedFiles, compressedBlocks: this.compressedBlocks,
      skippedXattrs: this.skippedXattrs, uuid,
    };
  }

  private report(): void {
    this.options.onProgress?.(this.progress);
  }

  // ---- pass 1: the tree's metadata ----

  private newNode(handle: H, stat: SourceStat, parent: WNode<H> | null): WNode<H> {
    const o = this.options;
    const n = new WNode(handle, stat, parent);
    if (o.allRoot) n.uid = n.gid = 0;
    if (o.uid !== undefined) n.uid = o.uid;
    if (o.gid !== undefined) n.gid = o.gid;
    if (o.timestamp !== undefined) {
      n.mtime = o.timestamp;
      n.mtimeNsec = 0;
    } else if (o.clampMtime !== undefined && (n.mtime > o.clampMtime || (n.mtime === o.clampMtime && n.mtimeNsec > 0))) {
      n.mtime = o.clampMtime;
      n.mtimeNsec = 0;
    }
    switch (n.type) {
      case S_IFREG:
        this.progress.files++;
        this.progress.bytes += n.size;
        n.rdev = 0;
        break;
      case S_IFLNK:
        n.target = bytesToByteString(this.source.readlink(handle));
        n.size = n.target.length;
        if (n.size === 0 || n.size > 4095) throw new ErofsWriteError(`${this.source.describe(handle)}: symlink target of ${n.size} bytes`);
        n.rdev = 0;
        break;
      case S_IFDIR:
        n.nlink = 2;
        n.size = 0;
        n.rdev = 0;
        break;
      case S_IFCHR:
      case S_IFBLK:
        n.size = 0;
        break;
      case S_IFIFO:
      case S_IFSOCK:
        n.size = 0;
        n.rdev = 0;
        break;
      default:
        throw new ErofsWriteError(`${this.source.describe(handle)}: unknown file type 0${n.mode.toString(8)}`);
    }
    if (o.xattrs !== false) this.readXattrs(n);
    n.ino32 = this.nodes.length + 1;
    this.nodes.push(n);
    this.progress.inodes = this.nodes.length;
    return n;
  }

  private readXattrs(n: WNode<H>): void {
    const list = this.source.xattrs(n.handle);
    if (list.length === 0) return;
    const specs: XattrSpec[] = [];
    for (const { name, value } of list) {
      const split = splitXattrName(name);
      if (split === null) {
        this.skippedXattrs++;
        continue;
      }
      if (split.suffix.length > 255) throw new ErofsWriteError(`${this.source.describe(n.handle)}: xattr name ${name} too long`);
      if (value.length > 0xffff) throw new ErofsWriteError(`${this.source.describe(n.handle)}: xattr ${name} value of ${value.length} bytes (EROFS holds at most 65535)`);
      const suffix = new Uint8Array(split.suffix.length);
      for (let i = 0; i < suffix.length; i++) suffix[i] = split.suffix.charCodeAt(i);
      specs.push({ index: split.index, suffix, value });
    }
    specs.sort((a, b) => a.index - b.index || compareBytes(a.suffix, b.suffix));
    if (specs.length > 0) n.xattrs = specs;
  }

  private scan(): void {
    const root = this.source.root();
    if ((root.stat.mode & S_IFMT) !== S_IFDIR) throw new ErofsWriteError(`${this.source.describe(root.handle)}: not a directory`);
    this.newNode(root.handle, root.stat, null);
    const byKey = new Map<string, WNode<H>>();
    for (let i = 0; i < this.nodes.length; i++) {
      const dir = this.nodes[i]!;
      if (dir.type !== S_IFDIR) continue;
      const entries = this.source.list(dir.handle);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      dir.names = [];
      dir.kids = [];
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k]!;
        const name = e.name;
        if (name.length === 0 || name.length > NAME_LEN || name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
          throw new ErofsWriteError(`${this.source.describe(dir.handle)}: invalid entry name "${name}"`);
        }
        if (k > 0 && entries[k - 1]!.name === name) {
          throw new ErofsWriteError(`${this.source.describe(dir.handle)}: duplicate entry "${name}"`);
        }
        const isDir = (e.stat.mode & S_IFMT) === S_IFDIR;
        let child = !isDir && e.stat.key !== null ? byKey.get(e.stat.key) : undefined;
        if (child !== undefined) {
          child.nlink++;
        } else {
          child = this.newNode(e.handle, e.stat, dir);
          if (!isDir && e.stat.key !== null) byKey.set(e.stat.key, child);
        }
        if (isDir) dir.nlink++;
        dir.names.push(name);
        dir.kids.push(child);
      }
      if (this.nodes.length % 1024 === 0) this.report();
    }
    this.report();
  }

  /** The build time: fixed or clamped by the options, else the most common mtime (the most compact inodes). */
  private chooseBuildTime(): void {
    const o = this.options;
    if (o.timestamp !== undefined) {
      this.buildTime = o.timestamp;
    } else if (o.clampMtime !== undefined) {
      this.buildTime = o.clampMtime;
    } else {
      const counts = new Map<string, number>();
      let best = '';
      let bestCount = 0;
      for (const n of this.nodes) {
        if (n.mtime < 0) continue;
        const key = `${n.mtime}.${n.mtimeNsec}`;
        const c = (counts.get(key) ?? 0) + 1;
        counts.set(key, c);
        if (c > bestCount || (c === bestCount && key > best)) {
          best = key;
          bestCount = c;
        }
      }
      const [sec, nsec] = bestCount === 0 ? [0, 0] : best.split('.').map(Number);
      this.buildTime = sec!;
      this.buildTimeNsec = nsec!;
    }
  }

  /** Moves xattrs used by two or more inodes to the shared area (ids in 4-byte units from block 1). */
  private shareXattrs(): void {
    const counts = new Map<string, { spec: XattrSpec; count: number }>();
    for (const n of this.nodes) {
      if (n.xattrs === null) continue;
      n.xattrKeys = n.xattrs.map((x) => {
        const key = `${x.index}\0${bytesToByteString(x.suffix)}\0${bytesToByteString(x.value)}`;
        const entry = counts.get(key);
        if (entry === undefined) counts.set(key, { spec: x, count: 1 });
        else entry.count++;
        return key;
      });
    }
    const shared = [...counts.entries()].filter(([, e]) => e.count >= 2).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const ids = new Map<string, number>();
    let size = 0;
    for (const [key, e] of shared) {
      ids.set(key, (BLOCK_SIZE + size) / 4);
      size += xattrEntrySize(e.spec.suffix.length, e.spec.value.length);
    }
    this.sharedArea = new Uint8Array(Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE);
    let p = 0;
    for (const [, e] of shared) p = encodeXattrEntry(e.spec, this.sharedArea, p);
    for (const n of this.nodes) {
      if (n.xattrs === null) continue;
      const sharedIds: number[] = [];
      const inline: XattrSpec[] = [];
      n.xattrs.forEach((x, i) => {
        const id = ids.get(n.xattrKeys![i]!);
        if (id !== undefined && sharedIds.length < 255) sharedIds.push(id);
        else inline.push(x);
      });
      n.sharedIds = sharedIds;
      n.inlineXattrs = inline;
      n.xattrs = null;
      n.xattrKeys = null;
    }
  }

  /** Chooses compact or extended inodes and sizes the xattr bodies. */
  private sizeInodes(): void {
    for (const n of this.nodes) {
      if (n.type === S_IFDIR) n.size = this.dirPlan(n).size;
      n.extended = this.options.forceExtended === true || !fitsCompact(n, this.buildTime, this.buildTimeNsec);
      n.inodeSize = n.extended ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
      n.xattrSize = xattrIbodyLength(n.sharedIds?.length ?? 0, n.inlineXattrs ?? []);
    }
  }

  /** The sorted entries of a directory, `.` and `..` included. */
  private dirEntries(n: WNode<H>): DirentSpec[] {
    const names = n.names!;
    const kids = n.kids!;
    const out: DirentSpec[] = [];
    // "." and ".." go where they sort among the names (not always together: ".-x" sorts between).
    const dot = insertionPoint(names, '.');
    const dotdot = insertionPoint(names, '..');
    for (let i = 0; i <= names.length; i++) {
      if (i === dot) out.push({ name: DOT_BYTES, nid: n.nid, type: FT_DIR });
      if (i === dotdot) out.push({ name: DOTDOT_BYTES, nid: (n.parent ?? n).nid, type: FT_DIR });
      if (i < names.length) out.push({ name: byteStringToBytes(names[i]!), nid: kids[i]!.nid, type: fileType(kids[i]!.mode) });
    }
    return out;
  }

  private dirPlan(n: WNode<H>): { starts: number[]; size: number } {
    const names = n.names!;
    const dot = insertionPoint(names, '.');
    const dotdot = insertionPoint(names, '..');
    const lengths: number[] = [];
    for (let i = 0; i <= names.length; i++) {
      if (i === dot) lengths.push(1);
      if (i === dotdot) lengths.push(2);
      if (i < names.length) lengths.push(names[i]!.length);
    }
    return planDirBlocks(lengths, BLOCK_SIZE);
  }

  // ---- layout: decided from sizes alone, so inodes can be placed before any data is read ----

  /** True when `tail` bytes fit after the inode and its xattrs in one block. */
  private fitsInline(n: WNode<H>, tail: number): boolean {
    return tail > 0 && n.inodeSize + n.xattrSize + tail <= BLOCK_SIZE;
  }

  /** Plans each inode's layout; a compressed file may still fall back to FLAT_PLAIN later. */
  private planLayouts(): void {
    const compress = this.options.compress === 'lz4';
    const inlineFiles = this.options.inlineData !== false;
    for (const n of this.nodes) {
      n.layout = LAYOUT_FLAT_PLAIN;
      n.tail = 0;
      switch (n.type) {
        case S_IFREG:
          if (compress && n.size > BLOCK_SIZE) {
            n.layout = LAYOUT_COMPRESSED_COMPACT;
          } else if (inlineFiles && this.fitsInline(n, n.size % BLOCK_SIZE)) {
            n.layout = LAYOUT_FLAT_INLINE;
            n.tail = n.size % BLOCK_SIZE;
          }
          break;
        case S_IFLNK:
        case S_IFDIR:
          // Directories and symlinks are packed even without inline file data, as mkfs.erofs does.
          if (this.fitsInline(n, n.size % BLOCK_SIZE)) {
            n.layout = LAYOUT_FLAT_INLINE;
            n.tail = n.size % BLOCK_SIZE;
          }
          break;
        case S_IFCHR:
        case S_IFBLK:
          n.iu = n.rdev | 0;
          break;
        default:
          n.iu = 0;
      }
    }
  }

  /** The bytes of a compressed file's map header and compact indexes for a record at `pos`. */
  private indexEnd(n: WNode<H>, pos: number): number {
    const header = Math.ceil((pos + n.inodeSize + n.xattrSize) / 8) * 8;
    const total = Math.ceil(n.size / BLOCK_SIZE);
    const layout = compactLayout(header + Z_MAP_HEADER_SIZE, total, Z_ADVISE_COMPACTED_2B);
    return header + Z_MAP_HEADER_SIZE + compactIndexBytes(layout, total);
  }

  /** Assigns nids: each record (inode, xattrs, tail or indexes) at 32-byte alignment; returns the metadata length. */
  private placeInodes(): number {
    this.planLayouts();
    let pos = 0;
    for (const n of this.nodes) {
      const packed = n.inodeSize + n.xattrSize + n.tail;
      // A record that fits a block never straddles one (inline tails must not).
      if (packed <= BLOCK_SIZE && (pos % BLOCK_SIZE) + packed > BLOCK_SIZE) pos = Math.ceil(pos / BLOCK_SIZE) * BLOCK_SIZE;
      n.nid = pos / 32;
      const end = n.layout === LAYOUT_COMPRESSED_COMPACT ? this.indexEnd(n, pos) : pos + packed;
      pos = Math.ceil(end / 32) * 32;
    }
    return pos;
  }

  // ---- one pass: each inode's data, then its record ----

  private writeAll(meta: SequentialWriter, data: SequentialWriter, metaStart: number): void {
    this.progress.phase = 'data';
    this.report();
    const compressor = this.options.compress === 'lz4' ? new FileCompressor(BLOCK_SIZE) : null;
    const record = new Uint8Array(BLOCK_SIZE * 2);
    const tail = new Uint8Array(BLOCK_SIZE);
    let lastReport = 0;
    for (const n of this.nodes) {
      const at = metaStart + n.nid * 32;
      if (meta.position < at) meta.zeros(at - meta.position);
      let index: CompressedIndex | null = null;
      switch (n.type) {
        case S_IFREG:
          index = this.writeFile(n, data, compressor, tail);
          this.progress.filesDone++;
          this.progress.bytesDone += n.size;
          if (this.progress.bytesDone - lastReport >= 64 << 20 || this.progress.filesDone % 4096 === 0) {
            lastReport = this.progress.bytesDone;
            this.report();
          }
          break;
        case S_IFLNK:
          if (n.layout === LAYOUT_FLAT_INLINE) {
            n.blkaddr = NULL_BLKADDR;
            for (let i = 0; i < n.size; i++) tail[i] = n.target!.charCodeAt(i);
          } else {
            n.blkaddr = data.position / BLOCK_SIZE;
            data.write(byteStringToBytes(n.target!), 0, n.size);
            data.align(BLOCK_SIZE);
          }
          n.iu = n.blkaddr;
          break;
        case S_IFDIR:
          this.writeDirectory(n, data, tail);
          break;
      }
      const core = n.inodeSize + n.xattrSize;
      const buf = core <= record.length ? record : new Uint8Array(core);
      const xattrIcount = n.xattrSize > 0 ? encodeXattrIbody(n.sharedIds ?? [], n.inlineXattrs ?? [], buf, n.inodeSize) : 0;
      encodeInode({
        extended: n.extended, layout: n.layout, xattrIcount, mode: n.mode, nlink: n.nlink, size: n.size, uid: n.uid,
        gid: n.gid, mtime: n.mtime, mtimeNsec: n.mtimeNsec, iu: n.iu, ino32: n.ino32,
      }, buf, 0);
      this.emit(meta, buf, core);
      if (index !== null) this.writeIndexes(meta, n, index);
      else if (n.tail > 0) this.emit(meta, tail, n.tail);
      // What the rest of the build no longer needs.
      n.inlineXattrs = null;
      n.sharedIds = null;
      n.target = null;
      if (n.type === S_IFDIR) {
        n.names = null;
        n.kids = null;
      }
    }
  }

  /**
   * Writes a regular file's data; returns its index when it is stored compressed. An inline
   * tail is left in `tail`. Errors: ErofsWriteError when the file shrank.
   */
  private writeFile(n: WNode<H>, data: SequentialWriter, compressor: FileCompressor | null, tail: Uint8Array): CompressedIndex | null {
    const size = n.size;
    if (size === 0) {
      n.blkaddr = n.iu = 0;
      return null;
    }
    const file = this.source.open(n.handle);
    try {
      const start = data.position;
      if (n.layout === LAYOUT_COMPRESSED_COMPACT) {
        const index = compressor!.compress(file, size, data, Math.ceil(size / BLOCK_SIZE), () => this.source.describe(n.handle));
        if (index !== null) {
          n.blkaddr = start / BLOCK_SIZE;
          n.iu = index.blocks;
          this.compressedFiles++;
          this.compressedBlocks += index.blocks;
          return index;
        }
        // No block saved: store it flat; the index slot reserved for it stays empty.
        data.rewind(start);
        n.layout = LAYOUT_FLAT_PLAIN;
      }
      const inlineStart = n.layout === LAYOUT_FLAT_INLINE ? size - n.tail : size;
      n.blkaddr = inlineStart === 0 ? NULL_BLKADDR : start / BLOCK_SIZE;
      n.iu = n.blkaddr;
      this.copy(file, n, inlineStart, data);
      data.align(BLOCK_SIZE);
      if (n.tail > 0) {
        let got = 0;
        while (got < n.tail) {
          const k = file.read(tail, got, n.tail - got, inlineStart + got);
          if (k <= 0) throw new ErofsWriteError(`${this.source.describe(n.handle)}: file shrank while being read (expected ${size} bytes)`);
          got += k;
        }
      }
    } finally {
      file.close();
    }
    return null;
  }

  private copy(file: { read(b: Uint8Array, o: number, l: number, p: number): number }, n: WNode<H>, length: number, data: SequentialWriter): void {
    const buf = this.copyBuffer;
    let pos = 0;
    while (pos < length) {
      const want = Math.min(buf.length, length - pos);
      const got = file.read(buf, 0, want, pos);
      if (got <= 0) throw new ErofsWriteError(`${this.source.describe(n.handle)}: file shrank while being read (expected ${n.size} bytes)`);
      data.write(buf, 0, got);
      pos += got;
    }
  }

  /** Writes a directory's full blocks (and its tail when not inline); an inline tail is left in `tail`. */
  private writeDirectory(n: WNode<H>, data: SequentialWriter, tail: Uint8Array): void {
    const entries = this.dirEntries(n);
    const plan = planDirBlocks(entries.map((e) => e.name.length), BLOCK_SIZE);
    const fullBlocks = Math.floor(n.size / BLOCK_SIZE);
    const tailBytes = n.size % BLOCK_SIZE;
    const onDisk = fullBlocks + (tailBytes > 0 && n.layout === LAYOUT_FLAT_PLAIN ? 1 : 0);
    n.blkaddr = onDisk === 0 ? NULL_BLKADDR : data.position / BLOCK_SIZE;
    n.iu = n.blkaddr;
    const block = this.copyBuffer;
    for (let b = 0; b < fullBlocks; b++) {
      encodeDirBlock(entries, plan.starts[b]!, plan.starts[b + 1] ?? entries.length, block, BLOCK_SIZE);
      data.write(block, 0, BLOCK_SIZE);
    }
    if (tailBytes > 0) {
      const last = plan.starts[plan.starts.length - 1]!;
      if (n.layout === LAYOUT_FLAT_INLINE) {
        encodeDirBlock(entries, last, entries.length, tail, tailBytes);
      } else {
        encodeDirBlock(entries, last, entries.length, block, BLOCK_SIZE);
        data.write(block, 0, BLOCK_SIZE);
      }
    }
  }

  /** Writes bytes to the metadata stream and feeds them to the UUID digest. */
  private emit(meta: SequentialWriter, buf: Uint8Array, length: number): void {
    meta.write(buf, 0, length);
    this.hashA = crc32c(this.hashA, buf, 0, length);
    let h = this.hashB;
    for (let i = 0; i < length; i += 7) h = Math.imul(h ^ buf[i]!, 0x01000193);
    this.hashB = h >>> 0;
    this.hashedBytes += length;
  }

  /** Writes the map header and compact indexes after a compressed file's inode. */
  private writeIndexes(meta: SequentialWriter, n: WNode<H>, index: CompressedIndex): void {
    const pos = meta.position;
    const header = Math.ceil(pos / 8) * 8;
    const head = new Uint8Array(Z_MAP_HEADER_SIZE + 8);
    this.emit(meta, head, header - pos);
    encodeMapHeader({ idataSize: 0, advise: Z_ADVISE_COMPACTED_2B, algorithmHead1: 0, algorithmHead2: 0, clusterBits: 0 }, head, 0);
    this.emit(meta, head, Z_MAP_HEADER_SIZE);
    const total = index.types.length;
    const layout = compactLayout(header + Z_MAP_HEADER_SIZE, total, Z_ADVISE_COMPACTED_2B);
    const specs: CompactEntrySpec[] = new Array(total);
    let blk = n.blkaddr;
    for (let i = 0; i < total; i++) {
      const type = index.types[i]!;
      specs[i] = type === Z_LCLUSTER_TYPE_NONHEAD
        ? { type, lo: index.lo[i]!, delta1: index.delta1[i]!, blkaddr: 0 }
        : { type, lo: index.lo[i]!, delta1: 0, blkaddr: blk++ };
    }
    const out = new Uint8Array(compactIndexBytes(layout, total));
    encodeCompactIndexes(specs, layout, BLOCK_BITS, out, 0);
    this.emit(meta, out, out.length);
  }

  // ---- the head: superblock and shared xattrs ----

  private digestUuid(totalBlocks: number): Uint8Array {
    const u = new Uint8Array(16);
    const words = [this.hashA, this.hashB, (this.hashedBytes * 2654435761) >>> 0, (totalBlocks ^ Math.imul(this.buildTime | 0, 40503)) >>> 0];
    words.forEach((w, i) => {
      u[i * 4] = w & 0xff;
      u[i * 4 + 1] = (w >>> 8) & 0xff;
      u[i * 4 + 2] = (w >>> 16) & 0xff;
      u[i * 4 + 3] = w >>> 24;
    });
    // RFC 9562 version 8 (custom), variant 10.
    u[6] = (u[6]! & 0x0f) | 0x80;
    u[8] = (u[8]! & 0x3f) | 0x80;
    return u;
  }

  private writeHead(metaStart: number, totalBlocks: number, uuid: Uint8Array): void {
    const head = new Uint8Array(BLOCK_SIZE);
    const volumeName = new Uint8Array(16);
    if (this.options.volumeName !== undefined) {
      const v = new TextEncoder().encode(this.options.volumeName);
      if (v.length > 15) throw new ErofsWriteError('volume name longer than 15 bytes');
      volumeName.set(v);
    }
    const sb: Superblock = {
      checksum: 0,
      featureCompat: FEATURE_COMPAT_SB_CHKSUM | FEATURE_COMPAT_MTIME,
      blkszbits: BLOCK_BITS,
      sbExtslots: 0,
      rootNid: this.nodes[0]!.nid,
      inos: this.nodes.length,
      buildTime: this.buildTime,
      buildTimeNsec: this.buildTimeNsec,
      blocks: totalBlocks,
      metaBlkaddr: metaStart / BLOCK_SIZE,
      xattrBlkaddr: 0,
      uuid,
      volumeName,
      featureIncompat: this.options.compress === 'lz4' ? FEATURE_INCOMPAT_ZERO_PADDING : 0,
      u1: 0,
      extraDevices: 0,
      devtSlotoff: 0,
      dirblkbits: 0,
      packedNid: 0,
    };
    encodeSuperblock(sb, head);
    sealSuperblock(head, BLOCK_BITS);
    this.sink.write(head, 0, BLOCK_SIZE, 0);
    if (this.sharedArea.length > 0) this.sink.write(this.sharedArea, 0, this.sharedArea.length, BLOCK_SIZE);
  }
}
