// This module is browser compatible.
/**
 * The interface between the VFS core and filesystems (Linux's `inode_operations`,
 * `file_operations` and `super_operations`). A filesystem answers per-name questions about one
 * directory at a time; it never sees paths, mounts, symlink resolution or credentials. The core
 * does every check Linux does in the VFS (fs/namei.c, fs/attr.c, fs/xattr.c) before calling in,
 * so a filesystem only stores and reports.
 *
 * Ownership: an Inode is held by its filesystem (through directory entries) and by the core's
 * dentries and open file descriptions. An inode whose nlink reached 0 stays usable for as long
 * as any open file description holds it; garbage collection frees it afterwards.
 */
import { RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../abi/constants.js';
import type { ByteString } from './bytes.js';
import { vfsError } from './errors.js';
import type { WalkContext } from './path_walk.js';
import type { SetAttr, Stat, StatFs, Timespec } from './stat.js';
import type { VirtualFileSystem } from './virtual_filesystem.js';

/** Attributes of an object the core asks a filesystem to create (mode includes the type bits). */
export interface NewInodeAttrs {
  mode: number;
  uid: number;
  gid: number;
  rdev: number;
}

/** Receives directory entries from `FileHandle.readdir`; returns false to stop. */
export type DirentSink = (name: ByteString, ino: number, type: number, nextCookie: number) => boolean;

/**
 * An open file's filesystem side (Linux `file_operations`). The core keeps the offset and
 * flags; a handle only answers positional requests.
 */
export interface FileHandle {
  /** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the count (0 at EOF). */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  /**
   * Writes `length` bytes from `buf[offset..]` at `position`, or at the end of file when
   * `position` is -1 (O_APPEND); returns the count written.
   */
  write(buf: Uint8Array, offset: number, length: number, position: number): number;
  /**
   * Lists directory entries from `cookie` on (cookies below 2 belong to `.` and `..`, which the
   * core emits). Each entry comes with the cookie that resumes after it; cookies fit in 31 bits.
   */
  readdir(cookie: number, sink: DirentSink): void;
  /** Flushes data to stable storage, where there is any. */
  fsync(): void;
  /** Called when the last file descriptor sharing this open file is closed. */
  release(): void;
  /** SEEK_DATA/SEEK_HOLE support: the next data or hole offset at or after `offset`. */
  seekDataHole?(offset: number, hole: boolean): number;
  /**
   * fallocate(2) for this open file (Linux `file_operations.fallocate`): `mode` holds only the
   * FALLOC_FL_* bits the core let through. Absent: EOPNOTSUPP. The core updates times after.
   */
  fallocate?(mode: number, offset: number, length: number): void;
}

/** Default answers for handles that do not support an operation (gVisor's FileDescriptionDefaultImpl). */
export const defaultHandle: FileHandle = {
  read(): number { throw vfsError('EINVAL'); },
  write(): number { throw vfsError('EINVAL'); },
  readdir(): void { throw vfsError('ENOTDIR'); },
  fsync(): void {},
  release(): void {},
};

let nextDev = 1;
/** Allocates an anonymous device number (major 0), as the kernel's get_anon_bdev does. */
export function allocateAnonDev(): number {
  return nextDev++;
}

/**
 * A mounted filesystem instance (Linux `super_block`).
 */
export abstract class FileSystem {
  /** The filesystem type as /proc/mounts shows it, e.g. `'tmpfs'`. */
  abstract readonly type: string;
  /** The device number of every inode of this filesystem. */
  readonly dev: number = allocateAnonDev();
  /** True when the filesystem can never be written (erofs, an overlay without upper). */
  readonly readOnly: boolean = false;
  /**
   * Set when the filesystem was made read-only after mounting (SB_RDONLY by reconfiguration,
   * e.g. Linux's "umount /" without MNT_DETACH, which remounts the root read-only).
   */
  remountedReadOnly = false;
  /** sb_rdonly(): read-only by nature or by reconfiguration. */
  isReadOnly(): boolean {
    return this.readOnly || this.remountedReadOnly;
  }
  /**
   * True when entries may change behind the core's back (a host directory): cached dentries are
   * revalidated on every walk through `revalidate`.
   */
  readonly volatile: boolean = false;
  /** SB_NODIRATIME: reading a directory never updates its access time (procfs sets it). */
  readonly noDirAtime: boolean = false;
  /** Longest name in bytes (statfs f_namelen). */
  readonly nameMax: number = 255;
  /**
   * The renameat2 flags this filesystem's rename supports; others are EINVAL once every VFS check
   * has passed, as each filesystem's ->rename decides (overlayfs refuses RENAME_WHITEOUT).
   */
  readonly renameFlags: number = RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT;
  /**
   * True when the filesystem keeps POSIX ACLs (IS_POSIXACL): it stores the xattrs
   * `system.posix_acl_access`/`_default` as given, and the core enforces and inherits them.
   */
  readonly posixAcl: boolean = false;
  /** The root directory. */
  abstract readonly root: Inode;
  /** Filesystem statistics. */
  abstract statfs(): StatFs;
  /**
   * For volatile filesystems: checks a cached entry (Linux `d_revalidate`). Returns the inode now
   * found under `name` in `dir` (the same object when unchanged), or null when it is gone.
   */
  revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    void dir; void name;
    return cached;
  }
  /**
   * Called when a mount of this filesystem is made in `vfs`, before it is attached (Linux: a
   * filesystem's fill_super sees the mounter's namespaces; procfs binds to the pid namespace
   * there). Errors: what the filesystem refuses (procfs: EBUSY when it shows another VFS).
   */
  attachTo(vfs: VirtualFileSystem): void {
    void vfs;
  }
  /** The text shown as the mount source in /proc/self/mounts. */
  get source(): string {
    return this.type;
  }
  /** Options shown in /proc/self/mounts (after rw/ro). */
  get mountOptions(): string {
    return '';
  }
  /**
   * For filesystems that are never mounted in a namespace (pipes): the name /proc/<pid>/fd
   * shows for one of their objects instead of a path (Linux d_op->d_dname, `pipe:[ino]`).
   */
  dname?(inode: Inode): ByteString;
}

