// This module is browser compatible.
/**
 * The kinds of procfs inode (Linux fs/proc/base.c, generic.c, inode.c): directories whose
 * entries are computed, files whose text is made when read (seq_file), symlinks whose body
 * depends on the reader (/proc/self), and magic links that jump to an object
 * (/proc/<pid>/fd/N, cwd, root, exe).
 *
 * Ownership: a procfs inode of a task holds the task (a `Process`); it never holds the objects
 * the task uses (open files, working directories), but looks them up each time, so a cached
 * /proc entry keeps no unlinked file alive.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../abi/constants.js';
import { byteStringToBytes, type ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { Inode, defaultHandle, type DirentSink, type FileHandle } from '../../vfs/inode.js';
import type { VirtualDentry } from '../../vfs/mount.js';
import type { MagicLink, WalkContext } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import type { SetAttr, Stat, Timespec } from '../../vfs/stat.js';
import { dPath } from './_d_path.js';
import { ptraceMayRead, taskAlive } from './_task.js';
import type { ProcFs } from './proc_fs.js';

/** The base of every procfs inode: fixed type, made-up number, times of its creation. */
export abstract class ProcInode extends Inode {
  readonly fs: ProcFs;

  constructor(fs: ProcFs, mode: number) {
    super();
    this.fs = fs;
    this.ino = fs.allocateIno();
    this.mode = mode;
    this.nlink = (mode & S_IFMT) === S_IFDIR ? 2 : 1;
    // proc_pid_make_inode: the times are those of the inode's creation.
    const now = fs.clock();
    this.atimeSec = this.mtimeSec = this.ctimeSec = now.sec;
    this.atimeNsec = this.mtimeNsec = this.ctimeNsec = now.nsec;
  }

  /**
   * Brings owner, mode and size up to date (Linux pid_revalidate, tid_fd_revalidate) and
   * returns false when the object the inode shows is gone.
   */
  refresh(): boolean {
    return true;
  }

  override blocks(): number {
    return 0;
  }

  /**
   * A directory (a `ProcDirectory`) opens for listing its entries, once its `checkOpen` allows;
   * other inodes have nothing to open unless they say otherwise. Errors: EACCES (checkOpen).
   */
  override open(flags: number, ctx?: WalkContext): FileHandle {
    void flags;
    const dir = this as Partial<ProcDirectory>;
    if (dir.entries === undefined) return defaultHandle;
    if (ctx !== undefined) dir.checkOpen?.(ctx);
    return directoryHandle(dir as ProcDirectory);
  }

  /** procfs directories are never empty (rmdir is refused before this is asked). */
  override isEmptyDir(): boolean {
    if (!this.isDir()) throw vfsError('ENOTDIR');
    return false;
  }

  override getattr(out: Stat): void {
    this.refresh();
    super.getattr(out);
  }

  /**
   * Linux proc_setattr: mode changes are EPERM; owner and times, which the core has already
   * permitted, are kept on the inode (a task's entries take their owner back from the task
   * when next looked up, as pid_revalidate does). Size changes (O_TRUNC) change nothing.
   */
  override setattr(attr: SetAttr, now: Timespec): void {
    if (attr.mode !== undefined) throw vfsError('EPERM');
    if (attr.uid !== undefined) this.uid = attr.uid;
    if (attr.gid !== undefined) this.gid = attr.gid;
    if (attr.atime !== undefined) { this.atimeSec = attr.atime.sec; this.atimeNsec = attr.atime.nsec; }
    if (attr.mtime !== undefined) { this.mtimeSec = attr.mtime.sec; this.mtimeNsec = attr.mtime.nsec; }
    const ctime = attr.ctime ?? now;
    this.ctimeSec = ctime.sec;
    this.ctimeNsec = ctime.nsec;
  }
}

/**
 * An inode that shows something of one task: owned by the task's effective ids (Linux
 * task_dump_owner for a dumpable task), gone when the task is.
 */
export abstract class TaskInode extends ProcInode {
  readonly task: Process;

  constructor(fs: ProcFs, mode: number, task: Process) {
    super(fs, mode);
    this.task = task;
    this.uid = task.cred.euid;
    this.gid = task.cred.egid;
  }

  override refresh(): boolean {
    if (!taskAlive(this.task)) return false;
    this.uid = this.task.cred.euid;
    this.gid = this.task.cred.egid;
    return true;
  }
}

/** One entry of a directory listing. */
export interface ProcDirent {
  name: ByteString;
  inode: ProcInode;
}

/** DT_* of an inode, for readdir. */
function direntType(inode: Inode): number {
  return (inode.mode & S_IFMT) >> 12;
}

/**
 * A procfs directory. Its entries are computed: `lookup` finds one (the same inode object for
 * as long as what it shows exists), `entries` lists them in order with the cookie each sits at
 * (at least 2; the core emits `.` and `..` at 0 and 1).
 */
export interface ProcDirectory {
  /** The entries whose cookie is `cookie` or more, in increasing cookie order. */
  entries(cookie: number): Iterable<[number, ProcDirent]>;
  /** Linux's extra open checks of some directories (fdinfo: ptrace access). Errors: EACCES. */
  checkOpen?(ctx: WalkContext): void;
}

