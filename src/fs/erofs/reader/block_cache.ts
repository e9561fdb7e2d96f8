// This module is browser compatible.
/**
 * The reader's one cache: a bounded LRU of image blocks holding metadata (inodes, directory
 * blocks, indexes, xattrs, inline tails). File data is read around it, straight into the
 * caller's buffer, so reading big files never evicts metadata.
 */
import { vfsError } from '../../../vfs/errors.js';
import type { ByteSource } from '../byte_source.js';

export class BlockCache {
  private readonly blocks = new Map<number, Uint8Array>();
  private readonly source: ByteSource;
  private readonly blockSize: number;
  private readonly capacity: number;
  private lastBlock = -1;
  private lastData: Uint8Array | null = null;
  /** Blocks read from the source (misses), for statistics. */
  misses = 0;

  constructor(source: ByteSource, blockSize: number, capacity: number) {
    this.source = source;
    this.blockSize = blockSize;
    this.capacity = Math.max(2, capacity);
  }

  /** The contents of block `n`. Errors: EIO (outside the image or a failed read). */
  get(n: number): Uint8Array {
    if (n === this.lastBlock) return this.lastData!;
    let data = this.blocks.get(n);
    if (data !== undefined) {
      this.blocks.delete(n);
      this.blocks.set(n, data);
    } else {
      // A fresh array per miss: callers may still hold views of evicted blocks.
      if (this.blocks.size >= this.capacity) this.blocks.delete(this.blocks.keys().next().value as number);
      data = new Uint8Array(this.blockSize);
      const pos = n * this.blockSize;
      if (!(n >= 0) || pos + this.blockSize > this.source.size) {
        throw vfsError('EIO', `block ${n} lies beyond the end of the image`);
      }
      if (this.source.read(data, 0, this.blockSize, pos) !== this.blockSize) throw vfsError('EIO', `short read of block ${n}`);
      this.misses++;
      this.blocks.set(n, data);
    }
    this.lastBlock = n;
    this.lastData = data;
    return data;
  }

  /** Blocks held now. */
  get size(): number {
    return this.blocks.size;
  }

  /** Drops every cached block. */
  clear(): void {
    this.blocks.clear();
    this.lastBlock = -1;
    this.lastData = null;
  }
}
