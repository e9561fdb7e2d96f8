// This module is browser compatible.
/**
 * /proc/<pid>, /proc/<pid>/task and /proc/<pid>/task/<tid> (Linux fs/proc/base.c:
 * tgid_base_stuff, tid_base_stuff, proc_task_lookup, proc_task_readdir). vroot implements the
 * entries below, in the kernel's order and with its modes; the others (environ, maps, ns...)
 * describe parts of a task vroot does not have.
 */
import { S_IFDIR } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import type { Inode } from '../../vfs/inode.js';
import type { Process } from '../../vfs/process.js';
import type { Stat } from '../../vfs/stat.js';
import {
  TaskFile, TaskInode, TaskLink, notFound, type ProcDirectory, type ProcDirent,
} from './_proc_inode.js';
import { nameToInt, taskAlive, threadsOf } from './_task.js';
import { FdDir } from './fd_dir.js';
import { showMountinfo, showMounts } from './mounts.js';
import type { ProcFs } from './proc_fs.js';
import { showStatus } from './status.js';

/** One entry of a task directory: its name and how to make its inode. */
interface PidEntry {
  name: ByteString;
  dir: boolean;
  make(fs: ProcFs, task: Process): TaskInode;
}

const ENTRIES: readonly PidEntry[] = [
  { name: 'task', dir: true, make: (fs, task) => new TaskDir(fs, task) },
  { name: 'fd', dir: true, make: (fs, task) => new FdDir(fs, task, false) },
  { name: 'fdinfo', dir: true, make: (fs, task) => new FdDir(fs, task, true) },
  { name: 'status', dir: false, make: (fs, task) => new TaskFile(fs, 0o444, task, showStatus) },
  { name: 'cwd', dir: false, make: (fs, task) => new TaskLink(fs, task, (t) => t.fsContext.cwd) },
  { name: 'root', dir: false, make: (fs, task) => new TaskLink(fs, task, (t) => t.fsContext.root) },
  { name: 'exe', dir: false, make: (fs, task) => new TaskLink(fs, task, (t) => t.exe) },
  { name: 'mounts', dir: false, make: (fs, task) => new TaskFile(fs, 0o444, task, (t, _r, o) => showMounts(t.vfs, o.root)) },
  { name: 'mountinfo', dir: false, make: (fs, task) => new TaskFile(fs, 0o444, task, (t, _r, o) => showMountinfo(t.vfs, o.root)) },
];

/** tgid_base_stuff: /proc/<pid>. */
const TGID_ENTRIES = ENTRIES;
/** tid_base_stuff: /proc/<pid>/task/<tid> has no task/ of its own. */
const TID_ENTRIES = ENTRIES.filter((e) => e.name !== 'task');

/**
 * A task's directory: /proc/<pid> (`thread` false) or /proc/<tgid>/task/<tid> (`thread` true).
 * Mode 0555, owned by the task's effective ids, immutable (so removing an entry is EPERM even
 * for root); its nlink counts its subdirectories, as pid_entry_nlink does for the entries that
 * exist. Entry i sits at cookie i + 2.
 */
export class PidDir extends TaskInode implements ProcDirectory {
  private readonly table: readonly PidEntry[];
  private readonly made = new Map<ByteString, TaskInode>();

  constructor(fs: ProcFs, task: Process, thread: boolean) {
    super(fs, S_IFDIR | 0o555, task);
    this.table = thread ? TID_ENTRIES : TGID_ENTRIES;
    // proc_pid_instantiate, proc_task_instantiate: S_IMMUTABLE.
    this.immutable = true;
    this.nlink = 2 + this.table.filter((e) => e.dir).length;
  }

  /** Linux proc_pident_lookup. Errors: ENOENT. */
  override lookup(name: ByteString): Inode {
    const entry = this.table.find((e) => e.name === name);
    return (entry === undefined ? null : this.child(entry)) ?? notFound();
  }

  private child(entry: PidEntry): TaskInode | null {
    if (!taskAlive(this.task)) return null;
    let inode = this.made.get(entry.name);
    if (inode === undefined) {
      inode = entry.make(this.fs, this.task);
      this.made.set(entry.name, inode);
    }
    return inode.refresh() ? inode : null;
  }

  /** Linux proc_pident_readdir. Errors: ENOENT (the task is gone). */
  *entries(cookie: number): Iterable<[number, ProcDirent]> {
    if (!taskAlive(this.task)) throw vfsError('ENOENT');
    for (let i = Math.max(0, cookie - 2); i < this.table.length; i++) {
      const entry = this.table[i]!;
      const inode = this.child(entry);
      if (inode === null) return;
      yield [i + 2, { name: entry.name, inode }];
    }
  }
}

/**
 * /proc/<pid>/task: the threads of the task's group, each at cookie tid + 2 (the leader has
 * the smallest tid, so it comes first, as in Linux). nlink is 2 plus the thread count
 * (proc_task_getattr).
 */
export class TaskDir extends TaskInode implements ProcDirectory {
  constructor(fs: ProcFs, task: Process) {
    super(fs, S_IFDIR | 0o555, task);
  }

  override getattr(out: Stat): void {
    if (taskAlive(this.task)) this.nlink = 2 + threadsOf(this.task).length;
    super.getattr(out);
  }

  /** Linux proc_task_lookup: a tid of the same thread group. Errors: ENOENT. */
  override lookup(name: ByteString): Inode {
    const tid = nameToInt(name);
    const t = tid < 0 || !taskAlive(this.task) ? undefined : this.task.vfs.process(tid);
    if (t === undefined || t.tgid !== this.task.tgid) return notFound();
    const dir = this.fs.tidDir(t);
    return dir.refresh() ? dir : notFound();
  }

  /** Linux proc_task_readdir. Errors: ENOENT (the task is gone). */
  *entries(cookie: number): Iterable<[number, ProcDirent]> {
    if (!taskAlive(this.task)) throw vfsError('ENOENT');
    for (const t of threadsOf(this.task)) {
      if (t.pid + 2 < cookie) continue;
      const dir = this.fs.tidDir(t);
      if (dir.refresh()) yield [t.pid + 2, { name: String(t.pid), inode: dir }];
    }
  }
}
