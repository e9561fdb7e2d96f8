// This module is browser compatible.
/**
 * tmpfs: a filesystem in memory with Linux tmpfs behaviour (mm/shmem.c, fs/libfs.c): sparse
 * files counted in pages, xattrs in every namespace the core allows, stable readdir cookies,
 * optional size and inode limits (ENOSPC).
 *
 * @example
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 */
import {
  FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, XATTR_CREATE, XATTR_REPLACE,
} from '../../abi/constants.js';
import { casefoldKey, casefoldKeyStrict, utf8Validate } from '../../emu/casefold/casefold.js';
import type { ByteString } from '../../vfs/bytes.js';
import { systemClock, type Clock } from '../../vfs/clock.js';
import { vfsError } from '../../vfs/errors.js';
import { FileSystem, Inode, type DirentSink, type FileHandle, type NewInodeAttrs } from '../../vfs/inode.js';
import type { SetAttr, StatFs, Timespec } from '../../vfs/stat.js';
import { DirEntries } from './directory.js';
import { FileData, PAGE_SIZE } from './file_data.js';

/** Linux tmpfs counts 20 bytes of directory size per entry, `.` and `..` included (mm/shmem.c). */
const BOGO_DIRENT_SIZE = 20;

/** TMPFS_MAGIC from include/uapi/linux/magic.h. */
export const TMPFS_MAGIC = 0x01021994;

/** Options of a tmpfs instance (the kernel's mount options of the same names). */
export interface TmpfsOptions {
  /** Largest total size of file data in bytes (default: unlimited). */
  size?: number;
  /** Largest number of inodes (default: unlimited). */
  nrInodes?: number;
  /** Mode of the root directory (default 0o1777, as the kernel's tmpfs). */
  mode?: number;
  /** Owner of the root directory. */
  uid?: number;
  gid?: number;
  /** Time source for timestamps. */
  clock?: Clock;
  /**
   * Case-insensitive, case-preserving directories with ext4 casefold semantics (Unicode 12.1
   * NFD and full case folding, as Linux's utf8-12.1 encoding): `true` folds the whole
   * filesystem (the root has the casefold flag and new directories inherit it);
   * `'per-directory'` starts with none and lets `setCasefold` flag empty directories, like
   * `chattr +F` on ext4 made with `-O casefold`. Default false: the flag is refused (EOPNOTSUPP).
   */
  casefold?: boolean | 'per-directory';
  /** With `casefold`: names that are not valid UTF-8 are refused in casefolded directories (EINVAL), as with ext4's strict encoding flag. */
  strictEncoding?: boolean;
}

/**
 * An in-memory filesystem.
 *
 * @example
 * const fs = new Tmpfs({ size: 64 << 20 });
 */
export class Tmpfs extends FileSystem {
  readonly type = 'tmpfs';
  override readonly posixAcl = true;
  readonly root: TmpfsInode;
  readonly clock: Clock;
  /** Directories may carry the casefold flag (the mount option `casefold=utf8-12.1.0`). */
  readonly casefold: boolean;
  /** Casefolded directories refuse names that are not valid UTF-8 (`strict_encoding`). */
  readonly strictEncoding: boolean;
  /** The folding a casefolded directory of this filesystem keys its names by. */
  readonly foldKey: (name: ByteString) => ByteString;
  private nextIno = 1;
  private readonly maxPages: number;
  private readonly maxInodes: number;
  usedPages = 0;
  inodeCount = 0;

  constructor(options: TmpfsOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.maxPages = options.size === undefined ? Infinity : Math.ceil(options.size / PAGE_SIZE);
    this.maxInodes = options.nrInodes ?? Infinity;
    this.casefold = options.casefold === true || options.casefold === 'per-directory';
    this.strictEncoding = this.casefold && options.strictEncoding === true;
    this.foldKey = this.strictEncoding ? casefoldKeyStrict : casefoldKey;
    this.root = this.newInode({
      mode: S_IFDIR | ((options.mode ?? 0o1777) & 0o7777),
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
      rdev: 0,
    }, this.clock());
    if (options.casefold === true) (this.root as TmpfsDirectory).foldName = this.foldKey;
  }

  override get mountOptions(): string {
    const opts: string[] = [];
    if (this.maxPages !== Infinity) opts.push(`size=${this.maxPages * 4}k`);
    if (this.casefold) opts.push('casefold=utf8-12.1.0');
    if (this.strictEncoding) opts.push('strict_encoding');
    return opts.join(',');
  }

  statfs(): StatFs {
    const total = this.maxPages === Infinity ? 0 : this.maxPages;
    const inodes = this.maxInodes === Infinity ? 0 : this.maxInodes;
    return {
      type: TMPFS_MAGIC,
      bsize: PAGE_SIZE,
      blocks: total,
      bfree: total === 0 ? 0 : total - this.usedPages,
      bavail: total === 0 ? 0 : total - this.usedPages,
      files: inodes,
      ffree: inodes === 0 ? 0 : inodes - this.inodeCount,
      fsid: [0, 0],
      namelen: 255,
      frsize: PAGE_SIZE,
      flags: 0,
    };
  }

