/*
 * cliprobe: a small program for `vroot run` tests. Prints its arguments, PWD and GREETING,
 * copies stdin to /tmp/stdin.txt and reports its size, stats argv[2] (if given) and exits with
 * the status in argv[1] ("abort" calls abort()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  printf("argc=%d", argc);
  for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\n");
  const char *pwd = getenv("PWD");
  const char *greeting = getenv("GREETING");
  printf("PWD=%s GREETING=%s\n", pwd ? pwd : "(unset)", greeting ? greeting : "(unset)");
  int out = open("/tmp/stdin.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  char buf[4096];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    if (out >= 0) write(out, buf, (size_t)n);
    total += n;
  }
  if (out >= 0) close(out);
  printf("stdin=%ld tmp=%s\n", total, out >= 0 ? "ok" : strerror(errno));
  if (argc > 2) {
    struct stat st;
    if (stat(argv[2], &st) == 0) printf("stat %s: size %lld\n", argv[2], (long long)st.st_size);
    else printf("stat %s: errno %d\n", argv[2], errno);
  }
  fflush(stdout);
  fprintf(stderr, "to stderr\n");
  if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
  return argc > 1 ? atoi(argv[1]) : 0;
}
