// The host system calls behind HostFs (src/fs/hostfs/hostfs.ts). Node's `fs` has no *at calls,
// no openat2, no mknod, no renameat2 flags and no xattrs, so this small addon exposes exactly
// the calls HostFs needs, with one rule: every call names at most one path component, relative
// to a directory descriptor the caller holds, and never follows a symlink. Calls on an object
// itself take the O_PATH descriptor that holds it (AT_EMPTY_PATH, or the /proc/self/fd/N magic
// link, which jumps to that very object without reading any path text).
//
// Every function returns its result (>= 0) or -errno, so the caller maps the host's errno
// exactly. Wrong argument types are programming errors and throw a TypeError.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif

#define MAX_ARGS 6
#define STAT_SLOTS 24
#define STATFS_SLOTS 12

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  int bad; // set once a TypeError is pending
} args_t;

static void type_error(args_t *a, const char *what) {
  if (!a->bad) napi_throw_type_error(a->env, NULL, what);
  a->bad = 1;
}

static void get_args(args_t *a, napi_env env, napi_callback_info info, size_t want) {
  a->env = env;
  a->argc = MAX_ARGS;
  a->bad = 0;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok || a->argc < want) {
    type_error(a, "hostfs: missing arguments");
  }
}

static int64_t arg_int(args_t *a, size_t i) {
  int64_t v = 0;
  if (a->bad) return 0;
  if (napi_get_value_int64(a->env, a->argv[i], &v) != napi_ok) type_error(a, "hostfs: expected a number");
  return v;
}

static uint8_t *arg_bytes(args_t *a, size_t i, size_t *len) {
  napi_typedarray_type type;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  *len = 0;
  if (a->bad) return NULL;
  if (napi_get_typedarray_info(a->env, a->argv[i], &type, len, &data, &ab, &offset) != napi_ok ||
      type != napi_uint8_array) {
    type_error(a, "hostfs: expected a Uint8Array");
    return NULL;
  }
  return data != NULL ? data : (uint8_t *)"";
}

