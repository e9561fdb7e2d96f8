// This module is browser compatible.
/**
 * Standard streams of a WASI guest that are not vroot files: a terminal, a pipe of the host
 * process, a test's buffers. The host calls them synchronously, as the guest's fd_read and
 * fd_write are synchronous.
 */
import { concatBytes } from '../vfs/bytes.js';

/** A byte stream the guest sees as fd 0, 1 or 2. */
export interface WasiStream {
  /**
   * Reads into `buf`; returns the count, 0 at end of input. May block. Absent: the stream is not
   * readable (EBADF).
   */
  read?(buf: Uint8Array): number;
  /** Writes all of `buf` (or a prefix); returns the count. Absent: not writable (EBADF). */
  write?(buf: Uint8Array): number;
  /** True for a terminal: the guest sees a character device without seek rights (isatty). */
  readonly isTTY?: boolean;
  /** Bytes readable without blocking, for poll_oneoff; absent means "always ready". */
  readable?(): number;
}

/** A stream that reads nothing and discards what is written (/dev/null). */
export const nullStream: WasiStream = {
  read: () => 0,
  write: (buf) => buf.length,
};

/** An input stream over fixed bytes. */
export function bytesInput(data: Uint8Array | string): WasiStream {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let pos = 0;
  return {
    read(buf) {
      const n = Math.min(buf.length, bytes.length - pos);
      buf.set(bytes.subarray(pos, pos + n));
      pos += n;
      return n;
    },
    readable: () => bytes.length - pos,
  };
}

/** An output stream that keeps everything written, for tests and captured output. */
export class CollectStream implements WasiStream {
  private chunks: Uint8Array[] = [];
  private length = 0;

  write(buf: Uint8Array): number {
    this.chunks.push(buf.slice());
    this.length += buf.length;
    return buf.length;
  }

  /** Everything written so far. */
  bytes(): Uint8Array {
    return concatBytes(this.chunks, this.length);
  }

  /** Everything written so far, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
