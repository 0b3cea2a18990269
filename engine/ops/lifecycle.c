/* start / run / stop / kill / rm / wait / rename / pause / attach. */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/container/runflags.h"
#include "engine/monitor/monitor.h"
#include "engine/ops/ops.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "runtime/cgroup/cgroup.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "util/trace.h"

static bool status_is(const struct ctr_record *rec, const char *status)
{
  return rec->state.status && strcmp(rec->state.status, status) == 0;
}

static bool is_running(const struct ctr_record *rec)
{
  const char *s = rec->state.status;
  return s &&
         (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 || strcmp(s, "restarting") == 0);
}

static void flag_stopping(const struct eng_ctx *ctx, const char *id, bool on)
{
  autofree char *p = xasprintf("%s/%s/stopping", ctx->ctr_dir, id);
  if (on) {
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
      close(fd);
  } else {
    unlink(p);
  }
}

int eng_start(struct eng_ctx *ctx, const char *id, const struct eng_start_opts *o, int *exit_code,
              struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  *exit_code = 0;
  if (is_running(rec)) {
    if (o->attach)
      return err_set(err, 0, "container %s is already running", id);
    return 0;
  }
  eng_clear_stale_runtime(ctx, id); /* a monitor killed mid-start (the usual case: one access) */
  if (eng_rootfs_mount(ctx, rec, err) < 0)
    return -1;
  td_trace("rootfs-mounted");
  flag_stopping(ctx, id, false);
  autoclose int sock = -1;
  /* for the monitor: a fork of this process */
  store_cache_put(STORE_CACHE_RECORD, id, record_to_json(rec));
  bool tty = rec->config.tty;
  /* returns only when it did not hand over */
  /* a monitor that could not be made (out of fds or processes) leaves no rootfs mounted */
  if (((o->attach && !tty && !o->interactive) || (!o->attach && o->detach_print_id)) &&
      monitor_handoff(ctx, id, o->attach, o->sig_proxy, err) < 0) {
    eng_rootfs_umount(ctx, rec);
    return -1;
  }
  if (monitor_spawn(ctx, id, &sock, err) < 0) {
    eng_rootfs_umount(ctx, rec);
    return -1;
  }
  td_trace("forked");
  if (o->attach)
    return attach_session(sock, tty, o->interactive, o->sig_proxy, true, o->detach_keys, exit_code,
                          err);
  struct mon_msg s = {.type = MON_START};
  if (mon_send(sock, &s, NULL, 0) < 0)
    return err_set(err, errno, "start");
  /* bounded: the monitor's own waits (locks) end first, and it answers with their error */
  int bound = lock_peer_timeout_ms();
  for (;;) {
    struct mon_msg r;
    int fds[3], n;
    struct pollfd pf = {.fd = sock, .events = POLLIN};
    int pr = RETRY_EINTR(poll(&pf, 1, bound));
    if (pr == 0)
      return err_set(err, 0,
                     "waiting for the container's monitor to start it: timed out after %g s",
                     bound / 1000.0);
    int got = pr < 0 ? -1 : mon_recv(sock, &r, fds, &n);
    if (got <= 0)
      return err_set(err, 0, "the container's monitor went away");
    if (r.type == MON_STARTED)
      return 0;
    if (r.type == MON_ERROR)
      return err_set_exit(err, r.a ? r.a : EXIT_ENGINE, 0, "%s", r.text);
    if (r.type == MON_EXIT) {
      td_trace("cli-got-exit");
      *exit_code = r.a;
      return 0;
    }
  }
}

int eng_run(struct eng_ctx *ctx, const struct eng_run_req *req, int *exit_code, struct td_err **err)
{
  td_trace("eng-run");
  autofree char *id = NULL;
  if (eng_create(ctx, req, &id, err) < 0)
    return -1;
  td_trace("created");
  struct eng_start_opts o = {.attach = !req->detach,
                             .interactive = req->interactive,
                             .detach_print_id =
                                 req->detach, /* by tinydocker-attach if handed over */
                             .sig_proxy = true,
                             .detach_keys = req->detach_keys};
  int rc = eng_start(ctx, id, &o, exit_code, err);
  if (rc < 0 && err && *err && (*err)->kind == ERR_DAEMON)
    err_mark(err, ERR_START); /* docker run words a failed start apart from a failed create */
  if (rc < 0 && req->auto_remove) {
    /* --rm: the monitor removes a container that failed to start, unless the failure came
     * before it (or kept it from cleaning: out of fds); then it is removed here */
    autoerr struct td_err *rmerr = NULL;
    autorecord struct ctr_record *left = NULL;
    if (record_load(ctx, id, &left, &rmerr) == 0 && !is_running(left) &&
        eng_rm(ctx, id, true, false, &rmerr) < 0)
      err_warn(&rmerr, "remove the container (--rm)");
  }
  /* docker's CLI prints the id once created, so a start that fails shows it too, before the
   * error */
  if (req->detach) {
    printf("%s\n", id);
    fflush(stdout);
  }
  return rc;
}