static int arg_is_null(args_t *a, size_t i) {
  napi_valuetype t;
  if (a->bad || napi_typeof(a->env, a->argv[i], &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

static double *arg_doubles(args_t *a, size_t i, size_t need) {
  napi_typedarray_type type;
  void *data = NULL;
  napi_value ab;
  size_t len, offset;
  if (a->bad) return NULL;
  if (napi_get_typedarray_info(a->env, a->argv[i], &type, &len, &data, &ab, &offset) != napi_ok ||
      type != napi_float64_array || len < need) {
    type_error(a, "hostfs: expected a Float64Array");
    return NULL;
  }
  return data;
}

static napi_value ret(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

// The result of a call that sets errno: the value, or -errno.
static double sys(long r) {
  return r < 0 ? -(double)errno : (double)r;
}

// Copies one path component into `buf` as a C string. Refuses (with the errno the kernel would
// give, or EINVAL) anything that would make the host walk more or other than this one name:
// slashes, ".", "..", and embedded NULs, which would silently cut the name short.
static int component(args_t *a, size_t i, char buf[NAME_MAX + 1]) {
  size_t n;
  const uint8_t *p = arg_bytes(a, i, &n);
  if (a->bad) return -EINVAL;
  if (n == 0) return -ENOENT;
  if (n > NAME_MAX) return -ENAMETOOLONG;
  if (memchr(p, '/', n) != NULL || memchr(p, 0, n) != NULL) return -EINVAL;
  if (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))) return -EINVAL;
  memcpy(buf, p, n);
  buf[n] = 0;
  return 0;
}

// Copies a C string argument of up to `cap - 1` bytes (symlink bodies, xattr names).
static int cstring(args_t *a, size_t i, char *buf, size_t cap, int too_long) {
  size_t n;
  const uint8_t *p = arg_bytes(a, i, &n);
  if (a->bad) return -EINVAL;
  if (n >= cap) return -too_long;
  if (memchr(p, 0, n) != NULL) return -EINVAL;
  memcpy(buf, p, n);
  buf[n] = 0;
  return 0;
}

// The magic link that reaches the object an fd holds, whatever names it has now.
static void proc_path(int fd, char buf[40]) {
  snprintf(buf, 40, "/proc/self/fd/%d", fd);
}

#define BEGIN(n)                 \
  args_t a;                      \
  get_args(&a, env, info, (n));  \
  if (a.bad) return NULL
#define CHECK(expr)              \
  do {                           \
    int e_ = (expr);             \
    if (a.bad) return NULL;      \
    if (e_ < 0) return ret(env, e_); \
  } while (0)
#define END(value)               \
  if (a.bad) return NULL;        \
  return ret(env, (value))

// lookup(dirfd, name) -> O_PATH fd of the object `name` names in `dirfd`, symlinks included.
static napi_value f_lookup(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int dirfd = (int)arg_int(&a, 0);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 1, name));
  static int have_openat2 = 1;
  long r = -1;
  if (have_openat2) {
    struct open_how how = {
      .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    // RESOLVE_BENEATH may answer EAGAIN while anything on the machine renames: retry.
    for (int i = 0; i < 64; i++) {
      r = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
      if (r >= 0 || errno != EAGAIN) break;
    }
    if (r < 0 && errno == ENOSYS) have_openat2 = 0;
  }
  // Before Linux 5.6: one validated component with O_NOFOLLOW is already confined.
  if (!have_openat2) r = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  END(sys(r));
}

// create(dirfd, name, mode) -> a read-write descriptor of the new regular file `name`
// (O_CREAT|O_EXCL: never follows, fails on any existing name). Its creator may use it whatever
// the mode says, as open(2) allows.
static napi_value f_create(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int dirfd = (int)arg_int(&a, 0);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 1, name));
  mode_t mode = (mode_t)arg_int(&a, 2) & 07777;
  if (a.bad) return NULL;
  int flags = O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
  struct open_how how = {
    .flags = (uint64_t)flags,
    .mode = mode,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  long r = -1;
  for (int i = 0; i < 64; i++) {
    r = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    if (r >= 0 || errno != EAGAIN) break;
  }
  if (r < 0 && errno == ENOSYS) r = openat(dirfd, name, flags, mode);
  return ret(env, sys(r));
}

// opendir(fd) -> a descriptor for reading the directory `fd` holds.
static napi_value f_opendir(napi_env env, napi_callback_info info) {
  BEGIN(1);
  int fd = (int)arg_int(&a, 0);
  END(sys(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)));
}

// tmpfile(dirfd, mode) -> a read-write descriptor of a new unnamed file in `dirfd` (O_TMPFILE).
static napi_value f_tmpfile(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int dirfd = (int)arg_int(&a, 0);
  mode_t mode = (mode_t)arg_int(&a, 1);
  END(sys(openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode)));
}

