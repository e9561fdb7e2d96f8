// This module is browser compatible.
/**
 * The numbers of `wasi_snapshot_preview1` (WASI preview 1, witx `typenames.witx`): errno values,
 * rights, file types, flags and the byte layout of the structures the host writes into guest
 * memory. One place for every number the ABI defines.
 */

/** errno (u16). */
export const WASI_ESUCCESS = 0;
export const WASI_E2BIG = 1;
export const WASI_EACCES = 2;
export const WASI_EADDRINUSE = 3;
export const WASI_EADDRNOTAVAIL = 4;
export const WASI_EAFNOSUPPORT = 5;
export const WASI_EAGAIN = 6;
export const WASI_EALREADY = 7;
export const WASI_EBADF = 8;
export const WASI_EBADMSG = 9;
export const WASI_EBUSY = 10;
export const WASI_ECANCELED = 11;
export const WASI_ECHILD = 12;
export const WASI_ECONNABORTED = 13;
export const WASI_ECONNREFUSED = 14;
export const WASI_ECONNRESET = 15;
export const WASI_EDEADLK = 16;
export const WASI_EDESTADDRREQ = 17;
export const WASI_EDOM = 18;
export const WASI_EDQUOT = 19;
export const WASI_EEXIST = 20;
export const WASI_EFAULT = 21;
export const WASI_EFBIG = 22;
export const WASI_EHOSTUNREACH = 23;
export const WASI_EIDRM = 24;
export const WASI_EILSEQ = 25;
export const WASI_EINPROGRESS = 26;
export const WASI_EINTR = 27;
export const WASI_EINVAL = 28;
export const WASI_EIO = 29;
export const WASI_EISCONN = 30;
export const WASI_EISDIR = 31;
export const WASI_ELOOP = 32;
export const WASI_EMFILE = 33;
export const WASI_EMLINK = 34;
export const WASI_EMSGSIZE = 35;
export const WASI_EMULTIHOP = 36;
export const WASI_ENAMETOOLONG = 37;
export const WASI_ENETDOWN = 38;
export const WASI_ENETRESET = 39;
export const WASI_ENETUNREACH = 40;
export const WASI_ENFILE = 41;
export const WASI_ENOBUFS = 42;
export const WASI_ENODEV = 43;
export const WASI_ENOENT = 44;
export const WASI_ENOEXEC = 45;
export const WASI_ENOLCK = 46;
export const WASI_ENOLINK = 47;
export const WASI_ENOMEM = 48;
export const WASI_ENOMSG = 49;
export const WASI_ENOPROTOOPT = 50;
export const WASI_ENOSPC = 51;
export const WASI_ENOSYS = 52;
export const WASI_ENOTCONN = 53;
export const WASI_ENOTDIR = 54;
export const WASI_ENOTEMPTY = 55;
export const WASI_ENOTRECOVERABLE = 56;
export const WASI_ENOTSOCK = 57;
export const WASI_ENOTSUP = 58;
export const WASI_ENOTTY = 59;
export const WASI_ENXIO = 60;
export const WASI_EOVERFLOW = 61;
export const WASI_EOWNERDEAD = 62;
export const WASI_EPERM = 63;
export const WASI_EPIPE = 64;
export const WASI_EPROTO = 65;
export const WASI_EPROTONOSUPPORT = 66;
export const WASI_EPROTOTYPE = 67;
export const WASI_ERANGE = 68;
export const WASI_EROFS = 69;
export const WASI_ESPIPE = 70;
export const WASI_ESRCH = 71;
export const WASI_ESTALE = 72;
export const WASI_ETIMEDOUT = 73;
export const WASI_ETXTBSY = 74;
export const WASI_EXDEV = 75;
export const WASI_ENOTCAPABLE = 76;

