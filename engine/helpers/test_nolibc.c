/* Unit test of monitor_nolibc.c, linked the same way as tinydocker-monitor (no libc): the
 * log timestamps' gmtime_r across leap years and centuries, snprintf's conversions, the
 * string helpers and errno. TAP on stdout through write(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int n_test, n_fail;

static void out(const char *s)
{
  write(1, s, strlen(s));
}

static void ok(int cond, const char *what)
{
  char line[256];
  n_test++;
  if (!cond)
    n_fail++;
  snprintf(line, sizeof(line), "%s %d - %s\n", cond ? "ok" : "not ok", n_test, what);
  out(line);
}

static void check_gmtime(time_t t, const char *want)
{
  struct tm tm;
  char got[64], what[128];
  gmtime_r(&t, &tm);
  snprintf(got, sizeof(got), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  snprintf(what, sizeof(what), "gmtime %ld = %s", (long)t, want);
  ok(strcmp(got, want) == 0, what);
}

int main(void)
{
  out("1..17\n");
  /* expected values from Python's time.gmtime */
  check_gmtime(0, "1970-01-01T00:00:00");
  check_gmtime(86399, "1970-01-01T23:59:59");
  check_gmtime(86400, "1970-01-02T00:00:00");
  check_gmtime(951782400, "2000-02-29T00:00:00");
  check_gmtime(951868800, "2000-03-01T00:00:00");
  check_gmtime(978307199, "2000-12-31T23:59:59");
  check_gmtime(1709164800, "2024-02-29T00:00:00");
  check_gmtime(1795429338, "2026-11-23T10:22:18");
  check_gmtime(4107542400, "2100-03-01T00:00:00");
  check_gmtime(253402300799, "9999-12-31T23:59:59");
  char b[64];
  snprintf(b, sizeof(b), "[%s|%d|%ld|%04d|%09ld|%%]", "x", -42, 1234567890123L, 7, 5L);
  ok(strcmp(b, "[x|-42|1234567890123|0007|000000005|%]") == 0, "snprintf conversions");
  int n = snprintf(b, 5, "%s", "abcdefgh");
  ok(n == 8 && strcmp(b, "abcd") == 0, "snprintf truncates and returns the full length");
  ok(atoi("4711") == 4711 && atoi("") == 0, "atoi");
  ok(memchr("abc", 'c', 3) != NULL && memchr("abc", 'd', 3) == NULL, "memchr");
  char m[8] = "abcdef";
  memmove(m + 1, m, 5);
  ok(memcmp(m, "aabcde", 6) == 0, "memmove overlapping forward");
  ok(close(-1) == -1 && errno == EBADF, "a failed system call sets errno");
  ok(write(1, "", 0) == 0, "write");
  return n_fail ? 1 : 0;
}
