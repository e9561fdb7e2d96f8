// Node-specific: the synchronous node:fs API over a vroot Process (uses Buffer).
/**
 * The sync half of the Node fs facade: one method per node:fs `*Sync` call, each written once
 * over the Process syscalls, with node:fs's argument handling, results and errors (libuv's
 * codes, Node's syscall names). The callback and promise APIs wrap these methods; they never
 * repeat an operation.
 *
 * Paths are resolved by the process (its root, cwd and credentials), so a facade over an
 * unprivileged or chrooted process sees exactly what that process may see.
 */
import { posix } from 'node:path';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, DT_DIR, F_OK, O_CLOEXEC, O_CREAT, O_DIRECTORY,
  O_EXCL, O_RDONLY, O_WRONLY, S_IFDIR, S_IFMT, S_IFREG,
} from '../abi/constants.js';
import { errno } from '../abi/errno.js';
import { byteStringToUtf8, type ByteString } from '../vfs/bytes.js';
import { VfsError } from '../vfs/errors.js';
import { LOOKUP_FOLLOW } from '../vfs/path_walk.js';
import type { Process } from '../vfs/process.js';
import type { Stat } from '../vfs/stat.js';
import {
  type CorePath, type Encoding, checkEncoding, encodeName, pathToString, secondsToTimespec, toBoolean,
  toBytes, toData, toFd, toFlags, toInt32, toInteger, toMode, toObject, toOptions, toPath, toUnixSeconds,
} from './_args.js';
import { COPYFILE_EXCL, COPYFILE_FICLONE_FORCE, direntTypeFromDT } from './constants.js';
import { Dir } from './dir.js';
import { Dirent } from './dirent.js';
import {
  argTypeError, argValueError, codedError, nodeError, outOfRangeError, systemError, uvError,
} from './errors.js';
import { BigIntStats, Stats, StatFs, bigIntStatsFrom, statFsFrom, statsFrom } from './stats.js';
import { cpAsync, cpSync, type CpOptions } from './_copy.js';
import { quietCall } from './_stack.js';
import { removeTree } from './_remove.js';

/**
 * Whole-file reads up to POOLED_MAX bytes get their Buffer from a shared pool, as
 * Buffer.allocUnsafe pools small buffers (Node pools below 4 KiB; 4-KiB files are common
 * enough to include): a fresh ArrayBuffer per read costs more than the read itself. As with
 * Node's pool, `buf.buffer` of such a result is the larger shared ArrayBuffer.
 */
const POOL_SIZE = 128 * 1024;
const POOLED_MAX = 8 * 1024;
// Not zero-filled, like Node's pool: every byte handed out is written by the read first.
let pool = Buffer.allocUnsafeSlow(POOL_SIZE).buffer;
let poolOffset = 0;

function resultBuffer(size: number): Buffer {
  if (size > POOLED_MAX) return Buffer.allocUnsafe(size);
  if (poolOffset + size > POOL_SIZE) {
    pool = Buffer.allocUnsafeSlow(POOL_SIZE).buffer;
    poolOffset = 0;
  }
  const b = Buffer.from(pool, poolOffset, size);
  poolOffset = (poolOffset + size + 7) & ~7;
  return b;
}

/** Largest buffer Node reads a whole file into (kIoMaxLength). */
const IO_MAX_LENGTH = 2 ** 31 - 1;
/** Largest uid/gid node:fs accepts (kMaxUserId). */
const MAX_USER_ID = 2 ** 32 - 1;

/** Options of the stat family. */
export interface StatOptions {
  bigint?: boolean;
  throwIfNoEntry?: boolean;
}

/** Options of rm (maxRetries and retryDelay are accepted; vroot's calls never need a retry). */
export interface RmOptions {
  force?: boolean;
  recursive?: boolean;
  maxRetries?: number;
  retryDelay?: number;
}

/** The node:fs API a NodeFs stands for. */
export type Flavor = 'sync' | 'callback' | 'promise';

type ReadOptions = { offset?: number; length?: number; position?: number | bigint | null };

/** A raw directory listing: names as byte strings and their d_type values, in one order. */
interface RawListing {
  names: ByteString[];
  types: number[];
}

/** The bytes of a core path (strings as UTF-8). */
function pathBytes(p: CorePath): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

/**
 * The positional read/write argument: null or undefined read or write at the file offset, as
 * does any negative position (libuv calls read/write instead of pread/pwrite for those).
 */
function toPosition(value: unknown, name = 'position'): number {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'number') return toInteger(value, name, -1);
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value > 2n ** 63n - 1n) {
      throw outOfRangeError(name, `>= ${-(2n ** 63n)} && <= ${2n ** 63n - 1n}`, value);
    }
    return value < 0n ? -1 : Number(value);
  }
  throw argTypeError(name, 'of type integer or bigint', value);
}

/** writeSync does not check its position: numbers are used, anything else means the file offset. */
function writePosition(value: unknown): number {
  if (typeof value === 'number') return value < 0 || !Number.isFinite(value) ? -1 : Math.trunc(value);
  if (typeof value === 'bigint') return value < 0n ? -1 : Number(value);
  return -1;
}

/**
 * The synchronous node:fs API over one vroot process.
 *
 * @example
 * const fs = new NodeFs(vfs.createProcess());
 * fs.mkdirSync('/a/b', { recursive: true });
 * fs.writeFileSync('/a/b/c.txt', 'hello');
 * fs.readFileSync('/a/b/c.txt', 'utf8'); // 'hello'
 */
export class NodeFs {
  /** The process whose view of the filesystem this facade shows. */
  readonly process: Process;
  /**
   * Which node:fs API these methods stand for. node:fs implements some calls twice, and its
   * asynchronous versions differ from the sync ones in small, visible ways (error paths of
   * `mkdir -p` and `opendir`, the callback writeFile's write of empty data); the callback and
   * promise APIs wrap a NodeFs of their own flavor so they show the same differences.
   */
  readonly flavor: Flavor;