// reopen(fd, flags) -> a descriptor for I/O on the very object `fd` holds, or with O_PATH a
// new reference to it. Only the access mode, O_PATH and O_SYNC/O_DSYNC are honoured; O_NONBLOCK
// keeps a fifo or device from blocking.
static napi_value f_reopen(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  int flags = (int)arg_int(&a, 1) & (O_ACCMODE | O_PATH | O_SYNC | O_DSYNC);
  if (a.bad) return NULL;
  char p[40];
  proc_path(fd, p);
  int nfd = open(p, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (nfd < 0) return ret(env, -errno);
  struct stat st1, st2;
  if (fstat(fd, &st1) < 0 || fstat(nfd, &st2) < 0 || st1.st_dev != st2.st_dev || st1.st_ino != st2.st_ino) {
    // /proc is not the procfs of this process: never act on whatever it led to.
    close(nfd);
    return ret(env, -ESTALE);
  }
  return ret(env, nfd);
}

static void put_time(double *out, struct statx_timestamp t) {
  out[0] = (double)t.tv_sec;
  out[1] = (double)t.tv_nsec;
}

// statx(fd, name | null, out) -> 0. Without a name, the object `fd` holds. Never follows.
// out: mask mode nlink uid gid size blocks blksize rdevMajor rdevMinor devMajor devMinor inoHi
//      inoLo atime(2) mtime(2) ctime(2) btime(2) attributes(2)
static napi_value f_statx(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int fd = (int)arg_int(&a, 0);
  double *out = arg_doubles(&a, 2, STAT_SLOTS);
  char name[NAME_MAX + 1];
  struct statx sx;
  unsigned mask = STATX_BASIC_STATS | STATX_BTIME;
  long r;
  if (arg_is_null(&a, 1)) {
    r = statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, mask, &sx);
  } else {
    CHECK(component(&a, 1, name));
    r = statx(fd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, mask, &sx);
  }
  if (a.bad) return NULL;
  if (r < 0) return ret(env, -errno);
  out[0] = sx.stx_mask;
  out[1] = sx.stx_mode;
  out[2] = sx.stx_nlink;
  out[3] = sx.stx_uid;
  out[4] = sx.stx_gid;
  out[5] = (double)sx.stx_size;
  out[6] = (double)sx.stx_blocks;
  out[7] = sx.stx_blksize;
  out[8] = sx.stx_rdev_major;
  out[9] = sx.stx_rdev_minor;
  out[10] = sx.stx_dev_major;
  out[11] = sx.stx_dev_minor;
  out[12] = (double)(sx.stx_ino >> 32);
  out[13] = (double)(sx.stx_ino & 0xffffffffu);
  put_time(out + 14, sx.stx_atime);
  put_time(out + 16, sx.stx_mtime);
  put_time(out + 18, sx.stx_ctime);
  if (sx.stx_mask & STATX_BTIME) {
    put_time(out + 20, sx.stx_btime);
  } else {
    out[20] = out[21] = 0;
  }
  out[22] = (double)(sx.stx_attributes >> 32);
  out[23] = (double)(sx.stx_attributes & 0xffffffffu);
  return ret(env, 0);
}

// mkdirat(dirfd, name, mode) -> 0.
static napi_value f_mkdirat(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int dirfd = (int)arg_int(&a, 0);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 1, name));
  mode_t mode = (mode_t)arg_int(&a, 2);
  END(sys(mkdirat(dirfd, name, mode)));
}

// mknodat(dirfd, name, mode, major, minor) -> 0. Regular files, fifos, sockets and devices.
static napi_value f_mknodat(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int dirfd = (int)arg_int(&a, 0);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 1, name));
  mode_t mode = (mode_t)arg_int(&a, 2);
  dev_t dev = makedev((unsigned)arg_int(&a, 3), (unsigned)arg_int(&a, 4));
  END(sys(mknodat(dirfd, name, mode, dev)));
}

// symlinkat(target, dirfd, name) -> 0. The target is stored, never resolved by the host.
static napi_value f_symlinkat(napi_env env, napi_callback_info info) {
  BEGIN(3);
  char target[PATH_MAX];
  CHECK(cstring(&a, 0, target, sizeof target, ENAMETOOLONG));
  int dirfd = (int)arg_int(&a, 1);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 2, name));
  END(sys(symlinkat(target, dirfd, name)));
}

// readlink(fd, buf) -> the length of the target of the symlink `fd` holds.
static napi_value f_readlink(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  size_t len;
  uint8_t *buf = arg_bytes(&a, 1, &len);
  END(sys(readlinkat(fd, "", (char *)buf, len)));
}

// unlinkat(dirfd, name, flags) -> 0. flags: 0 or AT_REMOVEDIR.
static napi_value f_unlinkat(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int dirfd = (int)arg_int(&a, 0);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 1, name));
  int flags = (int)arg_int(&a, 2) & AT_REMOVEDIR;
  END(sys(unlinkat(dirfd, name, flags)));
}

// renameat2(olddirfd, oldname, newdirfd, newname, flags) -> 0. RENAME_NOREPLACE, _EXCHANGE, _WHITEOUT.
static napi_value f_renameat2(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int olddirfd = (int)arg_int(&a, 0);
  char oldname[NAME_MAX + 1], newname[NAME_MAX + 1];
  CHECK(component(&a, 1, oldname));
  int newdirfd = (int)arg_int(&a, 2);
  CHECK(component(&a, 3, newname));
  unsigned flags = (unsigned)arg_int(&a, 4);
  END(sys(syscall(SYS_renameat2, olddirfd, oldname, newdirfd, newname, flags)));
}

