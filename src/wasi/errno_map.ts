// This module is browser compatible.
/**
 * The one translation of Linux errno values to WASI preview 1 errno values. Most Linux errnos
 * have a WASI errno of the same name; the few that do not map to the nearest one, chosen as
 * WASI libcs do (wasi-libc has no ENODATA, ETIME, EUCLEAN...).
 */
import * as W from './wasi_abi.js';

const table = new Uint8Array(256).fill(W.WASI_EIO);

const pairs: [number, number][] = [
  [0, W.WASI_ESUCCESS],
  [1, W.WASI_EPERM], [2, W.WASI_ENOENT], [3, W.WASI_ESRCH], [4, W.WASI_EINTR], [5, W.WASI_EIO],
  [6, W.WASI_ENXIO], [7, W.WASI_E2BIG], [8, W.WASI_ENOEXEC], [9, W.WASI_EBADF], [10, W.WASI_ECHILD],
  [11, W.WASI_EAGAIN], [12, W.WASI_ENOMEM], [13, W.WASI_EACCES], [14, W.WASI_EFAULT],
  // ENOTBLK: a block device was required; WASI has no block-device errno.
  [15, W.WASI_EINVAL],
  [16, W.WASI_EBUSY], [17, W.WASI_EEXIST], [18, W.WASI_EXDEV], [19, W.WASI_ENODEV], [20, W.WASI_ENOTDIR],
  [21, W.WASI_EISDIR], [22, W.WASI_EINVAL], [23, W.WASI_ENFILE], [24, W.WASI_EMFILE], [25, W.WASI_ENOTTY],
  [26, W.WASI_ETXTBSY], [27, W.WASI_EFBIG], [28, W.WASI_ENOSPC], [29, W.WASI_ESPIPE], [30, W.WASI_EROFS],
  [31, W.WASI_EMLINK], [32, W.WASI_EPIPE], [33, W.WASI_EDOM], [34, W.WASI_ERANGE], [35, W.WASI_EDEADLK],
  [36, W.WASI_ENAMETOOLONG], [37, W.WASI_ENOLCK], [38, W.WASI_ENOSYS], [39, W.WASI_ENOTEMPTY],
  [40, W.WASI_ELOOP], [42, W.WASI_ENOMSG], [43, W.WASI_EIDRM],
  // ENOSTR, ENOSR (STREAMS): no WASI counterpart.
  [60, W.WASI_ENOSYS], [63, W.WASI_ENOSYS],
  // ENODATA (no such xattr): WASI has no xattrs and no ENODATA.
  [61, W.WASI_ENOSYS],
  // ETIME: a timer expired.
  [62, W.WASI_ETIMEDOUT],
  // EREMOTE: object is remote.
  [66, W.WASI_EIO],
  [67, W.WASI_ENOLINK], [71, W.WASI_EPROTO], [72, W.WASI_EMULTIHOP], [74, W.WASI_EBADMSG],
  [75, W.WASI_EOVERFLOW], [84, W.WASI_EILSEQ],
  // EUSERS: too many users.
  [87, W.WASI_EIO],
  [88, W.WASI_ENOTSOCK], [89, W.WASI_EDESTADDRREQ], [90, W.WASI_EMSGSIZE], [91, W.WASI_EPROTOTYPE],
  [92, W.WASI_ENOPROTOOPT], [93, W.WASI_EPROTONOSUPPORT],
  // ESOCKTNOSUPPORT, EPFNOSUPPORT: the nearest are ENOTSUP and EAFNOSUPPORT.
  [94, W.WASI_ENOTSUP], [95, W.WASI_ENOTSUP], [96, W.WASI_EAFNOSUPPORT],
  [97, W.WASI_EAFNOSUPPORT], [98, W.WASI_EADDRINUSE], [99, W.WASI_EADDRNOTAVAIL], [100, W.WASI_ENETDOWN],
  [101, W.WASI_ENETUNREACH], [102, W.WASI_ENETRESET], [103, W.WASI_ECONNABORTED], [104, W.WASI_ECONNRESET],
  [105, W.WASI_ENOBUFS], [106, W.WASI_EISCONN], [107, W.WASI_ENOTCONN],
  // ESHUTDOWN: send after shutdown, which POSIX reports as EPIPE.
  [108, W.WASI_EPIPE],
  // ETOOMANYREFS.
  [109, W.WASI_EIO],
  [110, W.WASI_ETIMEDOUT], [111, W.WASI_ECONNREFUSED],
  // EHOSTDOWN.
  [112, W.WASI_EHOSTUNREACH],
  [113, W.WASI_EHOSTUNREACH], [114, W.WASI_EALREADY], [115, W.WASI_EINPROGRESS], [116, W.WASI_ESTALE],
  // EUCLEAN (EFSCORRUPTED): corrupted filesystem metadata is an I/O error to a WASI guest.
  [117, W.WASI_EIO],
  [122, W.WASI_EDQUOT], [125, W.WASI_ECANCELED], [130, W.WASI_EOWNERDEAD], [131, W.WASI_ENOTRECOVERABLE],
];
for (const [linux, wasi] of pairs) table[linux] = wasi;

/** The WASI errno for a Linux errno (EIO for values Linux does not define). */
export function wasiErrno(linuxErrno: number): number {
  return linuxErrno >= 0 && linuxErrno < 256 ? table[linuxErrno]! : W.WASI_EIO;
}
