// Node-specific: the host process's own descriptors as WASI standard streams.
/**
 * Standard streams backed by descriptors of the Node process (a terminal, a pipe, a file), read
 * and written synchronously as a WASI guest expects.
 */
import { readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { errno } from '../abi/errno.js';
import { VfsError } from '../vfs/errors.js';
import type { WasiStream } from './stdio.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Converts a Node system error to a VfsError with the same errno name. */
function asVfsError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code in errno) return new VfsError(errno[code as keyof typeof errno]);
  return e;
}

/**
 * A stream over descriptor `fd` of this Node process. A non-blocking descriptor (EAGAIN) is
 * waited for, since the guest's calls are blocking.
 */
export function nodeStream(fd: number): WasiStream {
  return {
    isTTY: isatty(fd),
    read(buf: Uint8Array): number {
      for (;;) {
        try {
          return readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 5); continue; }
          if (code === 'EOF') return 0;
          throw asVfsError(e);
        }
      }
    },
    write(buf: Uint8Array): number {
      let done = 0;
      while (done < buf.length) {
        try {
          done += writeSync(fd, buf, done, buf.length - done);
        } catch (e) {
          if ((e as { code?: string }).code === 'EAGAIN') { Atomics.wait(pause, 0, 0, 1); continue; }
          if (done > 0) return done;
          throw asVfsError(e);
        }
      }
      return done;
    },
  };
}

/** fd 0, 1 and 2 of this Node process as WASI streams. */
export function nodeStdio(): { stdin: WasiStream; stdout: WasiStream; stderr: WasiStream } {
  return { stdin: nodeStream(0), stdout: nodeStream(1), stderr: nodeStream(2) };
}
