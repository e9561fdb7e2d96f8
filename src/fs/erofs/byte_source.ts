// This module is browser compatible.
/**
 * Byte sources: where an image's bytes come from. A source has a size and answers positional
 * reads synchronously, so a file descriptor, a buffer or (later) a range-read cache can back an
 * image without the reader ever holding the whole image in memory.
 */
import { vfsError } from '../../vfs/errors.js';

/** A random-access, read-only sequence of bytes. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads up to `length` bytes at `position` into `buf[offset..]` and returns the count, which is
   * short only at the end of the source. Errors: EIO.
   */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Releases what the source holds (a file descriptor); reads fail afterwards. */
  close?(): void;
}

/**
 * A source over bytes in memory.
 *
 * @example
 * const fs = Erofs.open(new BufferSource(imageBytes));
 */
export class BufferSource implements ByteSource {
  readonly size: number;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.size = bytes.length;
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    if (position < 0 || offset < 0 || length < 0 || offset + length > buf.length) throw vfsError('EINVAL', 'bad read range');
    if (position >= this.size) return 0;
    const n = Math.min(length, this.size - position);
    if (n < 64) {
      for (let i = 0; i < n; i++) buf[offset + i] = this.bytes[position + i]!;
    } else {
      buf.set(this.bytes.subarray(position, position + n), offset);
    }
    return n;
  }
}