/** A directory handle that lists `dir` (Linux proc_readdir and its kin). */
function directoryHandle(dir: ProcDirectory): FileHandle {
  return {
    read(): number { throw vfsError('EISDIR'); },
    write(): number { throw vfsError('EISDIR'); },
    readdir(cookie: number, sink: DirentSink): void {
      for (const [at, e] of dir.entries(cookie)) {
        if (!sink(e.name, e.inode.ino, direntType(e.inode), at + 1)) return;
      }
    },
    fsync(): void {},
    release(): void {},
  };
}

/**
 * Linux's procfs lookups fail with ENOENT rather than leave a negative dentry, so creating a
 * name in a procfs directory is ENOENT before any permission check (mkdir, O_CREAT, rename...).
 */
export function notFound(): never {
  throw vfsError('ENOENT');
}

/** What a procfs file shows, made again each time it is read from its start (seq_file). */
export type ShowText = (reader: WalkContext) => ByteString;

/**
 * A procfs file (Linux single_open + seq_read): the text is made when the file is read from
 * offset 0 and kept for reads further on. Writing is EINVAL (no write operation), once the
 * open itself was allowed by the mode bits.
 */
export function textHandle(show: ShowText, reader: WalkContext): FileHandle {
  let text: Uint8Array | null = null;
  return {
    read(buf: Uint8Array, offset: number, length: number, position: number): number {
      if (position === 0 || text === null) text = byteStringToBytes(show(reader));
      if (position >= text.length) return 0;
      const n = Math.min(length, text.length - position);
      buf.set(text.subarray(position, position + n), offset);
      return n;
    },
    write(): number { throw vfsError('EINVAL'); },
    readdir(): void { throw vfsError('ENOTDIR'); },
    fsync(): void {},
    release(): void { text = null; },
  };
}

/**
 * A symlink whose body is fixed (/proc/mounts, whose size is the body's length, as
 * proc_symlink sets it) or depends on the reader (/proc/self, size 0).
 */
export class ProcSymlink extends ProcInode {
  private readonly body: ByteString | ((ctx: WalkContext | undefined) => ByteString);

  constructor(fs: ProcFs, body: ByteString | ((ctx: WalkContext | undefined) => ByteString)) {
    super(fs, S_IFLNK | 0o777);
    this.body = body;
    if (typeof body === 'string') this.size = body.length;
  }

  override readlink(ctx?: WalkContext): ByteString {
    return typeof this.body === 'string' ? this.body : this.body(ctx);
  }
}

/**
 * A magic link of a task (Linux proc_pid_link_inode_operations): following it jumps to the
 * object `target` finds, readlink shows that object's path from the reader's root. Both need
 * ptrace access to the task (EACCES) and a live object (ENOENT).
 */
export class TaskLink extends TaskInode implements MagicLink {
  private readonly target: (task: Process) => VirtualDentry | null;

  constructor(fs: ProcFs, task: Process, target: (task: Process) => VirtualDentry | null, mode = S_IFLNK | 0o777) {
    super(fs, mode, task);
    this.target = target;
  }

  /** Linux call_proc_get_link. Errors: ENOENT, EACCES. */
  magicLink(ctx: WalkContext): VirtualDentry {
    if (!taskAlive(this.task)) throw vfsError('ENOENT');
    if (!ptraceMayRead(ctx, this.task)) throw vfsError('EACCES');
    const t = this.target(this.task);
    if (t === null) throw vfsError('ENOENT');
    return t;
  }

  /** Linux proc_pid_readlink: d_path from the reader's root. */
  magicLinkText(ctx: WalkContext): ByteString {
    return dPath(this.magicLink(ctx), ctx.root());
  }

  override readlink(ctx?: WalkContext): ByteString {
    if (ctx === undefined) throw vfsError('EINVAL');
    return this.magicLinkText(ctx);
  }
}

/** A regular procfs file of a task whose text `show` makes. */
export class TaskFile extends TaskInode {
  private readonly show: (task: Process, reader: WalkContext, opened: OpenedFrom) => ByteString;
  private readonly checkOpen: ((ctx: WalkContext) => void) | undefined;

  constructor(fs: ProcFs, mode: number, task: Process,
    show: (task: Process, reader: WalkContext, opened: OpenedFrom) => ByteString, checkOpen?: (ctx: WalkContext) => void) {
    super(fs, S_IFREG | mode, task);
    this.show = show;
    this.checkOpen = checkOpen;
  }

  override open(flags: number, ctx?: WalkContext): FileHandle {
    if (ctx === undefined) return defaultHandle;
    this.checkOpen?.(ctx);
    // mounts_open_common keeps the task's root of the moment of open.
    void flags;
    const opened: OpenedFrom = { root: this.task.fsContext.root };
    const task = this.task;
    return textHandle((reader) => {
      if (!taskAlive(task)) throw vfsError('ESRCH');
      return this.show(task, reader, opened);
    }, ctx);
  }
}

/** What a task file remembers from its open. */
export interface OpenedFrom {
  /** The task's root when the file was opened. */
  root: VirtualDentry;
}