// link(fd, newdirfd, newname) -> 0: a new name for the object `fd` holds (never a symlink's target).
static napi_value f_link(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int fd = (int)arg_int(&a, 0);
  int newdirfd = (int)arg_int(&a, 1);
  char name[NAME_MAX + 1];
  CHECK(component(&a, 2, name));
  // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; without it the kernel answers ENOENT and the magic
  // link (AT_SYMLINK_FOLLOW follows only the jump to the object) does the same for everyone.
  long r = linkat(fd, "", newdirfd, name, AT_EMPTY_PATH);
  if (r < 0 && errno == ENOENT) {
    char p[40];
    proc_path(fd, p);
    r = linkat(AT_FDCWD, p, newdirfd, name, AT_SYMLINK_FOLLOW);
  }
  END(sys(r));
}

// chmod(fd, mode) -> 0 on the object `fd` holds.
static napi_value f_chmod(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  mode_t mode = (mode_t)arg_int(&a, 1);
  if (a.bad) return NULL;
  static int have_fchmodat2 = 1;
  long r = -1;
  if (have_fchmodat2) {
    r = syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH);
    if (r < 0 && (errno == ENOSYS || errno == EINVAL)) have_fchmodat2 = 0;
  }
  if (!have_fchmodat2) {
    // Before Linux 6.6.
    char p[40];
    proc_path(fd, p);
    r = chmod(p, mode);
  }
  return ret(env, sys(r));
}

// chown(fd, uid, gid) -> 0 on the object `fd` holds; -1 leaves an id unchanged.
static napi_value f_chown(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int fd = (int)arg_int(&a, 0);
  uid_t uid = (uid_t)arg_int(&a, 1);
  gid_t gid = (gid_t)arg_int(&a, 2);
  END(sys(fchownat(fd, "", uid, gid, AT_EMPTY_PATH)));
}

// utimens(fd, atimeSec, atimeNsec, mtimeSec, mtimeNsec) -> 0; UTIME_NOW and UTIME_OMIT work.
static napi_value f_utimens(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int fd = (int)arg_int(&a, 0);
  struct timespec ts[2];
  ts[0].tv_sec = (time_t)arg_int(&a, 1);
  ts[0].tv_nsec = (long)arg_int(&a, 2);
  ts[1].tv_sec = (time_t)arg_int(&a, 3);
  ts[1].tv_nsec = (long)arg_int(&a, 4);
  if (a.bad) return NULL;
  for (int i = 0; i < 2; i++) {
    long ns = ts[i].tv_nsec;
    if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns > 999999999L)) return ret(env, -EINVAL);
  }
  long r = utimensat(fd, "", ts, AT_EMPTY_PATH);
  if (r < 0 && errno == EINVAL) {
    // Before Linux 5.8 utimensat knew no AT_EMPTY_PATH.
    char p[40];
    proc_path(fd, p);
    r = utimensat(AT_FDCWD, p, ts, 0);
  }
  return ret(env, sys(r));
}

// truncate(fd, size) -> 0 on the regular file `fd` holds (an O_PATH fd cannot ftruncate).
static napi_value f_truncate(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  off_t size = (off_t)arg_int(&a, 1);
  if (a.bad) return NULL;
  char p[40];
  proc_path(fd, p);
  return ret(env, sys(truncate(p, size)));
}

// getxattr(fd, name, buf) -> the value's length. Through the magic link: f*xattr refuse O_PATH.
static napi_value f_getxattr(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int fd = (int)arg_int(&a, 0);
  char name[XATTR_NAME_MAX + 1];
  CHECK(cstring(&a, 1, name, sizeof name, ERANGE));
  size_t len;
  uint8_t *buf = arg_bytes(&a, 2, &len);
  if (a.bad) return NULL;
  char p[40];
  proc_path(fd, p);
  return ret(env, sys(getxattr(p, name, buf, len)));
}

