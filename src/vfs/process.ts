// This module is browser compatible.
/**
 * A process: credentials, a filesystem context (root, cwd, umask) and a file descriptor table,
 * with one method per syscall. Each method does what the Linux syscall does, in the kernel's
 * order of checks (fs/open.c, fs/namei.c, fs/stat.c, fs/read_write.c, fs/readdir.c, fs/xattr.c,
 * fs/attr.c, fs/fcntl.c, fs/file.c, fs/namespace.c), and throws `VfsError` with the kernel's
 * errno.
 *
 * @example
 * const p = vfs.createProcess({ cwd: '/home' });
 * const fd = p.openat(AT_FDCWD, 'notes.txt', O_CREAT | O_WRONLY, 0o644);
 * p.write(fd, new TextEncoder().encode('hello\n'));
 * p.close(fd);
 */
import {
  AT_EACCESS, AT_EMPTY_PATH, FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE, AT_FDCWD, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_STATX_SYNC_TYPE,
  AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, DT_DIR, FD_CLOEXEC, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD,
  F_GETFL, F_SETFD, F_SETFL, FASYNC, MNT_DETACH, MNT_EXPIRE, MNT_FORCE, O_ACCMODE, O_APPEND, O_CLOEXEC,
  O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOFOLLOW, O_NONBLOCK,
  O_PATH, O_RDONLY, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, RESOLVE_BENEATH,
  RESOLVE_CACHED, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
  S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID,
  S_ISUID, S_ISVTX, S_IXGRP, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, UMOUNT_NOFOLLOW,
  UTIME_NOW, UTIME_OMIT, VALID_OPEN_FLAGS, VALID_RESOLVE_FLAGS, XATTR_CREATE, XATTR_REPLACE,
  __O_SYNC, __O_TMPFILE, makedev, MS_BIND, MS_NOATIME, MS_REC, MS_REMOUNT, MS_RDONLY,
} from '../abi/constants.js';
import { errno } from '../abi/errno.js';
import { PATH_MAX, XATTR_LIST_MAX, XATTR_NAME_MAX, XATTR_SIZE_MAX } from '../abi/limits.js';
import {
  byteStringToBytes, byteStringToUtf8, toByteString, utf8Decode, type ByteString, type PathLike,
} from './bytes.js';
import type { Cred } from './cred.js';
import { Dentry, rootDentryOf } from './dentry.js';
import { Pipe, WOULD_BLOCK } from './devices.js';
import { Dirent64 } from './dirent.js';
import { VfsError, makeError, vfsError } from './errors.js';
import { FdTable } from './fd_table.js';
import { FsContext } from './fs_context.js';
import { defaultHandle, type FileHandle, type FileSystem, type Inode, type NewInodeAttrs } from './inode.js';
import {
  XATTR_POSIX_ACL_ACCESS, XATTR_POSIX_ACL_DEFAULT, aclChmod, aclCreateMasq, aclEquivMode, aclFromXattr,
  aclToXattr, aclValidate, isPosixAclXattr, type PosixAcl,
} from './posix_acl.js';
import { Mount, mountFlags, type MountOptions, type VirtualDentry } from './mount.js';
import { OpenFile } from './open_file.js';
import { PipeFs } from './pipefs.js';
import {
  LAST_NORM, LOOKUP_BENEATH, LOOKUP_CACHED, LOOKUP_MOUNTPOINT, LOOKUP_DIRECTORY, LOOKUP_EMPTY, LOOKUP_FOLLOW,
  LOOKUP_IN_ROOT, LOOKUP_NO_MAGICLINKS, LOOKUP_NO_SYMLINKS, LOOKUP_NO_XDEV, PathWalk, WALK,
  lookupChild, type MagicLink, type ParsedPath, type WalkContext,
} from './path_walk.js';
import {
  MAY_EXEC, MAY_READ, MAY_WRITE, chgrpOk, chownOk, inGroupOrCapable, ownerOrCapable,
  permissionErrno, shouldDropSgid, stickyRefuses,
} from './permissions.js';
import type { SetAttr, Stat, StatFs, Timespec } from './stat.js';
import type { VirtualFileSystem } from './virtual_filesystem.js';

/** openat2's `struct open_how`. */
export interface OpenHow {
  flags: number;
  mode?: number;
  resolve?: number;
}

/** Options for `clone`. */
export interface CloneOptions {
  /** 'share' (CLONE_FILES, a thread) or 'copy' (fork). Default 'copy'. */
  files?: 'share' | 'copy';
  /** 'share' (CLONE_FS, a thread) or 'copy' (own cwd/root/umask). Default 'copy'. */
  fs?: 'share' | 'copy';
  /**
   * CLONE_THREAD: the new task joins this one's thread group (same tgid and parent, listed
   * under /proc/<tgid>/task) instead of becoming a child process. Default false.
   */
  thread?: boolean;
}

/** Source of a `mount` call: a filesystem instance, or a path to bind-mount. */
export type MountSource = FileSystem | { bind: PathLike; recursive?: boolean };

/** What planNewInode decides for a new object. */
interface NewInodePlan {
  attrs: NewInodeAttrs;
  /** The xattr values of the ACLs it inherits, if any. */
  access: Uint8Array | null;
  dflt: Uint8Array | null;
}

const O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
const SETFL_MASK = O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME;
const DAY = 24 * 3600;

/** Linux ACC_MODE: the MAY_* bits an access mode asks for. */
function accMode(flags: number): number {
  switch (flags & O_ACCMODE) {
    case 0: return MAY_READ;
    case 1: return MAY_WRITE;
    default: return MAY_READ | MAY_WRITE;
  }
}

function isSpecial(mode: number): boolean {
  const t = mode & S_IFMT;
  return t === S_IFCHR || t === S_IFBLK || t === S_IFIFO || t === S_IFSOCK;
}

function emptyStat(): Stat {
  return {
    dev: 0, ino: 0, mode: 0, nlink: 0, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 0, blocks: 0,
    atime: { sec: 0, nsec: 0 }, mtime: { sec: 0, nsec: 0 }, ctime: { sec: 0, nsec: 0 }, btime: undefined, mntId: 0,
  };
}

function pathText(path: PathLike): string {
  return typeof path === 'string' ? path : utf8Decode(path);
}

function timeLE(aSec: number, aNsec: number, bSec: number, bNsec: number): boolean {
  return aSec < bSec || (aSec === bSec && aNsec <= bNsec);
}

export class Process implements WalkContext {
  readonly vfs: VirtualFileSystem;
  /** The task id (a thread's tid; the process id of a thread group's leader). */
  readonly pid: number;
  /** The thread group id: the leader's pid, shared by every thread (see `clone`). */
  readonly tgid: number;
  cred: Cred;
  fsContext: FsContext;
  files: FdTable;
  /** Parent process id. */
  readonly ppid: number;
  /**
   * The command name (Linux `comm`, /proc/<pid>/status Name): the last component of the path
   * given to `setExecutable`, at most 15 bytes, inherited by clones.
   */
  comm: ByteString = '';
  private exited = false;
  /** The program file (Linux mm->exe_file); pinned while recorded, so its mount stays busy. */
  private exeFile: VirtualDentry | null = null;

  /** @internal Use `VirtualFileSystem.createProcess` or `Process.clone`. */
  constructor(vfs: VirtualFileSystem, pid: number, ppid: number, cred: Cred, fsContext: FsContext, files: FdTable, tgid = pid) {
    this.vfs = vfs;
    this.pid = pid;
    this.tgid = tgid;
    this.ppid = ppid;
    this.cred = cred;
    this.fsContext = fsContext;
    this.files = files;
  }

  // ---- WalkContext ----

  get protectedSymlinks(): boolean {
    return this.vfs.options.protectedSymlinks;
  }

  root(): VirtualDentry {
    return this.fsContext.root;
  }

  cwd(): VirtualDentry {
    return this.fsContext.cwd;
  }

  dirfdPath(fd: number): VirtualDentry {
    const f = this.files.get(fd);
    return { mount: f.mount, dentry: f.dentry };
  }

  // ---- processes ----

  /**
   * Makes a new process or thread (Linux clone/fork). `files: 'share'` and `fs: 'share'` make a
   * thread that shares the descriptor table or the cwd/root/umask.
   */
  clone(options: CloneOptions = {}): Process {
    const files = options.files === 'share' ? this.files : this.files.copy();
    const fsContext = options.fs === 'share' ? this.fsContext : this.fsContext.copy();
    // copy_process: a thread keeps the caller's parent (real_parent) and thread group.
    const child = options.thread === true
      ? this.vfs.registerProcess(this.ppid, this.cred, fsContext, files, this.tgid)
      : this.vfs.registerProcess(this.pid, this.cred, fsContext, files);
    child.comm = this.comm;
    child.recordExe(this.exeFile);
    return child;
  }

