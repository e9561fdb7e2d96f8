// This module is browser compatible.
/**
 * Linux errno values (asm-generic/errno-base.h and errno.h, as on x86_64 and arm64).
 * The names are the kernel's; front ends translate them (WASI, Node, FUSE).
 */
export const errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8,
  EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29,
  EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36,
  ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ENOSTR: 60,
  ENODATA: 61, ETIME: 62, ENOSR: 63, EREMOTE: 66, ENOLINK: 67, EPROTO: 71, EBADMSG: 74,
  EOVERFLOW: 75, ELIBBAD: 80, EILSEQ: 84, EUSERS: 87, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90,
  EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103, ECONNRESET: 104,
  ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115, ESTALE: 116, EUCLEAN: 117, EDQUOT: 122, ECANCELED: 125,
  EOWNERDEAD: 130, ENOTRECOVERABLE: 131,
} as const;

/** An errno name such as `'ENOENT'`. */
export type ErrnoCode = keyof typeof errno;

/** The kernel's name for corrupted filesystem metadata (fs/erofs, ext4: EFSCORRUPTED = EUCLEAN). */
export const EFSCORRUPTED = errno.EUCLEAN;

const names: string[] = [];
for (const [name, value] of Object.entries(errno)) names[value] = name;

/** The name of an errno value (`2` → `'ENOENT'`), or `'E<n>'` when unknown. */
export function errnoName(value: number): string {
  return names[value] ?? `E${value}`;
}

const messages: Record<number, string> = {
  1: 'operation not permitted', 2: 'no such file or directory', 5: 'i/o error',
  6: 'no such device or address', 7: 'argument list too long', 8: 'exec format error',
  9: 'bad file descriptor', 11: 'resource temporarily unavailable', 12: 'cannot allocate memory',
  13: 'permission denied', 16: 'resource busy or locked', 17: 'file already exists',
  18: 'cross-device link not permitted', 19: 'no such device', 20: 'not a directory',
  21: 'illegal operation on a directory', 22: 'invalid argument', 24: 'too many open files',
  25: 'inappropriate ioctl for device', 26: 'text file is busy', 27: 'file too large',
  28: 'no space left on device', 29: 'invalid seek', 30: 'read-only file system',
  31: 'too many links', 32: 'broken pipe', 34: 'result too large', 36: 'name too long',
  38: 'function not implemented', 39: 'directory not empty',
  40: 'too many symbolic links encountered', 61: 'no data available',
  75: 'value too large for defined data type', 80: 'accessing a corrupted shared library', 84: 'illegal byte sequence',
  95: 'operation not supported', 116: 'stale file handle',
  117: 'structure needs cleaning (filesystem corrupted)',
};

/** A short lowercase description of an errno, in the style of libuv's messages. */
export function errnoMessage(value: number): string {
  return messages[value] ?? `error ${value}`;
}
