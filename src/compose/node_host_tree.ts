// Node-specific: the host side of a copy, through node:fs.
/**
 * The host tree for `copyTree` (`--copy-in`, `vroot cp-in`, `vroot cp-out`): host paths as the
 * user gave them, through node:fs, with names as bytes (byte-string paths become Buffers).
 *
 * Where it differs from GNU cp: fifos, sockets and device nodes cannot be made (node:fs has no
 * mknod) and are reported and skipped; times are exact when the HostFs addon is built (it has
 * utimensat), and kept to about a microsecond otherwise (Node's utimes takes a double).
 */
import {
  closeSync, constants, lstatSync, lutimesSync, mkdirSync, openSync, readSync, readdirSync,
  readlinkSync, rmdirSync, statSync, symlinkSync, unlinkSync, writeSync, chmodSync, type BigIntStats,
} from 'node:fs';
import { errnoName } from '../abi/errno.js';
import { loadHostCalls, type HostCalls } from '../fs/hostfs/_native.js';
import type { ByteString } from '../vfs/bytes.js';
import type { Timespec } from '../vfs/stat.js';
import { kindOfMode, type TreeAccess, type TreeStat } from './tree_copy.js';

/** A byte-string path as a Buffer of the same bytes. */
export function hostPath(path: ByteString): Buffer {
  return Buffer.from(path, 'latin1');
}

function timespec(ns: bigint): Timespec {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

function treeStat(st: BigIntStats | undefined): TreeStat | null {
  if (st === undefined) return null;
  return {
    kind: kindOfMode(Number(st.mode)), mode: Number(st.mode & 0o7777n), size: Number(st.size),
    rdev: Number(st.rdev), atime: timespec(st.atimeNs), mtime: timespec(st.mtimeNs),
    dev: Number(st.dev), ino: Number(st.ino),
  };
}

function seconds(t: Timespec): number {
  return t.sec + t.nsec / 1e9;
}

const O_PATH = 0o10000000;
let hostCalls: HostCalls | null | undefined;

/**
 * Sets the times of the object at `path` itself: to the nanosecond through the HostFs addon's
 * utimensat(AT_EMPTY_PATH) on an O_PATH descriptor; without the addon, with Node's lutimes,
 * which takes seconds as a double and so keeps about a microsecond.
 */
function setTimes(path: Buffer, atime: Timespec, mtime: Timespec): void {
  if (hostCalls === undefined) {
    try {
      hostCalls = loadHostCalls();
    } catch {
      hostCalls = null;
    }
  }
  if (hostCalls === null) {
    lutimesSync(path, seconds(atime), seconds(mtime));
    return;
  }
  const fd = openSync(path, O_PATH | constants.O_NOFOLLOW);
  try {
    const r = hostCalls.utimens(fd, atime.sec, atime.nsec, mtime.sec, mtime.nsec);
    if (r < 0) throw Object.assign(new Error(`utimensat: errno ${-r}`), { code: errnoName(-r), errno: r });
  } finally {
    closeSync(fd);
  }
}

function notSupported(): never {
  throw Object.assign(new Error('Operation not supported'), { code: 'EOPNOTSUPP' });
}

/**
 * The host's files through node:fs.
 *
 * @example
 * copyTree(nodeHostTree, hostPath, guestTree(p), '/data', options, strerror);
 */
export const nodeHostTree: TreeAccess = {
  lstat: (path) => treeStat(lstatSync(hostPath(path), { bigint: true, throwIfNoEntry: false })),
  stat(path) {
    try {
      return treeStat(statSync(hostPath(path), { bigint: true, throwIfNoEntry: false }));
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOTDIR' || (e as { code?: string }).code === 'ELOOP') return null;
      throw e;
    }
  },
  list: (path) => readdirSync(hostPath(path), { encoding: 'buffer' }).map((b) => b.toString('latin1')),
  readlink: (path) => readlinkSync(hostPath(path), { encoding: 'buffer' }).toString('latin1'),
  openRead(path) {
    const fd = openSync(hostPath(path), constants.O_RDONLY);
    return { read: (buf) => readSync(fd, buf, 0, buf.length, null), close: () => closeSync(fd) };
  },
  openWrite(path, mode) {
    const fd = openSync(hostPath(path), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
    return {
      write(buf, length) {
        let done = 0;
        while (done < length) done += writeSync(fd, buf, done, length - done);
      },
      close: () => closeSync(fd),
    };
  },
  mkdir: (path, mode) => { mkdirSync(hostPath(path), mode); },
  symlink: (target, path) => symlinkSync(hostPath(target), hostPath(path)),
  mknod: () => notSupported(),
  unlink: (path) => unlinkSync(hostPath(path)),
  rmdir: (path) => rmdirSync(hostPath(path)),
  chmod: (path, mode) => chmodSync(hostPath(path), mode),
  utimes: (path, atime, mtime) => setTimes(hostPath(path), atime, mtime),
  umask: () => {
    const m = process.umask(0o022);
    process.umask(m);
    return m;
  },
  display: (path) => hostPath(path).toString('utf8'),
};
