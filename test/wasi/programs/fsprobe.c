/*
 * fsprobe: a filesystem probe that prints a deterministic transcript. Built twice from this one
 * source: natively with gcc (run as root in a chroot on a kernel tmpfs) and for wasm32-wasi
 * (run under a WASI host with "/" preopened). The transcripts must be identical, so it prints
 * only what both must agree on: results, errno names, file types, sizes, link counts, times
 * that were set explicitly, directory contents (sorted) and relations between inode numbers.
 *
 * Usage: fsprobe all            every section below, in /p
 *        fsprobe escape         only the sandbox-escape section
 *        fsprobe random SEED N  N generated operations on a small name space, in /r<SEED>
 *
 * Under WASI, a few libc wrappers of the 2022 wasi-libc differ from Linux on the guest side
 * (open("") opens ".", rmdir(".") removes the cwd by name, UTIME_NOW is rejected,
 * utimensat(path, NULL) zeroes the times, the cwd is kept as text so `chdir("..")` after the
 * directory went away fails); those cases call the WASI import directly, or are avoided, so that
 * the host is what gets tested.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

static const char *ename(int e) {
  switch (e) {
  case 0: return "OK";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EIO: return "EIO";
  case ENXIO: return "ENXIO";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case EXDEV: return "EXDEV";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENOTTY: return "ENOTTY";
  case EFBIG: return "EFBIG";
  case ENOSPC: return "ENOSPC";
  case ESPIPE: return "ESPIPE";
  case EROFS: return "EROFS";
  case EMLINK: return "EMLINK";
  case ERANGE: return "ERANGE";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOSYS: return "ENOSYS";
  case ENOTEMPTY: return "ENOTEMPTY";
  case ELOOP: return "ELOOP";
  case EOVERFLOW: return "EOVERFLOW";
  case ENOTSUP: return "ENOTSUP";
#ifdef ENOTCAPABLE
  case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
  default: {
    static char buf[32];
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
  }
  }
}

/* Prints "label -> OK" for r >= 0, "label -> ENAME" otherwise. */
static int T(const char *label, long r) {
  if (r < 0) printf("%s -> %s\n", label, ename(errno));
  else printf("%s -> OK\n", label);
  return (int)r;
}

/* Prints the number, or the errno name. */
static long N(const char *label, long r) {
  if (r < 0) printf("%s -> %s\n", label, ename(errno));
  else printf("%s -> %ld\n", label, r);
  return r;
}

static const char *tname(mode_t m) {
  switch (m & S_IFMT) {
  case S_IFREG: return "reg";
  case S_IFDIR: return "dir";
  case S_IFLNK: return "lnk";
  case S_IFCHR: return "chr";
  case S_IFBLK: return "blk";
#ifndef __wasi__
  case S_IFIFO: return "fifo";
#endif
  case S_IFSOCK: return "sock";
  default: return "unknown";
  }
}

/* The deterministic part of a stat: type, and size and link count where they are meaningful. */
static void show_stat(const char *label, int r, const struct stat *st) {
  if (r < 0) {
    printf("%s -> %s\n", label, ename(errno));
    return;
  }
  if (S_ISDIR(st->st_mode))
    printf("%s -> dir nlink=%llu\n", label, (unsigned long long)st->st_nlink);
  else
    printf("%s -> %s size=%lld nlink=%llu\n", label, tname(st->st_mode), (long long)st->st_size,
           (unsigned long long)st->st_nlink);
}

static void S(const char *path) {
  struct stat st;
  char label[512];
  snprintf(label, sizeof label, "stat %s", path);
  errno = 0;
  show_stat(label, stat(path, &st), &st);
}

static void L(const char *path) {
  struct stat st;
  char label[512];
  snprintf(label, sizeof label, "lstat %s", path);
  errno = 0;
  show_stat(label, lstat(path, &st), &st);
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("put %s -> %s\n", path, ename(errno));
    return;
  }
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) printf("put %s short\n", path);
  close(fd);
}

/* Prints the content of a small file. */
static void cat(const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("cat %s -> %s\n", path, ename(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) {
    printf("cat %s -> read %s\n", path, ename(errno));
    return;
  }
  buf[n] = 0;
  printf("cat %s -> \"%s\"\n", path, buf);
}

static void RL(const char *path) {
  char buf[256];
  errno = 0;
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n < 0) {
    printf("readlink %s -> %s\n", path, ename(errno));
    return;
  }
  buf[n] = 0;
  printf("readlink %s -> \"%s\"\n", path, buf);
}

static int cmpstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char dtname(unsigned char t) {
  switch (t) {
  case DT_REG: return 'f';
  case DT_DIR: return 'd';
  case DT_LNK: return 'l';
  case DT_CHR: return 'c';
  case DT_BLK: return 'b';
  default: return '?';
  }
}

/* Lists a directory: sorted names with their d_type, "." and ".." included. */
static void ls_at(int dfd, const char *path) {
  int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    printf("ls %s -> %s\n", path, ename(errno));
    return;
  }
  DIR *d = fdopendir(fd);
  char *names[512];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 512) {
    char *s = malloc(strlen(e->d_name) + 3);
    sprintf(s, "%s:%c", e->d_name, dtname(e->d_type));
    names[n++] = s;
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmpstr);
  printf("ls %s ->", path);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void LS(const char *path) { ls_at(AT_FDCWD, path); }

