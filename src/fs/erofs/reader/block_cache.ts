// This module is browser compatible.
/**
 * The reader's one cache: a bounded set of image blocks holding metadata (inodes, directory
 * blocks, indexes, xattrs, inline tails). File data is read around it, straight into the
 * caller's buffer, so reading big files never evicts metadata.
 *
 * Blocks live in slots of one preallocated buffer and are evicted by a clock sweep (a hit only
 * sets a flag), so the hot path allocates nothing. A view returned by `get` stays valid until
 * `capacity` other blocks have been loaded; callers that keep a block across further `get`
 * calls copy it first.
 */
import { vfsError } from '../../../vfs/errors.js';
import type { ByteSource } from '../byte_source.js';

export class BlockCache {
  private readonly slotOf = new Map<number, number>();
  private readonly blockOf: Float64Array;
  private readonly referenced: Uint8Array;
  private readonly views: Uint8Array[] = [];
  private readonly source: ByteSource;
  private readonly blockSize: number;
  private readonly capacity: number;
  private used = 0;
  private hand = 0;
  private lastBlock = -1;
  private lastView: Uint8Array | null = null;
  /** Blocks read from the source (misses), for statistics. */
  misses = 0;

  constructor(source: ByteSource, blockSize: number, capacity: number) {
    this.source = source;
    this.blockSize = blockSize;
    this.capacity = Math.max(4, capacity);
    this.blockOf = new Float64Array(this.capacity).fill(-1);
    this.referenced = new Uint8Array(this.capacity);
    const slab = new Uint8Array(this.capacity * blockSize);
    for (let i = 0; i < this.capacity; i++) this.views.push(slab.subarray(i * blockSize, (i + 1) * blockSize));
  }

  /** The contents of block `n`. Errors: EIO (outside the image or a failed read). */
  get(n: number): Uint8Array {
    if (n === this.lastBlock) return this.lastView!;
    let slot = this.slotOf.get(n);
    if (slot !== undefined) {
      this.referenced[slot] = 1;
    } else {
      const pos = n * this.blockSize;
      if (!(n >= 0) || pos + this.blockSize > this.source.size) {
        throw vfsError('EIO', `block ${n} lies beyond the end of the image`);
      }
      slot = this.victim();
      const view = this.views[slot]!;
      if (this.source.read(view, 0, this.blockSize, pos) !== this.blockSize) {
        this.blockOf[slot] = -1;
        throw vfsError('EIO', `short read of block ${n}`);
      }
      this.misses++;
      this.blockOf[slot] = n;
      this.slotOf.set(n, slot);
      this.referenced[slot] = 1;
    }
    this.lastBlock = n;
    this.lastView = this.views[slot]!;
    return this.lastView;
  }

  /** A free slot, or the first unreferenced one the clock hand finds (second chance). */
  private victim(): number {
    if (this.used < this.capacity) return this.used++;
    for (;;) {
      const slot = this.hand;
      this.hand = (this.hand + 1) % this.capacity;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      const old = this.blockOf[slot]!;
      if (old >= 0) this.slotOf.delete(old);
      if (old === this.lastBlock) this.lastBlock = -1;
      return slot;
    }
  }

  /** Blocks held now. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Drops every cached block. */
  clear(): void {
    this.slotOf.clear();
    this.blockOf.fill(-1);
    this.referenced.fill(0);
    this.used = 0;
    this.hand = 0;
    this.lastBlock = -1;
    this.lastView = null;
  }
}
