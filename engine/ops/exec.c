/* exec: a new process in a running container through rt_exec (every namespace, the cgroup,
 * the container's capabilities, seccomp and no_new_privs), run from the CLI itself. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/parse/parse.h"
#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "engine/monitor/monitor.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void env_override(json_t *env, const char *kv)
{
  const char *eq = strchr(kv, '=');
  size_t k = eq ? (size_t)(eq - kv) : strlen(kv);
  size_t i;
  json_t *e;
  json_array_foreach (env, i, e) {
    const char *s = json_string_value(e);
    if (s && strncmp(s, kv, k) == 0 && s[k] == '=') {
      json_array_set_new(env, i, json_string(kv));
      return;
    }
  }
  json_array_append_new(env, json_string(kv));
}

/* The process object for the exec, starting from the container's own. */
static int exec_process(const struct ctr_record *rec, json_t *cfg, const struct eng_exec_req *req,
                        json_t **out, struct td_err **err)
{
  json_t *p = json_deep_copy(json_object_get(cfg, "process"));
  if (p == NULL)
    return err_set(err, 0, "container config has no process");
  json_object_set_new(p, "args", json_array());
  for (char **a = req->cmd; a && *a; a++)
    json_array_append_new(json_object_get(p, "args"), json_string(*a));
  json_object_set_new(p, "terminal", json_boolean(req->tty));
  json_t *env = json_object_get(p, "env");
  for (char **e = req->env; e && *e; e++) {
    if (strchr(*e, '=')) {
      env_override(env, *e);
    } else if (getenv(*e)) {
      autofree char *kv = xasprintf("%s=%s", *e, getenv(*e));
      env_override(env, kv);
    }
  }
  if (req->tty)
    env_override(env, "TERM=xterm");
  if (req->workdir)
    json_object_set_new(p, "cwd", json_string(req->workdir));
  else if (json_string_value(json_object_get(p, "cwd")) == NULL)
    json_object_set_new(p, "cwd", json_string("/"));
  if (req->user) {
    struct eng_user u;
    if (eng_user_resolve(rec->td.rootfs, req->user, &u, err) < 0)
      return -1;
    json_t *gids = json_array();
    for (size_t i = 0; i < u.n_groups; i++)
      json_array_append_new(gids, json_integer(u.groups[i]));
    json_object_set_new(
        p, "user",
        json_pack("{s:i,s:i,s:o}", "uid", (int)u.uid, "gid", (int)u.gid, "additionalGids", gids));
    eng_user_clear(&u);
  }
  if (req->privileged) {
    json_t *all = json_array();
    for (int c = 0; c <= 63; c++)
      if (security_cap_name(c))
        json_array_append_new(all, json_string(security_cap_name(c)));
    json_object_set_new(
        p, "capabilities",
        json_pack("{s:O,s:O,s:O}", "bounding", all, "effective", all, "permitted", all));
    json_decref(all);
  }
  json_object_del(p, "consoleSize");
  *out = p;
  return 0;
}

/* After a detach: a background process keeps the pty master open (closing it would hang up
 * the exec'd process) and drains its output, until the last process on the pty is gone. It is
 * in a session of its own before we return: a CLI that is its terminal's session leader
 * (`script -c 'tinydocker exec -dt ...'`) makes the kernel send SIGHUP to that terminal's
 * foreground process group when it exits, which the holder would still be in if it had not
 * yet run (it died, the master closed, and the pty's hangup killed the exec'd process). */
static void hold_master(int master)
{
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    ready[0] = ready[1] = -1;
  fflush(NULL);
  pid_t p = fork();
  if (p != 0) {
    if (ready[1] >= 0)
      close(ready[1]);
    /* EOF once the holder has left our session (or is gone) */
    char c;
    while (p > 0 && ready[0] >= 0 && read(ready[0], &c, 1) < 0 && errno == EINTR)
      ;
    if (ready[0] >= 0)
      close(ready[0]);
    return;
  }
  setsid();
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    dup2(null, fd);
  /* keep only the master (as fd 3): no lock or state fd of the CLI outlives it here; the
   * ready pipe goes with the rest, which tells the CLI that we are out of its session */
  if (dup2(master, 3) < 0)
    _exit(1);
  master = 3;
  syscall(SYS_close_range, 4U, ~0U, 0U);
  char buf[4096];
  for (;;) {
    ssize_t r = read(master, buf, sizeof(buf));
    if (r <= 0 && !(r < 0 && errno == EINTR))
      _exit(0);
  }
}