/* How long stop and rm wait for a monitor to record its container's exit and go: longer than
 * any lock wait of its own (a monitor finishing behind a busy network store took over 10 s
 * on this VM at load 30; tests/stress caught `stop` returning while `inspect` still said
 * running), so that it is the monitor that fails first and says why. */
#define MONITOR_RECORD_MS 120000

/* Wait for the monitor to record the exit (it exits unless restarting). 0 when it is gone (or
 * there is none); -1 with an error naming it when it is still there after timeout_ms. */
static int wait_monitor(const struct eng_ctx *ctx, const char *id, int timeout_ms,
                        struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  autoerr struct td_err *e = NULL;
  if (record_load(ctx, id, &rec, &e) < 0)
    return 0;
  pid_t mon = rec->td.monitor_pid;
  uint64_t mst = rec->td.monitor_start;
  if (mon <= 0 || eng_wait_pid_gone(mon, mst, timeout_ms))
    return 0;
  return err_set(err, 0,
                 "its process exited, but its monitor (pid %d) has not recorded the exit "
                 "after %d s",
                 (int)mon, timeout_ms / 1000);
}

/* The container's processes are gone but no monitor recorded it: do what it would have. */
static void recover_orphan(const struct eng_ctx *ctx, const char *id)
{
  autoerr struct td_err *err = NULL;
  int lk = store_lock(ctx, id, &err);
  autorecord struct ctr_record *rec = NULL;
  if (record_load(ctx, id, &rec, &err) == 0 && store_refresh_state(rec)) {
    struct rt_ctx rt;
    eng_rt_ctx(ctx, &rt);
    autoerr struct td_err *e2 = NULL;
    if (rt_delete(&rt, id, true, &e2) < 0)
      err_warn(&e2, "container %s", id);
    autoerr struct td_err *e3 = NULL;
    if (net_detach(ctx->root, id, &e3) < 0)
      err_warn(&e3, "container %s: network detach", id);
    eng_rootfs_umount(ctx, rec);
    free(rec->state.finished_at);
    rec->state.finished_at = time_now_rfc3339(true);
    autoerr struct td_err *e4 = NULL;
    if (record_save(ctx, id, rec, &e4) < 0)
      err_warn(&e4, "container %s: record its exit", id);
  }
  lock_release(lk);
}

static int signal_container(const struct eng_ctx *ctx, const char *id, const struct ctr_record *rec,
                            int sig, bool all, struct td_err **err)
{
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  char signum[16];
  snprintf(signum, sizeof(signum), "%d", sig);
  /* logged before the signal, so that it comes before the monitor's "die" */
  eng_event(ctx, id, rec, "kill", "signal", signum, NULL);
  if (rt_kill(&rt, id, sig, all, err) == 0)
    return 0;
  /* runtime state gone (crash): fall back to the recorded pid, checked by start time */
  pid_t pid = rec->state.pid;
  if (proc_alive(pid, rec->td.init_start)) {
    err_free(err);
    if (kill(pid, sig) < 0)
      return err_set(err, errno, "kill %d", (int)pid);
    return 0;
  }
  return -1;
}