  /** Closes every descriptor and leaves the process table (exit_group). */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    if (!this.vfs.sharesFiles(this)) this.files.closeAll();
    if (!this.vfs.sharesFsContext(this)) this.fsContext.release();
    this.recordExe(null);
    this.vfs.unregisterProcess(this);
  }

  /** The program file this process runs (/proc/<pid>/exe), or null when none was recorded. */
  get exe(): VirtualDentry | null {
    return this.exeFile;
  }

  /**
   * Records the program this process runs, as execve(2) does once it has opened it
   * (do_open_execat, then set_mm_exe_file and __set_task_comm): /proc/<pid>/exe leads to the
   * file and the command name becomes the last component of `path` as given ("N" for
   * AT_EMPTY_PATH on descriptor N, whose path execveat calls /dev/fd/N). Loading and running
   * the program, and closing O_CLOEXEC descriptors, are the caller's business.
   * Flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. Errors: EINVAL (flags), ENOENT, ENOTDIR, ELOOP,
   * EACCES (not a regular file, a noexec mount, no execute permission), EBADF.
   *
   * @example
   * p.setExecutable(AT_FDCWD, '/usr/bin/python3');
   */
  setExecutable(dirfd: number, path: PathLike, flags = 0): void {
    try {
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
      const p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      // do_open_execat asks may_open for MAY_EXEC only: directories, devices, fifos and noexec
      // mounts are EACCES, a symlink (AT_SYMLINK_NOFOLLOW) ELOOP.
      this.mayOpen(p.mount, p.dentry.inode, MAY_EXEC, 0);
      const name = toByteString(path);
      const base = name.length === 0 ? String(dirfd) : name.slice(name.lastIndexOf('/') + 1);
      this.recordExe(p);
      this.comm = base.slice(0, 15);
    } catch (e) {
      throw this.fail(e, 'execve', path);
    }
  }

  private recordExe(path: VirtualDentry | null): void {
    if (path !== null) {
      path.mount.refs++;
      path.dentry.pins++;
      path.dentry.inode.ihold?.();
    }
    const old = this.exeFile;
    this.exeFile = path;
    if (old !== null) {
      old.mount.refs--;
      old.dentry.pins--;
      old.dentry.inode.iput?.();
    }
  }

  /** Changes the credentials (setresuid/setgroups as one step). */
  setCred(cred: Cred): void {
    this.cred = cred;
  }

  // ---- open, close, descriptors ----

  /**
   * Opens a file (openat(2)). Unknown flags are ignored and the mode is used only when a file is
   * created, as the kernel does for the old open calls.
   * Errors: ENOENT, EEXIST, EISDIR, ENOTDIR, ELOOP, EACCES, EROFS, ENXIO, EINVAL, EMFILE, ...
   */
  openat(dirfd: number, path: PathLike, flags: number, mode = 0): number {
    try {
      // The syscall adds O_LARGEFILE (force_o_largefile), then build_open_how drops unknown
      // bits and O_PATH beats everything else, O_LARGEFILE included.
      let f = (flags & VALID_OPEN_FLAGS) | O_LARGEFILE;
      let m = mode & S_IALLUGO;
      if (f & O_PATH) f &= O_PATH_FLAGS;
      if (!(f & O_CREAT) && (f & __O_TMPFILE) === 0) m = 0;
      return this.doOpen(dirfd, toByteString(path), f, m, 0);
    } catch (e) {
      throw this.fail(e, 'openat', path);
    }
  }

  /**
   * Opens a file with openat2(2) semantics: unknown flags and modes are EINVAL, and `resolve`
   * restricts the walk (RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS,
   * RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV, RESOLVE_CACHED).
   */
  openat2(dirfd: number, path: PathLike, how: OpenHow): number {
    try {
      const flags = how.flags;
      const mode = how.mode ?? 0;
      const resolve = how.resolve ?? 0;
      if ((flags & ~O_CLOEXEC) & ~VALID_OPEN_FLAGS || flags < 0) throw vfsError('EINVAL');
      if (resolve & ~VALID_RESOLVE_FLAGS) throw vfsError('EINVAL');
      if (resolve & RESOLVE_BENEATH && resolve & RESOLVE_IN_ROOT) throw vfsError('EINVAL');
      if (flags & (O_CREAT | __O_TMPFILE)) {
        if (mode & ~S_IALLUGO) throw vfsError('EINVAL');
      } else if (mode !== 0) {
        throw vfsError('EINVAL');
      }
      if (flags & O_PATH && flags & ~O_PATH_FLAGS) throw vfsError('EINVAL');
      // The syscall adds O_LARGEFILE to everything but O_PATH opens.
      return this.doOpen(dirfd, toByteString(path), flags & O_PATH ? flags : flags | O_LARGEFILE, mode, resolve);
    } catch (e) {
      throw this.fail(e, 'openat2', path);
    }
  }

  /** Linux build_open_flags + path_openat + do_open. */
  private doOpen(dirfd: number, path: ByteString, flags: number, mode: number, resolve: number): number {
    if ((flags & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) throw vfsError('EINVAL');
    let acc = accMode(flags);
    if (flags & __O_TMPFILE) {
      if (!(flags & O_DIRECTORY)) throw vfsError('EINVAL');
      if (!(acc & MAY_WRITE)) throw vfsError('EINVAL');
    }
    if (flags & O_PATH) acc = 0;
    if (flags & __O_SYNC) flags |= O_DSYNC;
    if (flags & O_TRUNC) acc |= MAY_WRITE;
    let lookupFlags = 0;
    if (flags & O_CREAT && flags & O_EXCL) flags |= O_NOFOLLOW;
    if (flags & O_DIRECTORY) lookupFlags |= LOOKUP_DIRECTORY;
    if (!(flags & O_NOFOLLOW)) lookupFlags |= LOOKUP_FOLLOW;
    if (resolve & RESOLVE_NO_XDEV) lookupFlags |= LOOKUP_NO_XDEV;
    if (resolve & RESOLVE_NO_MAGICLINKS) lookupFlags |= LOOKUP_NO_MAGICLINKS;
    if (resolve & RESOLVE_NO_SYMLINKS) lookupFlags |= LOOKUP_NO_SYMLINKS;
    if (resolve & RESOLVE_BENEATH) lookupFlags |= LOOKUP_BENEATH;
    if (resolve & RESOLVE_IN_ROOT) lookupFlags |= LOOKUP_IN_ROOT;
    if (resolve & RESOLVE_CACHED) {
      if (flags & (O_TRUNC | O_CREAT | __O_TMPFILE)) throw vfsError('EAGAIN');
      lookupFlags |= LOOKUP_CACHED;
    }
    const cloexec = (flags & O_CLOEXEC) !== 0;
    const fileFlags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY_BIT | O_CLOEXEC);
    let file: OpenFile;
    if (flags & __O_TMPFILE) {
      file = this.openTmpfile(dirfd, path, flags, mode, lookupFlags, acc);
    } else if (flags & O_PATH) {
      const w = new PathWalk(this, lookupFlags);
      const p = w.lookup(dirfd, path);
      file = new OpenFile(p.mount, p.dentry, p.dentry.inode, fileFlags, holdHandle(p.dentry.inode));
    } else {
      file = this.pathOpenat(dirfd, path, flags, mode, lookupFlags, acc, fileFlags);
    }
    try {
      return this.files.install(file, cloexec);
    } catch (e) {
      file.refs = 1;
      file.put();
      throw e;
    }
  }

  private pathOpenat(dirfd: number, path: ByteString, flags: number, mode: number, lookupFlags: number, acc: number, fileFlags: number): OpenFile {
    const w = new PathWalk(this, lookupFlags);
    let s: ByteString | ParsedPath | null = w.init(dirfd, path);
    let created = false;
    for (;;) {
      w.linkPathWalk(s);
      // open_last_lookups
      if (w.lastType !== LAST_NORM) {
        w.walkComponent(WALK.TRAILING);
        break;
      }
      if (!(flags & O_CREAT)) {
        if (w.lastTrailing) w.flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
        const child = lookupChild(w.dentry, w.last, (w.flags & LOOKUP_CACHED) !== 0, w.lastKey);
        if (child === null) throw vfsError('ENOENT');
        s = w.stepInto(WALK.TRAILING, child);
      } else {
        if (w.lastTrailing) throw vfsError('EISDIR');
        // lookup_open
        const dir = w.dentry;
        if (dir.deleted && dir.inode.isDir()) throw vfsError('ENOENT');
        let child = lookupChild(dir, w.last, false, w.lastKey);
        if (child === null) {
          if (w.mount.readOnly) throw vfsError('EROFS');
          this.mayCreateErr(dir, MAY_WRITE | MAY_EXEC);
          const plan = this.planNewInode(dir.inode, mode, S_IALLUGO, S_IFREG, 0);
          const inode = this.finishNewInode(dir.inode.create(w.last, plan.attrs), plan);
          child = new Dentry(w.last, dir, inode, w.lastKey);
          dir.addChild(child);
          created = true;
        }
        s = w.stepInto(WALK.TRAILING, child);
      }
      if (s === null) break;
    }
    // do_open
    const m = w.mount;
    const d = w.dentry;
    const inode = d.inode;
    if (flags & O_CREAT) {
      if (flags & O_EXCL && !created) throw vfsError('EEXIST');
      if (inode.isDir()) throw vfsError('EISDIR');
      this.mayCreateInSticky(w, inode);
    }
    if (w.flags & LOOKUP_DIRECTORY && !inode.isDir()) throw vfsError('ENOTDIR');
    let truncate = false;
    if (created) {
      acc = 0;
    } else if (inode.isRegular() && flags & O_TRUNC) {
      if (m.readOnly) throw vfsError('EROFS');
      truncate = true;
    }
    this.mayOpen(m, inode, acc, flags);
    if ((flags & O_ACCMODE) !== 0 && !isSpecial(inode.mode) && m.readOnly) throw vfsError('EROFS');
    // ->open sees O_TRUNC (do_dentry_open drops it only afterwards): overlayfs copies up no data then.
    const handle = this.openHandle(m, inode, truncate ? fileFlags | O_TRUNC : fileFlags);
    const file = new OpenFile(m, d, inode, fileFlags, handle.handle);
    file.private = handle.private;
    if (truncate) {
      try {
        this.doTruncate(inode, 0, true);
      } catch (e) {
        file.refs = 1;
        file.put();
        throw e;
      }
    }
    return file;
  }

  /** O_TMPFILE: an unnamed regular file in a directory (Linux do_tmpfile, vfs_tmpfile). */
  private openTmpfile(dirfd: number, path: ByteString, flags: number, mode: number, lookupFlags: number, acc: number): OpenFile {
    const w = new PathWalk(this, lookupFlags | LOOKUP_DIRECTORY);
    const p = w.lookup(dirfd, path);
    if (p.mount.readOnly) throw vfsError('EROFS');
    this.mayCreateErr(p.dentry, MAY_WRITE | MAY_EXEC);
    const plan = this.planNewInode(p.dentry.inode, mode, S_IALLUGO, S_IFREG, 0);
    const inode = this.finishNewInode(p.dentry.inode.tmpfile(plan.attrs), plan);
    const d = new Dentry(`#${inode.ino}`, p.dentry, inode);
    d.deleted = true;
    void acc;
    // f_flags keep O_TMPFILE (F_GETFL and fdinfo show it); only do_dentry_open's bits go.
    const fileFlags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC);
    const file = new OpenFile(p.mount, d, inode, fileFlags, inode.open(fileFlags, this));
    if (!(flags & O_EXCL)) this.vfs.linkable.add(inode);
    return file;
  }

  /**
   * Linux may_create_in_sticky: O_CREAT opening an existing object in a sticky, writable
   * directory owned by someone else (fs.protected_fifos/protected_regular; other types always).
   */
  private mayCreateInSticky(w: PathWalk, inode: Inode): void {
    const type = inode.mode & S_IFMT;
    const opts = this.vfs.options;
    const dirMode = w.dirMode;
    if ((opts.protectedFifos === 0 && type === S_IFIFO) || (opts.protectedRegular === 0 && type === S_IFREG) ||
      !(dirMode & S_ISVTX) || inode.uid === w.dirUid || inode.uid === this.cred.fsuid) return;
    if (dirMode & 0o002 || (dirMode & 0o020 &&
      ((opts.protectedFifos >= 2 && type === S_IFIFO) || (opts.protectedRegular >= 2 && type === S_IFREG)))) {
      throw vfsError('EACCES');
    }
  }

  /** Linux may_open. */
  private mayOpen(m: Mount, inode: Inode, acc: number, flags: number): void {
    switch (inode.mode & S_IFMT) {
      case S_IFLNK:
        throw vfsError('ELOOP');
      case S_IFDIR:
        if (acc & MAY_WRITE) throw vfsError('EISDIR');
        if (acc & MAY_EXEC) throw vfsError('EACCES');
        break;
      case S_IFBLK:
      case S_IFCHR:
        if (m.nodev) throw vfsError('EACCES');
        if (acc & MAY_EXEC) throw vfsError('EACCES');
        break;
      case S_IFIFO:
      case S_IFSOCK:
        if (acc & MAY_EXEC) throw vfsError('EACCES');
        break;
      case S_IFREG:
        if (acc & MAY_EXEC && m.noexec) throw vfsError('EACCES');
        break;
    }
    this.inodePermission(inode, acc);
    if (flags & O_NOATIME && !ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
  }

  /** vfs_open: the filesystem's handle, or the VFS's own for devices and fifos. */
  private openHandle(m: Mount, inode: Inode, flags: number): { handle: FileHandle; private?: unknown } {
    switch (inode.mode & S_IFMT) {
      case S_IFCHR:
      case S_IFBLK: {
        const driver = (inode.mode & S_IFMT) === S_IFCHR ? this.vfs.devices.get(inode.rdev) : undefined;
        if (driver === undefined) throw vfsError('ENXIO');
        return { handle: driver(flags) };
      }
      case S_IFIFO:
        return { handle: this.vfs.pipeOf(inode).open(flags, inode.fs instanceof PipeFs) };
      case S_IFSOCK:
        throw vfsError('ENXIO');
      default:
        void m;
        return { handle: inode.open(flags, this) };
    }
  }

  /**
   * Closes a descriptor (close(2)). Errors: EBADF.
   */
  close(fd: number): void {
    try {
      this.files.close(fd);
    } catch (e) {
      throw this.fail(e, 'close');
    }
  }

  /**
   * Makes an anonymous pipe (pipe2(2)) and returns [read end, write end]. Flags: O_CLOEXEC,
   * O_NONBLOCK, O_DIRECT (kept in the write end's flags; vroot pipes keep no packet
   * boundaries). /proc/<pid>/fd names the ends `pipe:[ino]`, and opening that link opens the
   * same pipe as a fifo. Errors: EINVAL (other flags, O_NOTIFICATION_PIPE), EMFILE.
   *
   * @example
   * const [r, w] = p.pipe2(O_CLOEXEC);
   */
  pipe2(flags = 0): [number, number] {
    try {
      if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) throw vfsError('EINVAL');
      const pipefs = this.vfs.pipeFs;
      const dentry = pipefs.newPipe(this.cred);
      const pipe = this.vfs.pipeOf(dentry.inode);
      // create_pipe_files: both ends share one dentry.
      const reader = new OpenFile(pipefs.mount, dentry, dentry.inode, O_RDONLY | (flags & O_NONBLOCK), pipe.open(O_RDONLY, true));
      const writer = new OpenFile(pipefs.mount, dentry, dentry.inode, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)), pipe.open(O_WRONLY, true));
      const cloexec = (flags & O_CLOEXEC) !== 0;
      let fdr = -1;
      try {
        fdr = this.files.install(reader, cloexec);
        return [fdr, this.files.install(writer, cloexec)];
      } catch (e) {
        if (fdr >= 0) this.files.close(fdr);
        else { reader.refs = 1; reader.put(); }
        writer.refs = 1;
        writer.put();
        throw e;
      }
    } catch (e) {
      throw this.fail(e, 'pipe2');
    }
  }

  /** Duplicates a descriptor to the lowest free number (dup(2)). Errors: EBADF, EMFILE. */
  dup(fd: number): number {
    try {
      return this.files.install(this.files.get(fd), false);
    } catch (e) {
      throw this.fail(e, 'dup');
    }
  }

  /** dup2(2): like dup3 without flags, and a no-op when both numbers are equal. */
  dup2(oldfd: number, newfd: number): number {
    try {
      const file = this.files.get(oldfd);
      if (oldfd === newfd) return newfd;
      this.files.installAt(newfd, file, false);
      return newfd;
    } catch (e) {
      throw this.fail(e, 'dup2');
    }
  }

  /** dup3(2): duplicates onto `newfd`, closing what was there. Errors: EINVAL (same fd, bad flags), EBADF. */
  dup3(oldfd: number, newfd: number, flags = 0): number {
    try {
      if (flags & ~O_CLOEXEC) throw vfsError('EINVAL');
      if (oldfd === newfd) throw vfsError('EINVAL');
      const file = this.files.get(oldfd);
      this.files.installAt(newfd, file, (flags & O_CLOEXEC) !== 0);
      return newfd;
    } catch (e) {
      throw this.fail(e, 'dup3');
    }
  }

  /**
   * fcntl(2): F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL.
   * Errors: EBADF, EINVAL.
   */
  fcntl(fd: number, cmd: number, arg = 0): number {
    try {
      const file = this.files.get(fd);
      // check_fcntl_cmd: an O_PATH descriptor allows only these commands.
      if (file.isPath && cmd !== F_DUPFD && cmd !== F_DUPFD_CLOEXEC && cmd !== F_GETFD && cmd !== F_SETFD && cmd !== F_GETFL) {
        throw vfsError('EBADF');
      }
      switch (cmd) {
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
          return this.files.install(file, cmd === F_DUPFD_CLOEXEC, arg);
        case F_GETFD:
          return this.files.isCloexec(fd) ? FD_CLOEXEC : 0;
        case F_SETFD:
          this.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
          return 0;
        case F_GETFL:
          return file.flags;
        case F_SETFL:
          if (arg & O_NOATIME && !(file.flags & O_NOATIME) && !ownerOrCapable(this.cred, file.inode)) throw vfsError('EPERM');
          file.flags = (file.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
          return 0;
        default:
          throw vfsError('EINVAL');
      }
    } catch (e) {
      throw this.fail(e, 'fcntl');
    }
  }

  // ---- I/O ----

  private fileForIo(fd: number, write: boolean): OpenFile {
    const file = this.files.get(fd);
    if (write ? !file.writable : !file.readable) throw vfsError('EBADF');
    return file;
  }

  /**
   * Reads into `buf` at the file offset and advances it (read(2)). Returns the count; 0 at EOF.
   * Errors: EBADF, EISDIR, EAGAIN (empty fifo), EIO.
   */
  read(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
    try {
      const file = this.fileForIo(fd, false);
      checkRange(buf, offset, length);
      if (file.inode.isDir()) throw vfsError('EISDIR');
      const n = this.handleRead(file, buf, offset, length, file.pos);
      if (file.inode.isRegular()) {
        file.pos += n;
        // Linux (filemap_read, shmem_file_read_iter) touches atime on every read that asks
        // for bytes, one that meets the end of the file included.
        if (length > 0) this.touchAtimeFile(file);
      }
      return n;
    } catch (e) {
      throw this.fail(e, 'read');
    }
  }

  /** A read where O_NONBLOCK turns "would block" into a plain EAGAIN. */
  private handleRead(file: OpenFile, buf: Uint8Array, offset: number, length: number, position: number): number {
    try {
      return file.handle.read(buf, offset, length, position);
    } catch (e) {
      if (e instanceof VfsError && e.detail === WOULD_BLOCK && file.flags & O_NONBLOCK) throw vfsError('EAGAIN');
      throw e;
    }
  }

  /** Reads at `position` without moving the offset (pread64(2)). Errors: as read, ESPIPE, EINVAL. */
  pread(fd: number, buf: Uint8Array, position: number, offset = 0, length = buf.length - offset): number {
    try {
      // ksys_pread64/ksys_pwrite64: EINVAL, EBADF, ESPIPE (no positional I/O), then vfs_*'s EBADF.
      if (position < 0) throw vfsError('EINVAL');
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      const type = file.inode.mode & S_IFMT;
      if (type === S_IFIFO || type === S_IFSOCK) throw vfsError('ESPIPE');
      if (!file.readable) throw vfsError('EBADF');
      checkRange(buf, offset, length);
      if (file.inode.isDir()) throw vfsError('EISDIR');
      const n = file.handle.read(buf, offset, length, position);
      if (length > 0) this.touchAtimeFile(file);
      return n;
    } catch (e) {
      throw this.fail(e, 'pread64');
    }
  }

  /**
   * Writes `buf` at the file offset (or the end, with O_APPEND) and advances it (write(2)).
   * Clears set-user-ID and set-group-ID bits as Linux does for unprivileged writers.
   * Errors: EBADF, EFBIG, ENOSPC, EPIPE, EAGAIN.
   */
  write(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
    try {
      const file = this.fileForIo(fd, true);
      checkRange(buf, offset, length);
      if (length === 0) return 0;
      const inode = file.inode;
      if (!inode.isRegular()) return file.handle.write(buf, offset, length, file.pos);
      this.removePrivs(inode);
      const append = (file.flags & O_APPEND) !== 0;
      const pos = append ? -1 : file.pos;
      if (!append && pos + length > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
      const n = file.handle.write(buf, offset, length, pos);
      file.pos = append ? inode.size : pos + n;
      return n;
    } catch (e) {
      throw this.fail(e, 'write');
    }
  }

  /** Writes at `position` without moving the offset (pwrite64(2)); O_APPEND still appends, as on Linux. */
  pwrite(fd: number, buf: Uint8Array, position: number, offset = 0, length = buf.length - offset): number {
    try {
      // ksys_pread64/ksys_pwrite64: EINVAL, EBADF, ESPIPE (no positional I/O), then vfs_*'s EBADF.
      if (position < 0) throw vfsError('EINVAL');
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      const type = file.inode.mode & S_IFMT;
      if (type === S_IFIFO || type === S_IFSOCK) throw vfsError('ESPIPE');
      if (!file.writable) throw vfsError('EBADF');
      checkRange(buf, offset, length);
      if (length === 0) return 0;
      if (file.inode.isRegular()) this.removePrivs(file.inode);
      const pos = file.flags & O_APPEND ? -1 : position;
      return file.handle.write(buf, offset, length, pos);
    } catch (e) {
      throw this.fail(e, 'pwrite64');
    }
  }

  /**
   * Moves the file offset (lseek(2)). SEEK_DATA and SEEK_HOLE work on sparse files.
   * Errors: EBADF, EINVAL, ESPIPE, ENXIO.
   */
  lseek(fd: number, offset: number, whence: number): number {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      const inode = file.inode;
      const type = inode.mode & S_IFMT;
      if (type === S_IFIFO || type === S_IFSOCK) throw vfsError('ESPIPE');
      if (isSpecial(inode.mode)) {
        // Devices without a seek operation keep offset 0 (noop_llseek-style devices).
        return 0;
      }
      let pos: number;
      if (type === S_IFDIR) {
        // offset_dir_llseek: SEEK_SET and SEEK_CUR only.
        if (whence === SEEK_SET) pos = offset;
        else if (whence === SEEK_CUR) pos = file.pos + offset;
        else throw vfsError('EINVAL');
        if (pos < 0) throw vfsError('EINVAL');
        file.pos = pos;
        file.private = undefined;
        return pos;
      }
      switch (whence) {
        case SEEK_SET: pos = offset; break;
        case SEEK_CUR: pos = file.pos + offset; break;
        case SEEK_END: pos = inode.size + offset; break;
        case SEEK_DATA:
        case SEEK_HOLE: {
          if (offset < 0) throw vfsError('ENXIO');
          const handle = file.handle;
          if (handle.seekDataHole !== undefined) pos = handle.seekDataHole(offset, whence === SEEK_HOLE);
          else if (offset >= inode.size) throw vfsError('ENXIO');
          else pos = whence === SEEK_HOLE ? inode.size : offset;
          break;
        }
        default:
          throw vfsError('EINVAL');
      }
      if (pos < 0 || !Number.isFinite(pos)) throw vfsError('EINVAL');
      file.pos = pos;
      return pos;
    } catch (e) {
      throw this.fail(e, 'lseek');
    }
  }

  /**
   * Allocates or punches file space (fallocate(2)) in Linux's order of checks (vfs_fallocate).
   * Errors: EBADF, EINVAL, EOPNOTSUPP, ESPIPE, EISDIR, ENODEV, EFBIG, ENOSPC.
   */
  fallocate(fd: number, mode: number, offset: number, length: number): void {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      if (offset < 0 || length <= 0) throw vfsError('EINVAL');
      if (mode & ~0x7f) throw vfsError('EOPNOTSUPP');
      if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) === (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) throw vfsError('EOPNOTSUPP');
      if (mode & FALLOC_FL_PUNCH_HOLE && !(mode & FALLOC_FL_KEEP_SIZE)) throw vfsError('EOPNOTSUPP');
      if (mode & FALLOC_FL_COLLAPSE_RANGE && mode & ~FALLOC_FL_COLLAPSE_RANGE) throw vfsError('EINVAL');
      if (mode & FALLOC_FL_INSERT_RANGE && mode & ~FALLOC_FL_INSERT_RANGE) throw vfsError('EINVAL');
      if (mode & FALLOC_FL_UNSHARE_RANGE && mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)) throw vfsError('EINVAL');
      if (!file.writable) throw vfsError('EBADF');
      const inode = file.inode;
      const type = inode.mode & S_IFMT;
      if (type === S_IFIFO) throw vfsError('ESPIPE');
      if (type === S_IFDIR) throw vfsError('EISDIR');
      if (type !== S_IFREG && type !== S_IFBLK) throw vfsError('ENODEV');
      if (offset + length > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
      if (file.handle.fallocate === undefined) throw vfsError('EOPNOTSUPP');
      file.handle.fallocate(mode, offset, length);
      // file_modified: set-ID bits go, mtime and ctime move.
      this.removePrivs(inode);
      const now = this.vfs.clock();
      inode.setattr({ mtime: now }, now);
    } catch (e) {
      throw this.fail(e, 'fallocate');
    }
  }

  /** fsync(2). Errors: EBADF, EINVAL (no sync for this object). */
  fsync(fd: number): void {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      file.handle.fsync();
    } catch (e) {
      throw this.fail(e, 'fsync');
    }
  }

  /** fdatasync(2). */
  fdatasync(fd: number): void {
    this.fsync(fd);
  }

  /**
   * Reads directory entries from the offset on (getdents64(2)), `.` and `..` included. Stops
   * when the next record would not fit in `bufferSize` bytes of linux_dirent64 records.
   * Errors: EBADF, ENOTDIR, EINVAL (buffer too small for one entry), ENOENT (directory removed).
   */
  getdents64(fd: number, bufferSize = 32768): Dirent64[] {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      const inode = file.inode;
      if (!inode.isDir()) throw vfsError('ENOTDIR');
      // Linux: iterate_dir on a removed directory returns ENOENT (IS_DEADDIR).
      if (file.dentry.deleted) throw vfsError('ENOENT');
      const out: Dirent64[] = [];
      let used = 0;
      let tooSmall = false;
      const emit = (name: ByteString, ino: number, type: number, next: number): boolean => {
        const reclen = (19 + name.length + 1 + 7) & ~7;
        if (used + reclen > bufferSize) {
          if (out.length === 0) tooSmall = true;
          return false;
        }
        used += reclen;
        out.push(new Dirent64(ino, next, type, name));
        file.pos = next;
        return true;
      };
      if (file.pos === 0 && !emit('.', inode.ino, DT_DIR, 1)) {
        if (tooSmall) throw vfsError('EINVAL');
        return out;
      }
      if (file.pos === 1 && !emit('..', file.dentry.parent.inode.ino, DT_DIR, 2)) {
        if (tooSmall) throw vfsError('EINVAL');
        return out;
      }
      file.handle.readdir(file.pos, emit);
      if (tooSmall) throw vfsError('EINVAL');
      this.touchAtimeFile(file);
      return out;
    } catch (e) {
      throw this.fail(e, 'getdents64');
    }
  }

  /**
   * Reads every remaining entry of an open directory in one call, `.` and `..` left out,
   * appending names and DT_* types to the arrays given: getdents64 for callers that list whole
   * directories (readdir of a facade), without a record object per entry.
   * Errors: as getdents64.
   */
  readDirectory(fd: number, names: ByteString[], types: number[]): void {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      if (!file.inode.isDir()) throw vfsError('ENOTDIR');
      if (file.dentry.deleted) throw vfsError('ENOENT');
      if (file.pos < 2) file.pos = 2;
      file.handle.readdir(file.pos, (name, _ino, type, next) => {
        names.push(name);
        types.push(type);
        file.pos = next;
        return true;
      });
      this.touchAtimeFile(file);
    } catch (e) {
      throw this.fail(e, 'getdents64');
    }
  }

  // ---- stat ----

  /**
   * File status of a descriptor (fstat(2)). O_PATH descriptors work, as on Linux.
   * Errors: EBADF.
   */
  fstat(fd: number): Stat {
    try {
      const file = this.files.get(fd);
      return this.statOf(file.mount, file.inode);
    } catch (e) {
      throw this.fail(e, 'fstat');
    }
  }

  /**
   * File status of a path (newfstatat(2)/statx(2)). Flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH,
   * AT_NO_AUTOMOUNT. Errors: ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG, EBADF, EINVAL.
   */
  fstatat(dirfd: number, path: PathLike, flags = 0): Stat {
    try {
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) throw vfsError('EINVAL');
      const p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      return this.statOf(p.mount, p.dentry.inode);
    } catch (e) {
      throw this.fail(e, 'newfstatat', path);
    }
  }

  /** Fills a Stat for an inode seen through a mount. */
  statOf(mount: Mount, inode: Inode): Stat {
    const st = emptyStat();
    inode.getattr(st);
    st.mntId = mount.id;
    return st;
  }

  /** statfs(2) of the filesystem holding `path`. */
  statfs(path: PathLike): StatFs {
    try {
      const p = this.lookupPath(AT_FDCWD, path, LOOKUP_FOLLOW, 0);
      return this.statfsOf(p.mount);
    } catch (e) {
      throw this.fail(e, 'statfs', path);
    }
  }

  /** fstatfs(2). */
  fstatfs(fd: number): StatFs {
    try {
      const file = this.files.get(fd);
      return this.statfsOf(file.mount);
    } catch (e) {
      throw this.fail(e, 'fstatfs');
    }
  }

  private statfsOf(mount: Mount): StatFs {
    const st = mount.fs.statfs();
    // ST_RDONLY=1, ST_NOSUID=2, ST_NODEV=4, ST_NOEXEC=8, ST_NOATIME=1024 mirror MS_* values.
    st.flags |= mount.flags & 0x40f | (mount.readOnly ? 1 : 0);
    return st;
  }

  /**
   * Checks access as the real uid would (faccessat2(2)). `mode` is F_OK or R_OK|W_OK|X_OK.
   * Errors: EACCES, EROFS, ENOENT, ENOTDIR, ELOOP, EINVAL.
   */
  faccessat2(dirfd: number, path: PathLike, mode: number, flags = 0): void {
    try {
      if (mode & ~0o7) throw vfsError('EINVAL');
      if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
      const p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      const inode = p.dentry.inode;
      if (mode & MAY_EXEC && inode.isRegular() && p.mount.noexec) throw vfsError('EACCES');
      this.inodePermission(inode, mode);
      if (!(mode & MAY_WRITE) || isSpecial(inode.mode)) return;
      if (p.mount.readOnly) throw vfsError('EROFS');
    } catch (e) {
      throw this.fail(e, 'faccessat2', path);
    }
  }

  /** access(2)-style shorthand for faccessat2 with no flags. */
  faccessat(dirfd: number, path: PathLike, mode: number): void {
    this.faccessat2(dirfd, path, mode, 0);
  }

  // ---- links, names, directories ----

  /**
   * Reads a symlink's target (readlinkat(2)) as UTF-8 text.
   * Errors: EINVAL (not a symlink), ENOENT, ENOTDIR, EACCES.
   */
  readlinkat(dirfd: number, path: PathLike): string {
    return byteStringToUtf8(this.readlinkRaw(dirfd, path));
  }

  /** readlinkat(2) returning the exact bytes of the target. */
  readlinkatBytes(dirfd: number, path: PathLike): Uint8Array {
    return byteStringToBytes(this.readlinkRaw(dirfd, path));
  }

  /** readlinkat(2) returning the target as a byte string. @internal */
  readlinkRaw(dirfd: number, path: PathLike): ByteString {
    try {
      // do_readlinkat: LOOKUP_EMPTY always; an empty path names the descriptor itself.
      const bytes = toByteString(path);
      const p = this.lookupPath(dirfd, path, 0, AT_EMPTY_PATH);
      const inode = p.dentry.inode;
      if (!inode.isSymlink()) throw vfsError(bytes.length === 0 ? 'ENOENT' : 'EINVAL');
      const magic = (inode as Partial<MagicLink>).magicLinkText;
      const target = magic !== undefined ? magic.call(inode, this) : inode.readlink(this);
      this.touchAtimeInode(p.mount, inode);
      return target;
    } catch (e) {
      throw this.fail(e, 'readlinkat', path);
    }
  }

  /**
   * Creates a directory (mkdirat(2)). The mode is masked by the umask; a set-group-ID parent
   * passes on its group and the bit. Errors: EEXIST, ENOENT, ENOTDIR, EACCES, EROFS, EMLINK,
   * ENOSPC, ENAMETOOLONG.
   */
  mkdirat(dirfd: number, path: PathLike, mode = 0o777): void {
    try {
      const { dir, name, key } = this.filenameCreate(dirfd, toByteString(path), true);
      this.mayCreateErr(dir, MAY_WRITE | MAY_EXEC);
      const plan = this.planNewInode(dir.inode, mode, 0o777 | S_ISVTX, S_IFDIR, 0);
      const inode = this.finishNewInode(dir.inode.mkdir(name, plan.attrs), plan);
      dir.addChild(new Dentry(name, dir, inode, key));
    } catch (e) {
      throw this.fail(e, 'mkdirat', path);
    }
  }

  /**
   * Creates a file system node (mknodat(2)): S_IFREG (or 0), S_IFIFO, S_IFSOCK without privilege;
   * S_IFCHR and S_IFBLK need CAP_MKNOD, except a whiteout (character device 0/0, Linux 5.8+).
   * Errors: EINVAL (bad type), EPERM, EEXIST, ...
   */
  mknodat(dirfd: number, path: PathLike, mode: number, dev = 0): void {
    try {
      const type = mode & S_IFMT;
      switch (type) {
        case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK: case 0: break;
        case S_IFDIR: throw vfsError('EPERM');
        default: throw vfsError('EINVAL');
      }
      const { dir, name, key } = this.filenameCreate(dirfd, toByteString(path), false);
      this.mayCreateErr(dir, MAY_WRITE | MAY_EXEC);
      // Whiteouts (char 0:0) need no privilege since Linux 5.8 (vfs_mknod: is_whiteout).
      const whiteout = type === S_IFCHR && dev === 0;
      if ((type === S_IFCHR || type === S_IFBLK) && !whiteout && !this.cred.capable('CAP_MKNOD')) throw vfsError('EPERM');
      const realType = type === 0 ? S_IFREG : type;
      const plan = this.planNewInode(dir.inode, mode & ~S_IFMT, S_IALLUGO, realType,
        realType === S_IFCHR || realType === S_IFBLK ? dev : 0);
      const inode = this.finishNewInode(realType === S_IFREG ? dir.inode.create(name, plan.attrs) : dir.inode.mknod(name, plan.attrs), plan);
      dir.addChild(new Dentry(name, dir, inode, key));
    } catch (e) {
      throw this.fail(e, 'mknodat', path);
    }
  }

  /**
   * Creates a symlink at `linkpath` holding `target` (symlinkat(2)); the target is not checked.
   * Errors: ENOENT (empty target), ENAMETOOLONG, EEXIST, EACCES, EROFS.
   */
  symlinkat(target: PathLike, dirfd: number, linkpath: PathLike): void {
    try {
      const body = toByteString(target);
      if (body.length === 0) throw vfsError('ENOENT');
      if (body.length >= PATH_MAX) throw vfsError('ENAMETOOLONG');
      const { dir, name, key } = this.filenameCreate(dirfd, toByteString(linkpath), false);
      this.mayCreateErr(dir, MAY_WRITE | MAY_EXEC);
      const plan = this.planNewInode(dir.inode, 0o777, 0o777, S_IFLNK, 0, false);
      const inode = dir.inode.symlink(name, body, plan.attrs);
      dir.addChild(new Dentry(name, dir, inode, key));
    } catch (e) {
      throw this.fail(e, 'symlinkat', linkpath);
    }
  }

  /**
   * Makes a hard link (linkat(2)). AT_SYMLINK_FOLLOW follows a final symlink in `oldpath`;
   * AT_EMPTY_PATH links the file open at `olddirfd` (an O_TMPFILE file, for instance).
   * Errors: EPERM (directories; protected_hardlinks), EXDEV, EEXIST, EMLINK, ENOENT, ...
   */
  linkat(olddirfd: number, oldpath: PathLike, newdirfd: number, newpath: PathLike, flags = 0): void {
    try {
      if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
      // linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH unless the descriptor was opened
      // with the caller's credentials; a vroot process has one set of credentials, so it may.
      const old = this.lookupPath(olddirfd, oldpath, flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0, flags & AT_EMPTY_PATH);
      const { mount, dir, name, key } = this.filenameCreate(newdirfd, toByteString(newpath), false);
      if (old.mount !== mount) throw vfsError('EXDEV');
      this.mayLinkat(old.dentry.inode);
      // vfs_link
      const inode = old.dentry.inode;
      this.mayCreateErr(dir, MAY_WRITE | MAY_EXEC);
      if (dir.inode.fs !== inode.fs) throw vfsError('EXDEV');
      if (inode.isDir()) throw vfsError('EPERM');
      if (inode.nlink === 0 && !this.vfs.linkable.has(inode)) throw vfsError('ENOENT');
      dir.inode.link(name, inode);
      this.vfs.linkable.delete(inode);
      dir.addChild(new Dentry(name, dir, inode, key));
    } catch (e) {
      throw this.fail(e, 'linkat', newpath);
    }
  }

  /**
   * Removes a name (unlinkat(2)); with AT_REMOVEDIR removes an empty directory (rmdir).
   * Errors: ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EBUSY, EINVAL, EPERM, EACCES, EROFS.
   */
  unlinkat(dirfd: number, path: PathLike, flags = 0): void {
    const syscall = flags & AT_REMOVEDIR ? 'rmdir' : 'unlink';
    try {
      if (flags & ~AT_REMOVEDIR) throw vfsError('EINVAL');
      if (flags & AT_REMOVEDIR) this.doRmdir(dirfd, toByteString(path));
      else this.doUnlink(dirfd, toByteString(path));
    } catch (e) {
      throw this.fail(e, syscall, path);
    }
  }

  private doRmdir(dirfd: number, path: ByteString): void {
    const w = new PathWalk(this, 0);
    w.parent(dirfd, path);
    switch (w.lastType) {
      case 3: throw vfsError('ENOTEMPTY');
      case 2: throw vfsError('EINVAL');
      case 1: throw vfsError('EBUSY');
    }
    if (w.mount.readOnly) throw vfsError('EROFS');
    const dir = w.dentry;
    const victim = this.lookupExisting(dir, w.last, w.lastKey);
    this.mayDelete(dir, victim, true);
    if (victim.mounted > 0 && this.isMountpointIn(w.mount, victim)) throw vfsError('EBUSY');
    dir.inode.rmdir(victim.name, victim.inode);
    victim.markDeleted();
  }

  private doUnlink(dirfd: number, path: ByteString): void {
    const w = new PathWalk(this, 0);
    w.parent(dirfd, path);
    if (w.lastType !== LAST_NORM) throw vfsError('EISDIR');
    if (w.mount.readOnly) throw vfsError('EROFS');
    const dir = w.dentry;
    const victim = this.lookupExisting(dir, w.last, w.lastKey);
    if (w.lastTrailing) throw vfsError(victim.inode.isDir() ? 'EISDIR' : 'ENOTDIR');
    this.mayDelete(dir, victim, false);
    if (victim.mounted > 0 && this.isMountpointIn(w.mount, victim)) throw vfsError('EBUSY');
    dir.inode.unlink(victim.name, victim.inode);
    victim.markDeleted();
  }

  /**
   * Renames (renameat2(2)) with RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT.
   * Errors (Linux order): EINVAL (flags), EXDEV, EBUSY, EEXIST, EROFS, ENOENT, ENOTDIR,
   * EINVAL (directory into itself), ENOTEMPTY, EACCES/EPERM, EISDIR, EMLINK.
   */
  renameat2(olddirfd: number, oldpath: PathLike, newdirfd: number, newpath: PathLike, flags = 0): void {
    try {
      this.doRename(olddirfd, toByteString(oldpath), newdirfd, toByteString(newpath), flags);
    } catch (e) {
      throw this.fail(e, 'renameat2', oldpath);
    }
  }

  /** rename(2)-style shorthand: renameat2 without flags. */
  renameat(olddirfd: number, oldpath: PathLike, newdirfd: number, newpath: PathLike): void {
    this.renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
  }

  private doRename(olddirfd: number, oldpath: ByteString, newdirfd: number, newpath: ByteString, flags: number): void {
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw vfsError('EINVAL');
    if (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) && flags & RENAME_EXCHANGE) throw vfsError('EINVAL');
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    const oldW = new PathWalk(this, 0);
    oldW.parent(olddirfd, oldpath);
    const newW = new PathWalk(this, 0);
    newW.parent(newdirfd, newpath);
    if (oldW.mount !== newW.mount) throw vfsError('EXDEV');
    if (oldW.lastType !== LAST_NORM) throw vfsError('EBUSY');
    if (newW.lastType !== LAST_NORM) throw vfsError(flags & RENAME_NOREPLACE ? 'EEXIST' : 'EBUSY');
    const mount = oldW.mount;
    if (mount.readOnly) throw vfsError('EROFS');
    const oldDir = oldW.dentry;
    const newDir = newW.dentry;
    // lock_rename: the "trap" is the child of one parent that is an ancestor of the other.
    const trap = renameTrap(newDir, oldDir);
    const oldDentry = this.lookupExisting(oldDir, oldW.last, oldW.lastKey);
    let newDentry: Dentry | null;
    if (newDir.deleted && newDir.inode.isDir() && newDir.cachedChild(newW.lastKey) === undefined) throw vfsError('ENOENT');
    newDentry = lookupChild(newDir, newW.last, false, newW.lastKey);
    if (newDentry !== null && flags & RENAME_NOREPLACE) throw vfsError('EEXIST');
    if (newDentry === null && exchange) throw vfsError('ENOENT');
    if (exchange && newDentry !== null && !newDentry.inode.isDir() && newW.lastTrailing) throw vfsError('ENOTDIR');
    if (!oldDentry.inode.isDir()) {
      if (oldW.lastTrailing) throw vfsError('ENOTDIR');
      if (!exchange && newW.lastTrailing) throw vfsError('ENOTDIR');
    }
    if (oldDentry === trap) throw vfsError('EINVAL');
    if (newDentry !== null && newDentry === trap) throw vfsError(exchange ? 'EINVAL' : 'ENOTEMPTY');
    // vfs_rename
    const source = oldDentry.inode;
    const target = newDentry?.inode ?? null;
    if (source === target) return;
    const isDir = source.isDir();
    this.mayDelete(oldDir, oldDentry, isDir);
    let newIsDir = false;
    if (newDentry === null) {
      this.mayCreateErr(newDir, MAY_WRITE | MAY_EXEC);
    } else {
      newIsDir = newDentry.inode.isDir();
      this.mayDelete(newDir, newDentry, exchange ? newIsDir : isDir);
    }
    if (newDir !== oldDir) {
      if (isDir) this.inodePermission(source, MAY_WRITE);
      if (exchange && newIsDir) this.inodePermission(target!, MAY_WRITE);
    }
    if ((oldDentry.mounted > 0 && this.isMountpointIn(mount, oldDentry)) ||
      (newDentry !== null && newDentry.mounted > 0 && this.isMountpointIn(mount, newDentry))) throw vfsError('EBUSY');
    if (flags & ~mount.fs.renameFlags) throw vfsError('EINVAL');
    // Over an existing entry the entry keeps its stored name, which differs from the new name
    // in a casefolded directory (ext4_rename updates the found entry in place).
    const newName = newDentry !== null ? newDentry.name : newW.last;
    const oldName = oldDentry.name;
    const oldKey = oldDentry.key;
    oldDir.inode.rename(oldName, source, newDir.inode, newName, target, exchange);
    if (exchange) {
      const n = newDentry!;
      const oldParent = oldDentry.parent;
      oldDentry.unhash();
      n.unhash();
      oldDentry.move(n.parent, n.name, n.key);
      n.move(oldParent, oldName, oldKey);
    } else {
      if (newDentry !== null) newDentry.markDeleted();
      oldDentry.move(newDir, newName, newW.lastKey);
      if (flags & RENAME_WHITEOUT) {
        // shmem_whiteout: a char 0:0 made inside the filesystem, so no umask (vfs_prepare_mode).
        const plan = this.planNewInode(oldDir.inode, 0, S_IALLUGO, S_IFCHR, makedev(0, 0), false);
        const wh = this.finishNewInode(oldDir.inode.mknod(oldName, plan.attrs), plan);
        oldDir.addChild(new Dentry(oldName, oldDir, wh, oldKey));
      }
    }
  }

  /**
   * Changes mode bits (fchmodat2(2)). With AT_SYMLINK_NOFOLLOW on a symlink: EOPNOTSUPP, as on
   * Linux. Errors: EPERM (not owner), EROFS, ENOENT, EINVAL.
   */
  fchmodat(dirfd: number, path: PathLike, mode: number, flags = 0): void {
    try {
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
      const p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      this.chmodCommon(p.mount, p.dentry.inode, mode);
    } catch (e) {
      throw this.fail(e, 'fchmodat', path);
    }
  }

  /** fchmod(2). Errors: EBADF (also for O_PATH), EPERM, EROFS. */
  fchmod(fd: number, mode: number): void {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      this.chmodCommon(file.mount, file.inode, mode);
    } catch (e) {
      throw this.fail(e, 'fchmod');
    }
  }

  private chmodCommon(mount: Mount, inode: Inode, mode: number): void {
    if (mount.readOnly) throw vfsError('EROFS');
    if (inode.isSymlink()) throw vfsError('EOPNOTSUPP');
    let newMode = mode & S_IALLUGO;
    if (!ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
    if (!inGroupOrCapable(this.cred, inode.gid)) newMode &= ~S_ISGID;
    const now = this.vfs.clock();
    this.setattr(inode, { mode: newMode }, now);
    // posix_acl_chmod: an access ACL follows the new permission bits.
    if (inode.fs.posixAcl) {
      const raw = inode.getxattr(XATTR_POSIX_ACL_ACCESS);
      if (raw !== null) {
        const acl = aclFromXattr(raw);
        if (acl !== null) inode.setxattr(XATTR_POSIX_ACL_ACCESS, aclToXattr(aclChmod(acl, newMode)), 0, now);
      }
    }
  }

  /**
   * Changes owner and group (fchownat(2)); -1 leaves one unchanged. Clears set-user-ID (and
   * set-group-ID with group exec) on non-directories. Errors: EPERM, EROFS, EINVAL, ENOENT.
   */
  fchownat(dirfd: number, path: PathLike, uid: number, gid: number, flags = 0): void {
    try {
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
      const p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      this.chownCommon(p.mount, p.dentry.inode, uid, gid);
    } catch (e) {
      throw this.fail(e, 'fchownat', path);
    }
  }

  /** fchown(2). */
  fchown(fd: number, uid: number, gid: number): void {
    try {
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      this.chownCommon(file.mount, file.inode, uid, gid);
    } catch (e) {
      throw this.fail(e, 'fchown');
    }
  }

  private chownCommon(mount: Mount, inode: Inode, uid: number, gid: number): void {
    if (mount.readOnly) throw vfsError('EROFS');
    const attr: SetAttr = {};
    const setUid = uid !== -1 && uid !== 0xffffffff;
    const setGid = gid !== -1 && gid !== 0xffffffff;
    if (setUid && !chownOk(this.cred, inode, uid)) throw vfsError('EPERM');
    if (setGid && !chgrpOk(this.cred, inode, gid)) throw vfsError('EPERM');
    if (setUid) attr.uid = uid;
    if (setGid) attr.gid = gid;
    if (!inode.isDir()) {
      let mode = inode.mode & 0o7777;
      let kill = false;
      if (mode & S_ISUID) { mode &= ~S_ISUID; kill = true; }
      if (shouldDropSgid(this.cred, inode)) { mode &= ~S_ISGID; kill = true; }
      if (kill) {
        // notify_change turns ATTR_KILL_SUID/SGID into ATTR_MODE, which setattr_prepare lets
        // only the owner or CAP_FOWNER set, dropping S_ISGID outside the (new) group.
        if (!ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
        if (!inGroupOrCapable(this.cred, setGid ? gid : inode.gid)) mode &= ~S_ISGID;
        attr.mode = mode;
      }
    }
    this.setattr(inode, attr);
  }

  /**
   * Sets access and modification times (utimensat(2)); `times` null means now, and
   * UTIME_NOW / UTIME_OMIT in `nsec` work as in Linux. Errors: EPERM, EACCES, EROFS, EINVAL.
   */
  utimensat(dirfd: number, path: PathLike | null, times: [Timespec, Timespec] | null, flags = 0): void {
    try {
      // Nothing to do when both are UTIME_OMIT: the path is not even looked up.
      if (times !== null && times[0].nsec === UTIME_OMIT && times[1].nsec === UTIME_OMIT) return;
      let p: VirtualDentry;
      if (path === null && dirfd !== AT_FDCWD) {
        // do_utimes_fd
        if (flags) throw vfsError('EINVAL');
        const f = this.files.get(dirfd);
        if (f.isPath) throw vfsError('EBADF');
        p = { mount: f.mount, dentry: f.dentry };
      } else {
        // do_utimes_path
        if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
        if (path === null) throw vfsError('EFAULT');
        p = this.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, flags);
      }
      // vfs_utimes
      if (times !== null) {
        for (const t of times) {
          if (t.nsec !== UTIME_NOW && t.nsec !== UTIME_OMIT && (t.nsec < 0 || t.nsec > 999999999)) throw vfsError('EINVAL');
        }
        if (times[0].nsec === UTIME_NOW && times[1].nsec === UTIME_NOW) times = null;
      }
      this.utimesCommon(p.mount, p.dentry.inode, times);
    } catch (e) {
      throw this.fail(e, 'utimensat', path ?? undefined);
    }
  }

  /** futimens(3): utimensat on a descriptor. */
  futimens(fd: number, times: [Timespec, Timespec] | null): void {
    this.utimensat(fd, null, times, 0);
  }

  private utimesCommon(mount: Mount, inode: Inode, times: [Timespec, Timespec] | null): void {
    if (mount.readOnly) throw vfsError('EROFS');
    const now = this.vfs.clock();
    const attr: SetAttr = {};
    if (times === null) {
      // ATTR_TOUCH: the owner, CAP_FOWNER, or anyone who may write.
      if (!ownerOrCapable(this.cred, inode)) this.inodePermission(inode, MAY_WRITE);
      attr.atime = now;
      attr.mtime = now;
    } else {
      if (!ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
      if (times[0].nsec !== UTIME_OMIT) attr.atime = times[0].nsec === UTIME_NOW ? now : { sec: times[0].sec, nsec: times[0].nsec };
      if (times[1].nsec !== UTIME_OMIT) attr.mtime = times[1].nsec === UTIME_NOW ? now : { sec: times[1].sec, nsec: times[1].nsec };
    }
    this.setattr(inode, attr, now);
  }

  /**
   * Sets the size of a file by path (truncate(2)). Errors: EINVAL (negative, not a regular
   * file), EISDIR, EACCES, EROFS, EFBIG, ENOENT.
   */
  truncate(path: PathLike, length: number): void {
    try {
      if (length < 0) throw vfsError('EINVAL');
      const p = this.lookupPath(AT_FDCWD, path, LOOKUP_FOLLOW, 0);
      const inode = p.dentry.inode;
      if (inode.isDir()) throw vfsError('EISDIR');
      if (!inode.isRegular()) throw vfsError('EINVAL');
      if (p.mount.readOnly) throw vfsError('EROFS');
      this.inodePermission(inode, MAY_WRITE);
      this.doTruncate(inode, length, false);
    } catch (e) {
      throw this.fail(e, 'truncate', path);
    }
  }

  /** ftruncate(2). Errors: EBADF, EINVAL (not open for writing, not a regular file), EFBIG. */
  ftruncate(fd: number, length: number): void {
    try {
      if (length < 0) throw vfsError('EINVAL');
      const file = this.files.get(fd);
      if (file.isPath) throw vfsError('EBADF');
      if (!file.inode.isRegular() || !file.writable) throw vfsError('EINVAL');
      this.doTruncate(file.inode, length, true);
    } catch (e) {
      throw this.fail(e, 'ftruncate');
    }
  }

  /**
   * Linux do_truncate. open(O_TRUNC) and ftruncate pass ATTR_MTIME|ATTR_CTIME (`timeAttrs`);
   * truncate(2) passes ATTR_SIZE alone and the filesystem decides whether mtime moves (tmpfs:
   * when the size changes or data is dropped; ext4: when the size changes).
   */
  private doTruncate(inode: Inode, length: number, timeAttrs: boolean): void {
    if (length > Number.MAX_SAFE_INTEGER) throw vfsError('EFBIG');
    const now = this.vfs.clock();
    const attr: SetAttr = { size: length };
    if (timeAttrs) attr.mtime = now;
    const kill = this.privsToRemove(inode);
    if (kill !== -1) attr.mode = kill;
    inode.setattr(attr, now);
  }

  // ---- working directory and root ----

  /** chdir(2). Errors: ENOENT, ENOTDIR, EACCES, ELOOP. */
  chdir(path: PathLike): void {
    try {
      const p = this.lookupPath(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, 0);
      this.inodePermission(p.dentry.inode, MAY_EXEC);
      this.fsContext.setCwd(p);
    } catch (e) {
      throw this.fail(e, 'chdir', path);
    }
  }

  /** fchdir(2). Errors: EBADF, ENOTDIR, EACCES. */
  fchdir(fd: number): void {
    try {
      const f = this.files.get(fd);
      if (!f.inode.isDir()) throw vfsError('ENOTDIR');
      this.inodePermission(f.inode, MAY_EXEC);
      this.fsContext.setCwd({ mount: f.mount, dentry: f.dentry });
    } catch (e) {
      throw this.fail(e, 'fchdir');
    }
  }

  /**
   * The working directory as a path from the process root (getcwd(2)). A directory outside the
   * root is prefixed "(unreachable)". Errors: ENOENT (the directory was removed).
   */
  getcwd(): string {
    return byteStringToUtf8(this.getcwdRaw());
  }

  /** getcwd(2) as a byte string. @internal */
  getcwdRaw(): ByteString {
    try {
      const cwd = this.fsContext.cwd;
      if (cwd.dentry.deleted) throw vfsError('ENOENT');
      return this.vfs.pathOf(cwd, this.fsContext.root).path;
    } catch (e) {
      throw this.fail(e, 'getcwd');
    }
  }

  /** chroot(2). Errors: EPERM (no CAP_SYS_CHROOT), ENOENT, ENOTDIR, EACCES. */
  chroot(path: PathLike): void {
    try {
      const p = this.lookupPath(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, 0);
      this.inodePermission(p.dentry.inode, MAY_EXEC);
      if (!this.cred.capable('CAP_SYS_CHROOT')) throw vfsError('EPERM');
      this.fsContext.setRoot(p);
    } catch (e) {
      throw this.fail(e, 'chroot', path);
    }
  }

  /** Sets the umask and returns the old one (umask(2)). */
  umask(mask: number): number {
    const old = this.fsContext.umask;
    this.fsContext.umask = mask & 0o777;
    return old;
  }

  // ---- extended attributes ----
  // Linux 6.13+ order (fs/xattr.c): flags and name are checked before the path is looked up,
  // then mnt_want_write, xattr_permission, the security hook, and the namespace handler.

  /**
   * The value of an xattr (getxattr(2)). With `size` (not 0) smaller than the value: ERANGE.
   * `nofollow` gives lgetxattr. Errors: ERANGE (bad name), ENODATA, EOPNOTSUPP, EINVAL,
   * EACCES, EPERM.
   */
  getxattr(path: PathLike, name: PathLike, options: { nofollow?: boolean; size?: number } = {}): Uint8Array {
    try {
      const n = importXattrName(name);
      const p = this.lookupPath(AT_FDCWD, path, options.nofollow ? 0 : LOOKUP_FOLLOW, 0);
      return this.getxattrCommon(p.dentry.inode, n, options.size ?? 0);
    } catch (e) {
      throw this.fail(e, options.nofollow ? 'lgetxattr' : 'getxattr', path);
    }
  }

  /** fgetxattr(2). */
  fgetxattr(fd: number, name: PathLike, size = 0): Uint8Array {
    try {
      const n = importXattrName(name);
      const f = this.files.get(fd);
      if (f.isPath) throw vfsError('EBADF');
      return this.getxattrCommon(f.inode, n, size);
    } catch (e) {
      throw this.fail(e, 'fgetxattr');
    }
  }

  private getxattrCommon(inode: Inode, name: ByteString, size: number): Uint8Array {
    if (isPosixAclXattr(name)) {
      // vfs_get_acl: no VFS permission check on reading ACLs.
      if (!inode.fs.posixAcl || inode.isSymlink()) throw vfsError('EOPNOTSUPP');
    } else {
      this.xattrPermission(inode, name, MAY_READ);
      resolveXattrName(name);
    }
    const value = inode.getxattr(name);
    if (value === null) throw vfsError('ENODATA');
    if (size !== 0 && value.length > size) throw vfsError('ERANGE');
    return value.slice();
  }

  /**
   * Sets an xattr (setxattr(2)); flags XATTR_CREATE (EEXIST if present) or XATTR_REPLACE
   * (ENODATA if absent). Errors: EINVAL, ERANGE, E2BIG, EROFS, EPERM, EACCES, EOPNOTSUPP.
   */
  setxattr(path: PathLike, name: PathLike, value: Uint8Array, flags = 0, options: { nofollow?: boolean } = {}): void {
    try {
      const n = setxattrCopy(name, value, flags);
      const p = this.lookupPath(AT_FDCWD, path, options.nofollow ? 0 : LOOKUP_FOLLOW, 0);
      this.setxattrCommon(p.mount, p.dentry.inode, n, value, flags);
    } catch (e) {
      throw this.fail(e, options.nofollow ? 'lsetxattr' : 'setxattr', path);
    }
  }

  /** fsetxattr(2). */
  fsetxattr(fd: number, name: PathLike, value: Uint8Array, flags = 0): void {
    try {
      const n = setxattrCopy(name, value, flags);
      const f = this.files.get(fd);
      if (f.isPath) throw vfsError('EBADF');
      this.setxattrCommon(f.mount, f.inode, n, value, flags);
    } catch (e) {
      throw this.fail(e, 'fsetxattr');
    }
  }

  private setxattrCommon(mount: Mount, inode: Inode, name: ByteString, value: Uint8Array, flags: number): void {
    if (mount.readOnly) throw vfsError('EROFS');
    if (isPosixAclXattr(name)) {
      this.setPosixAcl(inode, name, aclFromXattr(value));
      return;
    }
    this.xattrPermission(inode, name, MAY_WRITE);
    this.xattrSecurityCheck(name);
    resolveXattrName(name);
    inode.setxattr(name, value, flags, this.vfs.clock());
  }

  /**
   * The names of a file's xattrs (listxattr(2)), those the caller may see: `trusted.` only with
   * CAP_SYS_ADMIN. With `size` (not 0) too small for the list: ERANGE.
   */
  listxattr(path: PathLike, options: { nofollow?: boolean; size?: number } = {}): string[] {
    try {
      const p = this.lookupPath(AT_FDCWD, path, options.nofollow ? 0 : LOOKUP_FOLLOW, 0);
      return this.listxattrCommon(p.dentry.inode, options.size ?? 0).map(byteStringToUtf8);
    } catch (e) {
      throw this.fail(e, options.nofollow ? 'llistxattr' : 'listxattr', path);
    }
  }

  /** flistxattr(2). */
  flistxattr(fd: number, size = 0): string[] {
    try {
      const f = this.files.get(fd);
      if (f.isPath) throw vfsError('EBADF');
      return this.listxattrCommon(f.inode, size).map(byteStringToUtf8);
    } catch (e) {
      throw this.fail(e, 'flistxattr');
    }
  }

  /** listxattr as byte strings. @internal */
  listxattrCommon(inode: Inode, size: number): ByteString[] {
    const names = inode.listxattr().filter((n) => !n.startsWith('trusted.') || this.cred.capable('CAP_SYS_ADMIN'));
    const total = names.reduce((t, n) => t + n.length + 1, 0);
    if (total > XATTR_LIST_MAX) throw vfsError('E2BIG');
    if (size !== 0 && total > size) throw vfsError('ERANGE');
    return names;
  }

  /** Removes an xattr (removexattr(2)). Errors: ERANGE, EROFS, EPERM, EACCES, EOPNOTSUPP, ENODATA. */
  removexattr(path: PathLike, name: PathLike, options: { nofollow?: boolean } = {}): void {
    try {
      const n = importXattrName(name);
      const p = this.lookupPath(AT_FDCWD, path, options.nofollow ? 0 : LOOKUP_FOLLOW, 0);
      this.removexattrCommon(p.mount, p.dentry.inode, n);
    } catch (e) {
      throw this.fail(e, options.nofollow ? 'lremovexattr' : 'removexattr', path);
    }
  }

  /** fremovexattr(2). */
  fremovexattr(fd: number, name: PathLike): void {
    try {
      const n = importXattrName(name);
      const f = this.files.get(fd);
      if (f.isPath) throw vfsError('EBADF');
      this.removexattrCommon(f.mount, f.inode, n);
    } catch (e) {
      throw this.fail(e, 'fremovexattr');
    }
  }

  private removexattrCommon(mount: Mount, inode: Inode, name: ByteString): void {
    if (mount.readOnly) throw vfsError('EROFS');
    if (isPosixAclXattr(name)) {
      this.setPosixAcl(inode, name, null);
      return;
    }
    this.xattrPermission(inode, name, MAY_WRITE);
    this.xattrSecurityCheck(name);
    resolveXattrName(name);
    inode.removexattr(name, this.vfs.clock());
  }

  /**
   * Linux set_posix_acl + simple_set_acl: only where the filesystem keeps ACLs and never on
   * symlinks (EOPNOTSUPP); a default ACL only on directories (EACCES, or nothing to remove);
   * the owner or CAP_FOWNER (EPERM); a valid ACL (EINVAL). An access ACL also sets the mode's
   * permission bits, is dropped when the mode says it all, and clears S_ISGID when the caller
   * is not in the group.
   */
  private setPosixAcl(inode: Inode, name: ByteString, acl: PosixAcl | null): void {
    if (!inode.fs.posixAcl || inode.isSymlink()) throw vfsError('EOPNOTSUPP');
    const isDefault = name === XATTR_POSIX_ACL_DEFAULT;
    if (isDefault && !inode.isDir()) {
      if (acl !== null) throw vfsError('EACCES');
      return;
    }
    if (!ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
    if (acl !== null) aclValidate(acl);
    const now = this.vfs.clock();
    if (!isDefault) {
      let mode = inode.mode;
      if (acl !== null) {
        const r = aclEquivMode(acl, mode);
        mode = r.mode;
        if (r.equivalent) acl = null;
      }
      if (!this.cred.inGroup(inode.gid) && !this.cred.capable('CAP_FSETID')) mode &= ~S_ISGID;
      inode.setattr({ mode }, now);
    } else {
      inode.setattr({}, now);
    }
    if (acl !== null) inode.setxattr(name, aclToXattr(acl), 0, now);
    else if (inode.getxattr(name) !== null) inode.removexattr(name, now);
  }

  /**
   * Linux xattr_permission: trusted.* needs CAP_SYS_ADMIN (EPERM to write, ENODATA to read);
   * user.* exists only on regular files and directories, and in sticky directories only the
   * owner may write; security.* and system.* are left to their handlers; everything but those
   * two then needs inode permission.
   */
  private xattrPermission(inode: Inode, name: ByteString, mask: number): void {
    if (name.startsWith('security.') || name.startsWith('system.')) return;
    if (name.startsWith('trusted.')) {
      if (!this.cred.capable('CAP_SYS_ADMIN')) throw vfsError(mask & MAY_WRITE ? 'EPERM' : 'ENODATA');
      return;
    }
    if (name.startsWith('user.')) {
      const type = inode.mode & S_IFMT;
      if (type !== S_IFREG && type !== S_IFDIR) throw vfsError(mask & MAY_WRITE ? 'EPERM' : 'ENODATA');
      if (type === S_IFDIR && inode.mode & S_ISVTX && mask & MAY_WRITE && !ownerOrCapable(this.cred, inode)) throw vfsError('EPERM');
    }
    this.inodePermission(inode, mask);
  }

  /** The capability module's inode_setxattr/removexattr hook: security.* needs CAP_SYS_ADMIN. */
  private xattrSecurityCheck(name: ByteString): void {
    if (name.startsWith('security.') && name !== 'security.capability' && !this.cred.capable('CAP_SYS_ADMIN')) throw vfsError('EPERM');
  }

  // ---- mounts ----

  /**
   * Mounts a filesystem, or bind-mounts a path, on `target` (mount(2)). Needs CAP_SYS_ADMIN.
   * A bind mount starts with the flags of the mount it copies (clone_mnt); `options` add to
   * them, as mount(8) does by remounting after the bind.
   * Errors: EPERM, ENOENT, ENOTDIR (a directory bound on a file or the reverse), EINVAL.
   */
  mount(source: MountSource, target: PathLike, options: MountOptions = {}): void {
    try {
      // do_mount looks the target up before path_mount checks the privilege.
      const t = this.lookupPath(AT_FDCWD, target, LOOKUP_FOLLOW, 0);
      if (!this.cred.capable('CAP_SYS_ADMIN')) throw vfsError('EPERM');
      // lock_mount: nothing can be mounted on a mount that was detached.
      if (t.mount.detached) throw vfsError('ENOENT');
      let fs: FileSystem;
      let root: Dentry;
      if ('bind' in source) {
        const s = this.lookupPath(AT_FDCWD, source.bind, LOOKUP_FOLLOW, 0);
        if (s.dentry.inode.isDir() !== t.dentry.inode.isDir()) throw vfsError(t.dentry.inode.isDir() ? 'ENOTDIR' : 'EISDIR');
        fs = s.mount.fs;
        root = s.dentry;
        const m = this.vfs.attachMount(fs, root, t, s.mount.flags | mountFlags(options));
        if (source.recursive) this.vfs.copySubmounts(s, m);
        return;
      }
      fs = source;
      root = rootDentryOf(fs);
      if (!t.dentry.inode.isDir()) throw vfsError('ENOTDIR');
      this.vfs.attachMount(fs, root, t, mountFlags(options));
    } catch (e) {
      throw this.fail(e, 'mount', target);
    }
  }

  /**
   * Changes the flags of the mount at `target` (mount(2) with MS_REMOUNT|MS_BIND). As on Linux,
   * a remount that says nothing of access times (`noatime` left out) keeps the mount's.
   */
  remount(target: PathLike, options: MountOptions): void {
    try {
      if (!this.cred.capable('CAP_SYS_ADMIN')) throw vfsError('EPERM');
      const t = this.lookupPath(AT_FDCWD, target, LOOKUP_FOLLOW, 0);
      if (t.dentry !== t.mount.root) throw vfsError('EINVAL');
      if (!options.readOnly && t.mount.fs.readOnly) throw vfsError('EROFS');
      const keepAtime = options.noatime === undefined ? t.mount.flags & MS_NOATIME : 0;
      t.mount.flags = mountFlags(options) | keepAtime;
      void MS_REMOUNT; void MS_BIND; void MS_REC; void MS_RDONLY;
    } catch (e) {
      throw this.fail(e, 'mount', target);
    }
  }

  /**
   * Unmounts the mount at `target` (umount2(2)); MNT_DETACH detaches it even while busy.
   * Errors: EPERM, EINVAL (not a mount point), EBUSY.
   */
  umount2(target: PathLike, flags = 0): void {
    try {
      // ksys_umount, path_umount, can_umount, do_umount.
      if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) throw vfsError('EINVAL');
      const t = this.lookupPath(AT_FDCWD, target, (flags & UMOUNT_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | LOOKUP_MOUNTPOINT, 0);
      if (!this.cred.capable('CAP_SYS_ADMIN')) throw vfsError('EPERM');
      // path_mounted, then check_mnt: a mount already detached is in no namespace.
      if (t.dentry !== t.mount.root || t.mount.detached) throw vfsError('EINVAL');
      if (t.mount === this.fsContext.root.mount && !(flags & MNT_DETACH)) {
        // Linux: "unmounting" the caller's root remounts it read-only instead (do_umount_root).
        t.mount.fs.remountedReadOnly = true;
        return;
      }
      this.vfs.detachMount(t.mount, (flags & MNT_DETACH) !== 0);
    } catch (e) {
      throw this.fail(e, 'umount2', target);
    }
  }

  // ---- helpers shared by the syscalls ----

  /**
   * Looks up a path (user_path_at), honouring AT_EMPTY_PATH in `atFlags`.
   */
  lookupPath(dirfd: number, path: PathLike, lookupFlags: number, atFlags: number): VirtualDentry {
    if (atFlags & AT_EMPTY_PATH) lookupFlags |= LOOKUP_EMPTY;
    const bytes = typeof path === 'string' && isPlainAscii(path) ? path : toByteString(path);
    const w = new PathWalk(this, lookupFlags);
    return w.lookup(dirfd, bytes);
  }

  /** Linux filename_create: walk to the parent and check the last component for a create. */
  private filenameCreate(dirfd: number, path: ByteString, wantDir: boolean): { mount: Mount; dir: Dentry; name: ByteString; key: ByteString } {
    const w = new PathWalk(this, 0);
    w.parent(dirfd, path);
    if (w.lastType !== LAST_NORM) throw vfsError('EEXIST');
    const dir = w.dentry;
    const name = w.last;
    const key = w.lastKey;
    const cached = dir.cachedChild(key);
    if (cached === undefined && dir.deleted && dir.inode.isDir()) throw vfsError('ENOENT');
    const existing = cached ?? lookupChild(dir, name, false, key);
    if (existing !== null) throw vfsError('EEXIST');
    if (w.lastTrailing && !wantDir) throw vfsError('ENOENT');
    if (w.mount.readOnly) throw vfsError('EROFS');
    return { mount: w.mount, dir, name, key };
  }

  /** Looks up a child that must exist (lookup_one_qstr_excl without LOOKUP_CREATE). */
  private lookupExisting(dir: Dentry, name: ByteString, key: ByteString): Dentry {
    const d = lookupChild(dir, name, false, key);
    if (d === null) throw vfsError('ENOENT');
    return d;
  }

  /** Linux may_create, minus the EEXIST check done by filenameCreate. */
  private mayCreateErr(dir: Dentry, mask: number): void {
    if (dir.deleted && dir.inode.isDir()) throw vfsError('ENOENT');
    this.inodePermission(dir.inode, mask);
  }

  /** Linux may_delete. */
  private mayDelete(dir: Dentry, victim: Dentry, isDir: boolean): void {
    this.inodePermission(dir.inode, MAY_WRITE | MAY_EXEC);
    if (stickyRefuses(this.cred, dir.inode, victim.inode)) throw vfsError('EPERM');
    if (isDir) {
      if (!victim.inode.isDir()) throw vfsError('ENOTDIR');
      if (victim.isRoot()) throw vfsError('EBUSY');
    } else if (victim.inode.isDir()) {
      throw vfsError('EISDIR');
    }
    if (dir.deleted) throw vfsError('ENOENT');
  }

  /** Linux may_linkat with fs.protected_hardlinks. */
  private mayLinkat(inode: Inode): void {
    if (!this.vfs.options.protectedHardlinks) return;
    if (ownerOrCapable(this.cred, inode)) return;
    // safe_hardlink_source: a regular file, not setuid, not executable setgid, readable and writable.
    const mode = inode.mode;
    let safe = (mode & S_IFMT) === S_IFREG && !(mode & S_ISUID) && !((mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP));
    if (safe && permissionErrno(this.cred, inode, MAY_READ | MAY_WRITE) !== 0) safe = false;
    if (!safe) throw vfsError('EPERM');
  }

  /**
   * Linux inode_permission: read-only filesystems refuse writes, nobody may write to an
   * immutable inode, then generic_permission.
   */
  inodePermission(inode: Inode, mask: number): void {
    if (mask & MAY_WRITE) {
      const t = inode.mode & S_IFMT;
      if (inode.fs.isReadOnly() && (t === S_IFREG || t === S_IFDIR || t === S_IFLNK)) throw vfsError('EROFS');
      if (inode.immutable) throw vfsError('EPERM');
    }
    const e = permissionErrno(this.cred, inode, mask);
    if (e !== 0) throw makeError(e);
  }

  /**
   * The attributes and ACLs of a new object (Linux vfs_prepare_mode, inode_init_owner and
   * posix_acl_create): set-group-ID stripped when the caller may not keep it, the umask (or,
   * where the directory has a default ACL, that ACL instead), the permission mask, the type, and
   * the group and S_ISGID a set-group-ID directory passes on.
   */
  private planNewInode(dir: Inode, mode: number, maskPerms: number, type: number, rdev: number, umask = true): NewInodePlan {
    if ((mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP) && type !== S_IFDIR && dir.mode & S_ISGID &&
      !inGroupOrCapable(this.cred, dir.gid)) {
      mode &= ~S_ISGID;
    }
    const mask = umask ? this.fsContext.umask : 0;
    const acls = dir.fs.posixAcl;
    if (!acls) mode &= ~mask;
    mode = (mode & maskPerms) | type;
    let access: Uint8Array | null = null;
    let dflt: Uint8Array | null = null;
    if (acls && type !== S_IFLNK) {
      const raw = dir.getxattr(XATTR_POSIX_ACL_DEFAULT);
      const def = raw === null ? null : aclFromXattr(raw);
      if (def === null) {
        mode &= ~mask;
      } else {
        const r = aclCreateMasq(def, mode);
        mode = r.mode;
        if (r.acl !== null) access = aclToXattr(r.acl);
        if (type === S_IFDIR) dflt = raw;
      }
    }
    let gid = this.cred.fsgid;
    if (dir.mode & S_ISGID) {
      gid = dir.gid;
      if (type === S_IFDIR) mode |= S_ISGID;
    }
    return { attrs: { mode, uid: this.cred.fsuid, gid, rdev }, access, dflt };
  }

  /** Gives a new inode the ACLs its plan inherited. */
  private finishNewInode(inode: Inode, plan: NewInodePlan): Inode {
    if (plan.access === null && plan.dflt === null) return inode;
    const now = this.vfs.clock();
    if (plan.access !== null) inode.setxattr(XATTR_POSIX_ACL_ACCESS, plan.access, 0, now);
    if (plan.dflt !== null) inode.setxattr(XATTR_POSIX_ACL_DEFAULT, plan.dflt, 0, now);
    return inode;
  }

  /** Linux setattr_should_drop_suidgid: the mode without the set-ID bits a write must clear, or -1. */
  private privsToRemove(inode: Inode): number {
    const mode = inode.mode;
    if (!(mode & (S_ISUID | S_ISGID))) return -1;
    let kill = false;
    let m = mode & 0o7777;
    if (mode & S_ISUID) { kill = true; m &= ~S_ISUID; }
    if (shouldDropSgid(this.cred, inode)) { kill = true; m &= ~S_ISGID; }
    if (!kill || this.cred.capable('CAP_FSETID') || !inode.isRegular()) return -1;
    return m;
  }

  /** Linux file_remove_privs. */
  private removePrivs(inode: Inode): void {
    const m = this.privsToRemove(inode);
    if (m !== -1) inode.setattr({ mode: m }, this.vfs.clock());
  }

  /** notify_change: immutable inodes refuse (EPERM); apply with ctime = now. */
  private setattr(inode: Inode, attr: SetAttr, now: Timespec = this.vfs.clock()): void {
    if (inode.immutable) throw vfsError('EPERM');
    inode.setattr(attr, now);
  }

  /** relatime: update atime when it is not newer than mtime or ctime, or a day old. */
  private touchAtimeFile(file: OpenFile): void {
    if (file.flags & O_NOATIME) return;
    this.touchAtimeInode(file.mount, file.inode);
  }

  private touchAtimeInode(mount: Mount, inode: Inode): void {
    if (this.atimeNeedsUpdate(mount, inode)) this.touchAtime(mount, inode);
  }

  /** Linux atime_needs_update with relatime. */
  atimeNeedsUpdate(mount: Mount, inode: Inode): boolean {
    if (mount.noatime || mount.readOnly) return false;
    if (inode.fs.noDirAtime && inode.isDir()) return false;
    // relatime_need_update: an atime newer than mtime and ctime needs an update only once a
    // day. This is the common case on every read and symlink walk, so it asks the clock
    // (which costs more than the rest of the check) only when the day test needs it.
    const fresh = !timeLE(inode.atimeSec, inode.atimeNsec, inode.mtimeSec, inode.mtimeNsec) &&
      !timeLE(inode.atimeSec, inode.atimeNsec, inode.ctimeSec, inode.ctimeNsec);
    if (fresh && this.vfs.clockSeconds() - inode.atimeSec < DAY) return false;
    // atime_needs_update: nothing to do when atime already equals now.
    const now = this.vfs.clock();
    return inode.atimeSec !== now.sec || inode.atimeNsec !== now.nsec;
  }

  /** touch_atime: sets the atime to now, keeping ctime. */
  touchAtime(mount: Mount, inode: Inode): void {
    void mount;
    const now = this.vfs.clock();
    try {
      inode.setattr({ atime: now, ctime: { sec: inode.ctimeSec, nsec: inode.ctimeNsec } }, now);
    } catch {
      // A filesystem that cannot record atime keeps the old one, as Linux ignores the error.
    }
  }

  /** True when `dentry` is a mount point in `mount` (is_local_mountpoint). */
  private isMountpointIn(mount: Mount, dentry: Dentry): boolean {
    return mount.children.has(dentry);
  }

  /** Adds syscall and path to an error. */
  private fail(e: unknown, syscall: string, path?: PathLike): unknown {
    if (e instanceof VfsError) return e.withContext(syscall, path === undefined ? undefined : pathText(path));
    return e;
  }
}

const O_NOCTTY_BIT = 0o400;

/** The handle of an O_PATH descriptor: no I/O, but it holds the inode until closed (ihold/iput). */
function holdHandle(inode: Inode): FileHandle {
  if (inode.ihold === undefined) return defaultHandle;
  inode.ihold();
  return { ...defaultHandle, release: () => inode.iput?.() };
}

function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function checkRange(buf: Uint8Array, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > buf.length) throw vfsError('EFAULT');
}

/** Linux import_xattr_name: an empty name or one of 256 bytes or more is ERANGE. */
function importXattrName(name: PathLike): ByteString {
  const n = toByteString(name);
  if (n.length === 0 || n.length > XATTR_NAME_MAX) throw vfsError('ERANGE');
  const nul = n.indexOf('\0');
  return nul >= 0 ? n.slice(0, nul) : n;
}

/** Linux setxattr_copy: flags, then the name, then the value size. */
function setxattrCopy(name: PathLike, value: Uint8Array, flags: number): ByteString {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw vfsError('EINVAL');
  const n = importXattrName(name);
  if (value.length > XATTR_SIZE_MAX) throw vfsError('E2BIG');
  return n;
}

/** The namespaces vroot filesystems store (Linux xattr_resolve_name over their handlers). */
const XATTR_PREFIXES = ['user.', 'trusted.', 'security.'];

/** Linux xattr_resolve_name: unknown namespaces are EOPNOTSUPP, an empty suffix is EINVAL. */
function resolveXattrName(name: ByteString): void {
  for (const prefix of XATTR_PREFIXES) {
    if (name.startsWith(prefix)) {
      if (name.length === prefix.length) throw vfsError('EINVAL');
      return;
    }
  }
  throw vfsError('EOPNOTSUPP');
}

/**
 * Linux lock_rename(p1 = new parent, p2 = old parent): the child of one parent that is an
 * ancestor of (or equal to) the other parent, or null when neither contains the other.
 */
function renameTrap(p1: Dentry, p2: Dentry): Dentry | null {
  if (p1 === p2) return null;
  let p = p1;
  for (;;) {
    const r = p.parent;
    if (r === p2) return p;
    if (r === p) break;
    p = r;
  }
  let q = p2;
  for (;;) {
    const r = q.parent;
    if (r === p1) return q;
    if (r === q) break;
    q = r;
  }
  return null;
}

void errno;
