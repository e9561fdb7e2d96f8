// This module is browser compatible.
/**
 * On-disk inodes: the compact 32-byte form (16-bit ids and nlink, 32-bit size, the superblock's
 * build time as mtime) and the extended 64-byte form (fs/erofs/inode.c:erofs_read_inode).
 * A decoded inode is a plain value; nothing here caches or reads.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../../../abi/constants.js';
import {
  CHUNK_FORMAT_ALL, COMPACT_INODE_SIZE, EXTENDED_INODE_SIZE, I_FORMAT_ALL, LAYOUT_CHUNK_BASED,
  LAYOUT_COMPRESSED_COMPACT, LAYOUT_COMPRESSED_FULL, XATTR_IBODY_HEADER_SIZE,
} from './constants.js';
import { corrupt, unsupported } from './format_error.js';
import { put16, put32, put64, putS64, s64, u16, u32, u64 } from './le.js';

/**
 * A decoded inode. The reader's inode objects implement this interface themselves (decodeInode
 * fills them in), so an inode held by the VFS costs one object.
 */
export interface DiskInode {
  /** The inode's nid (its 32-byte slot number in the metadata area). */
  nid: number;
  /** True for the 64-byte form. */
  extended: boolean;
  /** Data layout (LAYOUT_*). */
  layout: number;
  /** 32 or 64. */
  inodeSize: number;
  /** i_xattr_icount as stored. */
  xattrIcount: number;
  /** Bytes of inline xattrs following the inode (0 when icount is 0). */
  xattrSize: number;
  mode: number;
  nlink: number;
  size: number;
  uid: number;
  gid: number;
  mtimeSec: number;
  mtimeNsec: number;
  /** Device number of device nodes (new_encode_dev layout, as vroot's rdev); 0 otherwise. */
  rdev: number;
  /**
   * The i_u union as a signed 32-bit value (kept small so objects stay compact); read it with
   * rawBlkaddr, compressedBlocks or chunkFormat.
   */
  iu: number;
  /** The 32-bit inode serial number (i_ino), for 32-bit stat compatibility only. */
  ino32: number;
}

/** Start block of flat data (FLAT_PLAIN, FLAT_INLINE). */
export function rawBlkaddr(ino: DiskInode): number {
  return ino.iu >>> 0;
}

/** Compressed block count (compressed layouts). */
export function compressedBlocks(ino: DiskInode): number {
  return ino.iu >>> 0;
}

/** Chunk format (CHUNK_BASED). */
export function chunkFormat(ino: DiskInode): number {
  return ino.iu & 0xffff;
}

/** True for the compressed layouts. */
export function isCompressedLayout(layout: number): boolean {
  return layout === LAYOUT_COMPRESSED_FULL || layout === LAYOUT_COMPRESSED_COMPACT;
}

/** The size of an inline xattr body for an i_xattr_icount value (erofs_xattr_ibody_size). */
export function xattrIbodySize(icount: number): number {
  return icount === 0 ? 0 : XATTR_IBODY_HEADER_SIZE + 4 * (icount - 1);
}

/** The on-disk inode size announced by the i_format field at `b[o]`. */
export function inodeSizeOf(b: Uint8Array, o: number): number {
  return b[o]! & 1 ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
}

/**
 * Decodes an inode from `b[o..]` (32 or 64 bytes, see inodeSizeOf). Compact inodes take their
 * mtime from the superblock's build time. Errors: EOPNOTSUPP (unknown format bits, layout or
 * chunk format, as the kernel), EUCLEAN (impossible file type or sizes).
 */
