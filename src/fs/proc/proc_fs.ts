// This module is browser compatible.
/**
 * procfs: the processes of a VirtualFileSystem as Linux's /proc shows them (fs/proc/root.c,
 * base.c, fd.c, self.c, thread_self.c, array.c, fs/proc_namespace.c): /proc/self,
 * /proc/thread-self, /proc/mounts and per task /proc/<pid>/{task,fd,fdinfo,status,cwd,root,exe,
 * mounts,mountinfo}. The fd/N, cwd, root and exe entries are magic links: readlink shows the
 * object's path from the reader's root (never anything outside what the reader's mounts show,
 * so a process rooted in a guest RootFS sees guest paths only), and opening one reaches the very
 * object, even unlinked or renamed.
 *
 * A ProcFs shows the processes of the VirtualFileSystem it is first mounted in (as Linux's
 * proc binds to the mounter's pid namespace); every answer is computed when asked, so the
 * filesystem is volatile and the core revalidates its cached entries on each walk.
 *
 * @example
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const p = vfs.createProcess();
 * p.mkdirat(AT_FDCWD, '/proc', 0o555);
 * vfs.mount(new ProcFs(), '/proc', { nosuid: true, nodev: true, noexec: true });
 * const fd = p.openat(AT_FDCWD, '/etc/hosts', O_RDONLY);
 * p.readlinkat(AT_FDCWD, `/proc/self/fd/${fd}`); // '/etc/hosts'
 */
