/* A tiny TAP producer for the C unit tests (meson runs them with protocol 'tap'). */
#pragma once
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static int tap_n_;
static int tap_failed_;

#define TAP_OK(cond, ...)                                                                          \
  do {                                                                                             \
    int tap_c_ = !!(cond);                                                                         \
    printf("%sok %d - ", tap_c_ ? "" : "not ", ++tap_n_);                                          \
    printf(__VA_ARGS__);                                                                           \
    printf("\n");                                                                                  \
    if (!tap_c_) {                                                                                 \
      tap_failed_++;                                                                               \
      printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
    }                                                                                              \
  } while (0)

#define TAP_STREQ(a, b, ...)                                                                       \
  do {                                                                                             \
    const char *tap_a_ = (a), *tap_b_ = (b);                                                       \
    int tap_eq_ = tap_a_ && tap_b_ && strcmp(tap_a_, tap_b_) == 0;                                 \
    TAP_OK(tap_eq_, __VA_ARGS__);                                                                  \
    if (!tap_eq_)                                                                                  \
      printf("#   got '%s', want '%s'\n", tap_a_ ? tap_a_ : "(null)", tap_b_ ? tap_b_ : "(null)"); \
  } while (0)

/* Print the plan and return the exit status for main. */
#define TAP_DONE() (printf("1..%d\n", tap_n_), tap_failed_ ? 1 : 0)

/* How many fds this process has open (with the one that reads /proc/self/fd): a test compares
 * it before and after, so that an fd left open fails it. */
static inline int tap_open_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  while (d && readdir(d))
    n++;
  if (d)
    closedir(d);
  return n;
}
