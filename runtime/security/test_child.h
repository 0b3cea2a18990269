/* Test-only harness: run privilege changes in a forked child and look at it from the
 * parent through /proc, while the child waits. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"

/* What a child reports: setup result, and errno (0 = success) of up to 16 probes. */
struct child_report {
  int setup_rc;
  char msg[256];
  long probe_ret[16];
  int probe_errno[16];
};

struct child {
  pid_t pid;
  int release; /* write end: closing it lets the child exit */
  struct child_report rep;
  bool got_report;
};

typedef int (*child_setup_fn)(void *arg, struct td_err **err);
typedef void (*child_probe_fn)(void *arg, struct child_report *rep);

/* Fork; the child runs setup then probe, sends its report and waits for release. */
static void child_start(struct child *c, child_setup_fn setup, child_probe_fn probe, void *arg)
{
  int rep[2], rel[2];
  memset(c, 0, sizeof(*c));
  if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(rel, O_CLOEXEC) < 0)
    abort();
  c->pid = fork();
  if (c->pid < 0)
    abort();
  if (c->pid == 0) {
    struct child_report r;
    struct td_err *err = NULL;
    char b;
    memset(&r, 0, sizeof(r));
    close(rep[0]);
    close(rel[1]);
    r.setup_rc = setup ? setup(arg, &err) : 0;
    if (err)
      snprintf(r.msg, sizeof(r.msg), "%s", err_text(err));
    if (r.setup_rc == 0 && probe)
      probe(arg, &r);
    if (write(rep[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
      _exit(98);
    while (read(rel[0], &b, 1) < 0 && errno == EINTR)
      ;
    _exit(r.setup_rc == 0 ? 0 : 1);
  }
  close(rep[1]);
  close(rel[0]);
  c->release = rel[1];
  ssize_t n;
  do
    n = read(rep[0], &c->rep, sizeof(c->rep));
  while (n < 0 && errno == EINTR);
  c->got_report = n == (ssize_t)sizeof(c->rep);
  close(rep[0]);
}

/* Let the child exit; returns its wait status. */
static int child_finish(struct child *c)
{
  int st = 0;
  close(c->release);
  while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
    ;
  return st;
}

/* The value of "<key>:" in /proc/<pid>/status (trimmed), in buf. */
static const char *proc_status(pid_t pid, const char *key, char *buf, size_t len)
{
  char path[64], line[512];
  size_t kl = strlen(key);
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  buf[0] = 0;
  if (!f)
    return buf;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
      const char *v = line + kl + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      snprintf(buf, len, "%s", v);
      size_t l = strlen(buf);
      while (l && (buf[l - 1] == '\n' || buf[l - 1] == ' ' || buf[l - 1] == '\t'))
        buf[--l] = 0;
      break;
    }
  }
  fclose(f);
  return buf;
}

/* Record the result of a probe syscall expression. */
#define PROBE(rep, i, expr)                                                                        \
  do {                                                                                             \
    errno = 0;                                                                                     \
    long probe_r_ = (long)(expr);                                                                  \
    (rep)->probe_ret[i] = probe_r_;                                                                \
    (rep)->probe_errno[i] = probe_r_ < 0 ? errno : 0;                                              \
  } while (0)