/* Relay the pty; keys: the detach keys scanned in our input (NULL: none). Returns 1 when they
 * were typed (the process runs on, a holder keeps the master), 0 when the pty closed. */
static int relay_pty(int master, struct detach_keys *keys)
{
  struct termios saved;
  bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    t.c_oflag = saved.c_oflag;
    tcsetattr(0, TCSANOW, &t);
  }
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  sigprocmask(SIG_BLOCK, &set, &old);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  bool in_open = true, done = false, detached = false;
  char buf[8192], pass[sizeof(buf) + DETACH_KEYS_MAX];
  while (!done) {
    struct pollfd p[3] = {{.fd = master, .events = POLLIN},
                          {.fd = sfd, .events = POLLIN},
                          {.fd = in_open ? 0 : -1, .events = POLLIN}};
    if (poll(p, 3, -1) < 0 && errno != EINTR)
      break;
    if (p[0].revents) {
      ssize_t r = read(master, buf, sizeof(buf));
      if (r > 0)
        write_all(1, buf, (size_t)r);
      else if (r < 0 && errno == EINTR)
        continue;
      else
        done = true;
    }
    if (p[2].revents) {
      ssize_t r = read(0, buf, sizeof(buf));
      size_t n = 0;
      if (r > 0 && keys && keys->len) {
        detached = detach_keys_scan(keys, buf, (size_t)r, pass, &n);
        write_all(master, pass, n);
        done = detached;
      } else if (r > 0) {
        write_all(master, buf, (size_t)r);
      } else {
        in_open = false;
      }
    }
    if (p[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
        if (si.ssi_signo == SIGWINCH && ioctl(0, TIOCGWINSZ, &ws) == 0)
          ioctl(master, TIOCSWINSZ, &ws);
    }
  }
  if (detached)
    hold_master(master);
  close(sfd);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (raw)
    tcsetattr(0, TCSANOW, &saved);
  return detached ? 1 : 0;
}

/* inspect's ExecIDs: <container dir>/execs/<exec id> holds "PID STARTTIME" while the exec'd
 * process runs (removed at its exit, or found gone by inspect). The path, or NULL (best effort:
 * an exec is never refused for it). */
static char *exec_mark(const struct eng_ctx *ctx, const char *id, const char *exec_id, pid_t pid)
{
  autofree char *dir = xasprintf("%s/%s/execs", ctx->ctr_dir, id);
  if (mkdir(dir, 0700) < 0 && errno != EEXIST)
    return NULL;
  char *path = xasprintf("%s/%s", dir, exec_id);
  char line[64];
  int n =
      snprintf(line, sizeof(line), "%d %llu\n", (int)pid, (unsigned long long)proc_starttime(pid));
  /* no fsync: a mark a crash loses only leaves ExecIDs one short */
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write_all(fd, line, (size_t)n) < 0) {
    if (fd >= 0)
      close(fd);
    free(path);
    return NULL;
  }
  close(fd);
  return path;
}

/* Start the process: the core's rt_exec (*pid our child), or (--runtime runc/crun) that
 * runtime's exec through a keeper of ours (*pid the keeper's child; its wait status comes on
 * *waitfd). */
