// This module is browser compatible.
/**
 * A WASI preview 1 host (`wasi_snapshot_preview1`) whose filesystem is a vroot process: every
 * fd_* and path_* call becomes the Process syscall Linux would run for it, so a WebAssembly
 * program sees Linux semantics (the path walk, errno values, readdir cookies, hard links,
 * symlinks, times with nanoseconds) on any vroot root, and never leaves its preopened
 * directories (see sandbox.ts).
 *
 * Descriptors: the guest's descriptor numbers index a WASI-side table. Each entry holds a vroot
 * descriptor of the host process (or a stream for stdio), the WASI rights, and the preopen it
 * descends from. Keeping the numbers apart lets the guest own 0, 1 and 2 whatever the vroot
 * process has there, and gives rights, preopen names and anchors a place to live.
 *
 * Rights follow the spec: path_open gives at most the directory's inheriting rights, and
 * fd_fdstat_set_rights can only drop rights. A call whose right was dropped fails with
 * ENOTCAPABLE; a right a descriptor never had because of its type or access mode (fd_write on a
 * file opened read-only, path_open on a regular file) lets the Linux call run and report what
 * Linux reports (EBADF, ENOTDIR), which is what a native program sees and what wasi-libc
 * expects.
 *
 * @example
 * const host = new WasiHost({ process: p, args: ['prog'], preopens: { '/': '/' }, stdout });
 * const { instance } = await WebAssembly.instantiate(bytes, host.getImportObject());
 * const status = host.start(instance);
 */
import {
  AT_EMPTY_PATH, AT_FDCWD, F_GETFL, F_SETFL, O_APPEND, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_PATH,
  O_RDONLY, O_RDWR, O_SYNC, O_TRUNC, O_WRONLY, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, SEEK_CUR, UTIME_NOW, UTIME_OMIT,
  __O_SYNC,
} from '../abi/constants.js';
import { byteStringToUtf8, toByteString, type PathLike } from '../vfs/bytes.js';
import { VfsError } from '../vfs/errors.js';
import type { Process } from '../vfs/process.js';
import type { Stat, Timespec } from '../vfs/stat.js';
import { wasiErrno } from './errno_map.js';
import { NotCapableError, Sandbox, type Anchor, type SandboxMode } from './sandbox.js';
import { nullStream, type WasiStream } from './stdio.js';
import { DIR_INHERITING, DIR_RIGHTS, DIRENT_FILETYPE, FILE_RIGHTS, READ_RIGHTS, STREAM_RIGHTS, WasiFd, WRITE_RIGHTS, filetypeOf } from './_fd_entry.js';
import { monotonicNs, sleepMs, timespecOf } from './_time.js';
import { traced } from './_trace.js';
import * as W from './wasi_abi.js';
import { isWasmMemory, type WasmImports, type WasmInstance, type WasmMemory } from './wasm_api.js';

/** Options of a WasiHost. */
export interface WasiHostOptions {
  /** The vroot process whose namespace, credentials and umask the guest uses. */
  process: Process;
  /** argv, the program name first. */
  args?: readonly string[];
  /** The environment, as a record or as `NAME=value` strings. */
  env?: Readonly<Record<string, string>> | readonly string[];
  /** fd 0, 1 and 2: a stream, or a descriptor of `process` (duplicated). Default: empty / discarded. */
  stdin?: WasiStream | number;
  stdout?: WasiStream | number;
  stderr?: WasiStream | number;
  /** Preopened directories: guest name (`'/'`, `'/data'`, `'.'`) → path in `process`. */
  preopens?: Readonly<Record<string, string>>;
  /** How paths below preopens resolve: 'in-root' (default) or 'beneath'; see sandbox.ts. */
  sandbox?: SandboxMode;
  /** Receives one line per call (name, arguments, errno), like strace. Costs nothing when absent. */
  trace?: (line: string) => void;
}