export function decodeInode(b: Uint8Array, o: number, nid: number, buildTime: number, buildTimeNsec: number, out?: DiskInode): DiskInode {
  const format = u16(b, o);
  if (format & ~I_FORMAT_ALL) unsupported(`inode ${nid}: unsupported i_format 0x${format.toString(16)}`);
  const layout = format >> 1;
  if (layout > LAYOUT_CHUNK_BASED) unsupported(`inode ${nid}: unsupported data layout ${layout}`);
  const extended = (format & 1) === 1;
  const xattrIcount = u16(b, o + 2);
  const mode = u16(b, o + 4);
  const inode = out ?? ({} as DiskInode);
  inode.nid = nid;
  inode.extended = extended;
  inode.layout = layout;
  inode.inodeSize = extended ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
  inode.xattrIcount = xattrIcount;
  inode.xattrSize = xattrIbodySize(xattrIcount);
  inode.mode = mode;
  inode.iu = (b[o + 16]! | (b[o + 17]! << 8) | (b[o + 18]! << 16) | (b[o + 19]! << 24));
  inode.ino32 = u32(b, o + 20);
  if (extended) {
    inode.size = u64(b, o + 8, `inode ${nid} size`);
    inode.uid = u32(b, o + 24);
    inode.gid = u32(b, o + 28);
    inode.mtimeSec = s64(b, o + 32, `inode ${nid} mtime`);
    inode.mtimeNsec = u32(b, o + 40);
    inode.nlink = u32(b, o + 44);
  } else {
    inode.nlink = u16(b, o + 6);
    inode.size = u32(b, o + 8);
    inode.uid = u16(b, o + 24);
    inode.gid = u16(b, o + 26);
    inode.mtimeSec = buildTime;
    inode.mtimeNsec = buildTimeNsec;
  }
  inode.rdev = 0;
  switch (mode & S_IFMT) {
    case S_IFREG:
    case S_IFDIR:
    case S_IFLNK:
      break;
    case S_IFCHR:
    case S_IFBLK:
      inode.rdev = inode.iu >>> 0;
      if (inode.size !== 0) corrupt(`inode ${nid}: device node with size ${inode.size}`);
      break;
    case S_IFIFO:
    case S_IFSOCK:
      if (inode.size !== 0) corrupt(`inode ${nid}: ${(mode & S_IFMT) === S_IFIFO ? 'fifo' : 'socket'} with size ${inode.size}`);
      break;
    default:
      corrupt(`inode ${nid}: bogus i_mode 0${mode.toString(8)}`);
  }
  if (layout === LAYOUT_CHUNK_BASED && chunkFormat(inode) & ~CHUNK_FORMAT_ALL) {
    unsupported(`inode ${nid}: unsupported chunk format 0x${chunkFormat(inode).toString(16)}`);
  }
  if (inode.mtimeNsec >= 1e9) corrupt(`inode ${nid}: mtime nanoseconds ${inode.mtimeNsec}`);
  return inode;
}

/** Field values the writer encodes; the inode form follows `extended`. */
export interface InodeFields {
  extended: boolean;
  layout: number;
  xattrIcount: number;
  mode: number;
  nlink: number;
  size: number;
  uid: number;
  gid: number;
  mtime: number;
  mtimeNsec: number;
  /** The i_u union: raw block address, compressed block count, chunk format or rdev. */
  iu: number;
  ino32: number;
}

/** True when the fields fit the compact form with `buildTime` as its mtime. */
export function fitsCompact(f: Omit<InodeFields, 'extended' | 'layout' | 'xattrIcount' | 'iu' | 'ino32'>, buildTime: number, buildTimeNsec: number): boolean {
  return f.size <= 0xffffffff && f.uid <= 0xffff && f.gid <= 0xffff && f.nlink <= 0xffff &&
    f.mtime === buildTime && f.mtimeNsec === buildTimeNsec;
}

/** Encodes an inode at `out[o..]` (32 or 64 bytes, all written). */
export function encodeInode(f: InodeFields, out: Uint8Array, o: number): void {
  const size = f.extended ? EXTENDED_INODE_SIZE : COMPACT_INODE_SIZE;
  out.fill(0, o, o + size);
  put16(out, o, (f.extended ? 1 : 0) | (f.layout << 1));
  put16(out, o + 2, f.xattrIcount);
  put16(out, o + 4, f.mode);
  put32(out, o + 16, f.iu);
  put32(out, o + 20, f.ino32);
  if (f.extended) {
    put64(out, o + 8, f.size);
    put32(out, o + 24, f.uid);
    put32(out, o + 28, f.gid);
    putS64(out, o + 32, f.mtime);
    put32(out, o + 40, f.mtimeNsec);
    put32(out, o + 44, f.nlink);
  } else {
    put16(out, o + 6, f.nlink);
    put32(out, o + 8, f.size);
    put16(out, o + 24, f.uid);
    put16(out, o + 26, f.gid);
  }
}
