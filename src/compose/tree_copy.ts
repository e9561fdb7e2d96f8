// This module is browser compatible.
/**
 * Copying files and trees between two trees, each reached through a `TreeAccess`: the guest (a
 * vroot Process, guest_tree.ts) or the host (node_host_tree.ts). One algorithm serves
 * `--copy-in`, `vroot cp-in`, `vroot cp-out` and the shell's `cp` and `mv`, with GNU cp's rules:
 * a directory is created owner-writable, filled, and then given its mode and times (so read-only
 * directories can be copied); an error on one entry is reported and the copy goes on; symlinks are
 * copied as symlinks in recursive copies.
 */
import type { ByteString } from '../vfs/bytes.js';
import type { Timespec } from '../vfs/stat.js';

/** The kinds of object a tree holds. */
export type TreeKind = 'dir' | 'file' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';

/** What a copy needs to know about an object. */
export interface TreeStat {
  kind: TreeKind;
  /** Permission bits (07777). */
  mode: number;
  size: number;
  rdev: number;
  atime: Timespec;
  mtime: Timespec;
  /** Identity, to refuse copying a directory into itself. */
  dev: number;
  ino: number;
}

/** A source of bytes (an open file). */
export interface ByteReader {
  /** Reads into `buf`; returns the count, 0 at the end. */
  read(buf: Uint8Array): number;
  close(): void;
}

/** A sink of bytes (a file open for writing). */
export interface ByteWriter {
  write(buf: Uint8Array, length: number): void;
  close(): void;
}

/**
 * A tree the copy reads from or writes to. Paths are byte strings (the names are bytes). Every
 * method throws the tree's own error (a VfsError, a Node error) with an errno `code`.
 */
export interface TreeAccess {
  /** Status without following a final symlink; null when absent (ENOENT). */
  lstat(path: ByteString): TreeStat | null;
  /** Status following symlinks; null when absent or dangling. */
  stat(path: ByteString): TreeStat | null;
  list(path: ByteString): ByteString[];
  readlink(path: ByteString): ByteString;
  openRead(path: ByteString): ByteReader;
  /** Opens for writing, creating with `mode` or truncating an existing file. */
  openWrite(path: ByteString, mode: number): ByteWriter;
  mkdir(path: ByteString, mode: number): void;
  symlink(target: ByteString, path: ByteString): void;
  /** Makes a fifo, socket or device node. */
  mknod(path: ByteString, kind: TreeKind, mode: number, rdev: number): void;
  unlink(path: ByteString): void;
  rmdir(path: ByteString): void;
  chmod(path: ByteString, mode: number): void;
  /** Sets the times of the object itself (a symlink's own times). */
  utimes(path: ByteString, atime: Timespec, mtime: Timespec): void;
  /** The umask applied to created objects when modes are not preserved. */
  umask(): number;
  /** How paths of this tree are shown in messages. */
  display(path: ByteString): string;
}

/** How to copy. */
export interface CopyOptions {
  /** Copy directories and their contents (`-r`); otherwise directories are skipped with a message. */
  recursive: boolean;
  /** Keep modes and times (`-p`, `-a`); otherwise new objects get the source mode less the umask. */
  preserve: boolean;
  /** Follow a symlink named on the command line (cp without -r, or with -H/-L). */
  followTop: boolean;
  /** Receives one message per failed entry (cp's wording, without the program name). */
  report(message: string): void;
}

/** The text of an error for a message: the strerror text when there is an errno code. */
export type ErrorText = (e: unknown) => string;