  constructor(process: Process, flavor: Flavor = 'sync') {
    this.process = process;
    this.flavor = flavor;
  }

  // ---- descriptors ----

  /** fs.openSync: flags 'r' by default, mode 0o666. Descriptors are close-on-exec, as libuv opens them. */
  openSync(path: unknown, flags?: unknown, mode?: unknown): number {
    const p = toPath(path);
    const f = toFlags(flags);
    const m = toMode(mode, 'mode', 0o666);
    try {
      return this.process.openat(AT_FDCWD, p, f | O_CLOEXEC, m);
    } catch (e) {
      throw nodeError(e, 'open', p);
    }
  }

  /** fs.closeSync. */
  closeSync(fd: unknown): void {
    const d = toFd(fd);
    try {
      this.process.close(d);
    } catch (e) {
      throw nodeError(e, 'close');
    }
  }

  /**
   * fs.readSync(fd, buffer, offset?, length?, position?) or (fd, buffer, { offset, length,
   * position }): reads at `position`, or at the file offset when it is null or -1.
   */
  readSync(fd: unknown, buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
    const d = toFd(fd);
    const buf = toBytes(buffer);
    let offset: unknown = offsetOrOptions;
    let len: unknown = length;
    let pos: unknown = position;
    if (arguments.length <= 3 || (typeof offsetOrOptions === 'object' && offsetOrOptions !== null)) {
      const o = toObject<ReadOptions>(offsetOrOptions);
      offset = o.offset ?? 0;
      len = o.length ?? buf.byteLength - (offset as number);
      pos = o.position ?? null;
    }
    const off = offset === undefined ? 0 : toInteger(offset, 'offset', 0);
    const n = (len as number) | 0;
    if (n === 0) return 0;
    if (buf.byteLength === 0) throw argValueError('buffer', buffer, 'is empty and cannot be written');
    if (n < 0) throw outOfRangeError('length', '>= 0', n);
    if (off + n > buf.byteLength) throw outOfRangeError('length', `<= ${buf.byteLength - off}`, n);
    const at = toPosition(pos);
    try {
      return at < 0 ? this.process.read(d, buf, off, n) : this.process.pread(d, buf, at, off, n);
    } catch (e) {
      throw nodeError(e, 'read');
    }
  }

  /**
   * fs.writeSync(fd, buffer, offset?, length?, position?), (fd, buffer, { offset, length,
   * position }) or (fd, string, position?, encoding?). Returns the bytes written.
   */
  writeSync(fd: unknown, buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): number {
    const d = toFd(fd);
    let bytes: Uint8Array;
    let off = 0;
    let len: number;
    let pos: unknown;
    if (ArrayBuffer.isView(buffer)) {
      bytes = toBytes(buffer);
      let offset: unknown = offsetOrOptions;
      let l: unknown = length;
      pos = position;
      if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
        const o = offsetOrOptions as ReadOptions;
        offset = o.offset ?? 0;
        l = o.length ?? bytes.byteLength - (offset as number);
        pos = o.position ?? null;
      }
      off = offset === undefined || offset === null ? 0 : toInteger(offset, 'offset', 0);
      len = typeof l === 'number' ? l : bytes.byteLength - off;
      if (off > bytes.byteLength) throw outOfRangeError('offset', `<= ${bytes.byteLength}`, off);
      if (len > bytes.byteLength - off) throw outOfRangeError('length', `<= ${bytes.byteLength - off}`, len);
      if (len < 0) throw outOfRangeError('length', '>= 0', len);
      toInt32(len, 'length', 0);
    } else {
      if (typeof buffer !== 'string') {
        throw argTypeError('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
      }
      const enc = checkEncoding(length, false) ?? 'utf8';
      bytes = Buffer.from(buffer, enc as BufferEncoding);
      len = bytes.byteLength;
      pos = offsetOrOptions;
    }
    const at = writePosition(pos);
    try {
      return at < 0 ? this.process.write(d, bytes, off, len) : this.process.pwrite(d, bytes, at, off, len);
    } catch (e) {
      throw nodeError(e, 'write');
    }
  }

  /** fs.readvSync: fills the buffers in order; stops at end of file. */
  readvSync(fd: unknown, buffers: unknown, position?: unknown): number {
    return this.vectored(toFd(fd), toBufferList(buffers), position, false);
  }

  /** fs.writevSync: writes the buffers in order. */
  writevSync(fd: unknown, buffers: unknown, position?: unknown): number {
    const d = toFd(fd);
    const list = toBufferList(buffers);
    return list.length === 0 ? 0 : this.vectored(d, list, position, true);
  }

  /**
   * readv/writev as a loop of read/write (or pread/pwrite at a numeric position): stops at a
   * short transfer; an error after some bytes moved reports the bytes, as preadv does.
   */
  private vectored(fd: number, list: Uint8Array[], position: unknown, write: boolean): number {
    const p = this.process;
    let at = typeof position === 'number' ? position : -1;
    let total = 0;
    try {
      for (const b of list) {
        if (b.byteLength === 0) continue;
        const n = write ? (at < 0 ? p.write(fd, b) : p.pwrite(fd, b, at)) : (at < 0 ? p.read(fd, b) : p.pread(fd, b, at));
        total += n;
        if (at >= 0) at += n;
        if (n < b.byteLength) break;
      }
    } catch (e) {
      if (total > 0) return total;
      throw nodeError(e, write ? 'write' : 'read');
    }
    return total;
  }

