/* The build's watchdog: a small child forked before the build enters its own mount namespace,
 * reading a socket from the build. The build writes "+<id>" when a RUN container is created and
 * "-<id>" once it is deleted. When the socket ends without "q" (the build was killed, kill -9
 * included), the watchdog deletes the containers still listed (rt_delete with force: killed,
 * cgroups and runtime state removed) and the build's work dir, so a killed build leaves no
 * process, cgroup, mount (they were in the build's namespace) or directory behind. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void watch(struct builder *b, int fd)
{
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  prctl(PR_SET_NAME, "td-build-watch");
  autostrv char **live = xcalloc(1, sizeof(char *));
  char buf[4096];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    have += (size_t)n;
    buf[have] = '\0';
    char *nl;
    while ((nl = strchr(buf, '\n')) != NULL) {
      *nl = '\0';
      if (buf[0] == 'q')
        _exit(0);
      if (buf[0] == '+') {
        strv_push(&live, buf + 1);
      } else if (buf[0] == '-') {
        long i = strv_find(live, buf + 1);
        if (i >= 0) {
          free(live[i]);
          size_t len = strv_len(live);
          live[i] = live[len - 1];
          live[len - 1] = NULL;
        }
      }
      size_t rest = have - (size_t)(nl + 1 - buf);
      memmove(buf, nl + 1, rest);
      have = rest;
      buf[have] = '\0';
    }
  }
  struct rt_ctx rt;
  eng_rt_ctx(&b->ctx, &rt);
  for (char **id = live; *id; id++) {
    autoerr struct td_err *e = NULL;
    if (rt_delete(&rt, *id, true, &e) < 0)
      err_warn(&e, "remove the killed build's RUN container %.12s", *id);
    if (net_detach(b->req->root, *id, &e) < 0)
      err_warn(&e, "detach the killed build's RUN container %.12s", *id);
  }
  autoerr struct td_err *e = NULL;
  if (rm_rf(b->work, &e) < 0)
    err_warn(&e, "remove the killed build's %s", b->work);
  _exit(0);
}

int watchdog_start(struct builder *b, struct td_err **err)
{
  int p[2];
  /* a socket pair, not a pipe: a write to a watchdog that died is an error, not a SIGPIPE */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
    return err_set(err, errno, "socketpair");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return err_set(err, errno, "fork the build's watchdog");
  }
  if (pid == 0) {
    close(p[1]);
    /* out of the build's mount namespace, so that its mounts go with the build; the work dir
     * is then removed where nothing is mounted on it */
    if (b->host_mntns >= 0 && setns(b->host_mntns, CLONE_NEWNS) < 0)
      _exit(1);
    watch(b, p[0]);
  }
  close(p[0]);
  b->watch_fd = p[1];
  b->watch_pid = pid;
  return 0;
}

void watchdog_send(struct builder *b, char op, const char *id)
{
  if (b->watch_fd < 0)
    return;
  char line[128];
  int n = snprintf(line, sizeof(line), "%c%s\n", op, id ? id : "");
  if (send(b->watch_fd, line, (size_t)n, MSG_NOSIGNAL) < 0) {
    autoerr struct td_err *e = NULL;
    err_set(&e, errno, "write to the build's watchdog");
    err_warn(&e, "build");
  }
}

void watchdog_stop(struct builder *b)
{
  if (b->watch_fd < 0)
    return;
  watchdog_send(b, 'q', NULL);
  close(b->watch_fd);
  b->watch_fd = -1;
  while (waitpid(b->watch_pid, NULL, 0) < 0 && errno == EINTR)
    ;
}