import { S_IFDIR } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { systemClock, type Clock } from '../../vfs/clock.js';
import { rootDentryOf } from '../../vfs/dentry.js';
import { vfsError } from '../../vfs/errors.js';
import { FileSystem, type Inode } from '../../vfs/inode.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import type { Stat, StatFs } from '../../vfs/stat.js';
import type { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';
import {
  ProcInode, ProcSymlink, notFound, type ProcDirectory, type ProcDirent,
} from './_proc_inode.js';
import { nameToInt } from './_task.js';
import { PidDir } from './pid_dir.js';

/** PROC_SUPER_MAGIC from include/uapi/linux/magic.h. */
export const PROC_SUPER_MAGIC = 0x9fa0;

/** Cookies of the /proc listing (fs/proc/base.c): self, thread-self, then pid + TGID_OFFSET. */
const FIRST_PROCESS_ENTRY = 256;
const TGID_OFFSET = FIRST_PROCESS_ENTRY + 2;
/** getdents64 cookies must fit in 31 bits (DESIGN.md): larger pids cannot be listed. */
const MAX_COOKIE = 0x7fffffff;

/** Options of a procfs instance. */
export interface ProcFsOptions {
  /** Time source for the inodes' timestamps. */
  clock?: Clock;
}

/**
 * The /proc directory (proc_root): entries that are not processes first (/proc/mounts, a
 * symlink to self/mounts), then self and thread-self, then one directory per thread group.
 * Thread ids that are not group leaders are not listed but can be looked up, as on Linux.
 */
class ProcRoot extends ProcInode implements ProcDirectory {
  private readonly fixed: ProcDirent[];
  private readonly self: ProcSymlink;
  private readonly threadSelf: ProcSymlink;

  constructor(fs: ProcFs) {
    super(fs, S_IFDIR | 0o555);
    // proc_self_get_link / proc_thread_self_get_link: the reader's ids, ENOENT for a task
    // outside this procfs's VFS.
    const reader = (ctx: WalkContext | undefined): WalkContext => {
      if (ctx === undefined) throw vfsError('EINVAL');
      if (fs.vfs?.process(ctx.pid) !== ctx) throw vfsError('ENOENT');
      return ctx;
    };
    this.self = new ProcSymlink(fs, (ctx) => String(reader(ctx).tgid));
    this.threadSelf = new ProcSymlink(fs, (ctx) => {
      const r = reader(ctx);
      return `${r.tgid}/task/${r.pid}`;
    });
    this.fixed = [{ name: 'mounts', inode: new ProcSymlink(fs, 'self/mounts') }];
  }

  /** Live thread group leaders, by pid. */
  private leaders(): Process[] {
    const vfs = this.fs.vfs;
    if (vfs === null) return [];
    return vfs.allProcesses().filter((p) => p.pid === p.tgid).sort((a, b) => a.pid - b.pid);
  }

  override getattr(out: Stat): void {
    // proc_root_getattr: 2 plus the number of processes.
    this.nlink = 2 + this.leaders().length;
    super.getattr(out);
  }

  /** Linux proc_root_lookup: a pid first, then the other entries. Errors: ENOENT. */
  override lookup(name: ByteString): Inode {
    const pid = nameToInt(name);
    if (pid >= 0) {
      const task = this.fs.vfs?.process(pid);
      if (task !== undefined) {
        const dir = this.fs.tgidDir(task);
        if (dir.refresh()) return dir;
      }
    }
    if (name === 'self') return this.self;
    if (name === 'thread-self') return this.threadSelf;
    return this.fixed.find((e) => e.name === name)?.inode ?? notFound();
  }

  /** Linux proc_root_readdir. */
  *entries(cookie: number): Iterable<[number, ProcDirent]> {
    for (let i = Math.max(0, cookie - 2); i < this.fixed.length; i++) yield [i + 2, this.fixed[i]!];
    if (cookie <= FIRST_PROCESS_ENTRY) yield [FIRST_PROCESS_ENTRY, { name: 'self', inode: this.self }];
    if (cookie <= FIRST_PROCESS_ENTRY + 1) yield [FIRST_PROCESS_ENTRY + 1, { name: 'thread-self', inode: this.threadSelf }];
    for (const task of this.leaders()) {
      const at = task.pid + TGID_OFFSET;
      if (at < cookie) continue;
      if (at >= MAX_COOKIE) return;
      const dir = this.fs.tgidDir(task);
      if (dir.refresh()) yield [at, { name: String(task.pid), inode: dir }];
    }
  }
}

/**
 * The proc filesystem.
 *
 * @example
 * vfs.mount(new ProcFs(), '/proc');
 */
export class ProcFs extends FileSystem {
  readonly type = 'proc';
  override readonly volatile = true;
  // proc_fill_super: SB_NODIRATIME.
  override readonly noDirAtime = true;
  readonly root: Inode;
  readonly clock: Clock;
  private bound: VirtualFileSystem | null = null;
  private nextIno = 1;
  private readonly tgidDirs = new WeakMap<Process, PidDir>();
  private readonly tidDirs = new WeakMap<Process, PidDir>();

  constructor(options: ProcFsOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    // The root is inode 1 (PROC_ROOT_INO).
    this.root = new ProcRoot(this);
  }

  /** The VirtualFileSystem whose processes this procfs shows, once mounted. */
  get vfs(): VirtualFileSystem | null {
    return this.bound;
  }

  /** A fresh inode number (Linux get_next_ino). */
  allocateIno(): number {
    return this.nextIno++;
  }

  /**
   * Binds to the first VirtualFileSystem that mounts this procfs (proc_fill_super takes the
   * mounter's pid namespace). Errors: EBUSY (already showing another VFS's processes).
   */
  override attachTo(vfs: VirtualFileSystem): void {
    if (this.bound === vfs) return;
    if (this.bound !== null) throw vfsError('EBUSY', 'this procfs shows another VirtualFileSystem');
    this.bound = vfs;
    vfs.observeExits((task) => this.flush(task));
  }

  /**
   * Every cached entry is checked again: the answer is whatever the directory finds now. A name
   * that is gone is ENOENT, not a negative entry, as Linux looks the name up again after
   * d_revalidate fails and proc's lookup says ENOENT (so O_CREAT of a closed fd/N is ENOENT).
   */
  override revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    void cached;
    return dir.lookup(name);
  }

  statfs(): StatFs {
    // simple_statfs: only the type, block size and name length are meaningful.
    return {
      type: PROC_SUPER_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0,
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: 0,
    };
  }

  /** /proc/<pid> of `task`, the same inode for as long as the task lives. */
  tgidDir(task: Process): PidDir {
    return this.taskDir(this.tgidDirs, task, false);
  }

  /** /proc/<tgid>/task/<tid> of `task`. */
  tidDir(task: Process): PidDir {
    return this.taskDir(this.tidDirs, task, true);
  }

  private taskDir(made: WeakMap<Process, PidDir>, task: Process, thread: boolean): PidDir {
    let d = made.get(task);
    if (d === undefined) {
      d = new PidDir(this, task, thread);
      made.set(task, d);
    }
    return d;
  }

  /**
   * Linux proc_flush_pid: forgets the cached entries of a task that exited, so they neither
   * linger in the dentry cache nor keep the task's objects reachable.
   */
  private flush(task: Process): void {
    const root = rootDentryOf(this);
    root.cachedChild(String(task.pid))?.markDeleted();
    root.cachedChild(String(task.tgid))?.cachedChild('task')?.cachedChild(String(task.pid))?.markDeleted();
  }
}
