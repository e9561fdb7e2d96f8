// Node-specific: restores an EROFS image into a host directory.
import { spawnSync } from 'node:child_process';
import {
  chmodSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync,
  symlinkSync, utimesSync, writeSync, constants as fsConstants,
} from 'node:fs';
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, major, minor } from '../../abi/constants.js';
import { errnoMessage } from '../../abi/errno.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { loadHostCalls, type HostCalls } from '../../fs/hostfs/_native.js';
import type { DiskInode } from '../../fs/erofs/format/inode.js';
import { LAYOUT_FLAT_INLINE, LAYOUT_FLAT_PLAIN } from '../../fs/erofs/format/constants.js';
import type { ErofsImage } from '../../fs/erofs/reader/image.js';
import { FileSource } from './file_source.js';

/** Options of `extractErofs`. */
export interface ExtractOptions {
  /** Restore owners (default: when running as root). */
  owners?: boolean;
  /** Restore xattrs (default true). */
  xattrs?: boolean;
  /** Called every so often with the bytes and inodes done. */
  onProgress?: (progress: { inodes: number; bytes: number }) => void;
}

/** What an extraction restored. */
export interface ExtractResult {
  inodes: number;
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  specials: number;
  xattrs: number;
  bytes: number;
  /** Things that could not be restored on this host (e.g. no python3 for device nodes). */
  warnings: string[];
}

const O_PATH = 0o10000000;

/** The HostFs addon, which makes device nodes, xattrs and nanosecond times itself; null without it. */
function addon(): HostCalls | null {
  try {
    return loadHostCalls();
  } catch {
    return null;
  }
}

/**
 * Without the HostFs addon, the operations Node cannot do are handed to python3, in two runs: first mknod (fifos, sockets,
 * devices) and hard links to them, then setxattr and the timestamps Node cannot set exactly
 * (libuv passes times as microseconds in a double, and Node turns negative ones into "now").
 * Each line is a tab-separated record with hex-encoded paths: `n path mode rdev`,
 * `l target path`, `x path name value`, `t path sec nsec`.
 */
const HELPER = String.raw`
import os, sys
def p(h): return bytes.fromhex(h)
for line in sys.stdin.buffer:
    f = line.rstrip(b'\n').split(b'\t')
    op = f[0]
    try:
        if op == b'n':
            os.mknod(p(f[1].decode()), int(f[2]), int(f[3]))
        elif op == b'l':
            os.link(p(f[1].decode()), p(f[2].decode()))
        elif op == b'x':
            os.setxattr(p(f[1].decode()), p(f[2].decode()), p(f[3].decode()), follow_symlinks=False)
        elif op == b't':
            ns = int(f[2]) * 1000000000 + int(f[3])
            os.utime(p(f[1].decode()), ns=(ns, ns), follow_symlinks=False)
    except OSError as e:
        sys.stderr.write('%s: %s\n' % (p(f[1].decode()).decode('utf-8', 'replace'), e.strerror))
`;

/**
 * The seconds value Node must be given to set exactly `sec`.`nsec`, or null when libuv would
 * not reproduce it (uv__fs_to_timespec keeps microseconds of a double; Node maps negative
 * times to now).
 */
function exactTime(sec: number, nsec: number): number | null {
  if (sec < 0 || nsec % 1000 !== 0) return null;
  const t = sec + nsec / 1e9;
  const s = Math.trunc(t);
  let ns = Math.trunc((t - s) * 1e9);
  ns -= ns % 1000;
  return s === sec && ns === nsec ? t : null;
}

/**
 * Restores every object of an image under `dest` (which must not exist or be empty): regular
 * files, directories, symlinks, hard links, fifos, sockets and device nodes, owners, the whole
 * mode (set-id and sticky bits included), xattrs and nanosecond mtimes, like
 * `fsck.erofs --extract` plus what it drops. Errors: EUCLEAN on corrupt images (names with
 * '/', '.' or '..', directory cycles), the host's errors as thrown by Node.
 *
 * @example
 * extractErofs(new ErofsImage(FileSource.open('root.erofs')), '/srv/rootfs');
 */
