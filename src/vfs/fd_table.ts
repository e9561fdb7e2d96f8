// This module is browser compatible.
/**
 * A file descriptor table (Linux `struct files_struct`): lowest free number first, FD_CLOEXEC
 * kept per descriptor apart from the open file's status flags, shared between threads made with
 * `clone({ files: 'share' })`.
 */
import { vfsError } from './errors.js';
import type { OpenFile } from './open_file.js';

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

export class FdTable {
  private slots: (Slot | undefined)[] = [];
  /** No descriptor below this number is free. */
  private lowestFree = 0;
  /** RLIMIT_NOFILE: descriptors must be below this number (EMFILE). */
  limit: number;

  constructor(limit = 1024) {
    this.limit = limit;
  }

  /** The open file of `fd`. Errors: EBADF. */
  get(fd: number): OpenFile {
    const slot = Number.isInteger(fd) && fd >= 0 ? this.slots[fd] : undefined;
    if (slot === undefined) throw vfsError('EBADF');
    return slot.file;
  }

  /** The open file of `fd`, or undefined. */
  peek(fd: number): OpenFile | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.slots[fd]?.file : undefined;
  }

  isCloexec(fd: number): boolean {
    this.get(fd);
    return this.slots[fd]!.cloexec;
  }

  setCloexec(fd: number, cloexec: boolean): void {
    this.get(fd);
    this.slots[fd]!.cloexec = cloexec;
  }

  /** Installs `file` at the lowest free descriptor not below `min`. Errors: EMFILE, EINVAL. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    if (min < 0 || min >= this.limit) throw vfsError('EINVAL');
    let fd = Math.max(min, this.lowestFree);
    while (this.slots[fd] !== undefined) fd++;
    if (fd >= this.limit) throw vfsError('EMFILE');
    this.slots[fd] = { file, cloexec };
    file.refs++;
    if (min <= this.lowestFree) this.lowestFree = fd + 1;
    return fd;
  }

  /** Puts `file` at exactly `fd`, closing what was there (dup2/dup3). Errors: EBADF. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    if (!Number.isInteger(fd) || fd < 0 || fd >= this.limit) throw vfsError('EBADF');
    const old = this.slots[fd];
    file.refs++;
    this.slots[fd] = { file, cloexec };
    if (fd === this.lowestFree) this.advanceLowest();
    old?.file.put();
  }

  /** Removes `fd` and drops its reference. Errors: EBADF. */
  close(fd: number): void {
    const file = this.get(fd);
    this.slots[fd] = undefined;
    if (fd < this.lowestFree) this.lowestFree = fd;
    file.put();
  }

  /** Every open descriptor number, ascending. */
  fds(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, i) => { if (s !== undefined) out.push(i); });
    return out;
  }

  /** A copy for fork/clone without CLONE_FILES: same open files, new references. */
  copy(): FdTable {
    const t = new FdTable(this.limit);
    this.slots.forEach((s, i) => {
      if (s !== undefined) {
        t.slots[i] = { file: s.file, cloexec: s.cloexec };
        s.file.refs++;
      }
    });
    t.lowestFree = this.lowestFree;
    return t;
  }

  /** Closes every descriptor marked close-on-exec (execve). */
  closeOnExec(): void {
    this.slots.forEach((s, i) => { if (s?.cloexec) this.close(i); });
  }

  /** Closes every descriptor (process exit). */
  closeAll(): void {
    this.slots.forEach((s, i) => { if (s !== undefined) this.close(i); });
  }

  private advanceLowest(): void {
    while (this.slots[this.lowestFree] !== undefined) this.lowestFree++;
  }
}
