/*
 * fsbench: a file-heavy workload for WASI hosts. In DIR (default "bench"): creates N files
 * (open, write, close), stats each of them ROUNDS times, lists the directory, reads every file
 * back (open, read, close) and deletes them. Every libc call counts as one operation, every
 * directory entry read as one. Prints one line per phase and a total:
 *
 *   phase create ops=15000 ns=...
 *   total ops=90000 ns=... check=...
 *
 * Usage: fsbench [N [ROUNDS [DIR]]]   (defaults 5000 10 bench)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, const char *path) {
  printf("error %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000;
  int rounds = argc > 2 ? atoi(argv[2]) : 10;
  const char *dir = argc > 3 ? argv[3] : "bench";
  char path[512], buf[128];
  int64_t ops = 0, total = 0, t;
  uint32_t check = 0;
  if (mkdir(dir, 0755) < 0) die("mkdir", dir);

  t = now_ns();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/file-%06d.txt", dir, i);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) die("open", path);
    int len = snprintf(buf, sizeof buf, "contents of file %d\n", i);
    if (write(fd, buf, (size_t)len) != len) die("write", path);
    close(fd);
  }
  t = now_ns() - t;
  printf("phase create ops=%d ns=%lld\n", 3 * n, (long long)t);
  ops += 3 * n;
  total += t;

  t = now_ns();
  struct stat st;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/file-%06d.txt", dir, i);
      if (stat(path, &st) < 0) die("stat", path);
      check += (uint32_t)st.st_size;
    }
  }
  t = now_ns() - t;
  printf("phase stat ops=%d ns=%lld\n", rounds * n, (long long)t);
  ops += (int64_t)rounds * n;
  total += t;

  t = now_ns();
  DIR *d = opendir(dir);
  if (d == NULL) die("opendir", dir);
  int listed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') listed++;
  }
  closedir(d);
  if (listed != n) {
    printf("error: listed %d of %d\n", listed, n);
    return 1;
  }
  t = now_ns() - t;
  printf("phase list ops=%d ns=%lld\n", listed, (long long)t);
  ops += listed;
  total += t;

  t = now_ns();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/file-%06d.txt", dir, i);
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open", path);
    ssize_t got = read(fd, buf, sizeof buf);
    if (got <= 0) die("read", path);
    check = check * 31 + (uint32_t)got + (uint8_t)buf[got - 2];
    close(fd);
  }
  t = now_ns() - t;
  printf("phase read ops=%d ns=%lld\n", 3 * n, (long long)t);
  ops += 3 * n;
  total += t;

  t = now_ns();
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/file-%06d.txt", dir, i);
    if (unlink(path) < 0) die("unlink", path);
  }
  if (rmdir(dir) < 0) die("rmdir", dir);
  t = now_ns() - t;
  printf("phase delete ops=%d ns=%lld\n", n + 1, (long long)t);
  ops += n + 1;
  total += t;

  printf("total ops=%lld ns=%lld check=%08x\n", (long long)ops, (long long)total, check);
  return 0;
}