  /** fs.fsyncSync. */
  fsyncSync(fd: unknown): void {
    const d = toFd(fd);
    try {
      this.process.fsync(d);
    } catch (e) {
      throw nodeError(e, 'fsync');
    }
  }

  /** fs.fdatasyncSync. */
  fdatasyncSync(fd: unknown): void {
    const d = toFd(fd);
    try {
      this.process.fdatasync(d);
    } catch (e) {
      throw nodeError(e, 'fdatasync');
    }
  }

  /** fs.ftruncateSync: `len` (default 0) below 0 counts as 0. */
  ftruncateSync(fd: unknown, len: unknown = 0): void {
    const d = toFd(fd);
    const n = Math.max(0, toInteger(len, 'len'));
    try {
      this.process.ftruncate(d, n);
    } catch (e) {
      throw nodeError(e, 'ftruncate');
    }
  }

  /** fs.fchmodSync. */
  fchmodSync(fd: unknown, mode: unknown): void {
    const d = toFd(fd);
    const m = toMode(mode, 'mode');
    try {
      this.process.fchmod(d, m);
    } catch (e) {
      throw nodeError(e, 'fchmod');
    }
  }

  /** fs.fchownSync: -1 leaves an id unchanged. */
  fchownSync(fd: unknown, uid: unknown, gid: unknown): void {
    const d = toFd(fd);
    const u = toInteger(uid, 'uid', -1, MAX_USER_ID);
    const g = toInteger(gid, 'gid', -1, MAX_USER_ID);
    try {
      this.process.fchown(d, u, g);
    } catch (e) {
      throw nodeError(e, 'fchown');
    }
  }

  /** fs.futimesSync: times in seconds, numeric strings or Dates. */
  futimesSync(fd: unknown, atime: unknown, mtime: unknown): void {
    const d = toFd(fd);
    const times = toTimes(atime, mtime);
    try {
      this.process.futimens(d, times);
    } catch (e) {
      throw nodeError(e, 'futime');
    }
  }

  /** fs.fstatSync. */
  fstatSync(fd: unknown, options?: StatOptions): Stats | BigIntStats {
    const d = toFd(fd);
    let st: Stat;
    try {
      st = this.process.fstat(d);
    } catch (e) {
      throw nodeError(e, 'fstat');
    }
    return options !== undefined && options.bigint === true ? bigIntStatsFrom(st) : statsFrom(st);
  }

  // ---- status ----

  /** fs.statSync: follows symlinks; `throwIfNoEntry: false` returns undefined for ENOENT (only). */
  statSync(path: unknown, options?: StatOptions): Stats | BigIntStats | undefined {
    return this.statAt(path, options, 0, 'stat');
  }

  /** fs.lstatSync: does not follow a final symlink. */
  lstatSync(path: unknown, options?: StatOptions): Stats | BigIntStats | undefined {
    return this.statAt(path, options, AT_SYMLINK_NOFOLLOW, 'lstat');
  }

  private statAt(path: unknown, options: StatOptions | undefined, flags: number, syscall: string): Stats | BigIntStats | undefined {
    const p = toPath(path);
    let st: Stat;
    try {
      st = this.process.fstatat(AT_FDCWD, p, flags);
    } catch (e) {
      if (options !== undefined && options.throwIfNoEntry === false && e instanceof VfsError && e.errno === errno.ENOENT) {
        return undefined;
      }
      throw nodeError(e, syscall, p);
    }
    return options !== undefined && options.bigint === true ? bigIntStatsFrom(st) : statsFrom(st);
  }

  /** fs.statfsSync. */
  statfsSync(path: unknown, options?: { bigint?: boolean }): StatFs<number> | StatFs<bigint> {
    const p = toPath(path);
    try {
      return statFsFrom(this.process.statfs(p), options?.bigint === true);
    } catch (e) {
      throw nodeError(e, 'statfs', p);
    }
  }

  /** fs.accessSync: F_OK by default, or a mask of R_OK, W_OK and X_OK; checked with the real ids. */
  accessSync(path: unknown, mode?: unknown): void {
    const p = toPath(path);
    const m = mode === undefined || mode === null ? F_OK : toInt32(mode, 'mode', 0, 7);
    try {
      this.process.faccessat2(AT_FDCWD, p, m, 0);
    } catch (e) {
      throw nodeError(e, 'access', p);
    }
  }

  /** fs.existsSync: never throws; bad arguments give false. */
  existsSync(path: unknown): boolean {
    let p: CorePath;
    try {
      p = toPath(path);
    } catch {
      return false;
    }
    try {
      this.process.faccessat2(AT_FDCWD, p, F_OK, 0);
      return true;
    } catch {
      return false;
    }
  }

  // ---- whole files ----

  /** fs.readFileSync(path | fd, { encoding, flag }): a Buffer, or a string with an encoding. */
  readFileSync(path: unknown, options?: unknown): string | Buffer {
    const o = toOptions<{ flag?: unknown; encoding?: Encoding }>(options, { flag: 'r' });
    const userFd = isFd(path);
    let fd: number;
    if (userFd) {
      fd = path as number;
    } else {
      const p = toPath(path);
      const flags = toFlags(o.flag ?? 'r');
      try {
        fd = this.process.openat(AT_FDCWD, p, flags | O_CLOEXEC, 0o666);
      } catch (e) {
        throw nodeError(e, 'open', p);
      }
    }
    let data: Buffer;
    try {
      data = this.readAll(fd);
    } finally {
      if (!userFd) this.process.close(fd);
    }
    const enc = o.encoding;
    return enc === undefined || enc === null || enc === 'buffer' ? data : data.toString(enc);
  }

