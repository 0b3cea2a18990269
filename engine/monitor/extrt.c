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
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
  const char *last = nl ? nl + 1 : text;
  /* --log-format json: {"level":"error","msg":"...","time":"..."}, its msg unescaped */
  autojson json_t *j = json_loads(last, 0, NULL);
  const char *msg = json_string_value(json_object_get(j, "msg"));
  return xstrdup(msg ? msg : last);
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

/* Run prog with argv ({prog, --root, R, --log, L, --log-format, json, verb, ...}), stdio from fds
 * (-1: /dev/null), and wait for it; its error is the last line of its log L. With cs (a listening
 * --console-socket), the pty master it sends meanwhile goes to *master. argv[5..6] are
 * "--log-format json", argv[7] the verb. */
static int run_prog(const char *prog, char *const argv[], const int fds[3], struct console_sock *cs,
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
  autoerr struct td_err *cerr = NULL;
  for (;;) {
    if (cs && cs->fd >= 0 && cerr == NULL) {
      console_sock_take(cs, p, 50, master, &cerr);
      if (waitpid(p, &st, WNOHANG) == p)
        break;
      continue;
    }
    if (waitpid(p, &st, 0) == p || errno != EINTR)
      break;
  }
  if (cerr) {
    /* a refused console: the runtime's own status says nothing of it */
    *err = cerr;
    cerr = NULL;
    return err_prefix(err, "%s %s", prog, argv[7]);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  autofree char *tail = log_tail(argv[4]);
  return err_set(err, 0, "%s %s failed (status %d)%s%s", prog, argv[7],
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
                  "--log-format",
                  "json",
                  (char *)verb,
                  (char *)(arg ? arg : id),
                  arg ? (char *)id : NULL,
                  NULL};
  int fds[3] = {-1, -1, -1};
  return run_prog(prog, argv, fds, NULL, NULL, err);
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
   * --console-socket) in a fresh root-only directory under its state directory */
  struct console_sock cs = {.fd = -1};
  if (m->io.tty && console_sock_open(root, &cs, err) < 0)
    return err_prefix(err, "runtime %s", name);
  char *argv[] = {(char *)prog,  "--root", root,       "--log", logpath,      "--log-format",
                  "json",        "create", "--bundle", m->dir,  "--pid-file", pidfile,
                  (char *)m->id, NULL,     NULL,       NULL};
  if (m->io.tty) {
    argv[12] = "--console-socket";
    argv[13] = cs.path;
    argv[14] = (char *)m->id;
  }
  /* the container's stdio is the runtime's own (runc and crun pass it on without a
   * terminal); the runtime's errors go to its log */
  int master = -1;
  int rc = run_prog(prog, argv, stdio, m->io.tty ? &cs : NULL, &master, err);
  console_sock_close(&cs);
  if (rc < 0) {
    if (master >= 0)
      close(master);
    return err_prefix(err, "runtime %s", name);
  }
  if (m->io.tty) {
    if (master < 0)
      return err_set(err, 0, "runtime %s: no console came on its console socket", name);
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

/* `NAME exec [-d] [--console-socket S --pid-file P] --process F ID`. Foreground (out == NULL):
 * the runtime waits for the process, *status its wait status. Handed over (out != NULL): the
 * runtime detaches (-d) after the start, the process's pid from its pid file in out->pid (the
 * caller's child when the caller is a child subreaper), its pty master in out->master when
 * process.terminal is set (the runtime's console socket). */
static int exec_run(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
                    json_t *process, const int stdio[3], struct extrt_exec_out *out, int *status,
                    struct td_err **err)
{
  const char *name = rec->host.runtime, *prog = NULL;
  if (eng_runtime_lookup(name, &prog, err) < 0)
    return -1;
  bool tty = out && json_is_true(json_object_get(process, "terminal"));
  autofree char *root = state_dir(ctx, name);
  autofree char *dir = store_dir(ctx, id);
  autofree char *logpath = xasprintf("%s/runtime.log", dir);
  /* the process (made as for the core's exec) and the runtime's pid file in files of the
   * container's directory, which only root reads; gone once the runtime has read them */
  autofree char *ppath = xasprintf("%s/exec-%d.json", dir, (int)getpid());
  autofree char *pidpath = xasprintf("%s/exec-%d.pid", dir, (int)getpid());
  struct console_sock cs = {.fd = -1};
  if (tty && (mkdir_p(root, 0700, err) < 0 || console_sock_open(root, &cs, err) < 0))
    return err_prefix(err, "runtime %s", name);
  if (file_write_json(AT_FDCWD, ppath, process, 0600, err) < 0) {
    console_sock_close(&cs);
    return -1;
  }
  char *argv[18] = {(char *)prog, "--root", root, "--log", logpath, "--log-format", "json", "exec"};
  int n = 8;
  if (out) {
    argv[n++] = "-d";
    argv[n++] = "--pid-file";
    argv[n++] = pidpath;
    unlink(pidpath);
  }
  if (tty) {
    argv[n++] = "--console-socket";
    argv[n++] = cs.path;
  }
  argv[n++] = "--process";
  argv[n++] = ppath;
  argv[n++] = (char *)id;
  argv[n] = NULL;
  int rc = 0;
  if (out) {
    out->pid = 0;
    out->master = -1;
    rc = run_prog(prog, argv, stdio, tty ? &cs : NULL, &out->master, err);
  } else {
    pid_t p = fork();
    if (p < 0)
      rc = err_set_fork(err, errno, "fork the runtime");
    if (p == 0)
      exec_with_stdio(prog, argv, stdio);
    while (p > 0 && waitpid(p, status, 0) < 0 && errno == EINTR)
      ;
  }
  console_sock_close(&cs);
  unlink(ppath);
  if (out == NULL || rc < 0) {
    if (out && out->master >= 0)
      close(out->master), out->master = -1;
    return rc < 0 ? err_prefix(err, "runtime %s", name) : 0;
  }
  autofree char *text = NULL;
  rc = file_read_all(AT_FDCWD, pidpath, &text, NULL, err);
  unlink(pidpath);
  if (rc < 0 || (out->pid = (pid_t)atoi(text)) <= 0 || (tty && out->master < 0)) {
    if (rc == 0)
      err_set(err, 0, out->pid <= 0 ? "bad pid file" : "no console came on its console socket");
    if (out->master >= 0)
      close(out->master), out->master = -1;
    return err_prefix(err, "runtime %s exec", name);
  }
  return 0;
}

int extrt_exec(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
               json_t *process, const int stdio[3], int *status, struct td_err **err)
{
  return exec_run(ctx, rec, id, process, stdio, NULL, status, err);
}

/* What the keeper tells the CLI once the runtime is done: the process's pid (0: it did not
 * start), the error's exit code and text. */
struct keeper_report {
  int32_t pid;
  int32_t code;
  char msg[1024];
};

/* The keeper, a child of the CLI: a child subreaper that runs the runtime, so that the process
 * the runtime leaves is its child; it reports it (and its pty master) to the CLI on sock, then
 * waits for it and writes its wait status (the exit code, whatever the CLI does meanwhile: it
 * may have left after `exec -d` or a detach). No parent-death signal is armed on the process
 * (runc 1.1): the keeper's death would leave it running. Never returns. */
static _Noreturn void keeper(const struct eng_ctx *ctx, const struct ctr_record *rec,
                             const char *id, json_t *process, const int stdio[3], int sock)
{
  /* out of the terminal's session and signals (the CLI's ^C is the CLI's) */
  setsid();
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  struct extrt_exec_out o = {.pid = 0, .master = -1, .waitfd = -1};
  autoerr struct td_err *e = NULL;
  struct keeper_report r = {0};
  if (exec_run(ctx, rec, id, process, stdio, &o, NULL, &e) < 0) {
    r.code = e ? e->exit_code : 0;
    snprintf(r.msg, sizeof(r.msg), "%s", e ? e->msg : "exec failed");
  } else {
    r.pid = o.pid;
  }
  /* keep nothing of the CLI's: its stdio (a reader of its output must see the end when the
   * CLI exits) and its other fds (a lock) */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    dup2(null, fd);
  if (console_send(sock, &r, sizeof(r), o.master) < 0 || r.pid <= 0)
    _exit(0);
  if (o.master >= 0)
    close(o.master);
  if (dup2(sock, 3) < 0)
    _exit(1);
  syscall(SYS_close_range, 4U, ~0U, 0U);
  int st = 0;
  for (;;) {
    int s2 = 0;
    pid_t w = waitpid(-1, &s2, 0); /* orphans of the runtime come here too */
    if (w == r.pid) {
      st = s2;
      break;
    }
    if (w < 0 && errno != EINTR)
      _exit(1);
  }
  write_all(3, &st, sizeof(st));
  _exit(0);
}

int extrt_exec_start(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *id,
                     json_t *process, const int stdio[3], struct extrt_exec_out *out,
                     struct td_err **err)
{
  *out = (struct extrt_exec_out){.pid = 0, .master = -1, .waitfd = -1};
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
    return err_set(err, errno, "socketpair");
  fflush(NULL);
  pid_t k = fork();
  if (k < 0) {
    close(sp[0]);
    close(sp[1]);
    return err_set_fork(err, errno, "fork");
  }
  if (k == 0) {
    close(sp[0]);
    keeper(ctx, rec, id, process, stdio, sp[1]);
  }
  close(sp[1]);
  struct keeper_report r;
  size_t got = 0;
  bool tty = json_is_true(json_object_get(process, "terminal"));
  int master = -1;
  int rc = console_recv(sp[0], &r, sizeof(r), &got, tty ? &master : NULL, err);
  if (rc < 0 && got == sizeof(r) && r.pid <= 0) {
    err_free(err); /* no master came because the runtime failed: its error says why */
    rc = 0;
  }
  if (rc == 0 && got != sizeof(r))
    rc = err_set(err, 0, "runtime %s: the exec's keeper ended early", rec->host.runtime);
  if (rc == 0 && r.pid <= 0)
    rc = err_set_exit(err, r.code ? r.code : EXIT_ENGINE, 0, "%s", r.msg);
  if (rc < 0) {
    if (master >= 0)
      close(master);
    close(sp[0]);
    waitpid(k, NULL, 0);
    return -1;
  }
  out->pid = r.pid;
  out->master = master;
  out->waitfd = sp[0];
  return 0;
}

int extrt_exec_wait(struct extrt_exec_out *out, int *status)
{
  int st = 0;
  ssize_t n;
  while ((n = read(out->waitfd, &st, sizeof(st))) < 0 && errno == EINTR)
    ;
  close(out->waitfd);
  out->waitfd = -1;
  /* the keeper, our child, ends right after */
  if (n == (ssize_t)sizeof(st)) {
    *status = st;
    return 0;
  }
  *status = 255 << 8;
  return -1;
}
