// This module is browser compatible.
/**
 * Emulated files: generated content shown at a fixed guest path, read-only (FEX-Emu's
 * `/proc/cpuinfo` and `/proc/self/auxv` overrides, an `/etc/os-release` an emulator presents).
 * Each file is a filesystem of its own whose root is the file, so it can be mounted over an
 * existing object like a bind-mounted file; the content is a string, bytes, or a function
 * called on every open (the opener's process is passed), whose result that open file reads, as
 * procfs builds its seq_file text once per open.
 */
import { S_IFREG } from '../../abi/constants.js';
import { systemClock, type Clock } from '../../vfs/clock.js';
import { vfsError } from '../../vfs/errors.js';
import { FileSystem, Inode, defaultHandle, type FileHandle } from '../../vfs/inode.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { StatFs } from '../../vfs/stat.js';

/** What an emulated file holds: fixed text or bytes, or a function asked on every open. */
export type EmulatedContent = string | Uint8Array | ((opener: WalkContext | undefined) => string | Uint8Array);

/** An emulated file with its attributes. */
export interface EmulatedFileSpec {
  readonly content: EmulatedContent;
  /** Permission bits (default 0o444). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

const encoder = new TextEncoder();

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? encoder.encode(content) : content;
}

/** The one inode of an EmulatedFs: a read-only regular file. */
export class EmulatedFile extends Inode {
  readonly fs: EmulatedFs;
  private readonly content: EmulatedContent;

  constructor(fs: EmulatedFs, spec: EmulatedFileSpec, clock: Clock) {
    super();
    this.fs = fs;
    this.content = spec.content;
    this.ino = 1;
    this.mode = S_IFREG | ((spec.mode ?? 0o444) & 0o7777);
    this.uid = spec.uid ?? 0;
    this.gid = spec.gid ?? 0;
    // Generated content has no size until it is made (procfs files show 0 as well).
    this.size = typeof spec.content === 'function' ? 0 : bytesOf(spec.content).length;
    const now = clock();
    this.atimeSec = this.mtimeSec = this.ctimeSec = now.sec;
    this.atimeNsec = this.mtimeNsec = this.ctimeNsec = now.nsec;
  }

  override blocks(): number {
    return 0;
  }

  /**
   * Opens the file for reading; a function content is called now and its result is what this
   * open file reads. Writes never get here: the filesystem is read-only (EROFS in the core).
   * Errors: what the content function throws.
   */
  override open(flags: number, ctx?: WalkContext): FileHandle {
    void flags;
    const bytes = bytesOf(typeof this.content === 'function' ? this.content(ctx) : this.content);
    return {
      ...defaultHandle,
      read(buf: Uint8Array, offset: number, length: number, position: number): number {
        if (position >= bytes.length) return 0;
        const n = Math.min(length, bytes.length - position);
        buf.set(bytes.subarray(position, position + n), offset);
        return n;
      },
      write(): number {
        throw vfsError('EROFS');
      },
    };
  }
}

/**
 * A filesystem holding one emulated file, its root. Mount it over a file (or any non-directory)
 * to show the content at that path.
 *
 * @example
 * const cpuinfo = new EmulatedFs({ content: () => 'processor\t: 0\n' });
 */
export class EmulatedFs extends FileSystem {
  readonly type = 'emulated';
  override readonly readOnly = true;
  readonly root: EmulatedFile;

  constructor(spec: EmulatedFileSpec, clock: Clock = systemClock) {
    super();
    this.root = new EmulatedFile(this, spec, clock);
  }

  statfs(): StatFs {
    return {
      type: 0, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 1, ffree: 0, fsid: [0, 0],
      namelen: 255, frsize: 4096, flags: 1,
    };
  }
}

/** The spec of a content given alone or with attributes. */
export function emulatedFileSpec(value: EmulatedContent | EmulatedFileSpec): EmulatedFileSpec {
  if (typeof value === 'string' || typeof value === 'function' || value instanceof Uint8Array) return { content: value };
  return value;
}
