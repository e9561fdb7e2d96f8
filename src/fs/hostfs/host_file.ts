// Node-specific: open files of a HostFs (positional I/O on a host descriptor of their own).
/**
 * An open file or directory of a HostFs. Each holds its own host descriptor, opened on the very
 * object the inode holds, so it keeps working after the host renames or unlinks the object.
 */
import { SEEK_DATA, SEEK_HOLE } from '../../abi/constants.js';
import { vfsError } from '../../vfs/errors.js';
import type { DirentSink, FileHandle } from '../../vfs/inode.js';
import { firstAtOrAfter, type ListedEntry } from './_dir_cookies.js';
import type { HostInode } from './host_inode.js';

/** What both kinds of open file share: the descriptor, fsync and release. */
abstract class HostHandle {
  protected readonly inode: HostInode;
  protected fd: number;

  constructor(inode: HostInode, fd: number) {
    this.inode = inode;
    this.fd = fd;
  }

  fsync(): void {
    const fs = this.inode.fs;
    fs.check(fs.host.fsync(this.fd));
  }

  release(): void {
    if (this.fd < 0) return;
    this.inode.fs.host.close(this.fd);
    this.fd = -1;
    this.inode.released();
  }
}

/** An open regular file: pread/pwrite (RWF_APPEND for appends) on its descriptor. */
export class HostFileHandle extends HostHandle implements FileHandle {
  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    const fs = this.inode.fs;
    return fs.check(fs.host.pread(this.fd, buf, offset, length, position));
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): number {
    const fs = this.inode.fs;
    fs.writable();
    const n = fs.check(fs.host.pwrite(this.fd, buf, offset, length, position));
    // The core sets an appender's offset from `size`: ask the host where the end is now.
    if (position === -1) this.inode.refresh();
    else if (position + n > this.inode.size) this.inode.size = position + n;
    return n;
  }

  readdir(): void {
    throw vfsError('ENOTDIR');
  }

  seekDataHole(offset: number, hole: boolean): number {
    const fs = this.inode.fs;
    return fs.check(fs.host.lseek(this.fd, offset, hole ? SEEK_HOLE : SEEK_DATA));
  }
}

/**
 * An open directory. A listing is read from the host whole when it starts (cookie 2, after `.`
 * and `..`, or a rewind) and served from that snapshot with stable cookies (see _dir_cookies.ts).
 */
export class HostDirHandle extends HostHandle implements FileHandle {
  private entries: ListedEntry[] | null = null;

  read(): number {
    throw vfsError('EISDIR');
  }

  write(): number {
    throw vfsError('EISDIR');
  }

  readdir(cookie: number, sink: DirentSink): void {
    if (this.entries === null || cookie <= 2) this.entries = this.inode.list(this.fd);
    const entries = this.entries;
    for (let i = firstAtOrAfter(entries, cookie); i < entries.length; i++) {
      const e = entries[i]!;
      if (!sink(e.name, e.ino, e.type, e.cookie + 1)) return;
    }
  }
}
