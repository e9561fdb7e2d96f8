// Node-specific: reads an image from a file descriptor with positional reads.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { errno } from '../../abi/errno.js';
import type { ByteSource } from '../../fs/erofs/byte_source.js';

/**
 * A ByteSource over a file (an image file or a block device), read with pread(2): nothing is
 * buffered here; the reader's block cache and the host page cache do that.
 *
 * @example
 * const fs = Erofs.open(FileSource.open('/images/root.erofs'));
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number;
  private readonly owned: boolean;

  /** Wraps an open descriptor; `owned` makes `close` close it. */
  constructor(fd: number, owned = false) {
    this.fd = fd;
    this.owned = owned;
    const st = fstatSync(fd);
    this.size = st.size;
  }

  /** Opens `path` read-only. Errors: the open's (ENOENT, EACCES...) as a VfsError. */
  static open(path: string): FileSource {
    try {
      return new FileSource(openSync(path, 'r'), true);
    } catch (e) {
      throw hostError(e, path);
    }
  }

  /** The descriptor read from (-1 once closed), for copies inside the kernel. */
  get descriptor(): number {
    return this.fd;
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.fd < 0) throw vfsError('EIO', 'image source is closed');
    let done = 0;
    try {
      while (done < length) {
        const n = readSync(this.fd, buf, offset + done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw hostError(e, undefined, 'EIO');
    }
    return done;
  }

  close(): void {
    if (this.owned && this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function hostError(e: unknown, path?: string, fallback: keyof typeof errno = 'EIO'): VfsError {
  const code = (e as { code?: string }).code;
  const value = code !== undefined && code in errno ? errno[code as keyof typeof errno] : errno[fallback];
  return new VfsError(value, undefined, path, (e as Error).message);
}
