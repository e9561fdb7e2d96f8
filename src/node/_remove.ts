// Node-specific: the recursive removal behind fs.rm and fs.rmdir({ recursive }) (node:fs's rimraf).
/**
 * node:fs removes a tree with a small "rimraf": lstat, then unlink or rmdir; a directory that
 * is not empty has its children removed (listed with readdir, so in name order) and is
 * removed again; ENOENT anywhere means "already gone". Its sync and asynchronous versions
 * differ in how they report failures, and the facade shows those differences too:
 * - sync: an error met below a directory is caught at each level, where ENOENT is dropped and
 *   EPERM or EISDIR lead to one more rmdir of that level; a non-directory met by rmdir
 *   (ENOTDIR) is an error;
 * - asynchronous: children are removed concurrently, so one failing child does not stop its
 *   siblings, and the first error is reported; ENOTDIR from rmdir reports the earlier error,
 *   or nothing.
 */
import { AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, S_IFDIR, S_IFMT } from '../abi/constants.js';
import type { ByteString } from '../vfs/bytes.js';
import type { CorePath } from './_args.js';
import { nodeError } from './errors.js';
import type { NodeFs } from './node_fs.js';

const NOT_EMPTY = new Set(['ENOTEMPTY', 'EEXIST', 'EPERM']);

function code(e: unknown): unknown {
  return (e as { code?: unknown } | null)?.code;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `parent/name` for a name read from a directory, as node:fs joins Buffers (bytes kept exact). */
function child(parent: CorePath, raw: ByteString): CorePath {
  if (typeof parent === 'string' && isAscii(raw)) return `${parent}/${raw}`;
  const p = typeof parent === 'string' ? Buffer.from(parent) : Buffer.from(parent.buffer, parent.byteOffset, parent.byteLength);
  return Buffer.concat([p, Buffer.from('/'), Buffer.from(raw, 'latin1')]);
}

class Remover {
  private readonly fs: NodeFs;

  constructor(fs: NodeFs) {
    this.fs = fs;
  }

  /** lstat: 'dir', 'other', or the error. */
  private kind(p: CorePath): 'dir' | 'other' | Error {
    try {
      return (this.fs.process.fstatat(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW).mode & S_IFMT) === S_IFDIR ? 'dir' : 'other';
    } catch (e) {
      return nodeError(e, 'lstat', p) as Error;
    }
  }

  private unlink(p: CorePath): void {
    try {
      this.fs.process.unlinkat(AT_FDCWD, p);
    } catch (e) {
      throw nodeError(e, 'unlink', p);
    }
  }

  private rmdir(p: CorePath): void {
    try {
      this.fs.process.unlinkat(AT_FDCWD, p, AT_REMOVEDIR);
    } catch (e) {
      throw nodeError(e, 'rmdir', p);
    }
  }

  // ---- node:fs's rimrafSync ----

  sync(p: CorePath): void {
    const k = this.kind(p);
    if (k instanceof Error && code(k) === 'ENOENT') return;
    try {
      if (k === 'dir') {
        this.rmdirSync(p, null);
      } else {
        try {
          this.unlink(p);
        } catch (e) {
          if (code(e) !== 'ENOENT') throw e;
        }
      }
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT') return;
      if (c !== 'EPERM' && c !== 'EISDIR') throw e;
      this.rmdirSync(p, e);
    }
  }

  private rmdirSync(p: CorePath, originalError: unknown): void {
    try {
      this.rmdir(p);
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT') return;
      if (c === 'ENOTDIR') throw originalError ?? e;
      if (NOT_EMPTY.has(c as string)) {
        for (const name of this.fs.listDir(p).names) this.sync(child(p, name));
        try {
          this.rmdir(p);
        } catch (e2) {
          if (code(e2) === 'ENOENT') return;
          throw e2;
        }
        return;
      }
      throw originalError ?? e;
    }
  }

  // ---- node:fs's asynchronous rimraf ----

  /** The top-level rimraf (and each child's): ENOENT counts as done. */
  async(p: CorePath): void {
    try {
      this.asyncOne(p);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }

  private asyncOne(p: CorePath): void {
    const k = this.kind(p);
    if (k instanceof Error) {
      if (code(k) === 'ENOENT') return;
    } else if (k === 'dir') {
      this.rmdirAsync(p, null);
      return;
    }
    try {
      this.unlink(p);
    } catch (e) {
      const c = code(e);
      if (c === 'ENOENT') return;
      if (c === 'EISDIR' || c === 'EPERM') {
        this.rmdirAsync(p, e);
        return;
      }
      throw e;
    }
  }

  private rmdirAsync(p: CorePath, originalError: unknown): void {
    try {
      this.rmdir(p);
    } catch (e) {
      const c = code(e);
      if (NOT_EMPTY.has(c as string)) {
        this.removeChildren(p);
        return;
      }
      if (c === 'ENOTDIR') {
        if (originalError !== null) throw originalError;
        return;
      }
      throw e;
    }
  }

  /** Every child is removed even when one fails (they run concurrently in node:fs); the first error is reported. */
  private removeChildren(p: CorePath): void {
    let first: unknown = null;
    for (const name of this.fs.listDir(p).names) {
      try {
        this.async(child(p, name));
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== null) throw first;
    this.rmdir(p);
  }
}

/** Removes `p` and everything below it, as `fs.flavor`'s rimraf would. */
export function removeTree(fs: NodeFs, p: CorePath): void {
  const r = new Remover(fs);
  if (fs.flavor === 'sync') r.sync(p);
  else r.async(p);
}