/** The errno names in value order (`WASI_ERRNO_NAMES[44] === 'ENOENT'`). */
export const WASI_ERRNO_NAMES: readonly string[] = [
  'ESUCCESS', 'E2BIG', 'EACCES', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EAGAIN', 'EALREADY',
  'EBADF', 'EBADMSG', 'EBUSY', 'ECANCELED', 'ECHILD', 'ECONNABORTED', 'ECONNREFUSED', 'ECONNRESET',
  'EDEADLK', 'EDESTADDRREQ', 'EDOM', 'EDQUOT', 'EEXIST', 'EFAULT', 'EFBIG', 'EHOSTUNREACH', 'EIDRM',
  'EILSEQ', 'EINPROGRESS', 'EINTR', 'EINVAL', 'EIO', 'EISCONN', 'EISDIR', 'ELOOP', 'EMFILE', 'EMLINK',
  'EMSGSIZE', 'EMULTIHOP', 'ENAMETOOLONG', 'ENETDOWN', 'ENETRESET', 'ENETUNREACH', 'ENFILE', 'ENOBUFS',
  'ENODEV', 'ENOENT', 'ENOEXEC', 'ENOLCK', 'ENOLINK', 'ENOMEM', 'ENOMSG', 'ENOPROTOOPT', 'ENOSPC',
  'ENOSYS', 'ENOTCONN', 'ENOTDIR', 'ENOTEMPTY', 'ENOTRECOVERABLE', 'ENOTSOCK', 'ENOTSUP', 'ENOTTY',
  'ENXIO', 'EOVERFLOW', 'EOWNERDEAD', 'EPERM', 'EPIPE', 'EPROTO', 'EPROTONOSUPPORT', 'EPROTOTYPE',
  'ERANGE', 'EROFS', 'ESPIPE', 'ESRCH', 'ESTALE', 'ETIMEDOUT', 'ETXTBSY', 'EXDEV', 'ENOTCAPABLE',
];

/** rights (u64; every defined bit is below 2^30, so the host keeps them in a JS number). */
export const RIGHT_FD_DATASYNC = 1 << 0;
export const RIGHT_FD_READ = 1 << 1;
export const RIGHT_FD_SEEK = 1 << 2;
export const RIGHT_FD_FDSTAT_SET_FLAGS = 1 << 3;
export const RIGHT_FD_SYNC = 1 << 4;
export const RIGHT_FD_TELL = 1 << 5;
export const RIGHT_FD_WRITE = 1 << 6;
export const RIGHT_FD_ADVISE = 1 << 7;
export const RIGHT_FD_ALLOCATE = 1 << 8;
export const RIGHT_PATH_CREATE_DIRECTORY = 1 << 9;
export const RIGHT_PATH_CREATE_FILE = 1 << 10;
export const RIGHT_PATH_LINK_SOURCE = 1 << 11;
export const RIGHT_PATH_LINK_TARGET = 1 << 12;
export const RIGHT_PATH_OPEN = 1 << 13;
export const RIGHT_FD_READDIR = 1 << 14;
export const RIGHT_PATH_READLINK = 1 << 15;
export const RIGHT_PATH_RENAME_SOURCE = 1 << 16;
export const RIGHT_PATH_RENAME_TARGET = 1 << 17;
export const RIGHT_PATH_FILESTAT_GET = 1 << 18;
export const RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19;
export const RIGHT_PATH_FILESTAT_SET_TIMES = 1 << 20;
export const RIGHT_FD_FILESTAT_GET = 1 << 21;
export const RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22;
export const RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23;
export const RIGHT_PATH_SYMLINK = 1 << 24;
export const RIGHT_PATH_REMOVE_DIRECTORY = 1 << 25;
export const RIGHT_PATH_UNLINK_FILE = 1 << 26;
export const RIGHT_POLL_FD_READWRITE = 1 << 27;
export const RIGHT_SOCK_SHUTDOWN = 1 << 28;
export const RIGHT_SOCK_ACCEPT = 1 << 29;
/** Every right the ABI defines. */
export const RIGHTS_ALL = (1 << 30) - 1;

/** filetype (u8). */
export const FILETYPE_UNKNOWN = 0;
export const FILETYPE_BLOCK_DEVICE = 1;
export const FILETYPE_CHARACTER_DEVICE = 2;
export const FILETYPE_DIRECTORY = 3;
export const FILETYPE_REGULAR_FILE = 4;
export const FILETYPE_SOCKET_DGRAM = 5;
export const FILETYPE_SOCKET_STREAM = 6;
export const FILETYPE_SYMBOLIC_LINK = 7;