  /** Reads a descriptor to its end, sized by fstat as node:fs does ("the kernel lies about many files"). */
  private readAll(fd: number): Buffer {
    let st: Stat;
    try {
      st = this.process.fstat(fd);
    } catch (e) {
      throw nodeError(e, 'fstat');
    }
    const size = (st.mode & S_IFMT) === S_IFREG ? st.size : 0;
    if (size > IO_MAX_LENGTH) {
      throw codedError('ERR_FS_FILE_TOO_LARGE', `File size (${size}) is greater than 2 GiB`, 'RangeError');
    }
    try {
      if (size !== 0) {
        const buf = resultBuffer(size);
        let pos = 0;
        for (;;) {
          const n = this.process.read(fd, buf, pos, size - pos);
          pos += n;
          if (n === 0 || pos >= size) break;
        }
        return pos < size ? buf.subarray(0, pos) : buf;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(8192);
        const n = this.process.read(fd, chunk, 0, 8192);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
        total += n;
      }
      return Buffer.concat(chunks, total);
    } catch (e) {
      throw nodeError(e, 'read');
    }
  }

  /** fs.writeFileSync(path | fd, data, { encoding, mode, flag, flush }). */
  writeFileSync(path: unknown, data: unknown, options?: unknown): void {
    const o = toOptions<{ encoding?: Encoding; mode?: unknown; flag?: unknown; flush?: unknown }>(options,
      { encoding: 'utf8', mode: 0o666, flag: 'w', flush: false });
    const flush = o.flush === undefined || o.flush === null ? false : toBoolean(o.flush, 'options.flush');
    const bytes = toData(data, o.encoding);
    const userFd = isFd(path);
    let fd: number;
    if (userFd) {
      fd = path as number;
    } else {
      const p = toPath(path);
      const flags = toFlags(o.flag || 'w');
      const mode = toMode(o.mode, 'mode', 0o666);
      try {
        fd = this.process.openat(AT_FDCWD, p, flags | O_CLOEXEC, mode);
      } catch (e) {
        throw nodeError(e, 'open', p);
      }
    }
    try {
      // node:fs's callback writeFile writes even empty data once (EBADF on a read-only descriptor).
      let off = this.flavor === 'callback' ? this.process.write(fd, bytes, 0, bytes.byteLength) : 0;
      while (off < bytes.byteLength) off += this.process.write(fd, bytes, off, bytes.byteLength - off);
      if (flush) this.process.fsync(fd);
    } catch (e) {
      throw nodeError(e, 'write');
    } finally {
      if (!userFd) this.process.close(fd);
    }
  }

  /** fs.appendFileSync: writeFileSync with flag 'a' (always 'a' on a descriptor). */
  appendFileSync(path: unknown, data: unknown, options?: unknown): void {
    const o = { ...toOptions<{ flag?: unknown; mode?: unknown; encoding?: Encoding }>(options, { encoding: 'utf8', mode: 0o666, flag: 'a' }) };
    if (!o.flag || isFd(path)) o.flag = 'a';
    this.writeFileSync(path, data, o);
  }

  /** fs.truncateSync(path, len = 0): opens with 'r+' and truncates, as node:fs does (so errors name 'open'). */
  truncateSync(path: unknown, len: unknown = 0): void {
    if (typeof path === 'number') return this.ftruncateSync(path, len);
    const fd = this.openSync(path, 'r+');
    try {
      this.ftruncateSync(fd, len ?? 0);
    } finally {
      this.process.close(fd);
    }
  }

  /**
   * fs.copyFileSync(src, dest, mode): libuv's copy. The destination is opened with the source's
   * mode, truncated, given that mode, and filled; when anything fails after it was opened it is
   * removed. COPYFILE_FICLONE_FORCE fails with ENOTSUP (no filesystem here shares extents).
   */
  copyFileSync(src: unknown, dest: unknown, mode?: unknown): void {
    const s = toPath(src, 'src');
    const d = toPath(dest, 'dest');
    const m = mode === undefined || mode === null ? 0 : toInt32(mode, 'mode', 0, 7);
    const p = this.process;
    let srcFd = -1;
    let dstFd = -1;
    let failed = false;
    try {
      srcFd = p.openat(AT_FDCWD, s, O_RDONLY | O_CLOEXEC);
      const st = p.fstat(srcFd);
      dstFd = p.openat(AT_FDCWD, d, O_WRONLY | O_CREAT | O_CLOEXEC | (m & COPYFILE_EXCL ? O_EXCL : 0), st.mode);
      const dt = p.fstat(dstFd);
      if (dt.dev === st.dev && dt.ino === st.ino) return;
      p.ftruncate(dstFd, 0);
      p.fchmod(dstFd, st.mode & 0o7777);
      if (m & COPYFILE_FICLONE_FORCE) {
        // ioctl(FICLONE) (vfs_clone_file_range): directories EISDIR, other non-files EINVAL,
        // and no filesystem here can share extents.
        const type = st.mode & S_IFMT;
        throw new VfsError(type === S_IFDIR ? errno.EISDIR : type !== S_IFREG ? errno.EINVAL : errno.EOPNOTSUPP);
      }
      const chunk = new Uint8Array(Math.min(Math.max(st.size, 1), 1 << 20));
      let at = 0;
      while (at < st.size) {
        const n = p.pread(srcFd, chunk, at, 0, Math.min(chunk.length, st.size - at));
        if (n === 0) break;
        let w = 0;
        while (w < n) w += p.write(dstFd, chunk, w, n - w);
        at += n;
      }
    } catch (e) {
      failed = true;
      throw nodeError(e, 'copyfile', s, d);
    } finally {
      if (srcFd >= 0) p.close(srcFd);
      if (dstFd >= 0) {
        p.close(dstFd);
        if (failed) {
          try {
            p.unlinkat(AT_FDCWD, d);
          } catch {
            // libuv ignores this unlink's result: an error already happened.
          }
        }
      }
    }
  }