int eng_stop(struct eng_ctx *ctx, const char *id, int timeout, const char *signal,
             struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  if (!is_running(rec))
    return 0;
  flag_stopping(ctx, id, true);
  const char *sname = signal ? signal : rec->config.stop_signal;
  int sig = rt_signal_parse(sname ? sname : "SIGTERM");
  if (sig < 0)
    return err_set(err, 0, "invalid signal: %s", sname);
  if (timeout < 0)
    timeout = rec->config.stop_timeout >= 0 ? rec->config.stop_timeout : 10;
  pid_t pid = rec->state.pid;
  uint64_t st = rec->td.init_start;
  if (status_is(rec, "paused")) {
    autoerr struct td_err *e2 = NULL;
    eng_pause(ctx, id, false, &e2);
  }
  autoerr struct td_err *e1 = NULL;
  if (!(pid > 0 && signal_container(ctx, id, rec, sig, false, &e1) == 0 &&
        eng_wait_pid_gone(pid, st, timeout * 1000))) {
    autoerr struct td_err *e2 = NULL;
    signal_container(ctx, id, rec, SIGKILL, true, &e2);
    if (pid > 0 && !eng_wait_pid_gone(pid, st, 10000))
      return err_set(err, 0,
                     "cannot stop container: %s: tried to kill container, but did not "
                     "receive an exit event",
                     id);
  }
  if (wait_monitor(ctx, id, MONITOR_RECORD_MS, err) < 0)
    return err_prefix(err, "cannot stop container: %s", id);
  recover_orphan(ctx, id);
  eng_event(ctx, id, rec, "stop", NULL);
  return 0;
}

int eng_kill(struct eng_ctx *ctx, const char *id, const char *signal, struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  if (!is_running(rec))
    return err_set(err, 0, "Container %s is not running", id);
  int sig = rt_signal_parse(signal ? signal : "SIGKILL");
  if (sig < 0)
    return err_set(err, 0, "invalid signal: %s", signal);
  if (signal_container(ctx, id, rec, sig, false, err) < 0)
    return err_prefix(err, "cannot kill container: %s", id);
  if (sig == SIGKILL) {
    eng_wait_pid_gone(rec->state.pid, rec->td.init_start, 5000);
  }
  return 0;
}

int eng_rm(struct eng_ctx *ctx, const char *id, bool force, bool volumes, struct td_err **err)
{
  eng_trash_sweep(ctx); /* what a --rm remover killed half way left */
  /* a container without its monitor is removed here: no adopter to race the removal */
  eng_orphan_hook = NULL;
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  if (is_running(rec)) {
    if (!force)
      return err_set(err, 0,
                     "You cannot remove a %s container %s. Stop the container before "
                     "attempting removal or force remove",
                     rec->state.status, id),
             err_mark(err, ERR_SERVER);
    flag_stopping(ctx, id, true);
    pid_t pid = rec->state.pid;
    autoerr struct td_err *e1 = NULL;
    signal_container(ctx, id, rec, SIGKILL, true, &e1);
    if (pid > 0)
      eng_wait_pid_gone(pid, rec->td.init_start, 10000);
    /* never clean up beside a monitor that is still doing it */
    if (wait_monitor(ctx, id, MONITOR_RECORD_MS, err) < 0)
      return err_prefix(err, "cannot remove container \"%s\"", rec->name + 1);
    record_free(rec);
    rec = NULL;
    if (record_load(ctx, id, &rec, err) < 0) {
      /* --rm: the monitor removed it already */
      err_free(err);
      return 0;
    }
  } else {
    /* a monitor may still be finishing (restart backoff or --rm cleanup) */
    pid_t mon = rec->td.monitor_pid;
    if (mon > 0 && proc_alive(mon, rec->td.monitor_start)) {
      flag_stopping(ctx, id, true);
      if (!eng_wait_pid_gone(mon, rec->td.monitor_start, MONITOR_RECORD_MS))
        return err_set(err, 0,
                       "cannot remove container \"%s\": its monitor (pid %d) is still busy "
                       "after %d s",
                       rec->name + 1, (int)mon, MONITOR_RECORD_MS / 1000);
    }
  }
  int lk = store_lock(ctx, id, err);
  if (lk < 0)
    return -1;
  int rc = eng_cleanup_container(ctx, id, rec, true, volumes, err);
  lock_release(lk);
  return rc;
}

/* The exit code of a running container from its monitor (every client of attach.sock gets
 * MON_EXIT); -1 when the monitor hangs up without one. */
static int exit_from_monitor(struct eng_ctx *ctx, const char *id, int *code)
{
  autoerr struct td_err *e = NULL;
  autoclose int sock = attach_connect(ctx, id, &e);
  if (sock < 0)
    return -1;
  for (;;) {
    struct mon_msg m;
    int fds[3], n;
    if (mon_recv(sock, &m, fds, &n) <= 0)
      return -1;
    for (int i = 0; i < n; i++)
      close(fds[i]);
    if (m.type == MON_EXIT) {
      *code = m.a;
      return 0;
    }
  }
}