  /** Makes a new inode of the type `attrs.mode` names. Errors: ENOSPC (nr_inodes). */
  newInode(attrs: NewInodeAttrs, now: Timespec): TmpfsInode {
    if (this.inodeCount >= this.maxInodes) throw vfsError('ENOSPC');
    const type = attrs.mode & S_IFMT;
    const inode = type === S_IFDIR ? new TmpfsDirectory(this) : type === S_IFREG ? new TmpfsFile(this) :
      type === S_IFLNK ? new TmpfsSymlink(this) : new TmpfsInode(this);
    inode.ino = this.nextIno++;
    inode.mode = attrs.mode;
    inode.uid = attrs.uid;
    inode.gid = attrs.gid;
    inode.rdev = attrs.rdev;
    inode.nlink = type === S_IFDIR ? 2 : 1;
    if (type === S_IFDIR) inode.size = 2 * BOGO_DIRENT_SIZE;
    inode.atimeSec = inode.mtimeSec = inode.ctimeSec = inode.btimeSec = now.sec;
    inode.atimeNsec = inode.mtimeNsec = inode.ctimeNsec = inode.btimeNsec = now.nsec;
    this.inodeCount++;
    return inode;
  }

  /** Accounts for pages a file gained (positive) or lost (negative). Errors: ENOSPC. */
  chargePages(delta: number): void {
    if (delta > 0 && this.usedPages + delta > this.maxPages) throw vfsError('ENOSPC');
    this.usedPages += delta;
  }
}

/** A tmpfs object of any type; directories, files and symlinks are the subclasses below. */
export class TmpfsInode extends Inode {
  readonly fs: Tmpfs;
  private xattrs: Map<ByteString, Uint8Array> | undefined;

  constructor(fs: Tmpfs) {
    super();
    this.fs = fs;
  }

  /** Sets ctime to now (Linux inode_set_ctime_current). */
  touchCtime(now: Timespec): void {
    this.ctimeSec = now.sec;
    this.ctimeNsec = now.nsec;
  }

  /** Sets mtime and ctime to now. */
  touchMtime(now: Timespec): void {
    this.mtimeSec = this.ctimeSec = now.sec;
    this.mtimeNsec = this.ctimeNsec = now.nsec;
  }

  override setattr(attr: SetAttr, now: Timespec): void {
    if (attr.size !== undefined) this.resize(attr.size);
    if (attr.mode !== undefined) this.mode = (this.mode & S_IFMT) | (attr.mode & 0o7777);
    if (attr.uid !== undefined) this.uid = attr.uid;
    if (attr.gid !== undefined) this.gid = attr.gid;
    if (attr.atime !== undefined) { this.atimeSec = attr.atime.sec; this.atimeNsec = attr.atime.nsec; }
    if (attr.mtime !== undefined) { this.mtimeSec = attr.mtime.sec; this.mtimeNsec = attr.mtime.nsec; }
    const ctime = attr.ctime ?? now;
    this.ctimeSec = ctime.sec;
    this.ctimeNsec = ctime.nsec;
  }

  /** True for a directory with the casefold flag (FS_CASEFOLD_FL). */
  get casefolded(): boolean {
    return false;
  }

  /**
   * Sets or clears the casefold flag (FS_IOC_SETFLAGS with FS_CASEFOLD_FL; ext4_ioctl_setflags).
   * Only an empty directory on a casefold filesystem may change it. Errors: EOPNOTSUPP (no
   * casefold support, or not a directory, as ext4 answers), ENOTEMPTY.
   */
  setCasefold(on: boolean): void {
    if (on === this.casefolded) return;
    throw vfsError('EOPNOTSUPP');
  }

  /** Changes the size of a regular file; other types refuse (the core checks types first). */
  protected resize(size: number): void {
    void size;
    throw vfsError('EINVAL');
  }

  override getxattr(name: ByteString): Uint8Array | null {
    return this.xattrs?.get(name) ?? null;
  }

  override setxattr(name: ByteString, value: Uint8Array, flags: number, now: Timespec): void {
    const exists = this.xattrs?.has(name) ?? false;
    if (flags & XATTR_CREATE && exists) throw vfsError('EEXIST');
    if (flags & XATTR_REPLACE && !exists) throw vfsError('ENODATA');
    (this.xattrs ??= new Map()).set(name, value.slice());
    this.touchCtime(now);
  }

  override listxattr(): ByteString[] {
    return this.xattrs === undefined ? [] : [...this.xattrs.keys()];
  }

