// This module is browser compatible.
/**
 * Random-access bytes of a file being inspected, so header parsers never need the whole file:
 * an ELF's program headers, a fat Mach-O's architecture table or a PE header sit at offsets the
 * first bytes give.
 */

/** The bytes of one file: its size and positional reads. */
export interface ByteSource {
  /** The file size in bytes. */
  readonly size: number;
  /** Reads up to `buf.length` bytes at `position`; returns the count (short only at end of file). */
  pread(buf: Uint8Array, position: number): number;
}

/**
 * A ByteSource over bytes in memory.
 *
 * @example
 * const header = readBinaryHeader(bufferSource(await readFile('/bin/ls')));
 */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    pread(buf: Uint8Array, position: number): number {
      if (position >= bytes.length) return 0;
      const n = Math.min(buf.length, bytes.length - position);
      buf.set(bytes.subarray(position, position + n));
      return n;
    },
  };
}

/**
 * Reads exactly `length` bytes at `position` (the kernel's elf_read); null when the file ends
 * first. Callers bound `length`, so a hostile header cannot make this allocate without limit.
 */
export function readExact(source: ByteSource, position: number, length: number): Uint8Array | null {
  if (position < 0 || !Number.isSafeInteger(position) || position + length > source.size) return null;
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = source.pread(buf.subarray(done), position + done);
    if (n <= 0) return null;
    done += n;
  }
  return buf;
}

/** Reads up to `length` bytes at `position`, zero-padded to `length` (prepare_binprm's buffer). */
export function readPadded(source: ByteSource, position: number, length: number): { bytes: Uint8Array; count: number } {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = source.pread(bytes.subarray(done), position + done);
    if (n <= 0) break;
    done += n;
  }
  return { bytes, count: done };
}