int eng_wait(struct eng_ctx *ctx, const char *id, int *code, struct td_err **err)
{
  for (;;) {
    autorecord struct ctr_record *rec = NULL;
    if (eng_load_refreshed(ctx, id, &rec, err) < 0)
      return -1;
    /* a --rm container takes its record along when it ends: as docker, wait still gets
     * the exit code, from the monitor */
    if (is_running(rec) && rec->host.auto_remove && exit_from_monitor(ctx, id, code) == 0)
      return 0;
    if (!is_running(rec) || status_is(rec, "restarting")) {
      if (status_is(rec, "created")) {
        /* docker waits for a created container to run and exit; we wait for start */
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        continue;
      }
      *code = rec->state.exit_code;
      return 0;
    }
    pid_t pid = rec->state.pid;
    if (pid > 0)
      eng_wait_pid_gone(pid, rec->td.init_start, 1000);
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
}

static int rename_locked(struct eng_ctx *ctx, const char *id, const char *new_name,
                         struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (record_load(ctx, id, &rec, err) < 0)
    return -1;
  const char *bare = new_name[0] == '/' ? new_name + 1 : new_name;
  autofree char *old = xstrdup(rec->name + 1);
  if (strcmp(old, bare) == 0)
    return err_set(err, 0, "Renaming a container with the same name as its current name");
  if (store_name_reserve(ctx, bare, id, err) < 0)
    return -1;
  free(rec->name);
  rec->name = xasprintf("/%s", bare);
  if (record_save(ctx, id, rec, err) < 0) {
    store_name_release(ctx, bare, id);
    return -1;
  }
  store_name_release(ctx, old, id);
  autofree char *old_slash = xasprintf("/%s", old);
  eng_event(ctx, id, rec, "rename", "oldName", old_slash, NULL);
  return 0;
}

int eng_rename(struct eng_ctx *ctx, const char *id, const char *new_name, struct td_err **err)
{
  if (!eng_valid_name(new_name))
    return err_set(err, 0,
                   "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                   "allowed",
                   new_name);
  int lk = store_lock(ctx, id, err);
  if (lk < 0)
    return -1;
  int rc = rename_locked(ctx, id, new_name, err);
  lock_release(lk);
  if (rc < 0 && strncmp((*err)->msg, "Conflict.", 9) == 0)
    err_prefix(err, "Error when allocating new name"), /* as dockerd words it */
        err_mark(err, ERR_SERVER);
  return rc;
}

int eng_pause(struct eng_ctx *ctx, const char *id, bool pause, struct td_err **err)
{
  int lk = store_lock(ctx, id, err);
  if (lk < 0)
    return -1;
  autorecord struct ctr_record *rec = NULL;
  int rc = -1;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    goto out;
  const char *st = rec->state.status;
  if (pause && strcmp(st, "running") != 0) {
    err_set(err, 0, "Container %s is %s", id,
            strcmp(st, "paused") == 0 ? "already paused" : "not running");
    goto out;
  }
  if (!pause && strcmp(st, "paused") != 0) {
    err_set(err, 0, "Container %s is not paused", id);
    goto out;
  }
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  if (runflags_external(rec) ? extrt_pause(ctx, rec, id, pause, err) < 0
                             : (pause ? rt_pause(&rt, id, err) : rt_resume(&rt, id, err)) < 0)
    goto out;
  free(rec->state.status);
  rec->state.status = xstrdup(pause ? "paused" : "running");
  rec->state.paused = pause;
  rc = record_save(ctx, id, rec, err);
  if (rc == 0)
    eng_event(ctx, id, rec, pause ? "pause" : "unpause", NULL);
out:
  lock_release(lk);
  return rc;
}

int eng_attach(struct eng_ctx *ctx, const char *id, bool no_stdin, bool sig_proxy,
               const char *detach_keys, int *exit_code, struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  if (!is_running(rec))
    return err_set(err, 0, "You cannot attach to a stopped container, start it first");
  autoclose int sock = attach_connect(ctx, id, err);
  if (sock < 0)
    return -1;
  bool with_stdin = !no_stdin && rec->config.open_stdin;
  eng_event(ctx, id, rec, "attach", NULL);
  return attach_session(sock, rec->config.tty, with_stdin, sig_proxy, false, detach_keys, exit_code,
                        err);
}