static int exec_start(struct eng_ctx *ctx, const char *id, const struct ctr_record *rec, json_t *pj,
                      const struct rt_exec_opts *base, pid_t *pid, int *master, int *waitfd,
                      struct td_err **err)
{
  *waitfd = -1;
  if (runflags_external(rec)) {
    /* the runtime starts the process before we relay: the pty gets our size from the start
     * (process.consoleSize, which runc and crun apply), as the core's does */
    struct winsize ws;
    if (base->console_master_out && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
      json_object_set_new(
          pj, "consoleSize",
          json_pack("{s:i,s:i}", "height", (int)ws.ws_row, "width", (int)ws.ws_col));
    int stdio[3];
    for (int k = 0; k < 3; k++)
      stdio[k] = base->stdio[k] >= 0 ? base->stdio[k] : k;
    struct extrt_exec_out out;
    if (extrt_exec_start(ctx, rec, id, pj, stdio, &out, err) < 0)
      return -1;
    *pid = out.pid;
    *master = out.master;
    *waitfd = out.waitfd;
    return 0;
  }
  struct spec_process *proc = NULL;
  if (spec_process_from_json(pj, &proc, err) < 0)
    return -1;
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  struct rt_exec_opts o = *base;
  o.process = proc;
  o.console_master_out = base->console_master_out ? master : NULL;
  int rc = rt_exec(&rt, id, &o, pid, err);
  spec_process_free(proc);
  return rc;
}

int eng_exec(struct eng_ctx *ctx, const char *id, const struct eng_exec_req *req, int *exit_code,
             struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  const char *st = rec->state.status;
  if (strcmp(st, "paused") == 0)
    return err_set(err, 0, "Container %s is paused, unpause the container before exec", id);
  if (strcmp(st, "running") != 0)
    return err_set(err, 0, "Container %s is not running", id), err_mark(err, ERR_SERVER);
  autofree char *cfgpath = xasprintf("%s/%s/config.json", ctx->ctr_dir, id);
  autojson json_t *cfg = NULL;
  if (file_read_json(AT_FDCWD, cfgpath, &cfg, err) < 0)
    return -1;
  autojson json_t *pj = NULL;
  if (exec_process(rec, cfg, req, &pj, err) < 0)
    return -1;
  /* docker's events: "exec_create: CMD ARGS", "exec_start: ...", "exec_die" with an exec id */
  autofree char *exec_id = store_new_id();
  autofree char *cmdline = strv_join(req->cmd, " ");
  autofree char *act_create = xasprintf("exec_create: %s", cmdline);
  autofree char *act_start = xasprintf("exec_start: %s", cmdline);
  eng_event(ctx, id, rec, act_create, "execID", exec_id, NULL);
  int master = -1;
  int null = -1;
  struct rt_exec_opts o = {.detach = req->detach,
                           .console_master_out = req->tty ? &master : NULL,
                           .stdio = {-1, -1, -1}};
  if (req->detach || !req->interactive) {
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (req->detach)
      o.stdio[0] = o.stdio[1] = o.stdio[2] = null;
    else
      o.stdio[0] = null;
  }
  pid_t pid = 0;
  int waitfd = -1;
  int rc = exec_start(ctx, id, rec, pj, &o, &pid, &master, &waitfd, err);
  if (null >= 0)
    close(null);
  if (rc < 0) {
    if (master >= 0)
      close(master);
    /* docker: the process could not start (exec: "/etc": permission denied, or not found):
     * the daemon's line on stdout, "\r\n" ended (its API router writes it so), exit 126 */
    const char *why = *err ? strstr((*err)->msg, "exec: \"") : NULL;
    int code = *err ? (*err)->exit_code : 0;
    /* runc's and crun's own words end the same way ("exec: \"x\": executable file not
     * found in $PATH"), in the last line of their log */
    if (why && (code == EXIT_CANNOT_EXEC || code == EXIT_NOT_FOUND || runflags_external(rec))) {
      printf("OCI runtime exec failed: exec failed: unable to start container process: %s: "
             "unknown\r\n",
             why);
      fflush(stdout);
      err_free(err);
      *exit_code = EXIT_CANNOT_EXEC;
      return 0;
    }
    return -1;
  }
  *exit_code = 0;
  eng_event(ctx, id, rec, act_start, "execID", exec_id, NULL);
  autofree char *mark = exec_mark(ctx, id, exec_id, pid);
  if (req->detach) {
    /* -dt: closing the master would hang the process up (docker's daemon holds it) */
    if (master >= 0) {
      hold_master(master);
      close(master);
    }
    if (waitfd >= 0)
      close(waitfd);
    return 0;
  }
  int status = 0;
  if (master >= 0) {
    struct detach_keys keys = {0};
    if (req->interactive && detach_keys_parse(req->detach_keys, &keys, err) < 0)
      keys.len = 0; /* the CLI checked them */
    err_free(err);
    int detached = relay_pty(master, &keys);
    close(master);
    if (detached) {
      if (waitfd >= 0)
        close(waitfd);
      return 0; /* docker: exit 0, the process runs on */
    }
  } else {
    signal(SIGINT, SIG_IGN);
  }
  if (waitfd >= 0) {
    struct extrt_exec_out xo = {.pid = pid, .master = -1, .waitfd = waitfd};
    extrt_exec_wait(&xo, &status);
  } else {
    RETRY_EINTR(waitpid(pid, &status, 0));
  }
  *exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
               : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                     : 255;
  if (mark)
    unlink(mark);
  char code[16];
  snprintf(code, sizeof(code), "%d", *exit_code);
  eng_event(ctx, id, rec, "exec_die", "execID", exec_id, "exitCode", code, NULL);
  return 0;
}