// setxattr(fd, name, value, flags) -> 0. flags: XATTR_CREATE, XATTR_REPLACE.
static napi_value f_setxattr(napi_env env, napi_callback_info info) {
  BEGIN(4);
  int fd = (int)arg_int(&a, 0);
  char name[XATTR_NAME_MAX + 1];
  CHECK(cstring(&a, 1, name, sizeof name, ERANGE));
  size_t len;
  uint8_t *value = arg_bytes(&a, 2, &len);
  int flags = (int)arg_int(&a, 3);
  if (a.bad) return NULL;
  char p[40];
  proc_path(fd, p);
  return ret(env, sys(setxattr(p, name, value, len, flags)));
}

// listxattr(fd, buf) -> the length of the NUL-separated name list.
static napi_value f_listxattr(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  size_t len;
  uint8_t *buf = arg_bytes(&a, 1, &len);
  if (a.bad) return NULL;
  char p[40];
  proc_path(fd, p);
  return ret(env, sys(listxattr(p, (char *)buf, len)));
}

// removexattr(fd, name) -> 0.
static napi_value f_removexattr(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  char name[XATTR_NAME_MAX + 1];
  CHECK(cstring(&a, 1, name, sizeof name, ERANGE));
  char p[40];
  proc_path(fd, p);
  return ret(env, sys(removexattr(p, name)));
}

// getdents(fd, buf) -> bytes of linux_dirent64 records read (0 at the end).
static napi_value f_getdents(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  size_t len;
  uint8_t *buf = arg_bytes(&a, 1, &len);
  END(sys(syscall(SYS_getdents64, fd, buf, len)));
}

// lseek(fd, offset, whence) -> the new offset (SEEK_SET rewinds a directory; SEEK_DATA, SEEK_HOLE).
static napi_value f_lseek(napi_env env, napi_callback_info info) {
  BEGIN(3);
  int fd = (int)arg_int(&a, 0);
  off_t off = (off_t)arg_int(&a, 1);
  int whence = (int)arg_int(&a, 2);
  END(sys(lseek(fd, off, whence)));
}

static uint8_t *io_range(args_t *a, size_t *len) {
  size_t cap;
  uint8_t *buf = arg_bytes(a, 1, &cap);
  int64_t off = arg_int(a, 2), n = arg_int(a, 3);
  if (a->bad) return NULL;
  if (off < 0 || n < 0 || (uint64_t)off + (uint64_t)n > cap) {
    type_error(a, "hostfs: range outside the buffer");
    return NULL;
  }
  *len = (size_t)n;
  return buf + off;
}

// pread(fd, buf, offset, length, position) -> bytes read.
static napi_value f_pread(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int fd = (int)arg_int(&a, 0);
  size_t len;
  uint8_t *p = io_range(&a, &len);
  off_t pos = (off_t)arg_int(&a, 4);
  END(sys(pread(fd, p, len, pos)));
}

// pwrite(fd, buf, offset, length, position) -> bytes written; position -1 appends atomically.
static napi_value f_pwrite(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int fd = (int)arg_int(&a, 0);
  size_t len;
  uint8_t *p = io_range(&a, &len);
  off_t pos = (off_t)arg_int(&a, 4);
  if (a.bad) return NULL;
  long r;
  if (pos >= 0) {
    r = pwrite(fd, p, len, pos);
  } else {
    struct iovec iov = { p, len };
    r = pwritev2(fd, &iov, 1, -1, RWF_APPEND);
    if (r < 0 && (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)) {
      // Before Linux 4.16: set O_APPEND around one write.
      int fl = fcntl(fd, F_GETFL);
      if (fl < 0) return ret(env, -errno);
      if (fcntl(fd, F_SETFL, fl | O_APPEND) < 0) return ret(env, -errno);
      r = write(fd, p, len);
      int e = errno;
      fcntl(fd, F_SETFL, fl);
      errno = e;
    }
  }
  return ret(env, sys(r));
}