/**
 * One filesystem object (Linux `struct inode`). Attributes are plain fields the core reads on
 * the hot path (permission checks); methods have Linux's default errors and are overridden by
 * each filesystem for what it supports.
 */
export abstract class Inode {
  /** The filesystem this inode belongs to. */
  abstract readonly fs: FileSystem;
  ino = 0;
  mode = 0;
  uid = 0;
  gid = 0;
  nlink = 1;
  size = 0;
  rdev = 0;
  atimeSec = 0;
  atimeNsec = 0;
  mtimeSec = 0;
  mtimeNsec = 0;
  ctimeSec = 0;
  ctimeNsec = 0;
  btimeSec = 0;
  btimeNsec = 0;
  /**
   * S_IMMUTABLE (Linux: FS_IMMUTABLE_FL, and procfs's /proc/<pid> directories): the core refuses
   * every write permission check and attribute change with EPERM, root's included.
   */
  immutable = false;

  isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR; }
  isSymlink(): boolean { return (this.mode & S_IFMT) === S_IFLNK; }
  isRegular(): boolean { return (this.mode & S_IFMT) === S_IFREG; }

  /** 512-byte blocks allocated (st_blocks). */
  blocks(): number { return Math.ceil(this.size / 512); }
  /** Preferred I/O size (st_blksize). */
  blksize(): number { return 4096; }

  /**
   * Refreshes the fields from the backing store (hostfs) and fills `out`. Linux `getattr`.
   */
  getattr(out: Stat): void {
    out.dev = this.fs.dev;
    out.ino = this.ino;
    out.mode = this.mode;
    out.nlink = this.nlink;
    out.uid = this.uid;
    out.gid = this.gid;
    out.rdev = this.rdev;
    out.size = this.size;
    out.blksize = this.blksize();
    out.blocks = this.blocks();
    out.atime = { sec: this.atimeSec, nsec: this.atimeNsec };
    out.mtime = { sec: this.mtimeSec, nsec: this.mtimeNsec };
    out.ctime = { sec: this.ctimeSec, nsec: this.ctimeNsec };
    out.btime = this.btimeSec === 0 && this.btimeNsec === 0 ? undefined : { sec: this.btimeSec, nsec: this.btimeNsec };
  }

  /**
   * Applies attribute changes the core has already permitted (Linux `setattr` after
   * `setattr_prepare`); updates ctime. Size changes truncate or extend regular files.
   * Errors: EROFS, EPERM (filesystem refuses), EFBIG.
   */
  setattr(attr: SetAttr, now: Timespec): void {
    void attr; void now;
    throw vfsError('EPERM');
  }

  // ---- directory operations (Linux inode_operations). Names are never "." or "..". ----

  /**
   * Set on a directory whose names compare after folding (casefold: Linux d_hash and d_compare,
   * which ext4 installs for casefolded directories): the key under which `name` is cached.
   * Names with equal keys are one entry: `lookup` finds it by any of them, creating one of them
   * when another exists is EEXIST, and the core passes the stored name (the one the dentry
   * holds) to unlink, rmdir and rename. A directory may gain or lose its folding only while
   * empty. Errors: EINVAL (a name its encoding refuses: strict encoding).
   */
  declare foldName?: ((name: ByteString) => ByteString) | undefined;
  /**
   * With `foldName`: the name stored for the entry that `name` finds, for a dentry made on a
   * cache miss (Linux d_add_ci), or null when absent. Without it the dentry keeps the name as
   * looked up, as ext4 does.
   */
  storedName?(name: ByteString): ByteString | null;

  /** Finds `name` in this directory (Linux `lookup`). Returns null when absent. */
  lookup(name: ByteString): Inode | null {
    void name;
    throw vfsError('ENOTDIR');
  }
  /** Creates a regular file (Linux `create`). The core checked EEXIST and permissions. */
  create(name: ByteString, attrs: NewInodeAttrs): Inode {
    void name; void attrs;
    throw vfsError('EPERM');
  }
  /** Creates an unnamed regular file with nlink 0 (Linux `tmpfile`, for O_TMPFILE). */
  tmpfile(attrs: NewInodeAttrs): Inode {
    void attrs;
    throw vfsError('EOPNOTSUPP');
  }
  /** Creates a directory (Linux `mkdir`). Errors: EMLINK, ENOSPC. */
  mkdir(name: ByteString, attrs: NewInodeAttrs): Inode {
    void name; void attrs;
    throw vfsError('EPERM');
  }
  /** Creates a device, fifo or socket node (Linux `mknod`). */
  mknod(name: ByteString, attrs: NewInodeAttrs): Inode {
    void name; void attrs;
    throw vfsError('EPERM');
  }
  /** Creates a symlink holding `target` (Linux `symlink`). */
  symlink(name: ByteString, target: ByteString, attrs: NewInodeAttrs): Inode {
    void name; void target; void attrs;
    throw vfsError('EPERM');
  }
  /** Adds a hard link `name` to `inode` (Linux `link`). Errors: EMLINK. */
  link(name: ByteString, inode: Inode): void {
    void name; void inode;
    throw vfsError('EPERM');
  }
  /** Removes the non-directory entry `name` that refers to `inode` (Linux `unlink`). */
  unlink(name: ByteString, inode: Inode): void {
    void name; void inode;
    throw vfsError('EPERM');
  }
  /** Removes the directory entry `name` (Linux `rmdir`). Errors: ENOTEMPTY. */
  rmdir(name: ByteString, inode: Inode): void {
    void name; void inode;
    throw vfsError('EPERM');
  }
  /**
   * Moves `oldName` (referring to `inode`) to `newDir`/`newName` (Linux `rename`), replacing
   * `replaced` when not null, or swapping the two when `exchange`. The core has checked every
   * rule that does not need the filesystem (EINVAL for a subtree, EISDIR/ENOTDIR, permissions);
   * the filesystem checks ENOTEMPTY for a replaced directory and EMLINK.
   */
  rename(oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean): void {
    void oldName; void inode; void newDir; void newName; void replaced; void exchange;
    throw vfsError('EPERM');
  }
  /** True when the directory holds no entries other than `.` and `..`. */
  isEmptyDir(): boolean {
    throw vfsError('ENOTDIR');
  }

  // ---- other objects ----

  /**
   * The target of a symlink (Linux `get_link`). `ctx` is the process following or reading the
   * link, for bodies that depend on it (/proc/self). Errors: EINVAL for non-symlinks.
   */
  readlink(ctx?: WalkContext): ByteString {
    void ctx;
    throw vfsError('EINVAL');
  }
  /**
   * The core holds the inode without opening it (an O_PATH descriptor, a process's executable)
   * until the matching `iput` (Linux ihold/iput): a filesystem that frees an unlinked file's
   * data once nothing holds it counts these holders as it counts open handles.
   */
  ihold?(): void;
  /** Ends a hold taken with `ihold`. */
  iput?(): void;
  /**
   * Opens the object for I/O (Linux `open`). `flags` are the open flags (O_ACCMODE etc.), with
   * O_TRUNC when the core will truncate the file right after (the core does the truncation);
   * `ctx` is the opening process (Linux's `current`, which procfs files consult).
   */
  open(flags: number, ctx?: WalkContext): FileHandle {
    void flags; void ctx;
    return defaultHandle;
  }

  // ---- extended attributes (names include their namespace prefix, e.g. "user.x") ----

  /** The value of an xattr, or null when absent. Errors: EOPNOTSUPP. */
  getxattr(name: ByteString): Uint8Array | null {
    void name;
    throw vfsError('EOPNOTSUPP');
  }
  /** Sets an xattr; `flags` are XATTR_CREATE / XATTR_REPLACE (already checked by the core). */
  setxattr(name: ByteString, value: Uint8Array, flags: number, now: Timespec): void {
    void name; void value; void flags; void now;
    throw vfsError('EOPNOTSUPP');
  }
  /** The names of all xattrs. */
  listxattr(): ByteString[] {
    return [];
  }
  /** Removes an xattr. Errors: ENODATA. */
  removexattr(name: ByteString, now: Timespec): void {
    void name; void now;
    throw vfsError('EOPNOTSUPP');
  }
}