/** fdflags (u16). */
export const FDFLAGS_APPEND = 1 << 0;
export const FDFLAGS_DSYNC = 1 << 1;
export const FDFLAGS_NONBLOCK = 1 << 2;
export const FDFLAGS_RSYNC = 1 << 3;
export const FDFLAGS_SYNC = 1 << 4;

/** oflags (u16). */
export const OFLAGS_CREAT = 1 << 0;
export const OFLAGS_DIRECTORY = 1 << 1;
export const OFLAGS_EXCL = 1 << 2;
export const OFLAGS_TRUNC = 1 << 3;

/** lookupflags (u32). */
export const LOOKUPFLAGS_SYMLINK_FOLLOW = 1 << 0;

/** fstflags (u16). */
export const FSTFLAGS_ATIM = 1 << 0;
export const FSTFLAGS_ATIM_NOW = 1 << 1;
export const FSTFLAGS_MTIM = 1 << 2;
export const FSTFLAGS_MTIM_NOW = 1 << 3;

/** whence (u8). */
export const WHENCE_SET = 0;
export const WHENCE_CUR = 1;
export const WHENCE_END = 2;

/** advice (u8): normal, sequential, random, willneed, dontneed, noreuse. */
export const ADVICE_MAX = 5;

/** clockid (u32). */
export const CLOCKID_REALTIME = 0;
export const CLOCKID_MONOTONIC = 1;
export const CLOCKID_PROCESS_CPUTIME_ID = 2;
export const CLOCKID_THREAD_CPUTIME_ID = 3;

/** eventtype (u8). */
export const EVENTTYPE_CLOCK = 0;
export const EVENTTYPE_FD_READ = 1;
export const EVENTTYPE_FD_WRITE = 2;

/** subclockflags (u16). */
export const SUBCLOCKFLAGS_ABSTIME = 1 << 0;

/** eventrwflags (u16). */
export const EVENTRWFLAGS_HANGUP = 1 << 0;

/** preopentype (u8). */
export const PREOPENTYPE_DIR = 0;

/** sdflags (u8). */
export const SDFLAGS_RD = 1 << 0;
export const SDFLAGS_WR = 1 << 1;

// Structure sizes and field offsets (checked against wasi-libc's generated `_Static_assert`s).
export const SIZEOF_IOVEC = 8;
export const SIZEOF_FDSTAT = 24;
export const FDSTAT_FILETYPE = 0;
export const FDSTAT_FLAGS = 2;
export const FDSTAT_RIGHTS_BASE = 8;
export const FDSTAT_RIGHTS_INHERITING = 16;
export const SIZEOF_FILESTAT = 64;
export const FILESTAT_DEV = 0;
export const FILESTAT_INO = 8;
export const FILESTAT_FILETYPE = 16;
export const FILESTAT_NLINK = 24;
export const FILESTAT_SIZE = 32;
export const FILESTAT_ATIM = 40;
export const FILESTAT_MTIM = 48;
export const FILESTAT_CTIM = 56;
export const SIZEOF_DIRENT = 24;
export const DIRENT_NEXT = 0;
export const DIRENT_INO = 8;
export const DIRENT_NAMLEN = 16;
export const DIRENT_TYPE = 20;
export const SIZEOF_PRESTAT = 8;
export const SIZEOF_SUBSCRIPTION = 48;
export const SUBSCRIPTION_USERDATA = 0;
export const SUBSCRIPTION_TAG = 8;
export const SUBSCRIPTION_CLOCK_ID = 16;
export const SUBSCRIPTION_CLOCK_TIMEOUT = 24;
export const SUBSCRIPTION_CLOCK_PRECISION = 32;
export const SUBSCRIPTION_CLOCK_FLAGS = 40;
export const SUBSCRIPTION_FD = 16;
export const SIZEOF_EVENT = 32;
export const EVENT_USERDATA = 0;
export const EVENT_ERROR = 8;
export const EVENT_TYPE = 10;
export const EVENT_FD_NBYTES = 16;
export const EVENT_FD_FLAGS = 24;