  override removexattr(name: ByteString, now: Timespec): void {
    if (this.xattrs === undefined || !this.xattrs.delete(name)) throw vfsError('ENODATA');
    this.touchCtime(now);
  }
}

/** A tmpfs directory: its entries with stable readdir cookies. */
export class TmpfsDirectory extends TmpfsInode implements FileHandle {
  readonly entries = new DirEntries();
  /** Set while the directory has the casefold flag: entries are keyed by folded name. */
  override foldName: ((name: ByteString) => ByteString) | undefined = undefined;

  override blocks(): number { return 0; }

  override get casefolded(): boolean {
    return this.foldName !== undefined;
  }

  override setCasefold(on: boolean): void {
    if (on === this.casefolded) return;
    if (!this.fs.casefold) throw vfsError('EOPNOTSUPP');
    if (this.entries.size !== 0) throw vfsError('ENOTEMPTY');
    this.foldName = on ? this.fs.foldKey : undefined;
    this.touchCtime(this.fs.clock());
  }

  /** The key an entry called `name` is filed under. */
  private keyOf(name: ByteString): ByteString {
    return this.foldName === undefined ? name : this.foldName(name);
  }

  /** ext4_add_entry: a strict casefolded directory takes only valid UTF-8 names. Errors: EINVAL. */
  private checkNewName(name: ByteString): void {
    if (this.foldName !== undefined && this.fs.strictEncoding && !utf8Validate(name)) throw vfsError('EINVAL');
  }

  override lookup(name: ByteString): Inode | null {
    return this.entries.get(this.keyOf(name))?.inode ?? null;
  }

  override storedName(name: ByteString): ByteString | null {
    return this.entries.get(this.keyOf(name))?.name ?? null;
  }

  private addChild(name: ByteString, attrs: NewInodeAttrs): TmpfsInode {
    this.checkNewName(name);
    const now = this.fs.clock();
    const inode = this.fs.newInode(attrs, now);
    this.entries.add(name, inode, this.keyOf(name));
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
    this.touchMtime(now);
    return inode;
  }

  override create(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.addChild(name, attrs);
  }

  override tmpfile(attrs: NewInodeAttrs): Inode {
    const inode = this.fs.newInode(attrs, this.fs.clock());
    inode.nlink = 0;
    return inode;
  }

  override mkdir(name: ByteString, attrs: NewInodeAttrs): Inode {
    const inode = this.addChild(name, attrs) as TmpfsDirectory;
    // ext4: the casefold flag is inherited by new subdirectories (EXT4_FL_INHERITED).
    inode.foldName = this.foldName;
    this.nlink++;
    return inode;
  }

  override mknod(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.addChild(name, attrs);
  }

  override symlink(name: ByteString, target: ByteString, attrs: NewInodeAttrs): Inode {
    const inode = this.addChild(name, attrs) as TmpfsSymlink;
    inode.target = target;
    inode.size = target.length;
    return inode;
  }

  override link(name: ByteString, inode: Inode): void {
    this.checkNewName(name);
    const now = this.fs.clock();
    this.entries.add(name, inode, this.keyOf(name));
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
    inode.nlink++;
    (inode as TmpfsInode).touchCtime(now);
    this.touchMtime(now);
  }

  override unlink(name: ByteString, inode: Inode): void {
    const now = this.fs.clock();
    this.entries.remove(this.keyOf(name));
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
    this.dropLink(inode as TmpfsInode, now);
    this.touchMtime(now);
  }

  override rmdir(name: ByteString, inode: Inode): void {
    const dir = inode as TmpfsDirectory;
    if (dir.entries.size !== 0) throw vfsError('ENOTEMPTY');
    const now = this.fs.clock();
    this.entries.remove(this.keyOf(name));
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
    this.nlink--;
    dir.nlink = 0;
    dir.touchCtime(now);
    this.fs.inodeCount--;
    this.touchMtime(now);
  }

  override rename(oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean): void {
    const target = newDir as TmpfsDirectory;
    if (replaced === null) target.checkNewName(newName);
    const oldKey = this.keyOf(oldName);
    const newKey = target.keyOf(newName);
    const now = this.fs.clock();
    const moving = inode as TmpfsInode;
    if (exchange) {
      const other = replaced as TmpfsInode;
      this.entries.replaceInode(oldKey, other);
      target.entries.replaceInode(newKey, moving);
      if (this !== target && moving.isDir() !== other.isDir()) {
        if (moving.isDir()) { this.nlink--; target.nlink++; } else { this.nlink++; target.nlink--; }
      }
      other.touchCtime(now);
    } else {
      if (replaced !== null) {
        const victim = replaced as TmpfsInode;
        if (victim.isDir()) {
          if (!victim.isEmptyDir()) throw vfsError('ENOTEMPTY');
          target.entries.remove(newKey);
          target.nlink--;
          victim.nlink = 0;
          this.fs.inodeCount--;
          victim.touchCtime(now);
        } else {
          target.entries.remove(newKey);
          target.dropLink(victim, now);
        }
      }
      this.entries.remove(oldKey);
      target.entries.add(newName, moving, newKey);
      if (moving.isDir() && this !== target) {
        this.nlink--;
        target.nlink++;
      }
    }
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
    target.size = (target.entries.size + 2) * BOGO_DIRENT_SIZE;
    moving.touchCtime(now);
    this.touchMtime(now);
    if (target !== this) target.touchMtime(now);
  }

