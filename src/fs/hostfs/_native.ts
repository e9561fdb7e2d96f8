// Node-specific: loads the hostfs addon (native/hostfs.c, built by `npm install`).
/**
 * The host system calls HostFs makes. Each takes a directory descriptor and one name (or the
 * descriptor of the object itself) and returns its result, or a negative errno. Names and
 * buffers are Uint8Arrays (names are raw bytes, never re-encoded).
 */
import { createRequire } from 'node:module';

/** The addon's functions (see native/hostfs.c for each one's contract). */
export interface HostCalls {
  openroot(path: Uint8Array): number;
  lookup(dirfd: number, name: Uint8Array): number;
  create(dirfd: number, name: Uint8Array, mode: number): number;
  opendir(fd: number): number;
  tmpfile(dirfd: number, mode: number): number;
  reopen(fd: number, flags: number): number;
  statx(fd: number, name: Uint8Array | null, out: Float64Array): number;
  mkdirat(dirfd: number, name: Uint8Array, mode: number): number;
  mknodat(dirfd: number, name: Uint8Array, mode: number, major: number, minor: number): number;
  symlinkat(target: Uint8Array, dirfd: number, name: Uint8Array): number;
  readlink(fd: number, buf: Uint8Array): number;
  unlinkat(dirfd: number, name: Uint8Array, flags: number): number;
  renameat2(olddirfd: number, oldname: Uint8Array, newdirfd: number, newname: Uint8Array, flags: number): number;
  link(fd: number, newdirfd: number, newname: Uint8Array): number;
  chmod(fd: number, mode: number): number;
  chown(fd: number, uid: number, gid: number): number;
  utimens(fd: number, atimeSec: number, atimeNsec: number, mtimeSec: number, mtimeNsec: number): number;
  truncate(fd: number, size: number): number;
  getxattr(fd: number, name: Uint8Array, buf: Uint8Array): number;
  setxattr(fd: number, name: Uint8Array, value: Uint8Array, flags: number): number;
  listxattr(fd: number, buf: Uint8Array): number;
  removexattr(fd: number, name: Uint8Array): number;
  getdents(fd: number, buf: Uint8Array): number;
  lseek(fd: number, offset: number, whence: number): number;
  pread(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  fsync(fd: number): number;
  close(fd: number): number;
  statfs(fd: number, out: Float64Array): number;
  copyrange(infd: number, inpos: number, outfd: number, outpos: number, length: number): number;
}

/** Where `npm install` (node-gyp) puts the addon, from dist/src/fs/hostfs/. */
const DEFAULT_PATH = new URL('../../../../build/Release/vroot_hostfs.node', import.meta.url);

let loaded: HostCalls | undefined;

/**
 * Loads the addon at `path` (default: the one `npm install` builds). Throws an Error that says
 * how to build it when it is missing or cannot load.
 */
export function loadHostCalls(path: string | URL = DEFAULT_PATH): HostCalls {
  if (path === DEFAULT_PATH && loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    throw new Error(`HostFs needs Linux (openat2, renameat2, O_PATH); this is ${process.platform}`);
  }
  const require = createRequire(import.meta.url);
  const file = path instanceof URL ? path.pathname : path;
  let calls: HostCalls;
  try {
    calls = require(file) as HostCalls;
  } catch (e) {
    throw new Error(
      `HostFs: the native addon is not built (${file}: ${(e as Error).message.split('\n')[0]}). ` +
      'Run "npm install" (or "npx node-gyp rebuild") with a C compiler, make and python3 available.',
      { cause: e },
    );
  }
  if (path === DEFAULT_PATH) loaded = calls;
  return calls;
}
