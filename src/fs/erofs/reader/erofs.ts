// This module is browser compatible.
/**
 * The EROFS filesystem as vroot mounts it: a read-only FileSystem over an ErofsImage. Inodes
 * show what Linux's fs/erofs shows (ino = nid, mtime as atime and ctime, st_blocks counted in
 * whole blocks or compressed blocks, xattrs of the namespaces Linux lists); every write is
 * refused by the core with EROFS before it reaches this code.
 *
 * @example
 * import { Erofs, VirtualFileSystem } from 'vroot';
 * import { FileSource } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(Erofs.open(FileSource.open('root.erofs')), '/');
 */
import { S_IFMT, S_IFREG } from '../../../abi/constants.js';
import { NAME_MAX } from '../../../abi/limits.js';
import type { ByteString } from '../../../vfs/bytes.js';
import { vfsError } from '../../../vfs/errors.js';
import { FileSystem, Inode, type DirentSink, type FileHandle } from '../../../vfs/inode.js';
import type { StatFs } from '../../../vfs/stat.js';
import { BufferSource, type ByteSource } from '../byte_source.js';
import { EROFS_MAGIC } from '../format/constants.js';
import { compressedBlocks, isCompressedLayout, type DiskInode } from '../format/inode.js';
import { casefoldKey, foldedIndex } from '../../../emu/casefold/casefold.js';
import { ErofsImage, dtypeOf, type ErofsImageOptions } from './image.js';

const ACL_ACCESS = 'system.posix_acl_access';
const ACL_DEFAULT = 'system.posix_acl_default';

/** Options of `Erofs.open`. */
export interface ErofsOptions extends ErofsImageOptions {
  /** Decoded inodes kept by nid (default 4096); the core's dentries hold the ones in use. */
  inodeCache?: number;
  /** The mount source shown in /proc/self/mounts (default "erofs"). */
  name?: string;
  /**
   * Case-insensitive, case-preserving lookup in every directory, with ext4 casefold semantics
   * (Unicode 12.1 NFD and full case folding; names that are not valid UTF-8 match byte for byte):
   * a name finds the entry whose folded form is equal, and the dentry keeps the stored name.
   * An image made from a case-sensitive tree may hold names that fold alike: then the first in
   * byte order is the one found, whatever was asked. Default false.
   */
  casefold?: boolean;
}

/** Directories whose folded-name index is kept (each built on the first lookup that needs it). */
const FOLD_INDEXES = 64;

/**
 * A mounted EROFS image.
 *
 * @example
 * const fs = Erofs.open(imageBytes);
 * vfs.mount(fs, '/usr');
 */
export class Erofs extends FileSystem {
  readonly type = 'erofs';
  override readonly readOnly = true;
  override readonly nameMax = NAME_MAX;
  // Linux mounts erofs with ACLs on (CONFIG_EROFS_FS_POSIX_ACL): they are checked and listed.
  override readonly posixAcl = true;
  readonly image: ErofsImage;
  readonly root: ErofsInode;
  /** Lookups fold names (the `casefold` option). */
  readonly casefold: boolean;
  private readonly inodes = new Map<number, ErofsInode>();
  private readonly inodeCapacity: number;
  private readonly sourceName: string;
  /** Folded name → stored name, by directory nid (casefold only; bounded, oldest dropped). */
  private readonly foldIndexes = new Map<number, Map<string, ByteString>>();

  constructor(image: ErofsImage, options: ErofsOptions = {}) {
    super();
    this.image = image;
    this.inodeCapacity = Math.max(16, options.inodeCache ?? 4096);
    this.sourceName = options.name ?? 'erofs';
    this.casefold = options.casefold === true;
    this.root = this.iget(image.sb.rootNid);
  }

  /**
   * The stored name of the entry of `dir` that `name` folds to, or null (casefold). The index of
   * a directory is built by listing it once; the first name in byte order keeps a folded key.
   * Errors: EUCLEAN, EIO.
   */
  foldedName(dir: ErofsInode, name: ByteString): ByteString | null {
    let index = this.foldIndexes.get(dir.nid);
    if (index === undefined) {
      const names: ByteString[] = [];
      this.image.readdir(dir, 0, (entry) => {
        if (entry !== '.' && entry !== '..') names.push(entry);
        return true;
      });
      index = foldedIndex(names);
      if (this.foldIndexes.size >= FOLD_INDEXES) this.foldIndexes.delete(this.foldIndexes.keys().next().value as number);
      this.foldIndexes.set(dir.nid, index);
    }
    return index.get(casefoldKey(name)) ?? null;
  }

  /**
   * Opens an image from a byte source or bytes. Errors: EINVAL (not an EROFS image), EUCLEAN
   * (corrupt superblock or root), EOPNOTSUPP (features this reader does not implement), EIO.
   */
  static open(source: ByteSource | Uint8Array, options: ErofsOptions = {}): Erofs {
    const src = source instanceof Uint8Array ? new BufferSource(source) : source;
    return new Erofs(new ErofsImage(src, options), options);
  }

  override get source(): string {
    return this.sourceName;
  }

  /** The inode with `nid`, decoded once and kept while the cache has room. */
  iget(nid: number): ErofsInode {
    let inode = this.inodes.get(nid);
    if (inode !== undefined) return inode;
    inode = new ErofsInode(this, nid);
    if (this.inodes.size >= this.inodeCapacity) this.inodes.delete(this.inodes.keys().next().value as number);
    this.inodes.set(nid, inode);
    return inode;
  }