/** Thrown through the guest's stack by proc_exit; `start` returns its code. */
export class WasiExit extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`exit status ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

/** A failing call's WASI errno, for checks made by the host itself. */
class WasiCallError extends Error {
  readonly errno: number;

  constructor(errno: number) {
    super(W.WASI_ERRNO_NAMES[errno] ?? `WASI errno ${errno}`);
    this.errno = errno;
  }
}

const EFAULT = new WasiCallError(W.WASI_EFAULT);
const EBADF = new WasiCallError(W.WASI_EBADF);
const EINVAL = new WasiCallError(W.WASI_EINVAL);
const ENOTCAPABLE = new WasiCallError(W.WASI_ENOTCAPABLE);

const TWO32 = 4294967296;
// Kinds of transfer (see WasiHost.transfer).
const IO_READ = 0;
const IO_WRITE = 1;
const IO_PREAD = 2;
const IO_PWRITE = 3;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function encodeStrings(list: readonly string[]): { offsets: number[]; bytes: Uint8Array } {
  const enc = new TextEncoder();
  const parts = list.map((s) => enc.encode(s));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    offsets.push(at);
    bytes.set(p, at);
    at += p.length + 1;
  }
  return { offsets, bytes };
}

/**
 * A WASI preview 1 host over a vroot process. Use `wasiImport` (or `getImportObject()`) when
 * instantiating, then `start` (commands) or `initialize` (reactors).
 */
export class WasiHost {
  /** The `wasi_snapshot_preview1` functions, bound to this host. */
  readonly wasiImport: Record<string, (...args: never[]) => number | void>;
  private readonly proc: Process;
  private readonly sandbox: Sandbox;
  private readonly fds: (WasiFd | undefined)[] = [];
  private readonly args: { offsets: number[]; bytes: Uint8Array };
  private readonly env: { offsets: number[]; bytes: Uint8Array };
  private memory: WasmMemory | null = null;
  private shared = false;
  private u8 = new Uint8Array(0);
  private dv = new DataView(new ArrayBuffer(0));
  /** Reused by every stat call. */
  private readonly stat: Stat = {
    dev: 0, ino: 0, mode: 0, nlink: 0, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 0, blocks: 0,
    atime: { sec: 0, nsec: 0 }, mtime: { sec: 0, nsec: 0 }, ctime: { sec: 0, nsec: 0 }, btime: undefined, mntId: 0,
  };
  /** Character codes of paths being decoded, by length (fromCharCode.apply over them is the fastest decoder). */
  private readonly codes: number[][] = [];
  /** Gathers small multi-buffer writes to a stream into one call. */
  private scratch = new Uint8Array(65536);

  constructor(options: WasiHostOptions) {
    this.proc = options.process;
    this.sandbox = new Sandbox(this.proc, options.sandbox ?? 'in-root');
    this.args = encodeStrings(options.args ?? []);
    const env = options.env ?? {};
    this.env = encodeStrings(Array.isArray(env) ? env as readonly string[] : Object.entries(env).map(([k, v]) => `${k}=${v}`));
    this.installStdio(0, options.stdin ?? nullStream);
    this.installStdio(1, options.stdout ?? nullStream);
    this.installStdio(2, options.stderr ?? nullStream);
    const enc = new TextEncoder();
    for (const [name, path] of Object.entries(options.preopens ?? {})) {
      let vfd: number;
      try {
        vfd = this.proc.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
      } catch (e) {
        // A directory the process may search but not read still works as a preopen.
        if (!(e instanceof VfsError) || e.code !== 'EACCES') throw e;
        vfd = this.proc.openat(AT_FDCWD, path, O_PATH | O_DIRECTORY);
      }
      const e = new WasiFd(vfd, null, W.FILETYPE_DIRECTORY, DIR_RIGHTS, DIR_INHERITING, DIR_RIGHTS, this.sandbox.anchorFor(vfd));
      e.preopen = enc.encode(name);
      this.fds.push(e);
    }
    const imports = this.makeImports();
    this.wasiImport = options.trace === undefined ? imports : traced(imports, options.trace, (ptr, len) => {
      try {
        this.sync();
        const p = this.path(ptr, Math.min(len, 4095));
        return typeof p === 'string' ? p : byteStringToUtf8(toByteString(p));
      } catch {
        return `<bad path ${ptr}+${len}>`;
      }
    });
  }

  /** `{ wasi_snapshot_preview1: wasiImport }`, for WebAssembly.instantiate. */
  getImportObject(): WasmImports {
    return { wasi_snapshot_preview1: this.wasiImport };
  }

  /**
   * Runs a command module's `_start` and returns its exit status (proc_exit's code, or 0 when
   * `_start` returns).
   */
  start(instance: WasmInstance): number {
    this.attach(instance);
    const start = instance.exports['_start'];
    if (typeof start !== 'function') throw new TypeError('the module exports no _start function');
    try {
      (start as () => void)();
    } catch (e) {
      if (e instanceof WasiExit) return e.code;
      throw e;
    }
    return 0;
  }

  /** Prepares a reactor module: runs its `_initialize` when it has one. */
  initialize(instance: WasmInstance): void {
    this.attach(instance);
    const init = instance.exports['_initialize'];
    if (typeof init === 'function') (init as () => void)();
  }

  /** Uses `memory` for the guest's pointers (for modules that import their memory). */
  setMemory(memory: WasmMemory): void {
    this.memory = memory;
    this.shared = typeof SharedArrayBuffer === 'function' && (memory.buffer as unknown) instanceof SharedArrayBuffer;
    this.refresh();
  }

  /** Closes every descriptor the guest holds and ends the sandbox's processes. */
  close(): void {
    for (let fd = 0; fd < this.fds.length; fd++) {
      const e = this.fds[fd];
      if (e !== undefined && e.vfd >= 0) this.proc.close(e.vfd);
      this.fds[fd] = undefined;
    }
    this.sandbox.close();
  }

  private attach(instance: WasmInstance): void {
    const memory = instance.exports['memory'];
    if (isWasmMemory(memory)) this.setMemory(memory);
    else if (this.memory === null) throw new TypeError('the module exports no memory');
  }

  private installStdio(fd: number, stdio: WasiStream | number): void {
    if (typeof stdio === 'number') {
      const vfd = this.proc.dup(stdio);
      this.fds[fd] = this.fileEntry(vfd, W.RIGHTS_ALL, 0, null);
      return;
    }
    const filetype = stdio.isTTY ? W.FILETYPE_CHARACTER_DEVICE : W.FILETYPE_UNKNOWN;
    const natural = STREAM_RIGHTS & ~(stdio.read ? 0 : W.RIGHT_FD_READ) & ~(stdio.write ? 0 : W.RIGHT_FD_WRITE);
    this.fds[fd] = new WasiFd(-1, stdio, filetype, natural, 0, natural, null);
  }

  /** An entry for a vroot descriptor: rights limited by its type and access mode. */
  private fileEntry(vfd: number, base: number, inheriting: number, anchor: Anchor | null): WasiFd {
    const file = this.proc.files.get(vfd);
    const mode = file.inode.mode;
    const isDir = (mode & S_IFMT) === S_IFDIR;
    let natural = isDir ? DIR_RIGHTS : FILE_RIGHTS;
    if (!file.readable) natural &= ~W.RIGHT_FD_READ;
    if (!file.writable) natural &= ~WRITE_RIGHTS;
    return new WasiFd(vfd, null, filetypeOf(mode), base & natural, isDir ? inheriting & DIR_INHERITING : 0, natural, anchor);
  }

  // ---- guest memory ----

  private refresh(): void {
    const buf = this.memory!.buffer;
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
  }

  /** Makes the views current: memory.grow detaches the old buffer (length 0) or, when shared, grows it. */
  private sync(): void {
    if (this.u8.length === 0 || this.shared) {
      if (this.memory === null) throw new Error('WASI call before start() or initialize()');
      if (this.memory.buffer !== this.u8.buffer || this.shared) this.refresh();
    }
  }

  /** Checks that [ptr, ptr+len) lies in guest memory. */
  private range(ptr: number, len: number): void {
    if (ptr + len > this.u8.length) throw EFAULT;
  }

  private setU64(ptr: number, v: number): void {
    this.dv.setUint32(ptr, v >>> 0, true);
    this.dv.setUint32(ptr + 4, Math.floor(v / TWO32), true);
  }

  /** Writes sec*1e9+nsec as a u64 without BigInt or precision loss (times before 1970 become 0). */
  private setTimestamp(ptr: number, sec: number, nsec: number): void {
    if (sec < 0) {
      this.dv.setUint32(ptr, 0, true);
      this.dv.setUint32(ptr + 4, 0, true);
      return;
    }
    const sh = Math.floor(sec / 65536);
    const sl = sec - sh * 65536;
    const x = sl * 1e9 + nsec;          // < 2^47
    const y = sh * 1e9;                 // < 2^48; total = y * 2^16 + x
    const yl = y % 65536;
    let lo = yl * 65536 + (x % TWO32);
    let carry = 0;
    if (lo >= TWO32) { lo -= TWO32; carry = 1; }
    const hi = (y - yl) / 65536 + Math.floor(x / TWO32) + carry;
    this.dv.setUint32(ptr, lo, true);
    this.dv.setUint32(ptr + 4, hi >>> 0, true);
  }

  /**
   * Reads a guest path: a string when it is ASCII (the common case, used by the core as is), else
   * a copy of its bytes (vroot's public API reads strings as UTF-16 text, bytes as bytes).
   * Errors: EFAULT, ENAMETOOLONG, EINVAL (a NUL byte, which no Linux path can hold).
   */
  private path(ptr: number, len: number): PathLike {
    this.range(ptr, len);
    if (len >= 4096) throw new WasiCallError(W.WASI_ENAMETOOLONG);
    const u8 = this.u8;
    // One array per length up to 256 bytes, reused: changing an array's length is a slow
    // runtime call. Longer paths are rare and get an array of their own.
    const codes = len <= 256 ? (this.codes[len] ??= new Array<number>(len).fill(0)) : new Array<number>(len).fill(0);
    let high = 0;
    for (let i = 0; i < len; i++) {
      const c = u8[ptr + i]!;
      if (c === 0) throw EINVAL;
      high |= c;
      codes[i] = c;
    }
    if (high & 0x80) return u8.slice(ptr, ptr + len);
    return String.fromCharCode.apply(null, codes);
  }

  // ---- descriptors ----

  private entry(fd: number): WasiFd {
    const e = this.fds[fd];
    if (e === undefined) throw EBADF;
    return e;
  }

  /** Checks a right: dropped → ENOTCAPABLE; never available for this object → let Linux answer. */
  private need(e: WasiFd, right: number): void {
    if ((right & ~e.rights & e.natural) !== 0) throw ENOTCAPABLE;
  }

  /** An entry usable as a directory for path_* calls. */
  private dirEntry(fd: number, right: number): WasiFd {
    const e = this.entry(fd);
    // Standard streams (and vroot descriptors given as stdio) are not directories.
    if (e.anchor === null) throw new WasiCallError(W.WASI_ENOTDIR);
    this.need(e, right);
    return e;
  }

  private install(e: WasiFd): number {
    let fd = 0;
    while (this.fds[fd] !== undefined) fd++;
    this.fds[fd] = e;
    return fd;
  }

  /** The WASI errno for an exception from a call; rethrows what is not an errno (proc_exit, bugs). */
  private fail(e: unknown): number {
    if (e instanceof VfsError) return wasiErrno(e.errno);
    if (e instanceof WasiCallError) return e.errno;
    if (e instanceof NotCapableError) return W.WASI_ENOTCAPABLE;
    if (e instanceof RangeError && !(e.message.includes('call stack'))) return W.WASI_EFAULT;
    throw e;
  }

  // ---- the imports ----

  private makeImports(): Record<string, (...args: never[]) => number | void> {
    const h = this;
    return {
      args_get: (argv: number, buf: number) => h.stringsGet(h.args, argv >>> 0, buf >>> 0),
      args_sizes_get: (count: number, size: number) => h.stringsSizes(h.args, count >>> 0, size >>> 0),
      environ_get: (envp: number, buf: number) => h.stringsGet(h.env, envp >>> 0, buf >>> 0),
      environ_sizes_get: (count: number, size: number) => h.stringsSizes(h.env, count >>> 0, size >>> 0),
      clock_res_get: (id: number, out: number) => h.clockResGet(id, out >>> 0),
      clock_time_get: (id: number, precision: bigint, out: number) => h.clockTimeGet(id, precision, out >>> 0),
      fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) => h.fdAdvise(fd, offset, len, advice),
      fd_allocate: (fd: number, offset: bigint, len: bigint) => h.fdAllocate(fd, offset, len),
      fd_close: (fd: number) => h.fdClose(fd),
      fd_datasync: (fd: number) => h.fdSync(fd, W.RIGHT_FD_DATASYNC),
      fd_fdstat_get: (fd: number, out: number) => h.fdFdstatGet(fd, out >>> 0),
      fd_fdstat_set_flags: (fd: number, flags: number) => h.fdFdstatSetFlags(fd, flags),
      fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => h.fdFdstatSetRights(fd, base, inheriting),
      fd_filestat_get: (fd: number, out: number) => h.fdFilestatGet(fd, out >>> 0),
      fd_filestat_set_size: (fd: number, size: bigint) => h.fdFilestatSetSize(fd, size),
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => h.fdFilestatSetTimes(fd, atim, mtim, flags),
      fd_pread: (fd: number, iovs: number, n: number, offset: bigint, out: number) => h.fdPositional(fd, iovs >>> 0, n >>> 0, offset, out >>> 0, false),
      fd_prestat_get: (fd: number, out: number) => h.fdPrestatGet(fd, out >>> 0),
      fd_prestat_dir_name: (fd: number, path: number, len: number) => h.fdPrestatDirName(fd, path >>> 0, len >>> 0),
      fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, out: number) => h.fdPositional(fd, iovs >>> 0, n >>> 0, offset, out >>> 0, true),
      fd_read: (fd: number, iovs: number, n: number, out: number) => h.fdRead(fd, iovs >>> 0, n >>> 0, out >>> 0),
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, out: number) => h.fdReaddir(fd, buf >>> 0, len >>> 0, cookie, out >>> 0),
      fd_renumber: (from: number, to: number) => h.fdRenumber(from, to),
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => h.fdSeek(fd, offset, whence, out >>> 0),
      fd_sync: (fd: number) => h.fdSync(fd, W.RIGHT_FD_SYNC),
      fd_tell: (fd: number, out: number) => h.fdTell(fd, out >>> 0),
      fd_write: (fd: number, iovs: number, n: number, out: number) => h.fdWrite(fd, iovs >>> 0, n >>> 0, out >>> 0),
      path_create_directory: (fd: number, path: number, len: number) => h.pathCreateDirectory(fd, path >>> 0, len >>> 0),
      path_filestat_get: (fd: number, flags: number, path: number, len: number, out: number) => h.pathFilestatGet(fd, flags, path >>> 0, len >>> 0, out >>> 0),
      path_filestat_set_times: (fd: number, flags: number, path: number, len: number, atim: bigint, mtim: bigint, fst: number) =>
        h.pathFilestatSetTimes(fd, flags, path >>> 0, len >>> 0, atim, mtim, fst),
      path_link: (oldFd: number, oldFlags: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) =>
        h.pathLink(oldFd, oldFlags, oldPath >>> 0, oldLen >>> 0, newFd, newPath >>> 0, newLen >>> 0),
      path_open: (fd: number, dirflags: number, path: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number) =>
        h.pathOpen(fd, dirflags, path >>> 0, len >>> 0, oflags, base, inheriting, fdflags, out >>> 0),
      path_readlink: (fd: number, path: number, len: number, buf: number, bufLen: number, out: number) =>
        h.pathReadlink(fd, path >>> 0, len >>> 0, buf >>> 0, bufLen >>> 0, out >>> 0),
      path_remove_directory: (fd: number, path: number, len: number) => h.pathUnlink(fd, path >>> 0, len >>> 0, true),
      path_rename: (fd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) =>
        h.pathRename(fd, oldPath >>> 0, oldLen >>> 0, newFd, newPath >>> 0, newLen >>> 0),
      path_symlink: (oldPath: number, oldLen: number, fd: number, newPath: number, newLen: number) =>
        h.pathSymlink(oldPath >>> 0, oldLen >>> 0, fd, newPath >>> 0, newLen >>> 0),
      path_unlink_file: (fd: number, path: number, len: number) => h.pathUnlink(fd, path >>> 0, len >>> 0, false),
      poll_oneoff: (inPtr: number, outPtr: number, n: number, out: number) => h.pollOneoff(inPtr >>> 0, outPtr >>> 0, n >>> 0, out >>> 0),
      proc_exit: (code: number) => { throw new WasiExit(code >>> 0); },
      proc_raise: (_sig: number) => W.WASI_ENOSYS,
      random_get: (buf: number, len: number) => h.randomGet(buf >>> 0, len >>> 0),
      sched_yield: () => W.WASI_ESUCCESS,
      sock_accept: (fd: number, _flags: number, _out: number) => h.sock(fd),
      sock_recv: (fd: number, _data: number, _len: number, _flags: number, _outLen: number, _outFlags: number) => h.sock(fd),
      sock_send: (fd: number, _data: number, _len: number, _flags: number, _outLen: number) => h.sock(fd),
      sock_shutdown: (fd: number, _how: number) => h.sock(fd),
    };
  }

  // ---- args, environment, clocks, random ----

  private stringsGet(list: { offsets: number[]; bytes: Uint8Array }, ptrs: number, buf: number): number {
    try {
      this.sync();
      this.range(ptrs, list.offsets.length * 4);
      this.range(buf, list.bytes.length);
      this.u8.set(list.bytes, buf);
      for (let i = 0; i < list.offsets.length; i++) this.dv.setUint32(ptrs + i * 4, buf + list.offsets[i]!, true);
      return W.WASI_ESUCCESS;
    } catch (e) {
      return this.fail(e);
    }
  }

  private stringsSizes(list: { offsets: number[]; bytes: Uint8Array }, count: number, size: number): number {
    try {
      this.sync();
      this.dv.setUint32(count, list.offsets.length, true);
      this.dv.setUint32(size, list.bytes.length, true);
      return W.WASI_ESUCCESS;
    } catch (e) {
      return this.fail(e);
    }
  }

  private clockResGet(id: number, out: number): number {
    try {
      this.sync();
      if (id < 0 || id > W.CLOCKID_THREAD_CPUTIME_ID) return W.WASI_EINVAL;
      // performance.now() has microsecond resolution in Node and at best 5 µs in browsers.
      this.setU64(out, 1000);
      return W.WASI_ESUCCESS;
    } catch (e) {
      return this.fail(e);
    }
  }

  private clockTimeGet(id: number, _precision: bigint, out: number): number {
    try {
      this.sync();
      if (id === W.CLOCKID_REALTIME) {
        const now = this.proc.vfs.clock();
        this.setTimestamp(out, now.sec, now.nsec);
      } else if (id === W.CLOCKID_MONOTONIC || id === W.CLOCKID_PROCESS_CPUTIME_ID || id === W.CLOCKID_THREAD_CPUTIME_ID) {
        // The guest's CPU time is not measurable apart from the host's: both use the monotonic clock.
        this.setU64(out, monotonicNs());
      } else {
        return W.WASI_EINVAL;
      }
      return W.WASI_ESUCCESS;
    } catch (e) {
      return this.fail(e);
    }
  }

  private randomGet(buf: number, len: number): number {
    try {
      this.sync();
      this.range(buf, len);
      for (let at = 0; at < len; at += 65536) {
        const part = this.u8.subarray(buf + at, buf + Math.min(len, at + 65536));
        if (this.shared) {
          // Web Crypto refuses views of shared memory.
          const tmp = new Uint8Array(part.length);
          globalThis.crypto.getRandomValues(tmp);
          part.set(tmp);
        } else {
          globalThis.crypto.getRandomValues(part);
        }
      }
      return W.WASI_ESUCCESS;
    } catch (e) {
      return this.fail(e);
    }
  }

  private sock(fd: number): number {
    // No descriptor here is a socket: preview 1 can only reach sockets it was given.
    return this.fds[fd] === undefined ? W.WASI_EBADF : W.WASI_ENOTSOCK;
  }

  // ---- fd_* ----

  private fdAdvise(fd: number, offset: bigint, len: bigint, advice: number): number {
    try {
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_ADVISE);
      if (e.vfd < 0) return W.WASI_ESPIPE;
      // posix_fadvise: the arguments as signed 64-bit values, then the type of file.
      if (BigInt.asIntN(64, offset) < 0n || BigInt.asIntN(64, len) < 0n || advice < 0 || advice > W.ADVICE_MAX) return W.WASI_EINVAL;
      if ((this.proc.files.get(e.vfd).inode.mode & S_IFMT) === S_IFIFO) return W.WASI_ESPIPE;
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdAllocate(fd: number, offset: bigint, len: bigint): number {
    try {
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_ALLOCATE);
      if (e.vfd < 0) return W.WASI_ESPIPE;
      // Linux vfs_fallocate (mode 0): arguments, access mode, file type, size limit.
      const off = BigInt.asIntN(64, offset);
      const n = BigInt.asIntN(64, len);
      if (off < 0n || n <= 0n) return W.WASI_EINVAL;
      const file = this.proc.files.get(e.vfd);
      if (!file.writable) return W.WASI_EBADF;
      const type = file.inode.mode & S_IFMT;
      if (type === S_IFDIR) return W.WASI_EISDIR;
      if (type === S_IFIFO) return W.WASI_ESPIPE;
      if (type !== S_IFREG) return W.WASI_ENODEV;
      if (off + n > MAX_SAFE) return W.WASI_EFBIG;
      const end = Number(off + n);
      if (end > file.inode.size) this.proc.ftruncate(e.vfd, end);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdClose(fd: number): number {
    try {
      const e = this.entry(fd);
      this.fds[fd] = undefined;
      if (e.vfd >= 0) this.proc.close(e.vfd);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdSync(fd: number, right: number): number {
    try {
      const e = this.entry(fd);
      this.need(e, right);
      if (e.vfd < 0) return W.WASI_EINVAL;
      if (right === W.RIGHT_FD_SYNC) this.proc.fsync(e.vfd);
      else this.proc.fdatasync(e.vfd);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdFdstatGet(fd: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.range(out, W.SIZEOF_FDSTAT);
      let flags = e.extraFlags;
      if (e.vfd >= 0) {
        // F_GETFL without the syscall wrapper: wasi-libc asks before every open.
        const fl = this.proc.files.get(e.vfd).flags;
        if (fl & O_APPEND) flags |= W.FDFLAGS_APPEND;
        if (fl & O_NONBLOCK) flags |= W.FDFLAGS_NONBLOCK;
        if (fl & O_DSYNC) flags |= W.FDFLAGS_DSYNC;
        if (fl & __O_SYNC) flags |= W.FDFLAGS_SYNC;
      }
      const dv = this.dv;
      dv.setUint8(out + W.FDSTAT_FILETYPE, e.filetype);
      dv.setUint8(out + 1, 0);
      dv.setUint16(out + W.FDSTAT_FLAGS, flags, true);
      dv.setUint32(out + 4, 0, true);
      this.setU64(out + W.FDSTAT_RIGHTS_BASE, e.rights);
      this.setU64(out + W.FDSTAT_RIGHTS_INHERITING, e.inheriting);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdFdstatSetFlags(fd: number, flags: number): number {
    try {
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_FDSTAT_SET_FLAGS);
      if (flags & ~0x1f) return W.WASI_EINVAL;
      if (e.vfd < 0) {
        e.extraFlags = flags & (W.FDFLAGS_APPEND | W.FDFLAGS_NONBLOCK);
        return W.WASI_ESUCCESS;
      }
      // Linux F_SETFL changes O_APPEND and O_NONBLOCK and ignores the sync flags.
      const fl = this.proc.fcntl(e.vfd, F_GETFL);
      let next = fl & ~(O_APPEND | O_NONBLOCK);
      if (flags & W.FDFLAGS_APPEND) next |= O_APPEND;
      if (flags & W.FDFLAGS_NONBLOCK) next |= O_NONBLOCK;
      this.proc.fcntl(e.vfd, F_SETFL, next);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdFdstatSetRights(fd: number, base: bigint, inheriting: bigint): number {
    try {
      const e = this.entry(fd);
      const b = Number(BigInt.asUintN(30, base));
      const i = Number(BigInt.asUintN(30, inheriting));
      if (b & ~e.rights || i & ~e.inheriting) return W.WASI_ENOTCAPABLE;
      e.rights = b;
      e.inheriting = i;
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdFilestatGet(fd: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_FILESTAT_GET);
      this.range(out, W.SIZEOF_FILESTAT);
      if (e.vfd < 0) {
        this.u8.fill(0, out, out + W.SIZEOF_FILESTAT);
        this.dv.setUint8(out + W.FILESTAT_FILETYPE, e.filetype);
        return W.WASI_ESUCCESS;
      }
      this.proc.files.get(e.vfd).inode.getattr(this.stat);
      this.writeFilestat(out);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private writeFilestat(out: number): void {
    const st = this.stat;
    const dv = this.dv;
    this.setU64(out + W.FILESTAT_DEV, st.dev);
    this.setU64(out + W.FILESTAT_INO, st.ino);
    dv.setUint32(out + W.FILESTAT_FILETYPE, filetypeOf(st.mode), true);
    dv.setUint32(out + W.FILESTAT_FILETYPE + 4, 0, true);
    this.setU64(out + W.FILESTAT_NLINK, st.nlink);
    this.setU64(out + W.FILESTAT_SIZE, st.size);
    this.setTimestamp(out + W.FILESTAT_ATIM, st.atime.sec, st.atime.nsec);
    this.setTimestamp(out + W.FILESTAT_MTIM, st.mtime.sec, st.mtime.nsec);
    this.setTimestamp(out + W.FILESTAT_CTIM, st.ctime.sec, st.ctime.nsec);
  }

  private fdFilestatSetSize(fd: number, size: bigint): number {
    try {
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_FILESTAT_SET_SIZE);
      if (e.vfd < 0) return W.WASI_EINVAL;
      const n = BigInt.asIntN(64, size);
      if (n < 0n) return W.WASI_EINVAL;
      if (n > MAX_SAFE) return W.WASI_EFBIG;
      this.proc.ftruncate(e.vfd, Number(n));
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  /** The utimensat pair for fstflags, or throws EINVAL. */
  private times(atim: bigint, mtim: bigint, fst: number): [Timespec, Timespec] {
    if (fst & ~0xf) throw EINVAL;
    if ((fst & W.FSTFLAGS_ATIM && fst & W.FSTFLAGS_ATIM_NOW) || (fst & W.FSTFLAGS_MTIM && fst & W.FSTFLAGS_MTIM_NOW)) throw EINVAL;
    const a = fst & W.FSTFLAGS_ATIM_NOW ? { sec: 0, nsec: UTIME_NOW } : fst & W.FSTFLAGS_ATIM ? timespecOf(atim) : { sec: 0, nsec: UTIME_OMIT };
    const m = fst & W.FSTFLAGS_MTIM_NOW ? { sec: 0, nsec: UTIME_NOW } : fst & W.FSTFLAGS_MTIM ? timespecOf(mtim) : { sec: 0, nsec: UTIME_OMIT };
    return [a, m];
  }

  private fdFilestatSetTimes(fd: number, atim: bigint, mtim: bigint, fst: number): number {
    try {
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_FILESTAT_SET_TIMES);
      const times = this.times(atim, mtim, fst);
      if (e.vfd < 0) return W.WASI_ENOTSUP;
      const file = this.proc.files.get(e.vfd);
      // futimens on an O_PATH preopen: Linux refuses (EBADF); use the path form on the directory itself.
      if (file.isPath) this.proc.utimensat(e.vfd, '', times, AT_EMPTY_PATH);
      else this.proc.futimens(e.vfd, times);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdPrestatGet(fd: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      if (e.preopen === null) return W.WASI_EBADF;
      this.range(out, W.SIZEOF_PRESTAT);
      this.dv.setUint32(out, W.PREOPENTYPE_DIR, true);
      this.dv.setUint32(out + 4, e.preopen.length, true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdPrestatDirName(fd: number, path: number, len: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      if (e.preopen === null) return W.WASI_EBADF;
      if (len < e.preopen.length) return W.WASI_ENAMETOOLONG;
      this.range(path, e.preopen.length);
      this.u8.set(e.preopen, path);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  /** Reads iovec `i` of the list at `iovs`; returns [buf, len] through the out fields. */
  private iovBuf = 0;
  private iovLen = 0;
  private iov(iovs: number, i: number): void {
    const p = iovs + i * W.SIZEOF_IOVEC;
    this.iovBuf = this.dv.getUint32(p, true);
    this.iovLen = this.dv.getUint32(p + 4, true);
    this.range(this.iovBuf, this.iovLen);
  }

  private fdRead(fd: number, iovs: number, n: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_READ);
      this.range(iovs, n * W.SIZEOF_IOVEC);
      this.range(out, 4);
      this.dv.setUint32(out, this.transfer(e, iovs, n, IO_READ, 0), true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdWrite(fd: number, iovs: number, n: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_WRITE);
      this.range(iovs, n * W.SIZEOF_IOVEC);
      this.range(out, 4);
      const total = e.vfd >= 0 ? this.transfer(e, iovs, n, IO_WRITE, 0) : this.writeStream(e, iovs, n);
      this.dv.setUint32(out, total, true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  /** fd_pread (`write` false) and fd_pwrite. */
  private fdPositional(fd: number, iovs: number, n: number, offset: bigint, out: number, write: boolean): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, (write ? W.RIGHT_FD_WRITE : W.RIGHT_FD_READ) | W.RIGHT_FD_SEEK);
      if (e.vfd < 0) return W.WASI_ESPIPE;
      this.range(iovs, n * W.SIZEOF_IOVEC);
      this.range(out, 4);
      const pos = BigInt.asIntN(64, offset);
      if (pos < 0n) return W.WASI_EINVAL;
      if (pos > MAX_SAFE) return write ? W.WASI_EFBIG : W.WASI_EINVAL;
      this.dv.setUint32(out, this.transfer(e, iovs, n, write ? IO_PWRITE : IO_PREAD, Number(pos)), true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  /**
   * Moves data between the guest's iovecs and a descriptor, as readv/writev/preadv/pwritev:
   * buffer after buffer until one transfers less than asked; an error after some progress ends
   * the call with that progress. With nothing to transfer, one empty call still lets Linux check
   * the descriptor (EBADF for the wrong access mode, EISDIR).
   */
  private transfer(e: WasiFd, iovs: number, n: number, kind: number, pos: number): number {
    let total = 0;
    let io = false;
    for (let i = 0; i < n; i++) {
      this.iov(iovs, i);
      const len = this.iovLen;
      if (len === 0) continue;
      io = true;
      let done: number;
      try {
        done = this.io(e, kind, this.iovBuf, len, pos + total);
      } catch (err) {
        if (total > 0) break;
        throw err;
      }
      total += done;
      if (done < len) break;
      // A stream callback may have grown memory.
      this.sync();
    }
    if (!io) this.io(e, kind, 0, 0, pos);
    return total;
  }

  /** One transfer of `transfer`. */
  private io(e: WasiFd, kind: number, buf: number, len: number, pos: number): number {
    switch (kind) {
      case IO_READ: return e.vfd >= 0 ? this.proc.read(e.vfd, this.u8, buf, len) : this.streamRead(e, buf, len);
      case IO_WRITE: return this.proc.write(e.vfd, this.u8, buf, len);
      case IO_PREAD: return this.proc.pread(e.vfd, this.u8, pos, buf, len);
      default: return this.proc.pwrite(e.vfd, this.u8, pos, buf, len);
    }
  }

  private streamRead(e: WasiFd, buf: number, len: number): number {
    const s = e.stream!;
    if (s.read === undefined) throw EBADF;
    if (len === 0) return 0;
    return s.read(this.u8.subarray(buf, buf + len));
  }

  /** Writes to a stream, gathering the buffers into one call when they fit the scratch buffer. */
  private writeStream(e: WasiFd, iovs: number, n: number): number {
    const s = e.stream!;
    if (s.write === undefined) throw EBADF;
    if (n === 1) {
      this.iov(iovs, 0);
      return this.iovLen === 0 ? 0 : s.write(this.u8.subarray(this.iovBuf, this.iovBuf + this.iovLen));
    }
    if (n === 0) return 0;
    let size = 0;
    for (let i = 0; i < n; i++) size += this.dv.getUint32(iovs + i * W.SIZEOF_IOVEC + 4, true);
    if (size <= this.scratch.length) {
      let at = 0;
      for (let i = 0; i < n; i++) {
        this.iov(iovs, i);
        this.scratch.set(this.u8.subarray(this.iovBuf, this.iovBuf + this.iovLen), at);
        at += this.iovLen;
      }
      return size === 0 ? 0 : s.write(this.scratch.subarray(0, size));
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      this.iov(iovs, i);
      if (this.iovLen === 0) continue;
      const put = s.write(this.u8.subarray(this.iovBuf, this.iovBuf + this.iovLen));
      total += put;
      if (put < this.iovLen) break;
    }
    return total;
  }

  private fdReaddir(fd: number, buf: number, len: number, cookie: bigint, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_READDIR);
      if (e.vfd < 0) return W.WASI_ENOTDIR;
      this.range(buf, len);
      this.range(out, 4);
      const file = this.proc.files.get(e.vfd);
      const start = cookie > 0x7fffffffn ? 0x7fffffff : Number(cookie);
      if (file.pos !== start) this.proc.lseek(e.vfd, start, 0);
      const end = buf + len;
      let at = buf;
      const u8 = this.u8;
      const dv = this.dv;
      // getdents64 records can be up to 3 bytes larger than WASI's: ask for twice the space, and
      // again until the guest's buffer is full or the directory is exhausted.
      const want = Math.max(2 * len, 512);
      fill: for (;;) {
        const list = this.proc.getdents64(e.vfd, want);
        if (list.length === 0) break;
        for (const d of list) {
          const name = d.rawName;
          const room = end - at;
          if (room >= W.SIZEOF_DIRENT) {
            this.setU64(at + W.DIRENT_NEXT, d.off);
            this.setU64(at + W.DIRENT_INO, d.ino);
            dv.setUint32(at + W.DIRENT_NAMLEN, name.length, true);
            dv.setUint32(at + W.DIRENT_TYPE, DIRENT_FILETYPE[d.type & 15]!, true);
          } else {
            // The guest sees a truncated record and retries with a larger buffer.
            const head = new Uint8Array(W.SIZEOF_DIRENT);
            const hv = new DataView(head.buffer);
            hv.setUint32(0, d.off >>> 0, true);
            hv.setUint32(4, Math.floor(d.off / TWO32), true);
            hv.setUint32(8, d.ino >>> 0, true);
            hv.setUint32(12, Math.floor(d.ino / TWO32), true);
            hv.setUint32(16, name.length, true);
            hv.setUint8(20, DIRENT_FILETYPE[d.type & 15]!);
            u8.set(head.subarray(0, room), at);
            at = end;
            break fill;
          }
          at += W.SIZEOF_DIRENT;
          const n = Math.min(name.length, end - at);
          for (let i = 0; i < n; i++) u8[at + i] = name.charCodeAt(i);
          at += n;
          if (at >= end) break fill;
        }
      }
      dv.setUint32(out, at - buf, true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdRenumber(from: number, to: number): number {
    try {
      const e = this.entry(from);
      const old = this.entry(to);
      if (from === to) return W.WASI_ESUCCESS;
      this.fds[to] = e;
      this.fds[from] = undefined;
      if (old.vfd >= 0) this.proc.close(old.vfd);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdSeek(fd: number, offset: bigint, whence: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      // Asking for the position only (offset 0 from the current one) needs just fd_tell.
      this.need(e, offset === 0n && whence === W.WHENCE_CUR ? W.RIGHT_FD_TELL : W.RIGHT_FD_SEEK);
      if (e.vfd < 0) return W.WASI_ESPIPE;
      if (whence > W.WHENCE_END || whence < 0) return W.WASI_EINVAL;
      this.range(out, 8);
      const off = BigInt.asIntN(64, offset);
      if (off > MAX_SAFE || off < -MAX_SAFE) return W.WASI_EINVAL;
      // WASI's whence values equal Linux's SEEK_SET, SEEK_CUR and SEEK_END.
      const pos = this.proc.lseek(e.vfd, Number(off), whence);
      this.setU64(out, pos);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private fdTell(fd: number, out: number): number {
    try {
      this.sync();
      const e = this.entry(fd);
      this.need(e, W.RIGHT_FD_TELL);
      if (e.vfd < 0) return W.WASI_ESPIPE;
      this.range(out, 8);
      this.setU64(out, this.proc.lseek(e.vfd, 0, SEEK_CUR));
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  // ---- path_* ----

  private pathCreateDirectory(fd: number, path: number, len: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_CREATE_DIRECTORY);
      this.sandbox.mkdir(e.anchor!, e.vfd, this.path(path, len));
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathFilestatGet(fd: number, flags: number, path: number, len: number, out: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_FILESTAT_GET);
      const p = this.path(path, len);
      this.range(out, W.SIZEOF_FILESTAT);
      this.sandbox.stat(e.anchor!, e.vfd, p, (flags & W.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0, this.stat);
      this.writeFilestat(out);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathFilestatSetTimes(fd: number, flags: number, path: number, len: number, atim: bigint, mtim: bigint, fst: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_FILESTAT_SET_TIMES);
      const p = this.path(path, len);
      const times = this.times(atim, mtim, fst);
      this.sandbox.utimes(e.anchor!, e.vfd, p, (flags & W.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0, times);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathLink(oldFd: number, oldFlags: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number): number {
    try {
      this.sync();
      const o = this.dirEntry(oldFd, W.RIGHT_PATH_LINK_SOURCE);
      const n = this.dirEntry(newFd, W.RIGHT_PATH_LINK_TARGET);
      const op = this.path(oldPath, oldLen);
      const np = this.path(newPath, newLen);
      this.sandbox.link(o.anchor!, o.vfd, op, (oldFlags & W.LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0, n.anchor!, n.vfd, np);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathOpen(fd: number, dirflags: number, path: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_OPEN);
      const p = this.path(path, len);
      this.range(out, 4);
      if (oflags & ~0xf || fdflags & ~0x1f) return W.WASI_EINVAL;
      if (oflags & W.OFLAGS_CREAT) this.need(e, W.RIGHT_PATH_CREATE_FILE);
      if (oflags & W.OFLAGS_TRUNC) this.need(e, W.RIGHT_PATH_FILESTAT_SET_SIZE);
      const rights = Number(BigInt.asUintN(30, base));
      const inherit = Number(BigInt.asUintN(30, inheriting));
      // The new descriptor gets at most what the directory passes on (a non-directory passes on
      // nothing, but there Linux answers first: ENOTDIR).
      if (rights & ~e.inheriting && e.filetype === W.FILETYPE_DIRECTORY) return W.WASI_ENOTCAPABLE;
      const write = (rights & WRITE_RIGHTS) !== 0;
      const read = (rights & READ_RIGHTS) !== 0;
      let flags = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
      if (oflags & W.OFLAGS_CREAT) flags |= O_CREAT;
      if (oflags & W.OFLAGS_DIRECTORY) flags |= O_DIRECTORY;
      if (oflags & W.OFLAGS_EXCL) flags |= O_EXCL;
      if (oflags & W.OFLAGS_TRUNC) flags |= O_TRUNC;
      if (fdflags & W.FDFLAGS_APPEND) flags |= O_APPEND;
      if (fdflags & W.FDFLAGS_NONBLOCK) flags |= O_NONBLOCK;
      if (fdflags & W.FDFLAGS_DSYNC) flags |= O_DSYNC;
      if (fdflags & (W.FDFLAGS_SYNC | W.FDFLAGS_RSYNC)) flags |= O_SYNC;
      if (!(dirflags & W.LOOKUPFLAGS_SYMLINK_FOLLOW)) flags |= O_NOFOLLOW;
      const vfd = this.sandbox.open(e.anchor!, e.vfd, p, flags, 0o666);
      const entry = this.fileEntry(vfd, rights, inherit & e.inheriting, e.anchor);
      if (fdflags & W.FDFLAGS_RSYNC) entry.extraFlags = W.FDFLAGS_RSYNC;
      this.dv.setUint32(out, this.install(entry), true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathReadlink(fd: number, path: number, len: number, buf: number, bufLen: number, out: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_READLINK);
      const p = this.path(path, len);
      this.range(buf, bufLen);
      this.range(out, 4);
      const target = this.sandbox.readlink(e.anchor!, e.vfd, p);
      // readlink(2) truncates silently to the buffer.
      const n = Math.min(target.length, bufLen);
      const u8 = this.u8;
      for (let i = 0; i < n; i++) u8[buf + i] = target.charCodeAt(i);
      this.dv.setUint32(out, n, true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathUnlink(fd: number, path: number, len: number, dir: boolean): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, dir ? W.RIGHT_PATH_REMOVE_DIRECTORY : W.RIGHT_PATH_UNLINK_FILE);
      this.sandbox.unlink(e.anchor!, e.vfd, this.path(path, len), dir);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathRename(fd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number): number {
    try {
      this.sync();
      const o = this.dirEntry(fd, W.RIGHT_PATH_RENAME_SOURCE);
      const n = this.dirEntry(newFd, W.RIGHT_PATH_RENAME_TARGET);
      const op = this.path(oldPath, oldLen);
      const np = this.path(newPath, newLen);
      this.sandbox.rename(o.anchor!, o.vfd, op, n.anchor!, n.vfd, np);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  private pathSymlink(oldPath: number, oldLen: number, fd: number, newPath: number, newLen: number): number {
    try {
      this.sync();
      const e = this.dirEntry(fd, W.RIGHT_PATH_SYMLINK);
      const target = this.path(oldPath, oldLen);
      this.sandbox.symlink(target, e.anchor!, e.vfd, this.path(newPath, newLen));
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }

  // ---- poll_oneoff ----

  private pollOneoff(inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
    try {
      this.sync();
      if (n === 0) return W.WASI_EINVAL;
      this.range(inPtr, n * W.SIZEOF_SUBSCRIPTION);
      this.range(outPtr, n * W.SIZEOF_EVENT);
      this.range(neventsPtr, 4);
      const dv = this.dv;
      const now = monotonicNs();
      let nevents = 0;
      let earliest = Infinity;
      const deadlines: number[] = [];
      let hasClock = false;
      for (let i = 0; i < n; i++) if (dv.getUint8(inPtr + i * W.SIZEOF_SUBSCRIPTION + W.SUBSCRIPTION_TAG) === W.EVENTTYPE_CLOCK) hasClock = true;
      const event = (sub: number, error: number, type: number, nbytes: number, flags: number): void => {
        const ev = outPtr + nevents * W.SIZEOF_EVENT;
        this.u8.copyWithin(ev + W.EVENT_USERDATA, sub + W.SUBSCRIPTION_USERDATA, sub + W.SUBSCRIPTION_USERDATA + 8);
        dv.setUint16(ev + W.EVENT_ERROR, error, true);
        dv.setUint8(ev + W.EVENT_TYPE, type);
        this.u8.fill(0, ev + 11, ev + W.SIZEOF_EVENT);
        this.setU64(ev + W.EVENT_FD_NBYTES, nbytes);
        dv.setUint16(ev + W.EVENT_FD_FLAGS, flags, true);
        nevents++;
      };
      for (let i = 0; i < n; i++) {
        const sub = inPtr + i * W.SIZEOF_SUBSCRIPTION;
        const tag = dv.getUint8(sub + W.SUBSCRIPTION_TAG);
        deadlines.push(Infinity);
        if (tag === W.EVENTTYPE_CLOCK) {
          const id = dv.getUint32(sub + W.SUBSCRIPTION_CLOCK_ID, true);
          const timeout = Number(dv.getBigUint64(sub + W.SUBSCRIPTION_CLOCK_TIMEOUT, true));
          const abs = (dv.getUint16(sub + W.SUBSCRIPTION_CLOCK_FLAGS, true) & W.SUBCLOCKFLAGS_ABSTIME) !== 0;
          let deadline: number;
          if (id === W.CLOCKID_REALTIME) {
            const t = this.proc.vfs.clock();
            deadline = abs ? now + (timeout - (t.sec * 1e9 + t.nsec)) : now + timeout;
          } else if (id <= W.CLOCKID_THREAD_CPUTIME_ID) {
            deadline = abs ? timeout : now + timeout;
          } else {
            event(sub, W.WASI_EINVAL, W.EVENTTYPE_CLOCK, 0, 0);
            continue;
          }
          if (deadline <= now) event(sub, 0, W.EVENTTYPE_CLOCK, 0, 0);
          else {
            deadlines[i] = deadline;
            if (deadline < earliest) earliest = deadline;
          }
        } else if (tag === W.EVENTTYPE_FD_READ || tag === W.EVENTTYPE_FD_WRITE) {
          const fd = dv.getUint32(sub + W.SUBSCRIPTION_FD, true);
          const e = this.fds[fd];
          if (e === undefined) {
            event(sub, W.WASI_EBADF, tag, 0, 0);
          } else if ((e.rights & W.RIGHT_POLL_FD_READWRITE) === 0 && (e.natural & W.RIGHT_POLL_FD_READWRITE) !== 0) {
            event(sub, W.WASI_ENOTCAPABLE, tag, 0, 0);
          } else if (e.vfd < 0) {
            // Streams are reported ready unless they can say they have nothing buffered.
            const avail = tag === W.EVENTTYPE_FD_READ && e.stream!.readable !== undefined ? e.stream!.readable() : 1;
            if (avail > 0 || !hasClock) event(sub, 0, tag, tag === W.EVENTTYPE_FD_READ ? Math.max(avail, 0) : 0, 0);
          } else {
            // Regular files and directories are always ready (Linux poll on them returns at once).
            const file = this.proc.files.get(e.vfd);
            const nbytes = tag === W.EVENTTYPE_FD_READ && file.inode.isRegular() ? Math.max(0, file.inode.size - file.pos) : 0;
            event(sub, 0, tag, nbytes, 0);
          }
        } else {
          return W.WASI_EINVAL;
        }
      }
      if (nevents === 0 && earliest !== Infinity) {
        sleepMs((earliest - now) / 1e6);
        const after = Math.max(monotonicNs(), earliest);
        for (let i = 0; i < n; i++) {
          if (deadlines[i]! <= after) event(inPtr + i * W.SIZEOF_SUBSCRIPTION, 0, W.EVENTTYPE_CLOCK, 0, 0);
        }
      }
      dv.setUint32(neventsPtr, nevents, true);
      return W.WASI_ESUCCESS;
    } catch (err) {
      return this.fail(err);
    }
  }
}
