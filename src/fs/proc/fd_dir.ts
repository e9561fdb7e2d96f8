// This module is browser compatible.
/**
 * /proc/<pid>/fd and /proc/<pid>/fdinfo (Linux fs/proc/fd.c): one magic link and one text file
 * per open descriptor of the task.
 */
import { O_CLOEXEC, S_IFDIR, S_IFLNK } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import type { Inode } from '../../vfs/inode.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import type { Stat } from '../../vfs/stat.js';
import {
  TaskFile, TaskInode, TaskLink, notFound, type ProcDirectory, type ProcDirent,
} from './_proc_inode.js';
import { nameToInt, ptraceMayRead, taskAlive } from './_task.js';
import type { ProcFs } from './proc_fs.js';

/**
 * /proc/<pid>/fd/N: a magic link to the descriptor's open file. Its mode tells how the file is
 * open (tid_fd_update_inode: r-x for reading, -wx for writing, nothing for O_PATH); its
 * readlink is the file's path from the reader's root, " (deleted)" once unlinked, `pipe:[ino]`
 * for a pipe; following it reaches the very same object even after unlink or rename.
 */
class FdLink extends TaskLink {
  private readonly fd: number;

  constructor(fs: ProcFs, task: Process, fd: number) {
    super(fs, task, (t) => {
      const f = t.files.peek(fd);
      return f === undefined ? null : { mount: f.mount, dentry: f.dentry };
    }, S_IFLNK);
    this.fd = fd;
    // proc_fd_instantiate: a made-up size, as the real length is only known on readlink.
    this.size = 64;
  }

  override refresh(): boolean {
    if (!super.refresh()) return false;
    const f = this.task.files.peek(this.fd);
    if (f === undefined) return false;
    let mode = S_IFLNK;
    if (f.readable) mode |= 0o500;
    if (f.writable) mode |= 0o300;
    this.mode = mode;
    return true;
  }
}

/** Linux seq_show of fdinfo: the open file's offset, flags (O_CLOEXEC from the descriptor), mount and inode. */
function showFdinfo(task: Process, fd: number): ByteString {
  const file = task.files.peek(fd);
  if (file === undefined) throw vfsError('ENOENT');
  let flags = file.flags;
  if (task.files.isCloexec(fd)) flags |= O_CLOEXEC;
  return `pos:\t${file.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${file.mount.id}\nino:\t${file.inode.ino}\n`;
}

/** Linux proc_fdinfo_access_allowed. Errors: EACCES. */
function checkFdinfoAccess(ctx: WalkContext, task: Process): void {
  if (!ptraceMayRead(ctx, task)) throw vfsError('EACCES');
}

/** /proc/<pid>/fdinfo/N: 0444, readable by whoever may ptrace-read the task. */
class FdinfoFile extends TaskFile {
  private readonly fd: number;

  constructor(fs: ProcFs, task: Process, fd: number) {
    super(fs, 0o444, task, (t) => showFdinfo(t, fd), (ctx) => checkFdinfoAccess(ctx, task));
    this.fd = fd;
  }

  override refresh(): boolean {
    return super.refresh() && this.task.files.peek(this.fd) !== undefined;
  }
}

/**
 * /proc/<pid>/fd (mode 0500: only the task's owner and root may look in) or /proc/<pid>/fdinfo
 * (0555, but opening it for listing needs ptrace access). Entries sit at cookie fd + 2.
 */
export class FdDir extends TaskInode implements ProcDirectory {
  private readonly info: boolean;
  /** The entry of each descriptor looked up or listed, while it stays open. */
  private readonly nodes = new Map<number, TaskInode>();

  constructor(fs: ProcFs, task: Process, info: boolean) {
    super(fs, S_IFDIR | (info ? 0o555 : 0o500), task);
    this.info = info;
  }

  override getattr(out: Stat): void {
    // proc_fd_getattr (Linux 6.2+): the size of fd/ is the number of open descriptors.
    if (!this.info && taskAlive(this.task)) this.size = this.task.files.fds().length;
    super.getattr(out);
  }

  /** Linux proc_lookupfd_common. Errors: ENOENT. */
  override lookup(name: ByteString): Inode {
    const fd = nameToInt(name);
    return (fd < 0 ? null : this.node(fd)) ?? notFound();
  }

  private node(fd: number): TaskInode | null {
    if (!taskAlive(this.task) || this.task.files.peek(fd) === undefined) {
      this.nodes.delete(fd);
      return null;
    }
    let n = this.nodes.get(fd);
    if (n === undefined) {
      n = this.info ? new FdinfoFile(this.fs, this.task, fd) : new FdLink(this.fs, this.task, fd);
      this.nodes.set(fd, n);
    }
    n.refresh();
    return n;
  }

  /** Linux proc_readfd_common. Errors: ENOENT (the task is gone). */
  *entries(cookie: number): Iterable<[number, ProcDirent]> {
    if (!taskAlive(this.task)) throw vfsError('ENOENT');
    const open = this.task.files.fds();
    for (const fd of [...this.nodes.keys()]) if (this.task.files.peek(fd) === undefined) this.nodes.delete(fd);
    for (const fd of open) {
      if (fd + 2 < cookie) continue;
      const n = this.node(fd);
      if (n !== null) yield [fd + 2, { name: String(fd), inode: n }];
    }
  }

  /** proc_open_fdinfo: listing fdinfo needs ptrace access (fd/ is guarded by its mode instead). */
  checkOpen(ctx: WalkContext): void {
    if (this.info) checkFdinfoAccess(ctx, this.task);
  }
}