  // ---- directories ----

  /**
   * fs.mkdirSync(path, { recursive, mode }). With `recursive`, missing parents are made and the
   * first directory created is returned (undefined when none was); a component that is a file
   * gives ENOTDIR and an existing non-directory at the end EEXIST, as node:fs's MKDirpSync.
   */
  mkdirSync(path: unknown, options?: unknown): string | undefined {
    let mode: unknown = 0o777;
    let recursive: unknown = false;
    if (typeof options === 'number' || typeof options === 'string') {
      mode = options;
    } else if (options !== undefined && options !== null) {
      const o = options as { recursive?: unknown; mode?: unknown };
      if (o.recursive !== undefined) recursive = o.recursive;
      if (o.mode !== undefined) mode = o.mode;
    }
    const p = toPath(path);
    toBoolean(recursive, 'options.recursive');
    const m = toMode(mode, 'mode');
    if (!recursive) {
      try {
        this.process.mkdirat(AT_FDCWD, p, m);
      } catch (e) {
        throw nodeError(e, 'mkdir', p);
      }
      return undefined;
    }
    const r = this.mkdirp(pathBytes(p).toString('latin1'), m);
    if (typeof r === 'object') throw uvError(r.errno, 'mkdir', this.flavor === 'sync' ? p : Buffer.from(r.at, 'latin1'));
    return r === undefined ? undefined : Buffer.from(r, 'latin1').toString();
  }

  /**
   * node:fs's mkdir -p over byte-string paths: a stack of paths, mkdir each; ENOENT pushes the
   * parent (cut at the last '/'); another error asks stat whether a directory is there. Returns
   * the first path created, undefined, or the errno and the path being made when it failed.
   * The sync (MKDirpSync) and asynchronous (MKDirpAsync) versions differ: the asynchronous one
   * reports ENOSPC only after that stat, and an EEXIST mid-path whose stat fails (a dangling
   * symlink) as ENOTDIR.
   */
  private mkdirp(path: ByteString, mode: number): ByteString | { errno: number; at: ByteString } | undefined {
    const sync = this.flavor === 'sync';
    const stack: ByteString[] = [path];
    let first: ByteString | undefined;
    while (stack.length > 0) {
      const next = stack.pop()!;
      const fail = (e: number): { errno: number; at: ByteString } => ({ errno: e, at: next });
      let err = mkdirErrno(this.process, next, mode);
      for (;;) {
        if (err === 0) {
          first ??= next;
          if (stack.length === 0) return first;
          break;
        }
        if (err === errno.EACCES || err === errno.ENOTDIR || err === errno.EPERM || (sync && err === errno.ENOSPC)) return fail(err);
        if (err === errno.ENOENT) {
          const cut = next.lastIndexOf('/');
          const parent = cut === -1 ? next : next.slice(0, cut);
          if (parent !== next) {
            stack.push(next, parent);
          } else if (stack.length === 0) {
            err = errno.EEXIST;
            continue;
          }
          break;
        }
        // Another error (EEXIST, EROFS...): fine when a directory is there.
        let st: Stat | number;
        try {
          st = this.process.fstatat(AT_FDCWD, Buffer.from(next, 'latin1'), 0);
        } catch (e) {
          st = e instanceof VfsError ? e.errno : errno.EIO;
        }
        const isDir = typeof st !== 'number' && (st.mode & S_IFMT) === S_IFDIR;
        if (sync) {
          if (typeof st === 'number') return fail(st);
          if (!isDir) return fail(err === errno.EEXIST && stack.length > 0 ? errno.ENOTDIR : errno.EEXIST);
        } else if (err === errno.EEXIST && stack.length > 0) {
          if (!isDir) return fail(errno.ENOTDIR);
        } else {
          if (typeof st === 'number') return fail(st);
          if (!isDir) return fail(errno.EEXIST);
          // MKDirpAsync stops here, successfully, whatever is left on its stack.
          return first;
        }
        break;
      }
    }
    return first;
  }

  /** fs.mkdtempSync(prefix): makes `prefix` + six random characters, mode 0o700, as mkdtemp(3). */
  mkdtempSync(prefix: unknown, options?: unknown): string | Buffer {
    const o = toOptions<{ encoding?: Encoding }>(options, {});
    const p = toPath(prefix, 'prefix');
    const base = pathBytes(p).toString('latin1');
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const random = new Uint8Array(6);
    let last: unknown;
    // glibc retries on EEXIST; a hundred tries is plenty for 62^6 names.
    for (let attempt = 0; attempt < 100; attempt++) {
      globalThis.crypto.getRandomValues(random);
      let name = base;
      for (const r of random) name += letters[r % letters.length];
      try {
        this.process.mkdirat(AT_FDCWD, Buffer.from(name, 'latin1'), 0o700);
        return encodeName(name, o.encoding);
      } catch (e) {
        last = e;
        if (!(e instanceof VfsError) || e.errno !== errno.EEXIST) break;
      }
    }
    throw nodeError(last, 'mkdtemp', Buffer.from(base + 'XXXXXX', 'latin1'));
  }