function join(dir: ByteString, name: ByteString): ByteString {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

const CHUNK = 1 << 16;

/**
 * Copies `srcPath` of `src` to exactly `dstPath` of `dst` (the caller decided the name, as cp
 * does for a destination directory). Returns true when everything was copied.
 *
 * @example
 * copyTree(hostTree, '/srv/www', guestTree(p), '/srv/site', { recursive: true, preserve: true, followTop: false, report: console.error }, strerror);
 */
export function copyTree(src: TreeAccess, srcPath: ByteString, dst: TreeAccess, dstPath: ByteString, options: CopyOptions, errorText: ErrorText): boolean {
  let st: TreeStat | null;
  try {
    st = options.followTop ? src.stat(srcPath) : src.lstat(srcPath);
    if (st === null) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  } catch (e) {
    options.report(`cannot stat '${src.display(srcPath)}': ${errorText(e)}`);
    return false;
  }
  if (st.kind === 'dir' && src === dst && options.recursive) {
    if (isInside(dst, dstPath, st)) {
      options.report(`cannot copy a directory, '${src.display(srcPath)}', into itself, '${dst.display(dstPath)}'`);
      return false;
    }
  }
  return copyOne(src, srcPath, st, dst, dstPath, options, errorText);
}

function parentOf(path: ByteString): ByteString {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : trimmed.slice(0, i);
}

/**
 * True when `path` of `tree`, or one of its ancestors as far as the path names them, is the
 * directory `st` (a copy into itself would never end).
 */
function isInside(tree: TreeAccess, path: ByteString, st: TreeStat): boolean {
  let p = path;
  for (;;) {
    const s = tree.stat(p);
    if (s !== null && s.dev === st.dev && s.ino === st.ino) return true;
    if (p === '/' || p === '.') return false;
    p = parentOf(p);
  }
}

function copyOne(src: TreeAccess, srcPath: ByteString, st: TreeStat, dst: TreeAccess, dstPath: ByteString, o: CopyOptions, errorText: ErrorText): boolean {
  const shown = dst.display(dstPath);
  let existing: TreeStat | null;
  try {
    existing = dst.lstat(dstPath);
  } catch (e) {
    o.report(`cannot stat '${shown}': ${errorText(e)}`);
    return false;
  }
  const mode = o.preserve ? st.mode : st.mode & ~dst.umask();
  let ok = true;
  switch (st.kind) {
    case 'dir': {
      if (!o.recursive) {
        o.report(`-r not specified; omitting directory '${src.display(srcPath)}'`);
        return false;
      }
      const into = existing !== null && existing.kind === 'symlink' ? dst.stat(dstPath) : existing;
      if (into !== null && into.kind !== 'dir') {
        o.report(`cannot overwrite non-directory '${shown}' with directory '${src.display(srcPath)}'`);
        return false;
      }
      if (into === null) {
        try {
          // Owner-writable while it is filled, as cp does; its mode is set afterwards.
          dst.mkdir(dstPath, (mode | 0o700) & 0o7777);
        } catch (e) {
          o.report(`cannot create directory '${shown}': ${errorText(e)}`);
          return false;
        }
      }
      let names: ByteString[];
      try {
        names = src.list(srcPath);
      } catch (e) {
        o.report(`cannot access '${src.display(srcPath)}': ${errorText(e)}`);
        return false;
      }
      for (const name of names) {
        const from = join(srcPath, name);
        let child: TreeStat | null;
        try {
          child = src.lstat(from);
        } catch (e) {
          o.report(`cannot stat '${src.display(from)}': ${errorText(e)}`);
          ok = false;
          continue;
        }
        if (child === null) continue; // removed meanwhile
        if (!copyOne(src, from, child, dst, join(dstPath, name), o, errorText)) ok = false;
      }
      if ((into === null || o.preserve) && !setMode(dst, dstPath, mode, shown, o, errorText)) ok = false;
      break;
    }
    case 'symlink': {
      let target: ByteString;
      try {
        target = src.readlink(srcPath);
      } catch (e) {
        o.report(`cannot read symbolic link '${src.display(srcPath)}': ${errorText(e)}`);
        return false;
      }
      if (!replaceNonDir(dst, dstPath, existing, shown, src.display(srcPath), o, errorText)) return false;
      try {
        dst.symlink(target, dstPath);
      } catch (e) {
        o.report(`cannot create symbolic link '${shown}': ${errorText(e)}`);
        return false;
      }
      break;
    }
    case 'file': {
      if (existing !== null && existing.kind === 'dir') {
        o.report(`cannot overwrite directory '${shown}' with non-directory`);
        return false;
      }
      let reader: ByteReader;
      try {
        reader = src.openRead(srcPath);
      } catch (e) {
        o.report(`cannot open '${src.display(srcPath)}' for reading: ${errorText(e)}`);
        return false;
      }
      try {
        let writer: ByteWriter;
        try {
          writer = dst.openWrite(dstPath, mode);
        } catch (e) {
          o.report(`cannot create regular file '${shown}': ${errorText(e)}`);
          return false;
        }
        try {
          const buf = new Uint8Array(CHUNK);
          for (;;) {
            let n: number;
            try {
              n = reader.read(buf);
            } catch (e) {
              o.report(`error reading '${src.display(srcPath)}': ${errorText(e)}`);
              return false;
            }
            if (n === 0) break;
            try {
              writer.write(buf, n);
            } catch (e) {
              o.report(`error writing '${shown}': ${errorText(e)}`);
              return false;
            }
          }
        } finally {
          writer.close();
        }
      } finally {
        reader.close();
      }
      // An existing file keeps its mode unless modes are preserved, as with cp.
      if ((existing === null || o.preserve) && !setMode(dst, dstPath, mode, shown, o, errorText)) ok = false;
      break;
    }
    default: {
      if (!replaceNonDir(dst, dstPath, existing, shown, src.display(srcPath), o, errorText)) return false;
      try {
        dst.mknod(dstPath, st.kind, mode, st.rdev);
      } catch (e) {
        o.report(`cannot create special file '${shown}': ${errorText(e)}`);
        return false;
      }
      // mknod applies the umask; the mode asked for is set afterwards, as for files.
      if (!setMode(dst, dstPath, mode, shown, o, errorText)) ok = false;
    }
  }
  if (o.preserve) {
    try {
      dst.utimes(dstPath, st.atime, st.mtime);
    } catch (e) {
      o.report(`preserving times for '${shown}': ${errorText(e)}`);
      ok = false;
    }
  }
  return ok;
}

/** Removes an existing non-directory before a symlink or node takes its name (cp -a does). */
/** chmod with cp's message on failure; false when it failed. */
function setMode(dst: TreeAccess, path: ByteString, mode: number, shown: string, o: CopyOptions, errorText: ErrorText): boolean {
  try {
    dst.chmod(path, mode);
    return true;
  } catch (e) {
    o.report(`setting permissions for '${shown}': ${errorText(e)}`);
    return false;
  }
}

function replaceNonDir(dst: TreeAccess, path: ByteString, existing: TreeStat | null, shown: string, from: string, o: CopyOptions, errorText: ErrorText): boolean {
  if (existing === null) return true;
  if (existing.kind === 'dir') {
    o.report(`cannot overwrite directory '${shown}' with non-directory '${from}'`);
    return false;
  }
  try {
    dst.unlink(path);
    return true;
  } catch (e) {
    if (code(e) === 'ENOENT') return true;
    o.report(`cannot remove '${shown}': ${errorText(e)}`);
    return false;
  }
}

/** The kind of object a mode's type bits (S_IFMT) give. */
export function kindOfMode(mode: number): TreeKind {
  switch (mode & 0o170000) {
    case 0o040000: return 'dir';
    case 0o120000: return 'symlink';
    case 0o010000: return 'fifo';
    case 0o020000: return 'char';
    case 0o060000: return 'block';
    case 0o140000: return 'socket';
    default: return 'file';
  }
}

/** The type bits (S_IFMT) of a kind. */
export function modeOfKind(kind: TreeKind): number {
  return { dir: 0o040000, symlink: 0o120000, fifo: 0o010000, char: 0o020000, block: 0o060000, socket: 0o140000, file: 0o100000 }[kind];
}
