/* What the monitor makes of its process and of an exit: its own stdio and signals, the exit code
 * of a wait status, whether the cgroup saw an OOM kill, whether the restart policy restarts. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/monitor/internal.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

bool mon_oom_killed(struct rt_ctx *rt, const char *id)
{
  struct rt_state st = {0};
  autoerr struct td_err *err = NULL;
  if (rt_state(rt, id, &st, &err) < 0)
    return false;
  bool oom = false;
  struct cgroup *cg = NULL;
  if (st.cgroup_path && cgroup_open(st.cgroup_path, &cg, &err) == 0) {
    struct cgroup_stats s = {0};
    if (cgroup_stats(cg, &s, &err) == 0)
      oom = s.oom_kills > 0;
    cgroup_free(cg);
  }
  rt_state_clear(&st);
  return oom;
}

bool mon_should_restart(struct mon *m, int code)
{
  autofree char *flag = xasprintf("%s/stopping", m->dir);
  if (access(flag, F_OK) == 0 || access(m->dir, F_OK) != 0) /* stopped, or removed (rm -f) */
    return false;
  switch (m->restart.mode) {
  case RESTART_NO:
    return false;
  case RESTART_ALWAYS:
  case RESTART_UNLESS_STOPPED:
    return true;
  case RESTART_ON_FAILURE:
    return code != 0 && (m->restart.max_retries == 0 || m->restart_count < m->restart.max_retries);
  }
  return false;
}

int mon_exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

/* stdin and stdout: /dev/null; stderr: the store's engine.log (0600, appended by every
 * monitor), where the warnings of best-effort steps go, each line naming the container. */
void mon_setup_process(int *sock, const struct eng_ctx *ctx, const char *id)
{
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_NAME, "td-monitor");
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2)
      close(null);
  }
  autofree char *logp = xasprintf("%s/" ENG_LOG_FILE, ctx->root);
  int log = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (log >= 0) {
    dup2(log, 2);
    close(log);
  }
  err_progname = xasprintf("tinydocker-monitor %.12s", id);
  if (*sock != 3) {
    dup3(*sock, 3, O_CLOEXEC);
    close(*sock);
    *sock = 3;
  }
  close_range(4, ~0U, 0);
  signal(SIGPIPE, SIG_IGN);
}