  /** Linux erofs_statfs: no free space, 2^64-1 files of which `inos` are used. */
  statfs(): StatFs {
    const sb = this.image.sb;
    const uuid = sb.uuid;
    return {
      type: EROFS_MAGIC,
      bsize: this.image.blockSize,
      blocks: sb.blocks,
      bfree: 0,
      bavail: 0,
      files: 2 ** 64 - 1,
      ffree: 2 ** 64 - 1 - sb.inos,
      fsid: [(uuid[0]! | (uuid[1]! << 8) | (uuid[2]! << 16) | (uuid[3]! << 24)) >>> 0,
        (uuid[4]! | (uuid[5]! << 8) | (uuid[6]! << 16) | (uuid[7]! << 24)) >>> 0],
      namelen: NAME_MAX,
      frsize: this.image.blockSize,
      flags: 0,
    };
  }

  /** Closes the byte source. */
  close(): void {
    this.image.source.close?.();
  }
}

/**
 * One EROFS inode; regular files and directories are their own open-file handles. It is its own
 * decoded on-disk inode (DiskInode), so the VFS holds one object per inode.
 */
export class ErofsInode extends Inode implements FileHandle, DiskInode {
  readonly fs: Erofs;
  nid = 0;
  extended = false;
  layout = 0;
  inodeSize = 0;
  xattrIcount = 0;
  xattrSize = 0;
  iu = 0;
  ino32 = 0;
  private parentChecked = false;

  /** Reads inode `nid` of `fs`. Errors: EUCLEAN, EOPNOTSUPP, EIO. */
  constructor(fs: Erofs, nid: number) {
    super();
    this.fs = fs;
    fs.image.inode(nid, this);
    this.ino = nid;
    if (fs.casefold && this.isDir()) this.foldName = casefoldKey;
    // Linux fs/erofs/inode.c: atime and ctime are the mtime.
    this.atimeSec = this.ctimeSec = this.mtimeSec;
    this.atimeNsec = this.ctimeNsec = this.mtimeNsec;
  }

  /** The decoded on-disk inode (this object). */
  get disk(): DiskInode {
    return this;
  }

  /** Linux: the stored compressed block count for compressed files, else whole blocks (erofs_read_inode). */
  override blocks(): number {
    const image = this.fs.image;
    if (isCompressedLayout(this.layout)) return compressedBlocks(this) * (image.blockSize / 512);
    return Math.ceil(this.size / image.blockSize) * (image.blockSize / 512);
  }

  override blksize(): number {
    return this.fs.image.blockSize;
  }

  /**
   * Linux erofs_lookup. A directory found here must name this directory as its `..`, so a
   * corrupt image cannot make a directory appear in two places (a cycle).
   * Errors: EUCLEAN, EIO.
   */
  override lookup(name: ByteString): Inode | null {
    if (!this.isDir()) throw vfsError('ENOTDIR');
    let stored: ByteString | null = name;
    if (this.fs.casefold) {
      stored = this.fs.foldedName(this, name);
      if (stored === null) return null;
    }
    const nid = this.fs.image.lookupNid(this, stored);
    if (nid < 0) return null;
    const child = this.fs.iget(nid);
    if (child.isDir() && !child.parentChecked) {
      const dotdot = this.fs.image.lookupNid(child, '..');
      if (dotdot !== this.nid) {
        throw vfsError('EUCLEAN', `directory ${child.nid} is linked from ${this.nid} but its .. is ${dotdot < 0 ? 'missing' : dotdot}`);
      }
      child.parentChecked = true;
    }
    return child;
  }

  /** With `casefold`: the stored name `name` finds (the core's dentry keeps it). */
  override storedName(name: ByteString): ByteString | null {
    return this.fs.casefold ? this.fs.foldedName(this, name) : name;
  }

  override readlink(): ByteString {
    if (!this.isSymlink()) throw vfsError('EINVAL');
    return this.fs.image.readlink(this);
  }

  override open(): FileHandle {
    return this;
  }

  override getxattr(name: ByteString): Uint8Array | null {
    // The core asks for ACLs on permission checks: answer inodes without xattrs at once.
    if (this.xattrSize === 0 && (name === ACL_ACCESS || name === ACL_DEFAULT)) return null;
    return this.fs.image.getxattr(this, name);
  }

  override listxattr(): ByteString[] {
    return this.fs.image.xattrs(this).map((x) => x.name);
  }

  // ---- FileHandle ----

  /** Linux generic_file_read_iter over the inode's mapping. Errors: EISDIR, EUCLEAN, EIO. */
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    if ((this.mode & S_IFMT) !== S_IFREG) throw vfsError(this.isDir() ? 'EISDIR' : 'EINVAL');
    return this.fs.image.read(this, buf, offset, length, position);
  }

  write(): number {
    throw vfsError('EROFS');
  }

  /** Linux erofs_readdir; `.` and `..` are the core's. Cookies are directory positions + 2. */
  readdir(cookie: number, sink: DirentSink): void {
    if (!this.isDir()) throw vfsError('ENOTDIR');
    this.fs.image.readdir(this, Math.max(0, cookie - 2), (name, nid, type, next) => {
      if (name === '.' || name === '..') return true;
      return sink(name, nid, dtypeOf(type), ErofsImage.cookieOf(next));
    });
  }

  fsync(): void {}
  release(): void {}
}