  override isEmptyDir(): boolean {
    return this.entries.size === 0;
  }

  override open(): FileHandle {
    return this;
  }

  read(): number { throw vfsError('EISDIR'); }
  write(): number { throw vfsError('EISDIR'); }
  readdir(cookie: number, sink: DirentSink): void {
    this.entries.list(cookie, sink);
  }
  fsync(): void {}
  release(): void {}

  private dropLink(inode: TmpfsInode, now: Timespec): void {
    inode.nlink--;
    inode.touchCtime(now);
    if (inode.nlink === 0) {
      // A regular file is freed (and uncounted) when its last holder lets go, as shmem_evict_inode.
      if (inode instanceof TmpfsFile) inode.freeWhenUnused();
      else this.fs.inodeCount--;
    }
  }
}

/** A tmpfs regular file. */
export class TmpfsFile extends TmpfsInode implements FileHandle {
  readonly data = new FileData();
  private openCount = 0;
  /** Evicted: unlinked and released (an O_TMPFILE file that was never linked included). */
  private freed = false;

  override blocks(): number { return this.data.allocatedPages * (PAGE_SIZE / 512); }

  override open(): FileHandle {
    this.openCount++;
    return this;
  }

  // An O_PATH descriptor or an executable keeps an unlinked file's data as an open file does.
  override ihold(): void {
    this.openCount++;
  }

  override iput(): void {
    this.release();
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.data.read(this.size, buf, offset, length, position);
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (length === 0) return 0;
    const pos = position === -1 ? this.size : position;
    this.fs.chargePages(this.data.missingPages(pos, length));
    this.data.write(buf, offset, length, pos);
    if (pos + length > this.size) this.size = pos + length;
    const now = this.fs.clock();
    this.touchMtime(now);
    return length;
  }

  readdir(): void { throw vfsError('ENOTDIR'); }
  fsync(): void {}
  release(): void {
    this.openCount--;
    if (this.openCount === 0 && this.nlink === 0) this.freeWhenUnused();
  }

  seekDataHole(offset: number, hole: boolean): number {
    return this.data.seekDataHole(this.size, offset, hole);
  }

  /** shmem_fallocate: plain allocation (optionally keeping the size) and hole punching. */
  fallocate(mode: number, offset: number, length: number): void {
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) throw vfsError('EOPNOTSUPP');
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      const before = this.data.allocatedPages;
      this.data.punch(offset, length);
      this.fs.chargePages(this.data.allocatedPages - before);
      return;
    }
    if (offset + length > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
    this.fs.chargePages(this.data.missingPages(offset, length));
    this.data.allocate(offset, length);
    if (!(mode & FALLOC_FL_KEEP_SIZE) && offset + length > this.size) this.size = offset + length;
  }

  /**
   * A size change without an explicit mtime (truncate(2)) moves mtime when the size changes or
   * when pages are dropped from a file that has any (shmem_setattr, shmem_truncate_range); a
   * same-size truncate of a file without pages leaves it.
   */
  override setattr(attr: SetAttr, now: Timespec): void {
    if (attr.size !== undefined && attr.mtime === undefined) {
      if (attr.size !== this.size || this.data.allocatedPages > 0) {
        attr = { ...attr, mtime: now };
      } else if (attr.mode === undefined && attr.uid === undefined && attr.gid === undefined &&
        attr.atime === undefined && attr.ctime === undefined) {
        // shmem_setattr: truncate(2) of an empty file to its own size changes nothing, times included.
        return;
      }
    }
    super.setattr(attr, now);
  }

  protected override resize(size: number): void {
    if (size > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
    const before = this.data.allocatedPages;
    this.data.truncate(this.size, size);
    this.fs.chargePages(this.data.allocatedPages - before);
    this.size = size;
  }

  /** Releases the data of an unlinked file once no open file holds it. */
  freeWhenUnused(): void {
    if (this.openCount > 0 || this.nlink > 0 || this.freed) return;
    this.freed = true;
    this.resize(0);
    this.fs.inodeCount--;
  }
}

/** A tmpfs symbolic link. */
export class TmpfsSymlink extends TmpfsInode {
  target: ByteString = '';
  override blocks(): number { return 0; }
  override readlink(): ByteString {
    return this.target;
  }
}

