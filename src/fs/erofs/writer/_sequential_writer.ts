// This module is browser compatible.
/**
 * A cursor over a ByteSink that coalesces sequential writes into large ones (private helper of
 * the writer). Positions are absolute image offsets.
 */
import type { ByteSink } from './byte_sink.js';

export class SequentialWriter {
  private readonly sink: ByteSink;
  private readonly staging: Uint8Array;
  private used = 0;
  /** Image offset of staging[0]. */
  private base: number;

  constructor(sink: ByteSink, position: number, chunk = 1 << 20) {
    this.sink = sink;
    this.staging = new Uint8Array(chunk);
    this.base = position;
  }

  /** The image offset the next byte goes to. */
  get position(): number {
    return this.base + this.used;
  }

  /** Appends `buf[offset..offset+length)`. */
  write(buf: Uint8Array, offset: number, length: number): void {
    if (length >= this.staging.length) {
      this.flush();
      this.sink.write(buf, offset, length, this.base);
      this.base += length;
      return;
    }
    if (this.used + length > this.staging.length) this.flush();
    if (length < 64) {
      const s = this.staging;
      for (let i = 0; i < length; i++) s[this.used + i] = buf[offset + i]!;
    } else {
      this.staging.set(buf.subarray(offset, offset + length), this.used);
    }
    this.used += length;
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): void {
    while (n > 0) {
      if (this.used === this.staging.length) this.flush();
      const k = Math.min(n, this.staging.length - this.used);
      this.staging.fill(0, this.used, this.used + k);
      this.used += k;
      n -= k;
    }
  }

  /** Pads with zeros up to a multiple of `align`. */
  align(align: number): void {
    const r = this.position % align;
    if (r !== 0) this.zeros(align - r);
  }

  /** Moves the cursor back to `position` (bytes after it will be rewritten). */
  rewind(position: number): void {
    if (position >= this.base && position <= this.base + this.used) {
      this.used = position - this.base;
      return;
    }
    this.flush();
    this.base = position;
  }

  /** Writes out what is staged. */
  flush(): void {
    if (this.used > 0) this.sink.write(this.staging, 0, this.used, this.base);
    this.base += this.used;
    this.used = 0;
  }
}
