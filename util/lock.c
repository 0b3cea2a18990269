/* Bounded flock waits. The uncontended case is one flock(LOCK_NB), as cheap as the blocking
 * call it replaced. A contended one blocks in flock as before, woken by a per-thread timer
 * signal every LOCK_TICK_MS to look at the clock (a tick that lands just before the flock only
 * costs the next tick), and gives up at the bound with the holder's pid and command line. */
#include "util/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

#define LOCK_DEFAULT_MS 60000
#define LOCK_TICK_MS 200

int lock_timeout_ms(void)
{
  const char *s = getenv("TD_LOCK_TIMEOUT");
  if (s == NULL || *s == '\0')
    return LOCK_DEFAULT_MS;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0) || v > 86400)
    return LOCK_DEFAULT_MS;
  int ms = (int)(v * 1000);
  return ms > 0 ? ms : 1;
}

int lock_peer_timeout_ms(void)
{
  return 3 * lock_timeout_ms() + 10000;
}

char *lock_pid_text(int pid)
{
  char p[64], buf[256];
  snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
  autoclose int fd = open(p, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
  if (n <= 0)
    return xasprintf("pid %d", pid);
  bool cut = (size_t)n == sizeof(buf) - 1;
  while (n > 0 && buf[n - 1] == '\0')
    n--;
  for (ssize_t i = 0; i < n; i++)
    if (buf[i] == '\0' || buf[i] == '\n')
      buf[i] = ' ';
  buf[n] = '\0';
  return xasprintf("pid %d (%s%s)", pid, buf, cut ? "..." : "");
}

/* Whether pid has the file open (an fd of /proc/PID/fd resolves to it). */
static bool pid_has_open(int pid, const struct stat *want)
{
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/fd", pid);
  autoclosedir DIR *d = opendir(p);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    struct stat st;
    if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
        st.st_ino == want->st_ino && st.st_dev == want->st_dev)
      return true;
  }
  return false;
}

/* Any process but us with the file open: the flock's taker may have passed its fd on and gone
 * (a fork, bash's `flock 9`), and then whoever has the file open holds it. */
static int pid_with_open(const struct stat *want)
{
  autoclosedir DIR *d = opendir("/proc");
  struct dirent *de;
  int self = (int)getpid();
  while (d && (de = readdir(d))) {
    int pid = atoi(de->d_name);
    if (pid > 0 && pid != self && pid_has_open(pid, want))
      return pid;
  }
  return 0;
}

/* /proc/locks: "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters' lines have "->".
 * The pid there is the lock's taker; when it no longer has the file open, the process that
 * does. */
char *lock_holder_text(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return xstrdup("another process");
  autofclose FILE *f = fopen("/proc/locks", "re");
  char line[256];
  while (f && fgets(line, sizeof(line), f)) {
    if (strstr(line, "->"))
      continue;
    char kind[16], adv[16], mode[16];
    int pid;
    unsigned maj, min;
    unsigned long ino;
    if (sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%lu", kind, adv, mode, &pid, &maj, &min, &ino) !=
        7)
      continue;
    if (ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev) && pid > 0) {
      if (!pid_has_open(pid, &st)) {
        int other = pid_with_open(&st);
        pid = other > 0 ? other : pid;
      }
      return lock_pid_text(pid);
    }
  }
  int other = pid_with_open(&st);
  return other > 0 ? lock_pid_text(other) : xstrdup("another process");
}

static void on_tick(int sig)
{
  (void)sig;
}

/* Blocking flock, bounded; 0 or an errno (ETIMEDOUT at the bound). */
static int flock_bounded(int fd, int op, int timeout_ms)
{
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  struct sigaction sa = {.sa_handler = on_tick}, old_sa;
  sigemptyset(&sa.sa_mask); /* no SA_RESTART: the tick interrupts the flock */
  sigaction(SIGALRM, &sa, &old_sa);
  sigset_t alrm, old_mask;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  sigprocmask(SIG_UNBLOCK, &alrm, &old_mask);
  timer_t t;
  struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM};
  sev._sigev_un._tid = (pid_t)syscall(SYS_gettid); /* this thread's wait, not another's */
  bool timer = timer_create(CLOCK_MONOTONIC, &sev, &t) == 0;
  if (timer) {
    struct itimerspec its = {.it_value = {0, LOCK_TICK_MS * 1000000L},
                             .it_interval = {0, LOCK_TICK_MS * 1000000L}};
    timer_settime(t, 0, &its, NULL);
  }
  int rc = 0;
  for (;;) {
    if (flock(fd, op) == 0)
      break;
    if (errno != EINTR) {
      rc = errno;
      break;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (ms >= timeout_ms) {
      rc = ETIMEDOUT;
      break;
    }
  }
  if (timer)
    timer_delete(t);
  sigprocmask(SIG_SETMASK, &old_mask, NULL);
  sigaction(SIGALRM, &old_sa, NULL);
  return rc;
}

int lock_fd_wait(int fd, int op, const char *what, struct td_err **err)
{
  if (flock(fd, op | LOCK_NB) == 0)
    return 0;
  if (errno != EWOULDBLOCK && errno != EINTR)
    return err_set(err, errno, "lock %s", what);
  int ms = lock_timeout_ms();
  int rc = flock_bounded(fd, op, ms);
  if (rc == 0)
    return 0;
  if (rc != ETIMEDOUT)
    return err_set(err, rc, "lock %s", what);
  autofree char *holder = lock_holder_text(fd);
  return err_set(err, 0, "waiting for %s, held by %s: timed out after %g s", what, holder,
                 ms / 1000.0);
}

static int lock_take(const char *path, int op, const char *what, struct td_err **err)
{
  autoclose int fd = RETRY_EINTR(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd < 0)
    return err_set(err, errno, "open lock %s", path);
  if (lock_fd_wait(fd, op, what, err) < 0)
    return -1;
  return steal_fd(fd);
}

int lock_acquire(const char *path, const char *what, struct td_err **err)
{
  return lock_take(path, LOCK_EX, what, err);
}

int lock_acquire_shared(const char *path, const char *what, struct td_err **err)
{
  return lock_take(path, LOCK_SH, what, err);
}

void lock_release(int fd)
{
  if (fd >= 0)
    close(fd);
}
