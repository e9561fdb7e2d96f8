// Node-specific: the errors node:fs throws (libuv codes and messages, Node's error shapes).
/**
 * Node-shaped errors for the fs facade. A failed call becomes an `Error` whose own properties
 * are `errno` (negative, as libuv reports it: -2), `code` ('ENOENT'), `syscall` (Node's name for
 * the call: 'open', 'scandir', 'copyfile'...), `path` and, for two-path calls, `dest`; the
 * message reads `ENOENT: no such file or directory, open '/x'`. Bad arguments are Node's
 * `TypeError`/`RangeError` with an `ERR_*` code, thrown before any call is made.
 */
import { inspect } from 'node:util';
import { errnoMessage, errnoName } from '../abi/errno.js';
import { VfsError } from '../vfs/errors.js';
import { callerError } from './_stack.js';

/**
 * The one mapping from a Linux errno to Node's code and message: libuv's table (what
 * `util.getSystemErrorMap()` holds on Linux), fixed here so the answer does not depend on the
 * host platform. libuv calls EOPNOTSUPP `ENOTSUP`; errnos libuv lacks keep their Linux name.
 */
const UV_ERRORS: Readonly<Record<number, readonly [string, string]>> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  3: ['ESRCH', 'no such process'],
  4: ['EINTR', 'interrupted system call'],
  5: ['EIO', 'i/o error'],
  6: ['ENXIO', 'no such device or address'],
  7: ['E2BIG', 'argument list too long'],
  9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'],
  12: ['ENOMEM', 'not enough memory'],
  13: ['EACCES', 'permission denied'],
  14: ['EFAULT', 'bad address in system call argument'],
  16: ['EBUSY', 'resource busy or locked'],
  17: ['EEXIST', 'file already exists'],
  18: ['EXDEV', 'cross-device link not permitted'],
  19: ['ENODEV', 'no such device'],
  20: ['ENOTDIR', 'not a directory'],
  21: ['EISDIR', 'illegal operation on a directory'],
  22: ['EINVAL', 'invalid argument'],
  23: ['ENFILE', 'file table overflow'],
  24: ['EMFILE', 'too many open files'],
  25: ['ENOTTY', 'inappropriate ioctl for device'],
  26: ['ETXTBSY', 'text file is busy'],
  27: ['EFBIG', 'file too large'],
  28: ['ENOSPC', 'no space left on device'],
  29: ['ESPIPE', 'invalid seek'],
  30: ['EROFS', 'read-only file system'],
  31: ['EMLINK', 'too many links'],
  32: ['EPIPE', 'broken pipe'],
  34: ['ERANGE', 'result too large'],
  36: ['ENAMETOOLONG', 'name too long'],
  38: ['ENOSYS', 'function not implemented'],
  39: ['ENOTEMPTY', 'directory not empty'],
  40: ['ELOOP', 'too many symbolic links encountered'],
  61: ['ENODATA', 'no data available'],
  71: ['EPROTO', 'protocol error'],
  75: ['EOVERFLOW', 'value too large for defined data type'],
  84: ['EILSEQ', 'illegal byte sequence'],
  88: ['ENOTSOCK', 'socket operation on non-socket'],
  95: ['ENOTSUP', 'operation not supported on socket'],
  125: ['ECANCELED', 'operation canceled'],
};

/** Node's code and message for a Linux errno. */
export function uvErrorName(errnoValue: number): readonly [string, string] {
  return UV_ERRORS[errnoValue] ?? [errnoName(errnoValue), errnoMessage(errnoValue)];
}