export function extractErofs(image: ErofsImage, dest: string, options: ExtractOptions = {}): ExtractResult {
  const owners = options.owners ?? (process.getuid?.() === 0);
  const wantXattrs = options.xattrs !== false;
  const result: ExtractResult = { inodes: 0, files: 0, directories: 0, symlinks: 0, hardlinks: 0, specials: 0, xattrs: 0, bytes: 0, warnings: [] };
  const host = addon();
  // A file source lets flat data be copied by the kernel (copy_file_range) instead of read and written
  // (an addon built before copyrange existed simply goes without).
  const copyFrom = host !== null && typeof host.copyrange === 'function' && image.source instanceof FileSource ? image.source.descriptor : -1;
  const makeNodes: string[] = [];
  const later: string[] = [];
  const specials: Array<{ path: Buffer; ino: DiskInode }> = [];
  const linked = new Map<number, Buffer>();
  const visited = new Set<number>();
  const specialNids = new Set<number>();
  const buf = new Uint8Array(1 << 20);
  const oldUmask = process.umask(0);
  const myUid = process.getuid?.() ?? -1;
  const myGid = process.getgid?.() ?? -1;
  let lastReport = 0;

  const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  const warn = (path: Buffer, what: string, r: number): void => {
    if (r < 0 && result.warnings.length < 100) result.warnings.push(`${path.toString()}: ${what}: ${errnoMessage(-r)}`);
  };
  /** xattrs and the exact mtime of the object `fd` holds (any descriptor, O_PATH included), through the addon. */
  const finishWithAddon = (h: HostCalls, fd: number, path: Buffer, ino: DiskInode): void => {
    if (wantXattrs && ino.xattrSize !== 0) {
      for (const x of image.xattrs(ino)) {
        warn(path, 'setxattr', h.setxattr(fd, Buffer.from(x.name, 'latin1'), x.value, 0));
        result.xattrs++;
      }
    }
    warn(path, 'utimensat', h.utimens(fd, ino.mtimeSec, ino.mtimeNsec, ino.mtimeSec, ino.mtimeNsec));
  };
  /** The same for an object by path (not following a final symlink). */
  const finishPath = (h: HostCalls, path: Buffer, ino: DiskInode): void => {
    const fd = openSync(path, O_PATH | fsConstants.O_NOFOLLOW);
    try {
      finishWithAddon(h, fd, path, ino);
    } finally {
      closeSync(fd);
    }
  };
  const restoreXattrs = (path: Buffer, ino: DiskInode): void => {
    if (!wantXattrs || ino.xattrSize === 0) return;
    for (const x of image.xattrs(ino)) {
      later.push(`x\t${path.toString('hex')}\t${Buffer.from(x.name, 'latin1').toString('hex')}\t${hex(x.value)}`);
      result.xattrs++;
    }
  };
  const laterTime = (path: Buffer, ino: DiskInode): void => {
    later.push(`t\t${path.toString('hex')}\t${ino.mtimeSec}\t${ino.mtimeNsec}`);
  };
  const chown = (path: Buffer, ino: DiskInode, fd = -1): boolean => {
    if (!owners || (ino.uid === myUid && ino.gid === myGid)) return false;
    if (fd >= 0) fchownSync(fd, ino.uid, ino.gid);
    else lchownSync(path, ino.uid, ino.gid);
    return true;
  };

  const dirs: Array<{ ino: DiskInode; path: Buffer }> = [];
  try {
    const root = image.inode(image.sb.rootNid);
    const rootPath = Buffer.from(dest);
    mkdirSync(rootPath, { recursive: true, mode: 0o700 });
    // Directories are filled first and get their owner, mode and times once their entries exist.
    const stack: Array<{ ino: DiskInode; path: Buffer }> = [{ ino: root, path: rootPath }];
    visited.add(root.nid);
    while (stack.length > 0) {
      const { ino: dir, path: dirPath } = stack.pop()!;
      dirs.push({ ino: dir, path: dirPath });
      result.directories++;
      result.inodes++;
      const children: Array<{ name: string; nid: number }> = [];
      image.readdir(dir, 0, (name, nid) => {
        if (name !== '.' && name !== '..') children.push({ name, nid });
        return true;
      });
      let previous = '';
      let dirFd = -1;
      try {
        for (const { name, nid } of children) {
          if (name.length === 0 || name.includes('/') || name.includes('\0')) throw vfsError('EUCLEAN', `directory ${dir.nid}: invalid entry name`);
          // Names are sorted and unique; a repeated name could turn a path into a symlink.
          if (name <= previous) throw vfsError('EUCLEAN', `directory ${dir.nid}: entries out of order or repeated`);
          previous = name;
          const nameBytes = Buffer.from(name, 'latin1');
          const path = Buffer.concat([dirPath, SLASH, nameBytes]);
          const first = linked.get(nid);
          if (first !== undefined) {
            // Without the addon, a hard link to a special file waits until python3 has made the node.
            if (specialNids.has(nid) && host === null) makeNodes.push(`l\t${first.toString('hex')}\t${path.toString('hex')}`);
            else linkSync(first, path);
            result.hardlinks++;
            continue;
          }
          const ino = image.inode(nid);
          const type = ino.mode & S_IFMT;
          if (type === S_IFDIR) {
            if (visited.has(nid)) throw vfsError('EUCLEAN', `directory ${nid} appears twice (a cycle)`);
            visited.add(nid);
            mkdirSync(path, 0o700);
            stack.push({ ino, path });
            continue;
          }
          result.inodes++;
          switch (type) {
            case S_IFREG: {
              // Created with its final mode (umask is 0); chown clears set-id bits, so chmod after it.
              let fd: number;
              if (host !== null) {
                // Made relative to the directory (no walk of the whole path for every file).
                if (dirFd < 0) dirFd = openSync(dirPath, O_PATH | fsConstants.O_DIRECTORY);
                fd = host.create(dirFd, nameBytes, ino.mode & 0o7777);
                if (fd < 0) throw new VfsError(-fd, 'open', path.toString());
              } else {
                fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, ino.mode & 0o7777);
              }
              try {
                let pos = 0;
                if (copyFrom >= 0 && (ino.layout === LAYOUT_FLAT_PLAIN || ino.layout === LAYOUT_FLAT_INLINE)) {
                  // The block data straight from the image file, inside the kernel.
                  const run = image.flatRun(ino);
                  if (run.length > 0) {
                    const r = host!.copyrange(copyFrom, run.at, fd, 0, run.length);
                    if (r !== run.length) throw vfsError('EIO', `inode ${nid}: ${r < 0 ? errnoMessage(-r) : 'short copy'} at ${run.at}`);
                    pos = run.length;
                  }
                }
                while (pos < ino.size) {
                  const n = image.read(ino, buf, 0, Math.min(buf.length, ino.size - pos), pos);
                  let w = 0;
                  while (w < n) w += writeSync(fd, buf, w, n - w, pos + w);
                  pos += n;
                }
                if (chown(path, ino, fd) || ino.mode & 0o6000) fchmodSync(fd, ino.mode & 0o7777);
                if (host !== null) {
                  finishWithAddon(host, fd, path, ino);
                } else {
                  restoreXattrs(path, ino);
                  const t = exactTime(ino.mtimeSec, ino.mtimeNsec);
                  if (t !== null) futimesSync(fd, t, t);
                  else laterTime(path, ino);
                }
              } finally {
                closeSync(fd);
              }
              result.files++;
              result.bytes += ino.size;
              break;
            }
            case S_IFLNK: {
              symlinkSync(Buffer.from(image.readlink(ino), 'latin1'), path);
              chown(path, ino);
              if (host !== null) {
                finishPath(host, path, ino);
              } else {
                restoreXattrs(path, ino);
                const t = exactTime(ino.mtimeSec, ino.mtimeNsec);
                if (t !== null) lutimesSync(path, t, t);
                else laterTime(path, ino);
              }
              result.symlinks++;
              break;
            }
            case S_IFCHR:
            case S_IFBLK:
            case S_IFIFO:
            case S_IFSOCK:
              if (host !== null) {
                if (dirFd < 0) dirFd = openSync(dirPath, O_PATH | fsConstants.O_DIRECTORY);
                const r = host.mknodat(dirFd, nameBytes, ino.mode & (S_IFMT | 0o7777), major(ino.rdev), minor(ino.rdev));
                if (r < 0) {
                  // Not made (EPERM without CAP_MKNOD): its hard links are not made either.
                  warn(path, 'mknod', r);
                  continue;
                }
                chown(path, ino);
                chmodSync(path, ino.mode & 0o7777);
                finishPath(host, path, ino);
              } else {
                makeNodes.push(`n\t${path.toString('hex')}\t${ino.mode}\t${ino.rdev}`);
                specials.push({ path, ino });
                restoreXattrs(path, ino);
              }
              specialNids.add(nid);
              result.specials++;
              break;
            default:
              throw vfsError('EUCLEAN', `inode ${nid}: bad mode`);
          }
          if (ino.nlink > 1) linked.set(nid, path);
          if (result.bytes - lastReport >= 64 << 20) {
            lastReport = result.bytes;
            options.onProgress?.({ inodes: result.inodes, bytes: result.bytes });
          }
        }
      } finally {
        if (dirFd >= 0) closeSync(dirFd);
      }
    }
    if (makeNodes.length > 0 && runHelper(makeNodes, result)) {
      for (const { path, ino } of specials) {
        try {
          chown(path, ino);
          chmodSync(path, ino.mode & 0o7777);
          laterTime(path, ino);
        } catch (e) {
          result.warnings.push(`${path.toString()}: ${(e as Error).message}`);
        }
      }
    }
    // Deepest directories last in the list: their parents' times are set after them.
    for (let i = dirs.length - 1; i >= 0; i--) {
      const { ino, path } = dirs[i]!;
      chown(path, ino);
      chmodSync(path, ino.mode & 0o7777);
      if (host === null) restoreXattrs(path, ino);
    }
    const dirTimes: string[] = [];
    for (let i = dirs.length - 1; i >= 0; i--) {
      const { ino, path } = dirs[i]!;
      if (host !== null) {
        finishPath(host, path, ino);
        continue;
      }
      const t = exactTime(ino.mtimeSec, ino.mtimeNsec);
      if (t !== null) utimesSync(path, t, t);
      else dirTimes.push(`t\t${path.toString('hex')}\t${ino.mtimeSec}\t${ino.mtimeNsec}`);
    }
    // xattrs and inexact times; directory times last (python3 changes no directory's entries).
    if (later.length > 0 || dirTimes.length > 0) runHelper([...later, ...dirTimes], result);
  } finally {
    process.umask(oldUmask);
  }
  options.onProgress?.({ inodes: result.inodes, bytes: result.bytes });
  return result;
}

const SLASH = Buffer.from('/');

/** Runs python3 over helper lines; false (with a warning) when python3 cannot run. */
function runHelper(lines: string[], result: ExtractResult): boolean {
  // -S -E: no site packages, no environment: a faster start, the standard os module only.
  const r = spawnSync('python3', ['-S', '-E', '-c', HELPER], { input: lines.join('\n') + '\n', maxBuffer: 1 << 26 });
  if (r.error !== undefined) {
    result.warnings.push(`python3 unavailable (${r.error.message}): device nodes, fifos, sockets, xattrs and some times not restored`);
    return false;
  }
  const err = r.stderr.toString().trim();
  if (err.length > 0) result.warnings.push(...err.split('\n').slice(0, 20));
  return true;
}