static void show_times(const char *label, const char *path, int flags) {
  struct stat st;
  errno = 0;
  if (fstatat(AT_FDCWD, path, &st, flags) < 0) {
    printf("%s -> %s\n", label, ename(errno));
    return;
  }
  printf("%s -> atime=%lld.%09ld mtime=%lld.%09ld\n", label, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static uint32_t fnv(const unsigned char *p, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

/* rename(2) on paths relative to the cwd, past wasi-libc's rewriting of "." (see the top). */
static int raw_rename(const char *from, const char *to) {
#ifdef __wasi__
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  int e = __wasi_path_rename(dfd, from, dfd, to);
  close(dfd);
  errno = e;
  return e ? -1 : 0;
#else
  return rename(from, to);
#endif
}

/* ---- sections ---- */

static void files(void) {
  printf("== files\n");
  int fd = T("open f O_CREAT|O_EXCL|O_RDWR", open("f", O_CREAT | O_EXCL | O_RDWR, 0644));
  N("write f hello", write(fd, "hello", 5));
  N("lseek f 0 SET", lseek(fd, 0, SEEK_SET));
  char buf[64];
  long n = N("read f 64", read(fd, buf, sizeof buf));
  printf("data -> \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
  N("read f at EOF", read(fd, buf, sizeof buf));
  N("lseek f 10 SET", lseek(fd, 10, SEEK_SET));
  N("write f at 10", write(fd, "X", 1));
  N("lseek f 0 CUR", lseek(fd, 0, SEEK_CUR));
  N("lseek f -3 END", lseek(fd, -3, SEEK_END));
  N("lseek f -100 CUR", lseek(fd, -100, SEEK_CUR));
  N("lseek f 0 whence=7", lseek(fd, 0, 7));
  N("pread f 4 at 3", pread(fd, buf, 4, 3));
  printf("pread data -> %02x %02x %02x %02x\n", buf[0] & 255, buf[1] & 255, buf[2] & 255, buf[3] & 255);
  N("pwrite f 2 at 1", pwrite(fd, "EY", 2, 1));
  N("offset after pwrite", lseek(fd, 0, SEEK_CUR));
  N("pread f at 100", pread(fd, buf, 4, 100));
  N("pread f at -1", pread(fd, buf, 4, -1));
  T("fsync f", fsync(fd));
  T("fdatasync f", fdatasync(fd));
  T("ftruncate f 3", ftruncate(fd, 3));
  T("ftruncate f 8", ftruncate(fd, 8));
  n = N("pread f 16 at 0", pread(fd, buf, 16, 0));
  printf("after truncate -> %02x %02x %02x %02x %02x\n", buf[0] & 255, buf[1] & 255, buf[2] & 255, buf[3] & 255, buf[4] & 255);
  T("ftruncate f -1", ftruncate(fd, -1));
  errno = posix_fallocate(fd, 0, 100);
  T("posix_fallocate f 0 100", errno ? -1 : 0);
  errno = posix_fallocate(fd, 0, 0);
  T("posix_fallocate f 0 0", errno ? -1 : 0);
  errno = posix_fadvise(fd, 0, 10, POSIX_FADV_SEQUENTIAL);
  T("posix_fadvise f", errno ? -1 : 0);
  errno = posix_fadvise(fd, 0, 10, 99);
  T("posix_fadvise f bad advice", errno ? -1 : 0);
  S("f");
  int fl = fcntl(fd, F_GETFL);
  printf("F_GETFL f -> acc=%s append=%d\n", (fl & O_ACCMODE) == O_RDWR ? "rdwr" : (fl & O_ACCMODE) == O_WRONLY ? "wronly" : (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : "other", (fl & O_APPEND) != 0);
  T("close f", close(fd));
  T("close f again", close(fd));
  N("read closed fd", read(fd, buf, 1));

  T("open f O_CREAT|O_EXCL again", open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
  fd = T("open f O_RDONLY", open("f", O_RDONLY));
  N("write to O_RDONLY", write(fd, "x", 1));
  T("ftruncate O_RDONLY", ftruncate(fd, 0));
  fl = fcntl(fd, F_GETFL);
  printf("F_GETFL rdonly -> acc=%s\n", (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : "other");
  close(fd);
  fd = T("open f O_WRONLY", open("f", O_WRONLY));
  N("read from O_WRONLY", read(fd, buf, 1));
  fl = fcntl(fd, F_GETFL);
  printf("F_GETFL wronly -> acc=%s\n", (fl & O_ACCMODE) == O_WRONLY ? "wronly" : "other");
  close(fd);

  fd = T("open f O_WRONLY|O_APPEND", open("f", O_WRONLY | O_APPEND));
  N("lseek append 0 SET", lseek(fd, 0, SEEK_SET));
  N("write append", write(fd, "AB", 2));
  N("offset after append", lseek(fd, 0, SEEK_CUR));
  N("pwrite append at 0", pwrite(fd, "CD", 2, 0));
  fl = fcntl(fd, F_GETFL);
  printf("F_GETFL append -> append=%d\n", (fl & O_APPEND) != 0);
  T("F_SETFL clear append", fcntl(fd, F_SETFL, fl & ~O_APPEND));
  N("lseek 0 SET", lseek(fd, 0, SEEK_SET));
  N("write after clearing append", write(fd, "Z", 1));
  close(fd);
  S("f");

  fd = T("open f O_RDONLY|O_TRUNC", open("f", O_RDONLY | O_TRUNC));
  close(fd);
  S("f");
  put("f", "0123456789");
  fd = T("open f O_RDWR|O_TRUNC", open("f", O_RDWR | O_TRUNC));
  close(fd);
  S("f");

  T("open missing", open("missing", O_RDONLY));
  T("open missing/x", open("missing/x", O_RDONLY));
  T("open f/", open("f/", O_RDONLY));
  T("open f/x", open("f/x", O_RDONLY));
  T("open f/ O_CREAT", open("f/", O_CREAT | O_WRONLY, 0644));
  T("open new/ O_CREAT", open("new/", O_CREAT | O_WRONLY, 0644));
  T("open f O_DIRECTORY", open("f", O_RDONLY | O_DIRECTORY));
  T("open . O_WRONLY", open(".", O_WRONLY));
  T("open . O_RDWR", open(".", O_RDWR));
  T("open . O_CREAT", open(".", O_CREAT | O_RDONLY, 0644));
  T("open x O_CREAT|O_DIRECTORY", open("cd", O_CREAT | O_DIRECTORY | O_RDONLY, 0644));
  S("cd");
  fd = T("open . O_RDONLY", open(".", O_RDONLY));
  N("read dir fd", read(fd, buf, 1));
  N("lseek dir 0 SET", lseek(fd, 0, SEEK_SET));
  N("lseek dir 0 END", lseek(fd, 0, SEEK_END));
  T("ftruncate dir fd", ftruncate(fd, 0));
  close(fd);

  /* Empty path: wasi-libc's open("") opens "."; ask the host itself. */
#ifdef __wasi__
  {
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    __wasi_fd_t nfd;
    __wasi_errno_t e = __wasi_path_open(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "", 0, __WASI_RIGHTS_FD_READ, 0, 0, &nfd);
    errno = e;
    T("open empty path", e ? -1 : 0);
    close(dfd);
  }
#else
  T("open empty path", open("", O_RDONLY));
#endif

  char name[300];
  memset(name, 'n', 255);
  name[255] = 0;
  fd = T("open 255-byte name O_CREAT", open(name, O_CREAT | O_WRONLY, 0644));
  close(fd);
  T("unlink 255-byte name", unlink(name));
  name[255] = 'n';
  name[256] = 0;
  T("open 256-byte name O_CREAT", open(name, O_CREAT | O_WRONLY, 0644));
  T("stat 256-byte name", stat(name, &(struct stat){0}));
  char *longpath = malloc(5000);
  for (int i = 0; i < 2500; i++) memcpy(longpath + 2 * i, "a/", 2);
  longpath[4999] = 0;
  T("stat 4999-byte path", stat(longpath, &(struct stat){0}));
  free(longpath);

  /* Large data: many writes of odd sizes, read back with odd-sized preads. */
  fd = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644);
  unsigned char *data = malloc(1 << 20);
  for (int i = 0; i < (1 << 20); i++) data[i] = (unsigned char)(i * 7 + (i >> 9));
  size_t at = 0;
  int chunk = 1;
  while (at < (1 << 20) * 3) {
    size_t want = (size_t)chunk;
    if (at + want > (size_t)(1 << 20) * 3) want = (size_t)(1 << 20) * 3 - at;
    ssize_t w = write(fd, data + (at % (1 << 20)), want > (1 << 20) - at % (1 << 20) ? (1 << 20) - at % (1 << 20) : want);
    if (w <= 0) break;
    at += (size_t)w;
    chunk = chunk * 3 % 100003 + 1;
  }
  N("big written", (long)at);
  uint32_t h = 2166136261u;
  off_t pos = 0;
  chunk = 4095;
  for (;;) {
    ssize_t r = pread(fd, data, (size_t)chunk, pos);
    if (r <= 0) break;
    h = fnv(data, (size_t)r, h);
    pos += r;
    chunk = chunk * 5 % 65521 + 17;
  }
  printf("big read back -> %lld bytes fnv=%08x\n", (long long)pos, h);
  struct iovec iov[3] = {{data, 3}, {data + 10, 0}, {data + 20, 5}};
  N("readv at 0", (lseek(fd, 0, SEEK_SET), readv(fd, iov, 3)));
  printf("readv data -> %02x %02x %02x %02x\n", data[0], data[2], data[20], data[24]);
  memcpy(data, "abc", 3);
  memcpy(data + 20, "defgh", 5);
  N("writev at 0", (lseek(fd, 0, SEEK_SET), writev(fd, iov, 3)));
  N("pread after writev", pread(fd, buf, 8, 0));
  printf("writev data -> \"%.8s\"\n", buf);
  free(data);
  close(fd);
  T("unlink big", unlink("big"));

  /* Holes read as zeros. */
  fd = open("sparse", O_CREAT | O_RDWR | O_TRUNC, 0644);
  N("lseek sparse 1000000", lseek(fd, 1000000, SEEK_SET));
  N("write sparse", write(fd, "end", 3));
  N("pread hole", pread(fd, buf, 8, 500000));
  printf("hole -> %d %d %d\n", buf[0], buf[3], buf[7]);
  close(fd);
  S("sparse");
}

static void dirs(void) {
  printf("== dirs\n");
  T("mkdir d", mkdir("d", 0755));
  T("mkdir d again", mkdir("d", 0755));
  T("mkdir d/e/", mkdir("d/e/", 0755));
  T("mkdir d/e2", mkdir("d/e2", 0755));
  T("mkdir nope/x", mkdir("nope/x", 0755));
  T("mkdir f/x", mkdir("f/x", 0755));
  T("mkdir .", mkdir(".", 0755));
  T("mkdir ..", mkdir("..", 0755));
  T("mkdir d/e/..", mkdir("d/e/..", 0755));
  S("d");
  S("d/e");
  S("d/e/");
  S("d/e/.");
  S("d/e/..");
  S("d/./e/../e2");
  T("rmdir d", rmdir("d"));
  T("rmdir f", rmdir("f"));
  T("rmdir missing", rmdir("missing"));
  T("rmdir d/e/.", rmdir("d/e/."));
  T("rmdir d/e/..", rmdir("d/e/.."));
  /* wasi-libc turns "." into the cwd's own name before calling the host; ask the host itself. */
#ifdef __wasi__
  {
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    errno = __wasi_path_remove_directory(dfd, ".");
    T("rmdir .", errno ? -1 : 0);
    close(dfd);
  }
#else
  T("rmdir .", rmdir("."));
#endif
  T("unlink d", unlink("d"));
  T("unlink d/", unlink("d/"));
  T("unlink f/", unlink("f/"));
  T("unlink .", unlink("."));
  T("rmdir d/e2/", rmdir("d/e2/"));
  put("d/e/file", "x");
  T("rmdir d/e non-empty", rmdir("d/e"));
  T("unlink d/e/file", unlink("d/e/file"));
  T("rmdir d/e", rmdir("d/e"));
  S("d");
  /* Working directory changes (wasi-libc tracks the cwd itself). */
  T("mkdir d/sub", mkdir("d/sub", 0755));
  T("chdir d/sub", chdir("d/sub"));
  put("here", "in sub");
  cat("../sub/here");
  cat("/p/d/sub/here");
  S("..");
  T("chdir ../..", chdir("../.."));
  cat("d/sub/here");
  T("chdir f", chdir("f"));
  T("chdir missing", chdir("missing"));
  /* wasi-libc keeps the cwd as text ("/p/d/sub/../.."), so go back by name before d/sub goes. */
  T("chdir /p", chdir("/p"));
  T("unlink d/sub/here", unlink("d/sub/here"));
  T("rmdir d/sub", rmdir("d/sub"));
}

static void symlinks(void) {
  printf("== symlinks\n");
  put("target", "target data");
  T("symlink target lt", symlink("target", "lt"));
  T("symlink again", symlink("target", "lt"));
  T("symlink missing ld", symlink("missing", "ld"));
  T("symlink d ldir", symlink("d", "ldir"));
  T("symlink self loop", symlink("loop", "loop"));
  T("symlink to empty", symlink("", "lempty"));
  T("symlink into missing dir", symlink("x", "nodir/l"));
  T("symlink name/", symlink("x", "lslash/"));
  L("lt");
  S("lt");
  L("ld");
  S("ld");
  S("loop");
  S("loop/x");
  L("ldir/");
  S("ldir/");
  RL("lt");
  RL("ld");
  RL("target");
  RL("missing");
  RL("ldir/");
  {
    char small[4];
    ssize_t n = readlink("lt", small, sizeof small);
    printf("readlink lt into 4 bytes -> %ld \"%.*s\"\n", (long)n, (int)(n > 0 ? n : 0), small);
  }
  cat("lt");
  T("open lt O_NOFOLLOW", open("lt", O_RDONLY | O_NOFOLLOW));
  T("open ldir O_DIRECTORY", open("ldir", O_RDONLY | O_DIRECTORY));
  T("open ldir O_DIRECTORY|O_NOFOLLOW", open("ldir", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  T("open ld O_CREAT|O_EXCL", open("ld", O_CREAT | O_EXCL | O_WRONLY, 0644));
  int fd = T("open ld O_CREAT (creates missing)", open("ld", O_CREAT | O_WRONLY, 0644));
  close(fd);
  S("missing");
  L("missing");
  T("unlink missing", unlink("missing"));
  /* `..` after a symlink applies where the link led. */
  T("mkdir a", mkdir("a", 0755));
  T("mkdir a/deep", mkdir("a/deep", 0755));
  T("mkdir b", mkdir("b", 0755));
  put("a/t", "in a");
  put("t", "in p");
  T("symlink a/deep b/link", symlink("../a/deep", "b/link"));
  cat("b/link/../t");
  T("symlink /p/a/deep b/abs", symlink("/p/a/deep", "b/abs"));
  cat("b/abs/../t");
  T("symlink .. a/deep/up", symlink("..", "a/deep/up"));
  cat("a/deep/up/t");
  cat("a/deep/up/up/t");
  T("symlink / b/root", symlink("/", "b/root"));
  cat("b/root/p/t");
  cat("b/root/../p/t");
  cat("b/root/../../p/a/t");
  /* Chains: 40 links resolve, 41 fail. */
  put("c0", "end of chain");
  char from[16], to[16];
  for (int i = 1; i <= 41; i++) {
    snprintf(from, sizeof from, "c%d", i - 1);
    snprintf(to, sizeof to, "c%d", i);
    symlink(from, to);
  }
  cat("c40");
  cat("c41");
  /* Symlinks are not followed by unlink, rename and lstat; link does not follow (linkat flags 0). */
  T("link lt hl", link("lt", "hl"));
  L("hl");
  L("lt");
  T("rename lt lt2", rename("lt", "lt2"));
  RL("lt2");
  T("unlink lt2", unlink("lt2"));
  L("hl");
  S("target");
  T("unlink hl", unlink("hl"));
  /* Symlink times with AT_SYMLINK_NOFOLLOW. */
  T("symlink target lt3", symlink("target", "lt3"));
  struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
  T("utimensat lt3 NOFOLLOW", utimensat(AT_FDCWD, "lt3", ts, AT_SYMLINK_NOFOLLOW));
  show_times("times lt3 (link)", "lt3", AT_SYMLINK_NOFOLLOW);
  struct timespec ts2[2] = {{1200000000, 5}, {1300000000, 6}};
  T("utimensat lt3 follow", utimensat(AT_FDCWD, "lt3", ts2, 0));
  /* Following the link read it, so relatime moved its old access time to now. */
  struct stat lst;
  lstat("lt3", &lst);
  printf("mtime lt3 (link) -> %lld.%09ld\n", (long long)lst.st_mtim.tv_sec, lst.st_mtim.tv_nsec);
  printf("atime lt3 (link) moved by following -> %s\n", lst.st_atim.tv_sec > 1100000000 ? "yes" : "no");
  show_times("times target", "target", 0);
}

static void links(void) {
  printf("== links\n");
  put("h1", "shared");
  T("link h1 h2", link("h1", "h2"));
  T("link h1 h2 again", link("h1", "h2"));
  T("link missing h3", link("nothere", "h3"));
  T("link d dlink", link("d", "dlink"));
  T("link h1 d/h4", link("h1", "d/h4"));
  T("link h1 nodir/h5", link("h1", "nodir/h5"));
  T("link h1 h6/", link("h1", "h6/"));
  S("h1");
  struct stat a, b;
  stat("h1", &a);
  stat("d/h4", &b);
  printf("h1 and d/h4 same inode -> %s\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev ? "yes" : "no");
  int fd = open("h2", O_WRONLY | O_APPEND);
  write(fd, "+more", 5);
  close(fd);
  cat("d/h4");
  T("unlink h1", unlink("h1"));
  S("h2");
  T("unlink h2", unlink("h2"));
  S("d/h4");
  /* An open file outlives its last name. */
  fd = open("d/h4", O_RDWR);
  T("unlink d/h4 while open", unlink("d/h4"));
  struct stat st;
  fstat(fd, &st);
  printf("fstat unlinked -> %s size=%lld nlink=%llu\n", tname(st.st_mode), (long long)st.st_size, (unsigned long long)st.st_nlink);
  char buf[32];
  long n = pread(fd, buf, sizeof buf, 0);
  printf("read unlinked -> \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
  close(fd);
}

static void renames(void) {
  printf("== rename\n");
  put("r1", "one");
  put("r2", "two");
  T("mkdir rd1", mkdir("rd1", 0755));
  T("mkdir rd2", mkdir("rd2", 0755));
  T("mkdir rd3", mkdir("rd3", 0755));
  put("rd3/x", "x");
  T("rename r1 r2 (replace)", rename("r1", "r2"));
  cat("r2");
  S("r1");
  T("rename r2 rd1 (file over dir)", rename("r2", "rd1"));
  T("rename rd1 r2 (dir over file)", rename("rd1", "r2"));
  T("rename rd1 rd3 (over non-empty)", rename("rd1", "rd3"));
  T("rename rd1 rd2 (over empty)", rename("rd1", "rd2"));
  S("rd1");
  T("rename rd2 rd2/sub (into itself)", rename("rd2", "rd2/sub"));
  T("rename rd3 rd3/x/y", rename("rd3", "rd3/x/y"));
  T("rename missing x", rename("missing", "x"));
  T("rename r2 nodir/x", rename("r2", "nodir/x"));
  T("rename r2 r2", rename("r2", "r2"));
  T("rename r2 r2/", rename("r2", "r2/"));
  T("rename r2/ r3", rename("r2/", "r3"));
  T("rename rd2/ rd4/", rename("rd2/", "rd4/"));
  S("rd4");
  T("rename . x", raw_rename(".", "x"));
  T("rename rd4/.. x", rename("rd4/..", "x"));
  T("rename r2 .", raw_rename("r2", "."));
  T("rename r2 rd4/..", rename("r2", "rd4/.."));
  put("hr", "hard");
  link("hr", "hr2");
  T("rename hr hr2 (same inode)", rename("hr", "hr2"));
  S("hr");
  S("hr2");
  T("rename rd3/x rd4/y (across dirs)", rename("rd3/x", "rd4/y"));
  cat("rd4/y");
  S("rd3");
  S("rd4");
  /* A directory descriptor follows its directory through a rename. */
  int dfd = open("rd4", O_RDONLY | O_DIRECTORY);
  T("rename rd4 rd5", rename("rd4", "rd5"));
  int fd = openat(dfd, "y", O_RDONLY);
  char buf[16];
  long n = read(fd, buf, sizeof buf);
  printf("openat after rename -> \"%.*s\"\n", (int)(n > 0 ? n : 0), buf);
  close(fd);
  T("mkdirat dfd z", mkdirat(dfd, "z", 0755));
  S("rd5/z");
  close(dfd);
}

static void readdirs(void) {
  printf("== readdir\n");
  T("mkdir ls", mkdir("ls", 0755));
  put("ls/file", "");
  mkdir("ls/sub", 0755);
  symlink("file", "ls/link");
  LS("ls");
  LS("ls/sub");
  LS("f");
  LS("missing");
  /* Many long names: the listing needs many buffer refills. */
  mkdir("many", 0755);
  char name[300];
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "many/%03d-%0200d", i, i);
    put(name, "");
  }
  DIR *d = opendir("many");
  int count = 0;
  uint32_t h = 2166136261u;
  char *names[400];
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (count < 400) names[count] = strdup(e->d_name);
    count++;
  }
  closedir(d);
  qsort(names, count, sizeof names[0], cmpstr);
  for (int i = 0; i < count; i++) {
    h = fnv((unsigned char *)names[i], strlen(names[i]), h);
    free(names[i]);
  }
  printf("many -> %d entries fnv=%08x\n", count, h);

  /* telldir/seekdir: replaying from a saved position gives the same entries. */
  d = opendir("many");
  for (int i = 0; i < 57; i++) readdir(d);
  long where = telldir(d);
  char first[40][64];
  int got = 0;
  while (got < 40 && (e = readdir(d)) != NULL) snprintf(first[got++], 64, "%.60s", e->d_name);
  seekdir(d, where);
  int same = 0;
  for (int i = 0; i < got; i++) {
    e = readdir(d);
    if (e != NULL && strncmp(e->d_name, first[i], 60) == 0) same++;
  }
  printf("seekdir replay -> %d of %d identical\n", same, got);
  rewinddir(d);
  int again = 0;
  while (readdir(d) != NULL) again++;
  printf("rewinddir -> %d entries\n", again);
  closedir(d);

  /* Deleting while listing: every entry that stays is seen exactly once. */
  d = opendir("many");
  static int seen[300];
  memset(seen, 0, sizeof seen);
  int deleted[300] = {0};
  int dup = 0;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    int i = atoi(e->d_name);
    if (seen[i]++) dup++;
    if (i % 3 == 0) {
      /* Remove this entry and one that may not have been listed yet. */
      snprintf(name, sizeof name, "many/%s", e->d_name);
      if (unlink(name) == 0) deleted[i] = 1;
      int j = (i * 7 + 11) % 300;
      snprintf(name, sizeof name, "many/%03d-%0200d", j, j);
      if (unlink(name) == 0) deleted[j] = 1;
    }
  }
  closedir(d);
  int missed = 0;
  for (int i = 0; i < 300; i++) if (!deleted[i] && seen[i] != 1) missed++;
  printf("readdir with deletions -> duplicates=%d survivors-missed=%d\n", dup, missed);
  d = opendir("many");
  count = 0;
  while ((e = readdir(d)) != NULL) count++;
  closedir(d);
  printf("many after deletions -> %d entries\n", count);
  for (int i = 0; i < 300; i++) {
    snprintf(name, sizeof name, "many/%03d-%0200d", i, i);
    unlink(name);
  }
  T("rmdir many", rmdir("many"));
}

/* Prints a name with bytes outside printable ASCII as \xHH. */
static void show_name(const char *label, const char *name) {
  printf("%s -> ", label);
  for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
    if (*c >= 0x20 && *c < 0x7f && *c != '\\') putchar(*c);
    else printf("\\x%02x", *c);
  }
  printf("\n");
}

static void names(void) {
  printf("== names\n");
  T("mkdir nm", mkdir("nm", 0755));
  put("nm/caf\xc3\xa9", "utf-8 name");
  put("nm/\xff\xfe-not-utf8", "raw bytes");
  put("nm/tab\there", "control byte");
  T("symlink to raw bytes", symlink("\xff\xfe-not-utf8", "nm/l\xe9"));
  cat("nm/caf\xc3\xa9");
  cat("nm/l\xe9");
  S("nm/\xff\xfe-not-utf8");
  char buf[64];
  ssize_t n = readlink("nm/l\xe9", buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  show_name("readlink nm/l\\xe9", buf);
  T("rename raw to other raw", rename("nm/\xff\xfe-not-utf8", "nm/\x80\x81"));
  cat("nm/\x80\x81");
  cat("nm/l\xe9");
  T("rename caf\\xc3\\xa9 cafe", rename("nm/caf\xc3\xa9", "nm/cafe"));
  S("nm/caf\xc3\xa9");
  S("nm/cafe");
  /* The decomposed spelling is another name: no normalization. */
  S("nm/cafe\xcc\x81");
  DIR *d = opendir("nm");
  char *list[16];
  int count = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && count < 16) list[count++] = strdup(e->d_name);
  closedir(d);
  qsort(list, count, sizeof list[0], cmpstr);
  for (int i = 0; i < count; i++) {
    show_name("entry", list[i]);
    free(list[i]);
  }
}

static void times_section(void) {
  printf("== times\n");
  put("tm", "times");
  struct timespec ts[2] = {{1000000000, 111111111}, {1500000000, 999999999}};
  T("utimensat tm", utimensat(AT_FDCWD, "tm", ts, 0));
  show_times("times tm", "tm", 0);
  struct timespec omit[2] = {{0, UTIME_OMIT}, {1600000000, 42}};
  T("utimensat tm omit atime", utimensat(AT_FDCWD, "tm", omit, 0));
  show_times("times tm", "tm", 0);
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  T("utimensat tm nsec=1e9", utimensat(AT_FDCWD, "tm", bad, 0));
  T("utimensat missing", utimensat(AT_FDCWD, "missing", ts, 0));
  int fd = open("tm", O_RDWR);
  struct timespec fts[2] = {{1700000000, 1}, {1700000001, 2}};
  T("futimens tm", futimens(fd, fts));
  show_times("times tm", "tm", 0);
  write(fd, "x", 1);
  struct stat st;
  fstat(fd, &st);
  printf("mtime moved forward by write -> %s\n", st.st_mtim.tv_sec > 1700000001 ? "yes" : "no");
  printf("ctime after write >= mtime -> %s\n",
         st.st_ctim.tv_sec > st.st_mtim.tv_sec || (st.st_ctim.tv_sec == st.st_mtim.tv_sec && st.st_ctim.tv_nsec >= st.st_mtim.tv_nsec) ? "yes" : "no");
  close(fd);
  T("utimensat tm back to 1e9", utimensat(AT_FDCWD, "tm", ts, 0));
  /* UTIME_NOW: Debian's wasi-libc rejects it in the library; ask the host itself. */
#ifdef __wasi__
  {
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    errno = __wasi_path_filestat_set_times(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "tm", 0, 0,
                                           __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW);
    T("utimensat tm UTIME_NOW", errno ? -1 : 0);
    errno = __wasi_path_filestat_set_times(dfd, 0, "tm", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW);
    T("set_times ATIM|ATIM_NOW", errno ? -1 : 0);
    close(dfd);
  }
#else
  struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  T("utimensat tm UTIME_NOW", utimensat(AT_FDCWD, "tm", now, 0));
  errno = EINVAL;
  T("set_times ATIM|ATIM_NOW", -1);
#endif
  stat("tm", &st);
  printf("UTIME_NOW moved times -> %s %s\n", st.st_atim.tv_sec > 1000000000 ? "yes" : "no", st.st_mtim.tv_sec > 1500000000 ? "yes" : "no");
  /* Directories get times too. */
  mkdir("tdir", 0755);
  T("utimensat tdir", utimensat(AT_FDCWD, "tdir", ts, 0));
  show_times("times tdir", "tdir", 0);
  put("tdir/new", "");
  stat("tdir", &st);
  printf("dir mtime moved by create -> %s\n", st.st_mtim.tv_sec > 1500000000 ? "yes" : "no");
}

static void escapes(void) {
  printf("== escape\n");
  /* Inside the sandbox root, `..` of the root is the root itself, and `/` is the root. */
  T("symlink .. /p/up", symlink("..", "/p/up"));
  T("symlink ../.. /p/up2", symlink("../..", "/p/up2"));
  T("symlink / /p/slash", symlink("/", "/p/slash"));
  T("symlink ../../../../../.. /p/deepup", symlink("../../../../../..", "/p/deepup"));
  T("symlink /.. /p/slashdotdot", symlink("/..", "/p/slashdotdot"));
  T("mkdir /p/esc", mkdir("/p/esc", 0755));
  T("symlink ../../.. /p/esc/up3", symlink("../../..", "/p/esc/up3"));
  S("/p/up2/p");
  S("/p/up2/outside-marker");
  S("/p/up2/../outside-marker");
  S("/p/slash/outside-marker");
  S("/p/slash/../outside-marker");
  S("/p/deepup/outside-marker");
  S("/p/deepup/p/esc");
  S("/p/slashdotdot/outside-marker");
  S("/p/esc/up3/outside-marker");
  S("/p/esc/up3/p/esc/up3/p");
  S("/../outside-marker");
  S("/p/../../outside-marker");
  int dfd = open("/p/esc", O_RDONLY | O_DIRECTORY);
  struct stat st;
  errno = 0;
  show_stat("fstatat esc ../../outside-marker", fstatat(dfd, "../../outside-marker", &st, 0), &st);
  errno = 0;
  show_stat("fstatat esc up3/outside-marker", fstatat(dfd, "up3/outside-marker", &st, 0), &st);
  T("openat esc up3/../outside-marker O_CREAT", openat(dfd, "up3/../outside-marker", O_CREAT | O_WRONLY, 0644));
  S("/outside-marker");
  T("unlink /outside-marker", unlink("/outside-marker"));
  close(dfd);
  cat("/p/slash/p/up/p/esc/up3/p/t");
}

/* ---- generated operations ---- */

static uint32_t rng;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static const char *pick(const char *const *list, int n) { return list[next() % (uint32_t)n]; }

/*
 * Generated operations. Every call is an *at call on a directory descriptor, which both libcs
 * pass to the kernel or the WASI host verbatim (no cwd emulation in between).
 */
static void random_ops(uint32_t seed, int count) {
  static const char *const paths[] = {
    "a", "b", "c", "d", "a/x", "a/y", "b/x", "d/z", "a/x/q", "l1", "a/l2", "b/", "a/x/", "l1/", "l1/x",
    "a/..", ".", "a/../b", "d/../a/x", "l1/../c", "", "/r/a", "..", "../r/b",
  };
  static const char *const targets[] = {"a", "../b", "/r/c", "x", "..", "/", "a/x", "l1", "missing", "/r"};
  static const int oflags[] = {
    O_RDONLY, O_WRONLY, O_RDWR, O_CREAT | O_WRONLY, O_CREAT | O_EXCL | O_RDWR, O_TRUNC | O_WRONLY, O_APPEND | O_WRONLY,
    O_DIRECTORY | O_RDONLY, O_NOFOLLOW | O_RDONLY, O_CREAT | O_NOFOLLOW | O_WRONLY, O_CREAT | O_DIRECTORY | O_RDONLY,
    O_CREAT | O_TRUNC | O_RDWR | O_APPEND,
  };
  const int np = (int)(sizeof paths / sizeof paths[0]);
  const int nt = (int)(sizeof targets / sizeof targets[0]);
  char label[600];
  int dfd = open(".", O_RDONLY | O_DIRECTORY);
  rng = seed * 2654435761u + 1;
  for (int i = 0; i < count; i++) {
    int op = (int)(next() % 14);
    const char *p = pick(paths, np);
    const char *q = pick(paths, np);
    struct stat st;
    errno = 0;
    switch (op) {
    case 0: {
      int fi = (int)(next() % (sizeof oflags / sizeof oflags[0]));
      snprintf(label, sizeof label, "%d open %s flags#%d", i, p, fi);
      int fd = T(label, openat(dfd, p, oflags[fi], 0644));
      if (fd >= 0) {
        int n = (int)(next() % 20);
        char buf[20];
        memset(buf, 'a' + i % 26, sizeof buf);
        snprintf(label, sizeof label, "%d  write %d", i, n);
        N(label, write(fd, buf, (size_t)n));
        snprintf(label, sizeof label, "%d  offset", i);
        N(label, lseek(fd, 0, SEEK_CUR));
        close(fd);
      }
      break;
    }
    case 1: snprintf(label, sizeof label, "%d mkdir %s", i, p); T(label, mkdirat(dfd, p, 0755)); break;
    case 2: snprintf(label, sizeof label, "%d rmdir %s", i, p); T(label, unlinkat(dfd, p, AT_REMOVEDIR)); break;
    case 3: snprintf(label, sizeof label, "%d unlink %s", i, p); T(label, unlinkat(dfd, p, 0)); break;
    case 4: snprintf(label, sizeof label, "%d rename %s %s", i, p, q); T(label, renameat(dfd, p, dfd, q)); break;
    case 5: snprintf(label, sizeof label, "%d link %s %s", i, p, q); T(label, linkat(dfd, p, dfd, q, 0)); break;
    case 6: {
      const char *t = pick(targets, nt);
      snprintf(label, sizeof label, "%d symlink %s %s", i, t, p);
      T(label, symlinkat(t, dfd, p));
      break;
    }
    case 7: {
      char buf[64];
      ssize_t n = readlinkat(dfd, p, buf, sizeof buf);
      if (n < 0) printf("%d readlink %s -> %s\n", i, p, ename(errno));
      else printf("%d readlink %s -> \"%.*s\"\n", i, p, (int)n, buf);
      break;
    }
    case 8: snprintf(label, sizeof label, "%d stat %s", i, p); show_stat(label, fstatat(dfd, p, &st, 0), &st); break;
    case 9: snprintf(label, sizeof label, "%d lstat %s", i, p); show_stat(label, fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW), &st); break;
    case 10: {
      long size = (long)(next() % 40);
      snprintf(label, sizeof label, "%d truncate %s %ld", i, p, size);
      int fd = openat(dfd, p, O_WRONLY);
      if (fd < 0) { T(label, -1); break; }
      T(label, ftruncate(fd, size));
      close(fd);
      break;
    }
    case 11: ls_at(dfd, p); break;
    case 12: {
      int fd = openat(dfd, p, O_RDONLY);
      char buf[64];
      ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
      if (n < 0) printf("%d cat %s -> %s\n", i, p, ename(errno));
      else printf("%d cat %s -> \"%.*s\"\n", i, p, (int)n, buf);
      if (fd >= 0) close(fd);
      break;
    }
    case 13: {
      struct timespec ts[2] = {{1000000000 + i, i}, {1200000000 + i, 999999999 - i}};
      int nofollow = (int)(next() % 2);
      snprintf(label, sizeof label, "%d utimens %s%s", i, p, nofollow ? " nofollow" : "");
      if (T(label, utimensat(dfd, p, ts, nofollow ? AT_SYMLINK_NOFOLLOW : 0)) == 0) {
        fstatat(dfd, p, &st, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
        printf("%d  mtime -> %lld.%09ld\n", i, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
      }
      break;
    }
    }
  }
  ls_at(dfd, ".");
  ls_at(dfd, "a");
  ls_at(dfd, "b");
  ls_at(dfd, "d");
  close(dfd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  const char *what = argc > 1 ? argv[1] : "all";
  if (strcmp(what, "random") == 0) {
    uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1;
    int count = argc > 3 ? atoi(argv[3]) : 200;
    char dir[32];
    snprintf(dir, sizeof dir, "/r");
    if (mkdir(dir, 0755) < 0 || chdir(dir) < 0) {
      printf("setup %s -> %s\n", dir, ename(errno));
      return 1;
    }
    random_ops(seed, count);
    return 0;
  }
  if (mkdir("/p", 0755) < 0 || chdir("/p") < 0) {
    printf("setup /p -> %s\n", ename(errno));
    return 1;
  }
  if (strcmp(what, "escape") == 0) {
    put("/p/t", "in p");
    escapes();
    return 0;
  }
  files();
  dirs();
  symlinks();
  links();
  renames();
  readdirs();
  names();
  times_section();
  escapes();
  printf("== done\n");
  return 0;
}