/** What node:fs throws for a failed system call. */
export interface NodeSystemError extends Error {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/** A path as an error shows it: strings as they are, bytes decoded as UTF-8 (Node's `toString()`). */
export type ErrorPath = string | Uint8Array | undefined;

function pathString(p: string | Uint8Array): string {
  return typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString();
}

/**
 * Builds Node's error for `errnoValue` (a positive Linux errno) from `syscall` on `path` (and
 * `dest`), as libuv's UVException does: `CODE: message, syscall 'path' -> 'dest'`.
 */
export function uvError(errnoValue: number, syscall: string, path?: ErrorPath, dest?: ErrorPath): NodeSystemError {
  const [code, text] = uvErrorName(errnoValue);
  let message = `${code}: ${text}, ${syscall}`;
  let p: string | undefined;
  let d: string | undefined;
  // An empty path is still shown ('') as node:fs's native errors show it.
  if (path !== undefined) {
    p = pathString(path);
    message += ` '${p}'`;
  }
  if (dest !== undefined) {
    d = pathString(dest);
    message += ` -> '${d}'`;
  }
  const e = callerError(() => new Error(message)) as NodeSystemError;
  e.errno = -errnoValue;
  e.code = code;
  e.syscall = syscall;
  if (p !== undefined) e.path = p;
  if (d !== undefined) e.dest = d;
  return e;
}

/**
 * Converts what the core threw into Node's error for `syscall`; anything that is not a
 * `VfsError` (a bug, or an argument error already in Node's shape) passes through unchanged.
 */
export function nodeError(e: unknown, syscall: string, path?: ErrorPath, dest?: ErrorPath): unknown {
  if (e instanceof VfsError) return uvError(e.errno, syscall, path, dest);
  return e;
}

/** True for an error from a failed call (as opposed to a bad argument): it has a `syscall`. */
export function isSystemError(e: unknown): e is NodeSystemError {
  return e instanceof Error && typeof (e as Partial<NodeSystemError>).syscall === 'string';
}

/** Node's description of a received value in argument errors ("type number (5)", "an instance of Foo"). */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'function':
      return `function ${(value as { name: string }).name}`;
    case 'object': {
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      if (ctor !== undefined && ctor.name !== undefined) return `an instance of ${ctor.name}`;
      return inspect(value, { depth: -1 });
    }
    case 'string': {
      let s = value as string;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    case 'number':
      return Object.is(value, -0) ? 'type number (-0)' : `type number (${String(value)})`;
    case 'bigint':
      return `type bigint (${String(value)}n)`;
    default:
      return `type ${typeof value} (${String(value)})`;
  }
}

/** Builds an error the caller sees, with the caller's stack-trace limit. */
function make<E extends Error>(Ctor: new (message: string) => E, message: string): E {
  return callerError(() => new Ctor(message));
}

function withCode<E extends Error>(e: E, code: string): E & { code: string } {
  (e as E & { code: string }).code = code;
  return e as E & { code: string };
}

/** ERR_INVALID_ARG_TYPE: `expected` completes "must be ..." ("of type string or an instance of Buffer or URL"). */
export function argTypeError(name: string, expected: string, value: unknown): TypeError {
  const kind = name.includes('.') ? 'property' : 'argument';
  return withCode(make(TypeError, `The "${name}" ${kind} must be ${expected}. Received ${received(value)}`), 'ERR_INVALID_ARG_TYPE');
}

/** ERR_INVALID_ARG_VALUE: "The argument 'name' is invalid. Received ...". */
export function argValueError(name: string, value: unknown, reason = 'is invalid'): TypeError {
  const kind = name.includes('.') ? 'property' : 'argument';
  const shown = inspect(value).slice(0, 128);
  return withCode(make(TypeError, `The ${kind} '${name}' ${reason}. Received ${shown}`), 'ERR_INVALID_ARG_VALUE');
}

/** ERR_OUT_OF_RANGE: "The value of "name" is out of range. It must be <range>. Received <value>". */
export function outOfRangeError(name: string, range: string, value: unknown): RangeError {
  const shown = typeof value === 'bigint' ? `${String(value)}n` : typeof value === 'number' ? String(value) : inspect(value);
  return withCode(make(RangeError, `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`), 'ERR_OUT_OF_RANGE');
}

/** Context of a Node SystemError (ERR_FS_EISDIR, ERR_FS_CP_*). */
export interface SystemErrorContext {
  code: string;
  message: string;
  path?: string;
  dest?: string;
  syscall: string;
  errno: number;
}

/**
 * Node's SystemError (name 'SystemError', an `ERR_*` code, details in `info`):
 * `<prefix>: <syscall> returned <CODE> (<message>) <path> => <dest>`.
 */
export function systemError(key: string, prefix: string, info: SystemErrorContext): Error {
  let message = `${prefix}: ${info.syscall} returned ${info.code} (${info.message})`;
  if (info.path !== undefined) message += ` ${info.path}`;
  if (info.dest !== undefined) message += ` => ${info.dest}`;
  const e = withCode(make(Error, message), key) as unknown as Error & Record<string, unknown>;
  e.name = 'SystemError';
  e.info = info;
  e.errno = info.errno;
  e.syscall = info.syscall;
  if (info.path !== undefined) e.path = info.path;
  if (info.dest !== undefined) e.dest = info.dest;
  return e;
}

/** A plain Node error with a code (ERR_DIR_CLOSED, ERR_FS_FILE_TOO_LARGE...). */
export function codedError(code: string, message: string, kind: 'Error' | 'RangeError' | 'TypeError' = 'Error'): Error {
  return withCode(make(kind === 'RangeError' ? RangeError : kind === 'TypeError' ? TypeError : Error, message), code);
}