// copyrange(infd, inpos, outfd, outpos, length) -> bytes copied (fewer only at the end of the
// source). copy_file_range(2) copies inside the kernel; where it cannot (across filesystems
// before Linux 5.3, or a filesystem without it) the bytes go through a buffer here.
static napi_value f_copyrange(napi_env env, napi_callback_info info) {
  BEGIN(5);
  int in = (int)arg_int(&a, 0);
  loff_t inpos = (loff_t)arg_int(&a, 1);
  int out = (int)arg_int(&a, 2);
  loff_t outpos = (loff_t)arg_int(&a, 3);
  int64_t len = arg_int(&a, 4);
  if (a.bad) return NULL;
  int64_t done = 0;
  int fallback = 0;
  static uint8_t buf[1 << 16];
  while (done < len) {
    size_t want = (size_t)(len - done);
    ssize_t n;
    if (!fallback) {
      n = copy_file_range(in, &inpos, out, &outpos, want, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        fallback = 1;
        continue;
      }
    } else {
      if (want > sizeof buf) want = sizeof buf;
      n = pread(in, buf, want, inpos);
      if (n > 0) {
        ssize_t w = 0;
        while (w < n) {
          ssize_t k = pwrite(out, buf + w, (size_t)(n - w), outpos + w);
          if (k < 0 && errno == EINTR) continue;
          if (k < 0) return ret(env, -errno);
          w += k;
        }
        inpos += n;
        outpos += n;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ret(env, -errno);
    if (n == 0) break;
    done += n;
  }
  return ret(env, (double)done);
}

// fsync(fd) -> 0.
static napi_value f_fsync(napi_env env, napi_callback_info info) {
  BEGIN(1);
  END(sys(fsync((int)arg_int(&a, 0))));
}

// close(fd) -> 0.
static napi_value f_close(napi_env env, napi_callback_info info) {
  BEGIN(1);
  END(sys(close((int)arg_int(&a, 0))));
}

// statfs(fd, out) -> 0. out: type bsize blocks bfree bavail files ffree fsid0 fsid1 namelen frsize flags
static napi_value f_statfs(napi_env env, napi_callback_info info) {
  BEGIN(2);
  int fd = (int)arg_int(&a, 0);
  double *out = arg_doubles(&a, 1, STATFS_SLOTS);
  if (a.bad) return NULL;
  struct statfs s;
  if (fstatfs(fd, &s) < 0) return ret(env, -errno);
  out[0] = (double)s.f_type;
  out[1] = (double)s.f_bsize;
  out[2] = (double)s.f_blocks;
  out[3] = (double)s.f_bfree;
  out[4] = (double)s.f_bavail;
  out[5] = (double)s.f_files;
  out[6] = (double)s.f_ffree;
  out[7] = (double)(unsigned)s.f_fsid.__val[0];
  out[8] = (double)(unsigned)s.f_fsid.__val[1];
  out[9] = (double)s.f_namelen;
  out[10] = (double)s.f_frsize;
  out[11] = (double)s.f_flags;
  return ret(env, 0);
}

// openroot(path) -> an O_PATH descriptor of the directory served (the embedder's trusted path).
static napi_value f_openroot(napi_env env, napi_callback_info info) {
  BEGIN(1);
  char path[PATH_MAX];
  CHECK(cstring(&a, 0, path, sizeof path, ENAMETOOLONG));
  END(sys(open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)));
}

#define FN(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
    FN("lookup", f_lookup), FN("create", f_create), FN("opendir", f_opendir), FN("tmpfile", f_tmpfile),
    FN("reopen", f_reopen), FN("statx", f_statx), FN("mkdirat", f_mkdirat),
    FN("mknodat", f_mknodat), FN("symlinkat", f_symlinkat), FN("readlink", f_readlink),
    FN("unlinkat", f_unlinkat), FN("renameat2", f_renameat2), FN("link", f_link),
    FN("chmod", f_chmod), FN("chown", f_chown), FN("utimens", f_utimens),
    FN("truncate", f_truncate), FN("getxattr", f_getxattr), FN("setxattr", f_setxattr),
    FN("listxattr", f_listxattr), FN("removexattr", f_removexattr), FN("getdents", f_getdents),
    FN("lseek", f_lseek), FN("pread", f_pread), FN("pwrite", f_pwrite), FN("fsync", f_fsync),
    FN("close", f_close), FN("statfs", f_statfs), FN("openroot", f_openroot), FN("copyrange", f_copyrange),
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
