// This module is browser compatible.
/**
 * Open file descriptions (Linux `struct file`): what open() creates and file descriptors share.
 * An open file holds its mount, dentry and inode for as long as any descriptor refers to it, so
 * an unlinked file stays readable and /proc/<pid>/fd can name it.
 */
import { O_ACCMODE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY } from '../abi/constants.js';
import type { Dentry } from './dentry.js';
import type { FileHandle, Inode } from './inode.js';
import type { Mount } from './mount.js';

export class OpenFile {
  readonly mount: Mount;
  readonly dentry: Dentry;
  readonly inode: Inode;
  /** Status flags (O_APPEND, O_NONBLOCK, O_DIRECT, ...) and the access mode. */
  flags: number;
  /** The file offset (for directories: the readdir cookie). */
  pos = 0;
  readonly handle: FileHandle;
  /** File descriptors (in any fd table) that refer to this open file. */
  refs = 0;
  /** Filesystem-independent per-open state (a fifo's pipe, a directory listing in progress). */
  private: unknown = undefined;
  /** Called once when the last descriptor is closed, after the handle is released. */
  onRelease: (() => void) | undefined = undefined;

  constructor(mount: Mount, dentry: Dentry, inode: Inode, flags: number, handle: FileHandle) {
    this.mount = mount;
    this.dentry = dentry;
    this.inode = inode;
    this.flags = flags;
    this.handle = handle;
    mount.refs++;
    dentry.pins++;
  }

  get isPath(): boolean {
    return (this.flags & O_PATH) !== 0;
  }

  get readable(): boolean {
    if (this.flags & O_PATH) return false;
    const acc = this.flags & O_ACCMODE;
    return acc === O_RDONLY || acc === O_RDWR;
  }

  get writable(): boolean {
    if (this.flags & O_PATH) return false;
    const acc = this.flags & O_ACCMODE;
    return acc === O_WRONLY || acc === O_RDWR;
  }

  /** Drops one descriptor's reference; the last one releases the file. */
  put(): void {
    if (--this.refs > 0) return;
    try {
      this.handle.release();
    } finally {
      this.mount.refs--;
      this.dentry.pins--;
      this.onRelease?.();
    }
  }
}
