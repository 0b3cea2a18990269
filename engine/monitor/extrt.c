/* --runtime NAME: the container run by another OCI runtime (runc, crun) on the same bundle,
 * driven by the monitor through that runtime's command line (docs/engine.md, "Other OCI
 * runtimes"): `create --bundle DIR --pid-file F ID` with the container's stdio as its own,
 * the network attached to the init it leaves waiting, `start ID`, and after the exit
 * `delete --force ID`. The runtime's create exits once the init waits: the init is then
 * reparented to the monitor (a child subreaper), which waits for it as for its own. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "engine/monitor/internal.h"
#include "engine/monitor/monitor.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

/* The runtime's own state directory: <run root>/<name> (e.g. /run/tinydocker/runc). */
static char *state_dir(const struct eng_ctx *ctx, const char *name)
{
  return xasprintf("%s/%s", ctx->run_root, name);
}

/* The last line of the runtime's log (its error), or "". */
static char *log_tail(const char *path)
{
  autofree char *text = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, path, &text, NULL, &e) < 0 || text == NULL)
    return xstrdup("");
  size_t n = strlen(text);
  while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
    text[--n] = '\0';
  char *nl = strrchr(text, '\n');
  return xstrdup(nl ? nl + 1 : text);
}

/* The pty master a runtime sends on its --console-socket (SCM_RIGHTS), -1 if none came. */
static int recv_master(int conn)
{
  char byte[256];
  struct iovec iov = {.iov_base = byte, .iov_len = sizeof(byte)};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
    return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int)))
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

/* In a forked child: stdio from fds (-1: /dev/null), then exec prog; never returns. */
static _Noreturn void exec_with_stdio(const char *prog, char *const argv[], const int fds[3])
{
  int nul = -1;
  int use[3];
  for (int k = 0; k < 3; k++) {
    if (fds[k] < 0 && nul < 0)
      nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    use[k] = fds[k] >= 0 ? fds[k] : nul;
  }
  /* out of the way of 0..2 first, then into place (dup2 clears close-on-exec) */
  for (int k = 0; k < 3; k++)
    use[k] = fcntl(use[k], F_DUPFD_CLOEXEC, 3);
  for (int k = 0; k < 3; k++)
    if (use[k] < 0 || dup2(use[k], k) < 0)
      _exit(127);
  execv(prog, argv);
  _exit(127);
}

/* Run prog with argv ({prog, --root, R, --log, L, verb, ...}), stdio from fds (-1:
 * /dev/null), and wait for it; its error is the last line of its log L. With console >= 0 (a
 * listening --console-socket), the master it sends meanwhile goes to *master. */
static int run_prog(const char *prog, char *const argv[], const int fds[3], int console,
                    int *master, struct td_err **err)
{
  pid_t p = fork();
  if (p < 0)
    return err_set_fork(err, errno, "fork the runtime");
  if (p == 0) {
    /* the monitor blocks SIGCHLD/SIGTERM for its signalfd: the runtime and the container
     * it starts get the default mask and dispositions */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP)
        signal(s, SIG_DFL);
    exec_with_stdio(prog, argv, fds);
  }
  int st = 0;
  for (;;) {
    if (console >= 0 && *master < 0) {
      struct pollfd pfd = {.fd = console, .events = POLLIN};
      if (poll(&pfd, 1, 50) > 0) {
        autoclose int conn = accept4(console, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0)
          *master = recv_master(conn);
      }
      if (waitpid(p, &st, WNOHANG) == p)
        break;
      continue;
    }
    if (waitpid(p, &st, 0) == p || errno != EINTR)
      break;
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  autofree char *tail = log_tail(argv[4]);
  return err_set(err, 0, "%s %s failed (status %d)%s%s", prog, argv[5],
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), *tail ? ": " : "", tail);
}

static int ext_cmd(const struct eng_ctx *ctx, const char *name, const char *id, const char *verb,
                   const char *arg, struct td_err **err)
{
  const char *prog = NULL;
  if (eng_runtime_lookup(name, &prog, err) < 0)
    return -1;
  autofree char *root = state_dir(ctx, name);
  autofree char *dir = store_dir(ctx, id);
  autofree char *logpath = xasprintf("%s/runtime.log", dir);
  char *argv[] = {(char *)prog,
                  "--root",
                  root,
                  "--log",
                  logpath,
                  (char *)verb,
                  (char *)(arg ? arg : id),
                  arg ? (char *)id : NULL,
                  NULL};
  int fds[3] = {-1, -1, -1};
  return run_prog(prog, argv, fds, -1, NULL, err);
}

bool extrt_used(const struct ctr_record *rec)
{
  return runflags_external(rec);
}

