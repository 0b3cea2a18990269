/* OCI hooks: each gets the state JSON on stdin, its own args and env, and is killed when its
 * timeout passes. Also used inside the container (createContainer, startContainer). */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"

const char *rt_hook_kind_name(enum spec_hook_kind k)
{
  switch (k) {
  case HOOK_PRESTART:
    return "prestart";
  case HOOK_CREATE_RUNTIME:
    return "createRuntime";
  case HOOK_CREATE_CONTAINER:
    return "createContainer";
  case HOOK_START_CONTAINER:
    return "startContainer";
  case HOOK_POSTSTART:
    return "poststart";
  case HOOK_POSTSTOP:
    return "poststop";
  case HOOK_KIND_COUNT:
    break;
  }
  return "unknown";
}

/* A hook gets its stdin, stdout and stderr and no other fd (as runc's hooks): one run in the
 * container's namespaces (createContainer, startContainer) must not carry a host directory
 * or the caller's fds into them. */
static _Noreturn void hook_exec(const struct spec_hook *h, int in_fd)
{
  if (dup2(in_fd, STDIN_FILENO) < 0)
    _exit(127);
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3; fd < 1024; fd++) /* kernels before 5.11 */
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  static char *const empty[] = {NULL};
  char *const def_args[] = {h->path, NULL};
  execve(h->path, h->args ? h->args : def_args, h->env ? h->env : empty);
  _exit(127);
}

/* Wait for the hook, at most timeout seconds (0 = forever); returns its wait status or -1. */
static int hook_wait(pid_t pid, int timeout, bool *timed_out)
{
  *timed_out = false;
  int status = 0;
  if (timeout <= 0)
    return RETRY_EINTR(waitpid(pid, &status, 0)) < 0 ? -1 : status;
  autoclose int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int r = RETRY_EINTR(poll(&p, 1, timeout * 1000));
    if (r == 0) {
      kill(pid, SIGKILL);
      *timed_out = true;
    }
  }
  return RETRY_EINTR(waitpid(pid, &status, 0)) < 0 ? -1 : status;
}

static int hook_run_one(const struct spec_hook *h, const char *state_json, const char *kind,
                        size_t idx, struct td_err **err)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "%s hook #%zu: pipe", kind, idx);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(p[0]);
    close(p[1]);
    return err_set(err, e, "%s hook #%zu: fork", kind, idx);
  }
  if (pid == 0) {
    close(p[1]);
    hook_exec(h, p[0]);
  }
  close(p[0]);
  /* A hook that does not read its stdin must not make us fail or block. */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGPIPE, &ign, &old);
  write_all(p[1], state_json, strlen(state_json));
  close(p[1]);
  sigaction(SIGPIPE, &old, NULL);
  bool timed_out = false;
  int st = hook_wait(pid, h->timeout, &timed_out);
  if (timed_out)
    return err_set(err, 0, "%s hook #%zu (%s): timeout after %d seconds", kind, idx, h->path,
                   h->timeout);
  if (st < 0)
    return err_set(err, errno, "%s hook #%zu (%s): wait", kind, idx, h->path);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && access(h->path, X_OK) < 0)
    return err_set(err, errno, "%s hook #%zu: exec %s", kind, idx, h->path);
  if (WIFSIGNALED(st))
    return err_set(err, 0, "%s hook #%zu (%s): killed by signal %d", kind, idx, h->path,
                   WTERMSIG(st));
  return err_set(err, 0, "%s hook #%zu (%s): exit status %d", kind, idx, h->path, WEXITSTATUS(st));
}

int rt_hooks_run(const struct spec_hook_list *hooks, const char *state_json, const char *kind,
                 struct td_err **err)
{
  for (size_t i = 0; hooks && i < hooks->n; i++)
    if (hook_run_one(&hooks->v[i], state_json, kind, i, err) < 0)
      return -1;
  return 0;
}
