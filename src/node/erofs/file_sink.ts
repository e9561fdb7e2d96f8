// Node-specific: writes an image to a file with positional writes.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { ByteSink } from '../../fs/erofs/writer/byte_sink.js';

/**
 * A ByteSink over a file descriptor.
 *
 * @example
 * const sink = FileSink.create('out.erofs');
 * try { writeErofs(source, sink); } finally { sink.close(); }
 */
export class FileSink implements ByteSink {
  private fd: number;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** Creates (or truncates) `path`. */
  static create(path: string): FileSink {
    return new FileSink(openSync(path, 'w', 0o644));
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) done += writeSync(this.fd, buf, offset + done, length - done, position + done);
  }

  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
