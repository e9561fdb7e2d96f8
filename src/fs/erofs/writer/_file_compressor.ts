// This module is browser compatible.
/**
 * Compresses one regular file into EROFS extents (private helper of the writer): each
 * extent's compressed data fills exactly one block ("fixed-output" compression, as mkfs.erofs
 * does without big pclusters), right-aligned for the LZ4_0PADDING feature; a block that would
 * not hold more than a block of input stores the input raw (a PLAIN lcluster). The result is
 * the lcluster index of the file, kept as three small arrays until the metadata is written.
 */
import { Z_LCLUSTER_TYPE_HEAD1, Z_LCLUSTER_TYPE_NONHEAD, Z_LCLUSTER_TYPE_PLAIN } from '../format/constants.js';
import { Lz4Encoder } from '../lz4/encode.js';
import type { SequentialWriter } from './_sequential_writer.js';
import type { SourceFile } from './tree_source.js';

/** The lcluster index of a compressed file, one entry per block-sized lcluster. */
export interface CompressedIndex {
  /** Z_LCLUSTER_TYPE_* per lcluster. */
  types: Uint8Array;
  /** HEAD/PLAIN: clusterofs; NONHEAD: delta[0]. */
  lo: Uint16Array;
  /** NONHEAD: delta[1]. */
  delta1: Uint16Array;
  /** Number of pclusters (blocks) written. */
  blocks: number;
}

/** Largest input one extent may cover (keeps deltas small and decoded extents bounded). */
const MAX_EXTENT_INPUT = 1 << 20;
/** Input window: two extents' worth, refilled as extents are consumed. */
const WINDOW = 4 << 20;

export class FileCompressor {
  private readonly encoder = new Lz4Encoder();
  private readonly window: Uint8Array;
  private readonly blockSize: number;
  private readonly out: Uint8Array;
  private readonly block: Uint8Array;

  constructor(blockSize: number) {
    this.blockSize = blockSize;
    this.window = this.encoder.window(WINDOW);
    this.out = new Uint8Array(blockSize);
    this.block = new Uint8Array(blockSize);
  }

  /**
   * Compresses `size` bytes of `file` to `data` (which must be block-aligned). Returns the index,
   * or null when compression saves no block over `plainBlocks` (the data written is then
   * garbage to overwrite). Errors: EIO when the file is shorter than `size`.
   */
  compress(file: SourceFile, size: number, data: SequentialWriter, plainBlocks: number, describe: () => string): CompressedIndex | null {
    const bs = this.blockSize;
    const lclusters = Math.ceil(size / bs);
    const index: CompressedIndex = {
      types: new Uint8Array(lclusters), lo: new Uint16Array(lclusters), delta1: new Uint16Array(lclusters), blocks: 0,
    };
    const win = this.window;
    let winStart = 0; // file offset of win[0]
    let winLen = 0;
    let readPos = 0;
    let pos = 0;
    const fill = (): void => {
      // Move the unconsumed bytes to the front, then read as much as fits.
      const consumedInWindow = pos - winStart;
      win.copyWithin(0, consumedInWindow, winLen);
      winLen -= consumedInWindow;
      winStart = pos;
      while (winLen < win.length && readPos < size) {
        const want = Math.min(win.length - winLen, size - readPos);
        const n = file.read(win, winLen, want, readPos);
        if (n <= 0) throw new Error(`${describe()}: file shrank while being read (expected ${size} bytes)`);
        winLen += n;
        readPos += n;
      }
    };
    let lastHead = -1;
    while (pos < size) {
      if (pos - winStart + MAX_EXTENT_INPUT > winLen && readPos < size) fill();
      const at = pos - winStart;
      const avail = winLen - at;
      const remaining = size - pos;
      let consumed: number;
      let type: number;
      if (remaining > bs) {
        const end = at + Math.min(avail, MAX_EXTENT_INPUT);
        const n = this.encoder.encode(win, at, end, this.out, bs);
        consumed = this.encoder.consumed;
        if (consumed > bs) {
          // Right-align the compressed bytes: the zero padding goes first (LZ4_0PADDING).
          this.block.fill(0, 0, bs - n);
          this.block.set(this.out.subarray(0, n), bs - n);
          data.write(this.block, 0, bs);
          type = Z_LCLUSTER_TYPE_HEAD1;
        } else {
          consumed = bs;
          data.write(win, at, bs);
          type = Z_LCLUSTER_TYPE_PLAIN;
        }
      } else {
        consumed = remaining;
        data.write(win, at, remaining);
        data.zeros(bs - remaining);
        type = Z_LCLUSTER_TYPE_PLAIN;
      }
      lastHead = this.record(index, pos, pos + consumed, type);
      index.blocks++;
      pos += consumed;
      if (index.blocks >= plainBlocks) return null;
    }
    // The EOF lcluster holds the end of the last extent: unless that extent starts in it, mark
    // it as a PLAIN head at the EOF offset, as mkfs.erofs does (its block is never read).
    if (size % bs !== 0 && lastHead !== lclusters - 1) {
      index.types[lclusters - 1] = Z_LCLUSTER_TYPE_PLAIN;
      index.lo[lclusters - 1] = size % bs;
    }
    return index;
  }

  /** Records the lclusters of extent `[start, end)`; returns its HEAD lcluster. */
  private record(index: CompressedIndex, start: number, end: number, type: number): number {
    const bs = this.blockSize;
    const head = Math.floor(start / bs);
    index.types[head] = type;
    index.lo[head] = start - head * bs;
    const next = Math.floor(end / bs); // the lcluster holding the next extent's start
    for (let j = head + 1; j < next; j++) {
      index.types[j] = Z_LCLUSTER_TYPE_NONHEAD;
      index.lo[j] = j - head;
      index.delta1[j] = next - j;
    }
    return head;
  }
}
