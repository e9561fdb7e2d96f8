// This module is browser compatible.
/**
 * The sandbox rules of WASI preopens, enforced by the vroot path walk. A guest names files by a
 * directory descriptor and a relative path; whatever the path holds (`..`, symlinks to `..` or to
 * `/`, symlinks met in the middle of a path), the walk never leaves the preopened directory the
 * descriptor came from. Two modes:
 *
 * - `'in-root'` (default): each preopen is a root, as for a chrooted Linux process: `..` at the
 *   preopen stays there, and absolute paths and absolute symlinks start from it. Every path a
 *   guest resolves through a descriptor derived from a preopen is walked by a vroot process whose
 *   root is that preopen (a thread sharing the host's descriptor table), so `..` and absolute
 *   symlinks are handled by the core's chroot logic (`nd_jump_root`, `follow_dotdot`). A guest
 *   run in a chroot on Linux sees exactly the same results, which the probe tests compare.
 * - `'beneath'`: openat2 RESOLVE_BENEATH from the descriptor given, as wasmtime does: `..` above
 *   that descriptor, absolute paths and absolute symlinks fail with ENOTCAPABLE.
 *
 * Calls that do not open a file (mkdir, unlink, rename, link, symlink, readlink, stat, utimes)
 * have no RESOLVE_* flags in Linux; in 'beneath' mode their parent directory is opened with
 * openat2 (O_PATH, RESOLVE_BENEATH) and the call works on the last component from there.
 *
 * One hazard of chroot remains in 'in-root' mode: a directory descriptor renamed out of its
 * preopen (into another preopen) would let `..` climb past the anchor. Every call checks that the
 * descriptor is still below its anchor and refuses with ENOTCAPABLE otherwise.
 */
import {
  AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW,
  O_PATH, RESOLVE_BENEATH,
} from '../abi/constants.js';
import { byteStringToBytes, toByteString, type ByteString, type PathLike } from '../vfs/bytes.js';
import type { Dentry } from '../vfs/dentry.js';
import { VfsError, vfsError } from '../vfs/errors.js';
import type { Mount } from '../vfs/mount.js';
import { LOOKUP_BENEATH, LOOKUP_FOLLOW } from '../vfs/path_walk.js';
import type { Process } from '../vfs/process.js';
import type { Stat, Timespec } from '../vfs/stat.js';

/** How paths below a preopen are resolved (see the module comment). */
export type SandboxMode = 'in-root' | 'beneath';

/** Thrown when a path would leave its preopen: WASI's ENOTCAPABLE. */
export class NotCapableError extends Error {
  constructor() {
    super('ENOTCAPABLE: the path leaves its preopened directory');
    this.name = 'NotCapableError';
  }
}

const EXDEV = 18;

/** The sandbox root of a preopen, and the process that walks paths from it. */
export class Anchor {
  readonly proc: Process;
  readonly mount: Mount;
  readonly dentry: Dentry;

  constructor(proc: Process, mount: Mount, dentry: Dentry) {
    this.proc = proc;
    this.mount = mount;
    this.dentry = dentry;
  }
}

/** True when (mount, dentry) is `anchor` or below it, following mounts up to their mount points. */
function isBelow(mount: Mount, dentry: Dentry, anchor: Anchor): boolean {
  let m = mount;
  let d = dentry;
  for (;;) {
    if (d === anchor.dentry && m === anchor.mount) return true;
    if (d === m.root) {
      if (m.parent === null || m.mountpoint === null) return false;
      d = m.mountpoint;
      m = m.parent;
    } else if (d.parent === d) {
      return false;
    } else {
      d = d.parent;
    }
  }
}

/** A byte string as the core's public API takes it: ASCII as text, anything else as bytes. */
function pathArg(s: ByteString): PathLike {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return byteStringToBytes(s);
  return s;
}

/** Splits a path into its parent part and its last component (trailing slashes stay with it). */
function splitLast(path: PathLike): [PathLike, PathLike] {
  const s = typeof path === 'string' ? path : toByteString(path);
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  if (end === 0) return [path, ''];
  const slash = s.lastIndexOf('/', end - 1);
  if (slash < 0) return ['', path];
  return [pathArg(s.slice(0, slash + 1)), pathArg(s.slice(slash + 1))];
}

/** True when the last component, without trailing slashes, is `..`. */
function lastIsDotDot(last: PathLike): boolean {
  const s = typeof last === 'string' ? last : toByteString(last);
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return end === 2 && s.charCodeAt(0) === 46 && s.charCodeAt(1) === 46;
}

/**
 * readlinkat(2). Process.readlinkRaw walks a non-ASCII path as if its bytes were UTF-16 text (it
 * converts the path twice), so such paths are opened with O_PATH|O_NOFOLLOW first and the link
 * is read from the descriptor.
 */
