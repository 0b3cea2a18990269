/* rt_clone_vm_parent_leaving (issue 18): a clone that shares its parent's address space and goes
 * on with libc after the parent execs (the engine's monitor after its CLI) keeps working locks.
 * The clone write-locks a glibc rwlock, its parent execs, the clone unlocks and locks again:
 * without the call the kernel's clear of the parent's tid field between the two left the lock
 * held, and the second lock waited forever (here: until the timed lock's bound). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/core/runtime.h"
#include "tests/tap.h"
#include "util/rawsys.h"

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile int locked;
static int report = -1;

/* Whether the parent is the program it execs (its exec, and so any clear, is done). */
static bool parent_execd(pid_t ppid)
{
  char p[64], exe[PATH_MAX];
  snprintf(p, sizeof(p), "/proc/%d/exe", (int)ppid);
  ssize_t n = readlink(p, exe, sizeof(exe) - 1);
  if (n < 0)
    return false;
  exe[n] = '\0';
  return strstr(exe, "sleep") != NULL;
}

static int clone_main(void *arg)
{
  pid_t ppid = (pid_t)(long)arg;
  char r[3] = {0};
  r[0] = pthread_rwlock_wrlock(&rw) == 0;
  locked = 1;
  for (int i = 0; i < 500 && !parent_execd(ppid); i++)
    usleep(10000);
  r[1] = parent_execd(ppid);
  pthread_rwlock_unlock(&rw);
  struct timespec to;
  clock_gettime(CLOCK_REALTIME, &to);
  to.tv_sec += 2;
  r[2] = pthread_rwlock_timedwrlock(&rw, &to) == 0;
  (void)!write(report, r, sizeof(r));
  _exit(0);
}

int main(int argc, char **argv)
{
  bool leave = !(argc > 1 && strcmp(argv[1], "--no-leave") == 0); /* to see the test fail */
  if (!rt_clone_vm_supported()) {
    TAP_OK(1, "# SKIP no CLONE_VM clone on this architecture or build");
    return TAP_DONE();
  }
  int p[2];
  if (pipe(p) < 0)
    return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    report = p[1];
    struct td_err *err = NULL;
    struct rt_vm_region *reg = rt_vm_region_new(256 * 1024, 0, &err);
    if (reg == NULL || rt_clone_vm(reg, 0, -1, clone_main, (void *)(long)getpid()) < 0)
      _exit(1);
    while (!locked)
      raw_syscall3(SYS_sched_yield, 0, 0, 0);
    if (leave)
      rt_clone_vm_parent_leaving();
    char *av[] = {"sleep", "3", NULL}, *env[] = {NULL};
    raw_syscall3(SYS_execve, "/bin/sleep", av, env);
    raw_syscall3(SYS_exit_group, 1, 0, 0);
  }
  close(p[1]);
  char r[3] = {0};
  struct pollfd pf = {.fd = p[0], .events = POLLIN};
  ssize_t n = poll(&pf, 1, 10000) == 1 ? read(p[0], r, sizeof(r)) : -1;
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  TAP_OK(n == (ssize_t)sizeof(r), "the clone reported");
  TAP_OK(r[0], "the clone write-locks an rwlock");
  TAP_OK(r[1], "its parent execs meanwhile");
  TAP_OK(r[2], "after the parent's exec the clone unlocks and locks it again");
  return TAP_DONE();
}
