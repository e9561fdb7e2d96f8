// This module is browser compatible.
/**
 * Character devices and fifos, which Linux opens in the VFS, not in the filesystem
 * (fs/char_dev.c: chrdev_open, fs/pipe.c: fifo_open). A device node opens the driver registered
 * for its number, or fails with ENXIO, as on a kernel without that driver.
 */
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY, makedev } from '../abi/constants.js';
import { vfsError } from './errors.js';
import type { DirentSink, FileHandle } from './inode.js';

/**
 * The detail of the EAGAIN vroot returns where Linux would block (a blocking fifo open without a
 * peer, a blocking read of an empty fifo with writers): vroot's calls never wait.
 */
export const WOULD_BLOCK = 'operation would block (vroot never waits)';

/** Opens a device for one open file. */
export type DeviceOpener = (flags: number) => FileHandle;

const notDir = (): void => { throw vfsError('ENOTDIR'); };

/** /dev/null: reads give EOF, writes succeed. */
export const nullDevice: DeviceOpener = () => ({
  read: () => 0,
  write: (_b, _o, length) => length,
  readdir: notDir as (c: number, s: DirentSink) => void,
  fsync() {},
  release() {},
});

/** /dev/zero: reads give zeros, writes succeed. */
export const zeroDevice: DeviceOpener = () => ({
  read: (buf, offset, length) => { buf.fill(0, offset, offset + length); return length; },
  write: (_b, _o, length) => length,
  readdir: notDir as (c: number, s: DirentSink) => void,
  fsync() {},
  release() {},
});

/** /dev/full: reads give zeros, writes fail with ENOSPC. */
export const fullDevice: DeviceOpener = () => ({
  read: (buf, offset, length) => { buf.fill(0, offset, offset + length); return length; },
  write: () => { throw vfsError('ENOSPC'); },
  readdir: notDir as (c: number, s: DirentSink) => void,
  fsync() {},
  release() {},
});

/** /dev/random and /dev/urandom: cryptographic random bytes (Web Crypto). */
export const randomDevice: DeviceOpener = () => ({
  read: (buf, offset, length) => {
    for (let i = 0; i < length; i += 65536) {
      globalThis.crypto.getRandomValues(buf.subarray(offset + i, offset + Math.min(length, i + 65536)));
    }
    return length;
  },
  write: (_b, _o, length) => length,
  readdir: notDir as (c: number, s: DirentSink) => void,
  fsync() {},
  release() {},
});

/** The drivers a new VirtualFileSystem knows (Documentation/admin-guide/devices.txt numbers). */
export function defaultDevices(): Map<number, DeviceOpener> {
  return new Map<number, DeviceOpener>([
    [makedev(1, 3), nullDevice],
    [makedev(1, 5), zeroDevice],
    [makedev(1, 7), fullDevice],
    [makedev(1, 8), randomDevice],
    [makedev(1, 9), randomDevice],
  ]);
}

/**
 * The buffer of a fifo, shared by every open file of one fifo inode (Linux pipe_inode_info).
 * vroot is synchronous: where the kernel would block (an empty fifo with writers, a blocking
 * open with no peer) it answers EAGAIN instead.
 */
export class Pipe {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  readers = 0;
  writers = 0;
  /** Linux's default pipe capacity. */
  readonly capacity = 65536;

  read(buf: Uint8Array, offset: number, length: number): number {
    if (this.bytes === 0) {
      if (this.writers === 0) return 0;
      throw vfsError('EAGAIN', WOULD_BLOCK);
    }
    let done = 0;
    while (done < length && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, length - done);
      buf.set(c.subarray(0, n), offset + done);
      done += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.bytes -= done;
    return done;
  }

  write(buf: Uint8Array, offset: number, length: number): number {
    if (this.readers === 0) throw vfsError('EPIPE');
    const room = this.capacity - this.bytes;
    if (room <= 0) throw vfsError('EAGAIN');
    const n = Math.min(room, length);
    this.chunks.push(buf.slice(offset, offset + n));
    this.bytes += n;
    return n;
  }

  /**
   * Opens one end per the access mode (fifo_open). An anonymous pipe (`anonymous`, reopened
   * through /proc/<pid>/fd) never waits for nor requires the other end (fifo_open's is_pipe).
   * Errors: ENXIO, EAGAIN.
   */
  open(flags: number, anonymous = false): FileHandle {
    const acc = flags & O_ACCMODE;
    const reads = acc === O_RDONLY || acc !== O_WRONLY;
    const writes = acc !== O_RDONLY;
    if (acc === O_WRONLY && this.readers === 0 && !anonymous) {
      // Linux: a non-blocking writer with no reader gets ENXIO; a blocking one would wait.
      if (flags & O_NONBLOCK) throw vfsError('ENXIO');
      throw vfsError('EAGAIN', WOULD_BLOCK);
    }
    if (acc === O_RDONLY && this.writers === 0 && !(flags & O_NONBLOCK) && !anonymous) {
      // A blocking reader would wait for a writer: vroot cannot wait.
      throw vfsError('EAGAIN', WOULD_BLOCK);
    }
    if (reads) this.readers++;
    if (writes) this.writers++;
    let open = true;
    return {
      read: (buf, offset, length) => {
        if (!reads) throw vfsError('EBADF');
        return this.read(buf, offset, length);
      },
      write: (buf, offset, length) => {
        if (!writes) throw vfsError('EBADF');
        return this.write(buf, offset, length);
      },
      readdir: notDir as (c: number, s: DirentSink) => void,
      fsync() {},
      release: () => {
        if (!open) return;
        open = false;
        if (reads) this.readers--;
        if (writes) this.writers--;
        if (this.readers === 0 && this.writers === 0) { this.chunks = []; this.bytes = 0; }
      },
    };
  }
}