function readlinkAt(proc: Process, dirfd: number, path: PathLike): ByteString {
  if (typeof path === 'string') return proc.readlinkRaw(dirfd, path);
  const fd = proc.openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  try {
    if (!proc.files.get(fd).inode.isSymlink()) throw vfsError('EINVAL');
    return proc.readlinkRaw(fd, '');
  } finally {
    proc.close(fd);
  }
}

/** A directory descriptor and a name relative to it, plus a temporary descriptor to close. */
interface Parent {
  dirfd: number;
  last: PathLike;
  temp: number;
}

/**
 * Resolves guest paths for one WASI host. Holds the anchor processes, which share the host
 * process's descriptor table; `close` ends them.
 */
export class Sandbox {
  readonly mode: SandboxMode;
  private readonly host: Process;
  private readonly anchors: Anchor[] = [];

  constructor(host: Process, mode: SandboxMode) {
    this.host = host;
    this.mode = mode;
  }

  /** The anchor of a preopened directory descriptor (one per distinct directory). */
  anchorFor(vfd: number): Anchor {
    const file = this.host.files.get(vfd);
    for (const a of this.anchors) if (a.mount === file.mount && a.dentry === file.dentry) return a;
    let proc = this.host;
    if (this.mode === 'in-root') {
      proc = this.host.clone({ files: 'share', fs: 'copy' });
      const at = { mount: file.mount, dentry: file.dentry };
      proc.fsContext.setRoot(at);
      proc.fsContext.setCwd(at);
    }
    const a = new Anchor(proc, file.mount, file.dentry);
    this.anchors.push(a);
    return a;
  }

  /** Ends the anchor processes. */
  close(): void {
    for (const a of this.anchors) if (a.proc !== this.host) a.proc.exit();
    this.anchors.length = 0;
  }

  /** openat in the sandbox. Returns a new vroot descriptor. */
  open(a: Anchor, vfd: number, path: PathLike, flags: number, mode: number): number {
    if (this.mode === 'in-root') return this.enter(a, vfd).openat(vfd, path, flags, mode);
    return this.beneath(() => this.host.openat2(vfd, path, { flags, mode: flags & 0o100 ? mode : 0, resolve: RESOLVE_BENEATH }));
  }

  /** fstatat into `out` (the inode's getattr, without allocating a Stat). */
  stat(a: Anchor, vfd: number, path: PathLike, follow: boolean, out: Stat): void {
    const flags = follow ? LOOKUP_FOLLOW : 0;
    const p = this.mode === 'in-root'
      ? this.enter(a, vfd).lookupPath(vfd, path, flags, 0)
      : this.beneath(() => this.host.lookupPath(vfd, path, flags | LOOKUP_BENEATH, 0));
    p.dentry.inode.getattr(out);
  }

  /** utimensat. */
  utimes(a: Anchor, vfd: number, path: PathLike, follow: boolean, times: [Timespec, Timespec]): void {
    if (this.mode === 'in-root') {
      this.enter(a, vfd).utimensat(vfd, path, times, follow ? 0 : AT_SYMLINK_NOFOLLOW);
      return;
    }
    const fd = this.openPath(vfd, path, follow);
    try {
      this.host.utimensat(fd, '', times, AT_EMPTY_PATH);
    } finally {
      this.host.close(fd);
    }
  }

  /** mkdirat with mode 0777 (less the umask), as wasi-libc has no mode to pass. */
  mkdir(a: Anchor, vfd: number, path: PathLike): void {
    if (this.mode === 'in-root') return this.enter(a, vfd).mkdirat(vfd, path, 0o777);
    this.atParent(vfd, path, (dirfd, last) => this.host.mkdirat(dirfd, last, 0o777));
  }

  /** unlinkat, or rmdir with `dir`. */
  unlink(a: Anchor, vfd: number, path: PathLike, dir: boolean): void {
    const flags = dir ? AT_REMOVEDIR : 0;
    if (this.mode === 'in-root') return this.enter(a, vfd).unlinkat(vfd, path, flags);
    this.atParent(vfd, path, (dirfd, last) => this.host.unlinkat(dirfd, last, flags));
  }

  /** readlinkat. */
  readlink(a: Anchor, vfd: number, path: PathLike): ByteString {
    if (this.mode === 'in-root') return readlinkAt(this.enter(a, vfd), vfd, path);
    return this.atParent(vfd, path, (dirfd, last) => readlinkAt(this.host, dirfd, last));
  }

  /** symlinkat: the target is stored as given; following it later obeys the sandbox. */
  symlink(target: PathLike, a: Anchor, vfd: number, path: PathLike): void {
    if (this.mode === 'in-root') return this.enter(a, vfd).symlinkat(target, vfd, path);
    this.atParent(vfd, path, (dirfd, last) => this.host.symlinkat(target, dirfd, last));
  }