  /**
   * @internal Lists a directory through getdents64 (for readdir and rm), without `.` and
   * `..`, sorted by bytes as libuv's scandir sorts (strcmp). Errors name 'scandir'.
   */
  listDir(p: CorePath, withTypes = true): RawListing {
    const proc = this.process;
    let fd: number;
    try {
      fd = proc.openat(AT_FDCWD, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } catch (e) {
      throw nodeError(e, 'scandir', p);
    }
    const names: ByteString[] = [];
    const dtypes: number[] = [];
    try {
      proc.readDirectory(fd, names, dtypes);
    } catch (e) {
      throw nodeError(e, 'scandir', p);
    } finally {
      proc.close(fd);
    }
    if (!withTypes) {
      // Byte strings compare by code unit, which is byte order: strcmp's order.
      names.sort();
      return { names, types: [] };
    }
    const order = names.map((_, i) => i).sort((x, y) => (names[x]! < names[y]! ? -1 : 1));
    return { names: order.map((i) => names[i]!), types: order.map((i) => dtypes[i]!) };
  }

  /**
   * fs.readdirSync(path, { encoding, withFileTypes, recursive }): names sorted by bytes, or
   * Dirents whose `parentPath` is the directory as named. `recursive` lists subdirectories
   * breadth first, as node:fs 20 does (descending into what `stat` calls a directory when
   * listing names, into what d_type calls one when listing Dirents).
   */
  readdirSync(path: unknown, options?: unknown): (string | Buffer | Dirent<string | Buffer>)[] {
    const o = toOptions<{ encoding?: Encoding; withFileTypes?: unknown; recursive?: unknown }>(options, {});
    const p = toPath(path);
    if (o.recursive !== undefined && o.recursive !== null) toBoolean(o.recursive, 'options.recursive');
    const enc = o.encoding;
    const withTypes = Boolean(o.withFileTypes);
    if (o.recursive) return this.readdirRecursive(p, enc, withTypes);
    const list = this.listDir(p, withTypes);
    const names = list.names;
    if (!withTypes) {
      if (enc === undefined || enc === null || enc === 'utf8' || enc === 'utf-8') {
        for (let i = 0; i < names.length; i++) names[i] = byteStringToUtf8(names[i]!);
        return names;
      }
      return names.map((n) => encodeName(n, enc));
    }
    const parent = typeof p === 'string' ? p : Buffer.from(p);
    const out = new Array<Dirent<string | Buffer>>(names.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = new Dirent(encodeName(names[i]!, enc), direntTypeFromDT(list.types[i]!), parent as string);
    }
    return out;
  }

  private readdirRecursive(base: CorePath, enc: Encoding, withTypes: boolean): (string | Buffer | Dirent<string | Buffer>)[] {
    // As node:fs 20: each name, in the requested encoding, is joined to its directory with
    // path.join (textual) and subdirectories are walked by that name; listed names are
    // path.relative to the base. path.join takes strings only, so a Buffer base or 'buffer'
    // encoding fails with ERR_INVALID_ARG_TYPE at the first join. readdirSync (and the
    // callback readdir) go breadth first; fs.promises.readdir lists each subdirectory when it
    // meets it and goes on from the last one listed (a stack).
    const baseText = typeof base === 'string' ? base : null;
    const join = (dir: string | null, name: string | Buffer): string => {
      if (dir === null) throw argTypeError('path', 'of type string', Buffer.from(base as Uint8Array));
      if (typeof name !== 'string') throw argTypeError('path', 'of type string', name);
      return posix.join(dir, name);
    };
    const out: (string | Buffer | Dirent<string | Buffer>)[] = [];
    const emit = (dir: string | null, list: RawListing, found: (path: string) => void): void => {
      for (let i = 0; i < list.names.length; i++) {
        const name = encodeName(list.names[i]!, enc);
        if (withTypes) {
          out.push(new Dirent(name, direntTypeFromDT(list.types[i]!), (dir ?? Buffer.from(base as Uint8Array)) as string));
          if (list.types[i] === DT_DIR) found(join(dir, name));
        } else {
          const child = join(dir, name);
          out.push(posix.relative(baseText!, child));
          if (this.isDirFollowing(child)) found(child);
        }
      }
    };
    if (this.flavor === 'promise') {
      const stack: [string | null, RawListing][] = [[baseText, this.listDir(base)]];
      while (stack.length > 0) {
        const [dir, list] = stack.pop()!;
        emit(dir, list, (p) => stack.push([p, this.listDir(p)]));
      }
      return out;
    }
    const queue: (string | null)[] = [baseText];
    for (let qi = 0; qi < queue.length; qi++) {
      const dir = queue[qi]!;
      emit(dir, this.listDir(qi === 0 ? base : dir!), (p) => queue.push(p));
    }
    return out;
  }

  private isDirFollowing(p: CorePath): boolean {
    try {
      return (this.process.fstatat(AT_FDCWD, p, 0).mode & S_IFMT) === S_IFDIR;
    } catch {
      return false;
    }
  }

  /**
   * fs.opendirSync(path, { encoding, bufferSize, recursive }). Errors name 'opendir'; as in
   * node:fs, only the asynchronous versions' errors carry the path.
   */
  opendirSync(path: unknown, options?: unknown): Dir {
    const o = toOptions<{ encoding?: Encoding; bufferSize?: unknown; recursive?: unknown }>(options, { encoding: 'utf8' });
    const p = toPath(path);
    if (o.bufferSize !== undefined) toInteger(o.bufferSize, 'options.bufferSize', 1, 4294967295);
    let fd: number;
    try {
      fd = this.process.openat(AT_FDCWD, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } catch (e) {
      throw this.flavor === 'sync' ? nodeError(e, 'opendir') : nodeError(e, 'opendir', p);
    }
    return new Dir(this, fd, typeof p === 'string' ? p : Buffer.from(p), o.encoding ?? 'utf8', o.recursive === true);
  }

  /** @internal One getdents64 batch of a Dir's descriptor, without `.` and `..`, in the kernel's order. */
  readDirBatch(fd: number): RawListing {
    const names: ByteString[] = [];
    const types: number[] = [];
    try {
      for (const d of this.process.getdents64(fd, 32768)) {
        const n = d.rawName;
        if (n === '.' || n === '..') continue;
        names.push(n);
        types.push(d.type);
      }
    } catch (e) {
      throw nodeError(e, 'scandir');
    }
    return { names, types };
  }

  /** @internal Opens a subdirectory for a recursive Dir. */
  openDirFd(p: CorePath): number {
    try {
      return this.process.openat(AT_FDCWD, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } catch (e) {
      throw nodeError(e, 'opendir', p);
    }
  }

  /** fs.rmdirSync(path, { recursive }): `recursive` (deprecated in Node) removes a tree like rm. */
  rmdirSync(path: unknown, options?: unknown): void {
    const p = toPath(path);
    const o = toObject<RmOptions>(options);
    if (o.recursive) {
      // Node: a missing path is ENOENT from lstat; a non-directory falls through to plain rmdir.
      const st = this.lstatSync(p);
      if (st !== undefined && st.isDirectory()) {
        removeTree(this, p);
        return;
      }
    }
    try {
      this.process.unlinkat(AT_FDCWD, p, AT_REMOVEDIR);
    } catch (e) {
      throw nodeError(e, 'rmdir', p);
    }
  }

  /**
   * fs.rmSync(path, { force, recursive }): a file, or a directory tree with `recursive`.
   * Without `force` a missing path is ENOENT ('lstat'); a directory without `recursive` is
   * ERR_FS_EISDIR.
   */
  rmSync(path: unknown, options?: unknown): void {
    const p = toPath(path);
    const o = toObject<RmOptions>(options);
    const force = o.force === undefined ? false : toBoolean(o.force, 'options.force');
    const recursive = o.recursive === undefined ? false : toBoolean(o.recursive, 'options.recursive');
    if (o.maxRetries !== undefined) toInteger(o.maxRetries, 'options.maxRetries', 0);
    if (o.retryDelay !== undefined) toInteger(o.retryDelay, 'options.retryDelay', 0);
    // node:fs's asynchronous rm always looks first; rmSync skips the look with force and recursive.
    if (this.flavor !== 'sync' || !force || !recursive) {
      const st = this.lstatSync(p, { throwIfNoEntry: !force });
      if (st !== undefined && st.isDirectory() && !recursive) {
        throw systemError('ERR_FS_EISDIR', 'Path is a directory', {
          code: 'EISDIR', message: 'is a directory', path: pathToString(p), syscall: 'rm', errno: errno.EISDIR,
        });
      }
    }
    removeTree(this, p);
  }

  // ---- names and links ----

  /** fs.renameSync. */
  renameSync(oldPath: unknown, newPath: unknown): void {
    const a = toPath(oldPath, 'oldPath');
    const b = toPath(newPath, 'newPath');
    try {
      this.process.renameat2(AT_FDCWD, a, AT_FDCWD, b, 0);
    } catch (e) {
      throw nodeError(e, 'rename', a, b);
    }
  }

  /** fs.linkSync: a hard link; a final symlink in `existingPath` is not followed (link(2)). */
  linkSync(existingPath: unknown, newPath: unknown): void {
    const a = toPath(existingPath, 'existingPath');
    const b = toPath(newPath, 'newPath');
    try {
      this.process.linkat(AT_FDCWD, a, AT_FDCWD, b, 0);
    } catch (e) {
      throw nodeError(e, 'link', a, b);
    }
  }

  /** fs.symlinkSync(target, path, type): the target is stored as given; `type` only matters on Windows. */
  symlinkSync(target: unknown, path: unknown, type?: unknown): void {
    if (type !== undefined && type !== null && typeof type === 'string' && type !== 'dir' && type !== 'file' && type !== 'junction') {
      throw codedError('ERR_FS_INVALID_SYMLINK_TYPE',
        `Symlink type must be one of "dir", "file", or "junction". Received "${type}"`);
    }
    const t = toPath(target, 'target');
    const p = toPath(path);
    try {
      this.process.symlinkat(t, AT_FDCWD, p);
    } catch (e) {
      throw nodeError(e, 'symlink', t, p);
    }
  }

  /** fs.readlinkSync: the target's bytes in the requested encoding. EINVAL for non-symlinks. */
  readlinkSync(path: unknown, options?: unknown): string | Buffer {
    const o = toOptions<{ encoding?: Encoding }>(options, {});
    const p = toPath(path, 'oldPath');
    try {
      return encodeName(this.process.readlinkRaw(AT_FDCWD, p), o.encoding);
    } catch (e) {
      throw nodeError(e, 'readlink', p);
    }
  }

  /** fs.unlinkSync. */
  unlinkSync(path: unknown): void {
    const p = toPath(path);
    try {
      this.process.unlinkat(AT_FDCWD, p, 0);
    } catch (e) {
      throw nodeError(e, 'unlink', p);
    }
  }

  /**
   * fs.realpathSync and fs.realpathSync.native: the canonical path, found by the vroot walk
   * (symlinks and `..` resolved as the kernel resolves them), then named from the process root.
   * Node's JavaScript realpathSync normalizes `..` textually first; this never does.
   */
  realpathSync(path: unknown, options?: unknown): string | Buffer {
    const o = toOptions<{ encoding?: Encoding }>(options, {});
    const p = toPath(path);
    const proc = this.process;
    let resolved: ByteString;
    try {
      const at = proc.lookupPath(AT_FDCWD, p, LOOKUP_FOLLOW, 0);
      const named = proc.vfs.pathOf(at, proc.fsContext.root);
      // Outside the process root there is no name to give (getcwd says "(unreachable)").
      if (!named.reachable) throw new VfsError(errno.ENOENT);
      resolved = named.path;
    } catch (e) {
      throw nodeError(e, 'realpath', p);
    }
    return encodeName(resolved, o.encoding);
  }

  // ---- attributes ----

  /** fs.chmodSync. */
  chmodSync(path: unknown, mode: unknown): void {
    const p = toPath(path);
    const m = toMode(mode, 'mode');
    try {
      this.process.fchmodat(AT_FDCWD, p, m, 0);
    } catch (e) {
      throw nodeError(e, 'chmod', p);
    }
  }

  /** fs.chownSync: -1 leaves an id unchanged. */
  chownSync(path: unknown, uid: unknown, gid: unknown): void {
    this.chownAt(path, uid, gid, 0, 'chown');
  }

  /** fs.lchownSync: changes a symlink itself. */
  lchownSync(path: unknown, uid: unknown, gid: unknown): void {
    this.chownAt(path, uid, gid, AT_SYMLINK_NOFOLLOW, 'lchown');
  }

  private chownAt(path: unknown, uid: unknown, gid: unknown, flags: number, syscall: string): void {
    const p = toPath(path);
    const u = toInteger(uid, 'uid', -1, MAX_USER_ID);
    const g = toInteger(gid, 'gid', -1, MAX_USER_ID);
    try {
      this.process.fchownat(AT_FDCWD, p, u, g, flags);
    } catch (e) {
      throw nodeError(e, syscall, p);
    }
  }

  /** fs.utimesSync: seconds (microsecond resolution, as libuv), numeric strings or Dates; negative means now. */
  utimesSync(path: unknown, atime: unknown, mtime: unknown): void {
    this.utimesAt(path, atime, mtime, 0, 'utime');
  }

  /** fs.lutimesSync: changes a symlink's own times. */
  lutimesSync(path: unknown, atime: unknown, mtime: unknown): void {
    this.utimesAt(path, atime, mtime, AT_SYMLINK_NOFOLLOW, 'lutime');
  }

  private utimesAt(path: unknown, atime: unknown, mtime: unknown, flags: number, syscall: string): void {
    const p = toPath(path);
    const times = toTimes(atime, mtime);
    try {
      this.process.utimensat(AT_FDCWD, p, times, flags);
    } catch (e) {
      throw nodeError(e, syscall, p);
    }
  }

  /** fs.cpSync(src, dest, options): node:fs's recursive copy (see `_copy.ts`). */
  cpSync(src: unknown, dest: unknown, options?: CpOptions): void {
    cpSync(this, src, dest, options);
  }

  /**
   * fs.cp and fs.promises.cp: the same copy with node:fs's asynchronous variant's differences
   * (a filter may return a promise; a failing stat of the destination's parent is an error).
   */
  cpAsync(src: unknown, dest: unknown, options?: CpOptions): Promise<void> {
    return cpAsync(this, src, dest, options);
  }
}

/** Node's isFd: an int32 path is a descriptor. */
function isFd(path: unknown): path is number {
  return typeof path === 'number' && (path | 0) === path;
}



function toTimes(atime: unknown, mtime: unknown): [{ sec: number; nsec: number }, { sec: number; nsec: number }] {
  return [secondsToTimespec(toUnixSeconds(atime)), secondsToTimespec(toUnixSeconds(mtime))];
}

function toBufferList(value: unknown): Uint8Array[] {
  if (!Array.isArray(value)) throw argTypeError('buffers', 'an instance of ArrayBufferView[]', value);
  const out: Uint8Array[] = [];
  for (const b of value) {
    if (!ArrayBuffer.isView(b)) throw argTypeError('buffers', 'an instance of ArrayBufferView[]', value);
    out.push(toBytes(b));
  }
  return out;
}

/** mkdir for MKDirpSync: 0 or the errno. */
function mkdirErrno(p: Process, path: ByteString, mode: number): number {
  try {
    p.mkdirat(AT_FDCWD, Buffer.from(path, 'latin1'), mode);
    return 0;
  } catch (e) {
    if (e instanceof VfsError) return e.errno;
    throw e;
  }
}


/** The sync calls of the facade, each a method of NodeFs. */
export const SYNC_CALLS = [
  'accessSync', 'appendFileSync', 'chmodSync', 'chownSync', 'closeSync', 'copyFileSync', 'cpSync',
  'existsSync', 'fchmodSync', 'fchownSync', 'fdatasyncSync', 'fstatSync', 'fsyncSync', 'ftruncateSync',
  'futimesSync', 'lchownSync', 'linkSync', 'lstatSync', 'lutimesSync', 'mkdirSync', 'mkdtempSync',
  'openSync', 'opendirSync', 'readSync', 'readdirSync', 'readFileSync', 'readlinkSync', 'readvSync',
  'realpathSync', 'renameSync', 'rmSync', 'rmdirSync', 'statSync', 'statfsSync', 'symlinkSync',
  'truncateSync', 'unlinkSync', 'utimesSync', 'writeFileSync', 'writeSync', 'writevSync',
] as const;

/** A sync call's name. */
export type SyncName = (typeof SYNC_CALLS)[number];

/** The sync calls as standalone functions, and cp's asynchronous variant. */
export type SyncApi = Pick<NodeFs, SyncName | 'cpAsync'>;

/**
 * The sync calls of `fs` as standalone functions (so they can be destructured), each running the
 * core with stack traces off (see `_stack.ts`). The callback and promise APIs call these.
 */
export function syncApi(fs: NodeFs): SyncApi {
  const api = {} as Record<SyncName, (...args: unknown[]) => unknown>;
  const methods = fs as unknown as Record<SyncName, (...args: unknown[]) => unknown>;
  for (const name of SYNC_CALLS) {
    const method = methods[name];
    const entry = (...args: unknown[]): unknown => quietCall(fs, method, args, entry);
    Object.defineProperty(entry, 'name', { value: name });
    api[name] = entry;
  }
  // cp's asynchronous variant runs across awaits, where no stack limit can be held.
  (api as Record<string, unknown>).cpAsync = fs.cpAsync.bind(fs);
  return api as unknown as SyncApi;
}
