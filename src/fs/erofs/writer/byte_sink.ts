// This module is browser compatible.
/**
 * Byte sinks: where the writer puts an image. Writes are positional, so the writer can stream
 * data and metadata to their places and come back for the superblock.
 */

/** A random-access destination of bytes. */
export interface ByteSink {
  /** Writes `length` bytes of `buf[offset..]` at `position`. */
  write(buf: Uint8Array, offset: number, length: number, position: number): void;
  /** Sets the final size (after the last block is written). */
  truncate(size: number): void;
}

/**
 * A sink that grows an in-memory buffer; `bytes()` returns the image.
 *
 * @example
 * const sink = new MemorySink();
 * writeErofs(source, sink);
 * const fs = Erofs.open(sink.bytes());
 */
export class MemorySink implements ByteSink {
  private buf = new Uint8Array(1 << 16);
  private length = 0;

  write(buf: Uint8Array, offset: number, length: number, position: number): void {
    const end = position + length;
    if (end > this.buf.length) {
      let cap = this.buf.length;
      while (cap < end) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(buf.subarray(offset, offset + length), position);
    if (end > this.length) this.length = end;
  }

  truncate(size: number): void {
    if (size > this.buf.length) this.write(new Uint8Array(0), 0, 0, 0);
    if (size > this.length) {
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    } else {
      this.buf.fill(0, size, this.length);
    }
    this.length = size;
  }

  /** The bytes written so far (a view; copy it before writing more). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