int extrt_create(struct mon *m, const int stdio[3], pid_t *pid, struct td_err **err)
{
  const char *name = m->rec->host.runtime;
  const char *prog = NULL;
  if (eng_runtime_lookup(name, &prog, err) < 0)
    return -1;
  autofree char *root = state_dir(m->ctx, name);
  if (mkdir_p(root, 0700, err) < 0)
    return -1;
  autofree char *pidfile = xasprintf("%s/runtime.pid", m->dir);
  autofree char *logpath = xasprintf("%s/runtime.log", m->dir);
  unlink(pidfile);
  /* a state left by a crash: the same id would be refused */
  autoerr struct td_err *e = NULL;
  extrt_delete(m->ctx, m->rec, m->id, &e);
  unlink(logpath);
  /* -t: the runtime sends the pty master on a socket of ours (runc's and crun's
   * --console-socket), kept short for sun_path: <run root>/NAME/c-ID12.sock */
  autofree char *sockpath = xasprintf("%s/c-%.12s.sock", root, m->id);
  autoclose int console = -1;
  if (m->io.tty) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sockpath) >= sizeof(sa.sun_path))
      return err_set(err, ENAMETOOLONG, "runtime %s: console socket %s", name, sockpath);
    strcpy(sa.sun_path, sockpath);
    unlink(sockpath);
    console = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (console < 0 || bind(console, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(console, 1) < 0)
      return err_set(err, errno, "runtime %s: console socket %s", name, sockpath);
  }
  char *argv[] = {(char *)prog, "--root",     root,    "--log",       logpath, "create", "--bundle",
                  m->dir,       "--pid-file", pidfile, (char *)m->id, NULL,    NULL,     NULL};
  if (m->io.tty) {
    argv[10] = "--console-socket";
    argv[11] = sockpath;
    argv[12] = (char *)m->id;
  }
  /* the container's stdio is the runtime's own (runc and crun pass it on without a
   * terminal); the runtime's errors go to its log */
  int master = -1;
  int rc = run_prog(prog, argv, stdio, console, &master, err);
  if (console >= 0)
    unlink(sockpath);
  if (rc < 0) {
    if (master >= 0)
      close(master);
    return err_prefix(err, "runtime %s", name);
  }
  if (m->io.tty) {
    if (master < 0)
      return err_set(err, 0, "runtime %s: no console came on %s", name, sockpath);
    m->io.master = master;
  }
  autofree char *text = NULL;
  if (file_read_all(AT_FDCWD, pidfile, &text, NULL, err) < 0)
    return err_prefix(err, "runtime %s: its pid file", name);
  *pid = (pid_t)atoi(text);
  if (*pid <= 0)
    return err_set(err, 0, "runtime %s: bad pid file %s", name, pidfile);
  return 0;
}

int extrt_start(struct mon *m, struct td_err **err)
{
  if (ext_cmd(m->ctx, m->rec->host.runtime, m->id, "start", NULL, err) < 0)
    return err_prefix(err, "runtime %s", m->rec->host.runtime);
  return 0;
}

/* The container's cgroup directory in every cgroup v1 hierarchy, named ones included (runc
 * makes one in name=systemd that its delete leaves behind): removed if empty, a warning if it
 * is there and cannot go. rmdir only: nothing but an empty directory is ever removed. */
static void sweep_v1_cgroups(const struct eng_ctx *ctx, const char *id)
{
  autofree char *cgpath = bundle_cgroups_path(ctx, id);
  autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  autofree char *line = NULL;
  size_t cap = 0;
  while (f && cgpath && getline(&line, &cap, f) > 0) {
    char *sep = strstr(line, " - cgroup ");
    char mnt[512];
    if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
      continue;
    autofree char *dir = xasprintf("%s%s", mnt, cgpath);
    if (rmdir(dir) < 0 && errno != ENOENT) {
      autoerr struct td_err *e = NULL;
      err_set(&e, errno, "rmdir %s", dir);
      err_warn(&e, "the cgroup another runtime left for container %s", id);
    }
  }
}

int extrt_delete(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
                 struct td_err **err)
{
  autofree char *root = state_dir(ctx, rec->host.runtime);
  autofree char *st = xasprintf("%s/%s", root, id);
  if (access(st, F_OK) != 0)
    return 0; /* never created, or deleted already */
  if (ext_cmd(ctx, rec->host.runtime, id, "delete", "--force", err) < 0)
    return -1;
  sweep_v1_cgroups(ctx, id);
  return 0;
}

int extrt_pause(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id, bool pause,
                struct td_err **err)
{
  return ext_cmd(ctx, rec->host.runtime, id, pause ? "pause" : "resume", NULL, err);
}

int extrt_exec(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
               json_t *process, bool detach, const int stdio[3], int *status, struct td_err **err)
{
  const char *name = rec->host.runtime, *prog = NULL;
  if (eng_runtime_lookup(name, &prog, err) < 0)
    return -1;
  autofree char *root = state_dir(ctx, name);
  autofree char *dir = store_dir(ctx, id);
  autofree char *logpath = xasprintf("%s/runtime.log", dir);
  /* the process (made as for the core's exec) in a file of the container's directory, which
   * only root reads; gone once the runtime has read it */
  autofree char *ppath = xasprintf("%s/exec-%d.json", dir, (int)getpid());
  if (file_write_json(AT_FDCWD, ppath, process, 0600, err) < 0)
    return -1;
  char *argv[] = {(char *)prog, "--root", root,       "--log", logpath, "exec",
                  "--process",  ppath,    (char *)id, NULL,    NULL};
  if (detach) {
    argv[6] = "-d";
    argv[7] = "--process";
    argv[8] = ppath;
    argv[9] = (char *)id;
  }
  int fds[3] = {stdio[0], stdio[1], stdio[2]};
  pid_t p = fork();
  if (p < 0) {
    unlink(ppath);
    return err_set_fork(err, errno, "fork the runtime");
  }
  if (p == 0) {
    exec_with_stdio(prog, argv, fds);
  }
  int st = 0;
  while (waitpid(p, &st, 0) < 0 && errno == EINTR)
    ;
  unlink(ppath);
  *status = st;
  return 0;
}