  /** linkat; `follow` follows a final symlink in the old path (AT_SYMLINK_FOLLOW). */
  link(oldA: Anchor, oldVfd: number, oldPath: PathLike, follow: boolean, newA: Anchor, newVfd: number, newPath: PathLike): void {
    if (this.mode === 'in-root' && oldA === newA) {
      const proc = this.enter(oldA, oldVfd);
      this.enter(newA, newVfd);
      proc.linkat(oldVfd, oldPath, newVfd, newPath, follow ? AT_SYMLINK_FOLLOW : 0);
      return;
    }
    const target = this.parentOf(newA, newVfd, newPath);
    try {
      if (follow) {
        const fd = this.mode === 'in-root'
          ? this.enter(oldA, oldVfd).openat(oldVfd, oldPath, O_PATH | O_CLOEXEC)
          : this.openPath(oldVfd, oldPath, true);
        try {
          this.host.linkat(fd, '', target.dirfd, target.last, AT_EMPTY_PATH);
        } finally {
          this.host.close(fd);
        }
        return;
      }
      const source = this.parentOf(oldA, oldVfd, oldPath);
      try {
        this.host.linkat(source.dirfd, source.last, target.dirfd, target.last, 0);
      } finally {
        this.release(source);
      }
    } finally {
      this.release(target);
    }
  }

  /** renameat. */
  rename(oldA: Anchor, oldVfd: number, oldPath: PathLike, newA: Anchor, newVfd: number, newPath: PathLike): void {
    if (this.mode === 'in-root' && oldA === newA) {
      const proc = this.enter(oldA, oldVfd);
      this.enter(newA, newVfd);
      proc.renameat2(oldVfd, oldPath, newVfd, newPath, 0);
      return;
    }
    const source = this.parentOf(oldA, oldVfd, oldPath);
    try {
      const target = this.parentOf(newA, newVfd, newPath);
      try {
        this.host.renameat2(source.dirfd, source.last, target.dirfd, target.last, 0);
      } finally {
        this.release(target);
      }
    } finally {
      this.release(source);
    }
  }

  /** The anchor's process, after checking that `vfd` is still below the anchor. */
  private enter(a: Anchor, vfd: number): Process {
    const file = this.host.files.get(vfd);
    if ((file.dentry !== a.dentry || file.mount !== a.mount) && !isBelow(file.mount, file.dentry, a)) {
      throw new NotCapableError();
    }
    return a.proc;
  }

  /** Runs a RESOLVE_BENEATH walk; its EXDEV means the path tried to leave: ENOTCAPABLE. */
  private beneath<T>(walk: () => T): T {
    try {
      return walk();
    } catch (e) {
      if (e instanceof VfsError && e.errno === EXDEV) throw new NotCapableError();
      throw e;
    }
  }

  /** An O_PATH descriptor for `path` below `vfd` ('beneath' mode). */
  private openPath(vfd: number, path: PathLike, follow: boolean): number {
    const flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
    return this.beneath(() => this.host.openat2(vfd, path, { flags, resolve: RESOLVE_BENEATH }));
  }

  /** The parent directory of `path` as a descriptor, and the last component. */
  private parentOf(a: Anchor, vfd: number, path: PathLike): Parent {
    if (this.mode === 'beneath') return this.beneathParent(vfd, path);
    const [dir, last] = splitLast(path);
    const proc = this.enter(a, vfd);
    if (dir === '') return { dirfd: vfd, last, temp: -1 };
    const fd = proc.openat(vfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return { dirfd: fd, last, temp: fd };
  }

  /** parentOf for 'beneath' mode: the parent opened with RESOLVE_BENEATH. */
  private beneathParent(vfd: number, path: PathLike): Parent {
    const [dir, last] = splitLast(path);
    // `x/..` names the parent of x: make sure that is still beneath before acting on it.
    if (lastIsDotDot(last)) this.host.close(this.openPath(vfd, path, false));
    if (dir === '') return { dirfd: vfd, last, temp: -1 };
    const fd = this.beneath(() => this.host.openat2(vfd, dir, { flags: O_PATH | O_DIRECTORY | O_CLOEXEC, resolve: RESOLVE_BENEATH }));
    return { dirfd: fd, last, temp: fd };
  }

  private release(p: Parent): void {
    if (p.temp >= 0) this.host.close(p.temp);
  }

  /** Runs `op` on the parent of `path` and its last component ('beneath' mode). */
  private atParent<T>(vfd: number, path: PathLike, op: (dirfd: number, last: PathLike) => T): T {
    const p = this.beneathParent(vfd, path);
    try {
      return op(p.dirfd, p.last);
    } finally {
      this.release(p);
    }
  }
}
