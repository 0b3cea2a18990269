/* The per-container monitor: owns the container's lifetime after the CLI is gone.
 * One poll loop over a signalfd (SIGCHLD, SIGTERM), the pty master or the stdio pipes, the
 * attach socket and its clients. It calls the runtime in-process, so the container's init is
 * its direct child; it writes the json-file log, records the exit code, OOM kill and finish
 * time, and applies --rm and the restart policy. Steady state allocates nothing. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/monitor/monitor_log.h"
#include "engine/monitor/monitor_loop.h"
#include "engine/monitor/monitor_state.h"
#include "engine/monitor/monitor.h"
#include "engine/monitor/internal.h"
#include "net/net.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/spec/spec.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "util/trace.h"

/* How long the monitor runs the loop itself before handing over to tinydocker-monitor: a
 * short-lived container (`run --rm true`) ends before and costs no exec; a long one idles in
 * the small program. */
#define MON_HANDOFF_MS 100

/* The container's mount namespace, held from create until its exit has been reported: the
 * namespace of a process's last exit is torn down in that exit, before the parent hears of
 * it, and that teardown waits for an RCU grace period (strace, the program's exit_group to
 * our wait4: median 4.5 ms, up to 17 ms here; 2.0 ms when held). Held, it goes when we let
 * go of it, after the CLI has its exit code. The fd is close-on-exec: the idle program
 * (hand-over after 100 ms) does not keep it. */
/* The container's program could not be executed: docker run words it as dockerd hands on
 * containerd's and runc's answer (scripts match "executable file not found", and the whole
 * line); other failures keep ours. Returns -1. */
static int docker_exec_wording(struct td_err **err, const char *id)
{
  if (err == NULL || *err == NULL)
    return -1;
  const char *text = err_text(*err);
  autofree char *prefix = xasprintf("create container %s: exec: ", id);
  if (strncmp(text, prefix, strlen(prefix)) != 0)
    return -1;
  char *msg = xasprintf("failed to create shim task: OCI runtime create failed: runc create "
                        "failed: unable to start container process: %s: unknown",
                        text + strlen(prefix) - strlen("exec: "));
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

static void hold_mntns(struct mon *m)
{
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/mnt", (int)m->io.pid);
  m->mntns = open(nspath, O_RDONLY | O_CLOEXEC);
}

/* Dropping the last reference to a mount namespace or a detached tree unmounts it: an RCU
 * grace period (~0.3-1 ms here) that waits until the exit has been reported. */
static void release_held(struct mon *m)
{
  if (m->mntns >= 0)
    close(m->mntns);
  m->mntns = -1;
  if (m->entry_tree >= 0)
    close(m->entry_tree);
  m->entry_tree = -1;
}

/* Update the record under the container lock. */
static void rec_update_state(struct mon *m, const char *status, bool running, pid_t pid,
                             int exit_code, const char *error, bool set_started, bool set_finished,
                             bool oom)
{
  autoerr struct td_err *err = NULL;
  int lk = store_lock(m->ctx, m->id, &err);
  struct ctr_record *fresh = NULL;
  if (record_load(m->ctx, m->id, &fresh, &err) == 0) {
    /* others may have renamed or paused it; the network part of a start is ours. Once it
     * stopped, the file's: the networks connected and disconnected while it ran (netconnect
     * wrote them there) are the ones the next start attaches (docker's) */
    if (running) {
      struct ctr_net mine = m->rec->net;
      m->rec->net = fresh->net;
      fresh->net = mine;
    }
    record_free(m->rec);
    m->rec = fresh;
  }
  if (m->etc_paths)
    eng_etc_paths_fill(m->ctx, m->rec);
  struct ctr_state *st = &m->rec->state;
  free(st->status);
  st->status = xstrdup(status);
  st->running = running;
  st->paused = false;
  st->restarting = strcmp(status, "restarting") == 0;
  st->pid = pid;
  st->exit_code = exit_code;
  free(st->error);
  st->error = xstrdup(error ? error : "");
  if (set_started) {
    free(st->started_at);
    st->started_at = time_now_rfc3339(true);
    st->oom_killed = false;
  }
  if (set_finished) {
    free(st->finished_at);
    st->finished_at = time_now_rfc3339(true);
    st->oom_killed = oom;
  }
  m->rec->td.monitor_pid = getpid();
  m->rec->td.monitor_start = proc_starttime(getpid());
  m->rec->td.init_start = proc_starttime(pid);
  m->rec->restart_count = m->restart_count;
  record_save(m->ctx, m->id, m->rec, &err);
  lock_release(lk);
}

static int open_null(void)
{
  return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* Pipes or nothing for the container's stdio (a pty is made by the runtime). */
static int setup_stdio(struct mon *m, int child[3], struct td_err **err)
{
  child[0] = child[1] = child[2] = -1;
  if (m->io.tty)
    return 0;
  int p[2];
  if (m->io.open_stdin) {
    if (pipe2(p, O_CLOEXEC) < 0)
      return err_set(err, errno, "pipe");
    child[0] = p[0];
    m->io.in_w = p[1];
  } else {
    child[0] = open_null();
  }
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  child[1] = p[1];
  m->io.out_r = p[0];
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  child[2] = p[1];
  m->io.err_r = p[0];
  return 0;
}

/* rt_delete, or the other runtime's delete (--runtime). */
static int runtime_delete(struct mon *m, struct rt_ctx *rt, struct td_err **err)
{
  if (extrt_used(m->rec))
    return extrt_delete(m->ctx, m->rec, m->id, err);
  return rt_delete(rt, m->id, true, err);
}

/* rt_create + network + rt_start; the init is our child. */
static int start_container(struct mon *m, struct rt_ctx *rt, struct td_err **err)
{
  /* --network/--ipc/--pid container:X: X's init now, pinned until the runtime has joined */
  autojson json_t *cached = store_cache_take(STORE_CACHE_SPEC, m->id);
  __attribute__((cleanup(eng_ns_hold_clear))) struct eng_ns_hold hold;
  eng_ns_hold_init(&hold);
  if (eng_ns_joins_start(m->ctx, m->rec, m->dir, &cached, &hold, err) < 0)
    return -1;
  m->etc_paths = true;
  int child[3];
  if (setup_stdio(m, child, err) < 0) {
    /* out of fds: what was made goes, so the cleanup after this failure has fds to work */
    for (int k = 0; k < 3; k++)
      if (child[k] >= 0)
        close(child[k]);
    return -1;
  }
  td_trace("mon-stdio");
  /* the spec run's create just wrote, if we are that process's fork (else the file) */
  td_trace("rt-create");
  spec_autofree struct spec *spec = NULL;
  autoerr struct td_err *e = NULL;
  if (cached && spec_from_json(cached, &spec, &e) < 0)
    spec = NULL;
  struct rt_create_opts o = {
      .id = m->id,
      .bundle = m->dir,
      .spec = spec,
      .console_master_out = m->io.tty ? &m->io.master : NULL,
      .stdio = {child[0], child[1], child[2]},
      .entry_tree_out = &m->entry_tree,
  };
  release_held(m); /* a restart's previous ones */
  int rc = extrt_used(m->rec) ? extrt_create(m, child, &m->io.pid, err)
                              : rt_create(rt, &o, &m->io.pid, err);
  td_trace("rt-created");
  for (int k = 0; k < 3; k++)
    if (child[k] >= 0)
      close(child[k]);
  if (rc < 0) {
    /* a joined container that exited meanwhile is the reason the runtime failed */
    autoerr struct td_err *gone = NULL;
    if (eng_ns_hold_check(&hold, &gone) < 0) {
      err_free(err);
      *err = steal_ptr(gone);
      return -1;
    }
    return docker_exec_wording(err, m->id);
  }
  if (eng_ns_hold_check(&hold, err) < 0) {
    autoerr struct td_err *e2 = NULL;
    if (rt_delete(rt, m->id, true, &e2) < 0)
      err_warn(&e2, "undo start");
    return -1;
  }
  m->io.exited = false;
  hold_mntns(m);
  if (eng_ns_share_shm(&hold, m->io.pid, m->mntns, err) < 0) {
    autoerr struct td_err *e2 = NULL;
    if (rt_delete(rt, m->id, true, &e2) < 0)
      err_warn(&e2, "undo start");
    return -1;
  }
  if (m->io.master >= 0) {
    fcntl(m->io.master, F_SETFD, FD_CLOEXEC);
    mon_io_apply_winsize(&m->io);
  }
  if (mon_attach_network(m, err) < 0) {
    autoerr struct td_err *e2 = NULL;
    if (runtime_delete(m, rt, &e2) < 0)
      err_warn(&e2, "undo start");
    return -1;
  }
  if ((extrt_used(m->rec) ? extrt_start(m, err) : rt_start(rt, m->id, err)) < 0) {
    autoerr struct td_err *e2 = NULL;
    if (runtime_delete(m, rt, &e2) < 0)
      err_warn(&e2, "undo start");
    autoerr struct td_err *e3 = NULL;
    if (net_detach(m->ctx->root, m->id, &e3) < 0)
      err_warn(&e3, "undo start: network detach");
    return -1;
  }
  td_trace("rt-started");
  /* recorded while the init loads its filter and execs on the other CPU (~1 ms each); every
   * client hears MON_STARTED only after this */
  rec_update_state(m, "running", true, m->io.pid, 0, NULL, true, false, false);
  td_trace("rec-running");
  eng_event(m->ctx, m->id, m->rec, "start", NULL);
  mon_health_start(m, m->io.pid, true);
  return 0;
}

/* The record's settings the monitor acts on (the log is opened separately: a resumed monitor
 * keeps the fd it was handed). */
static int load_record(struct mon *m, struct td_err **err)
{
  /* the record our parent (a start) had in memory when it forked us, else the file */
  json_t *cached = store_cache_take(STORE_CACHE_RECORD, m->id);
  if (cached)
    m->rec = record_from_json(cached);
  else if (record_load(m->ctx, m->id, &m->rec, err) < 0)
    return -1;
  m->io.tty = m->rec->config.tty;
  m->io.open_stdin = m->rec->config.open_stdin;
  m->io.stdin_once = m->rec->config.stdin_once;
  m->auto_remove = m->rec->host.auto_remove;
  if (eng_parse_restart(m->rec->host.restart_policy, &m->restart, err) < 0)
    return -1;
  m->restart.max_retries = m->rec->host.restart_max;
  m->dirfd = open(m->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->dirfd < 0)
    return err_set(err, errno, "open %s", m->dir);
  return 0;
}

static int open_log(struct mon *m, struct td_err **err)
{
  int64_t max_size = 0, max_file = 1;
  const char *ms = m->rec->host.log_max_size;
  const char *mf = m->rec->host.log_max_file;
  if (ms && eng_parse_size(ms, &max_size, err) < 0)
    return -1;
  if (mf)
    max_file = strtol(mf, NULL, 10);
  autofree char *logpath = xasprintf("%s/%s-json.log", m->dir, m->id);
  return mon_log_open(&m->io.log, logpath, max_size, (int)max_file, err);
}

static int listen_attach(struct mon *m)
{
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach.sock", m->dirfd);
  unlinkat(m->dirfd, "attach.sock", 0);
  /* the socket 0600 from its first instant, whatever the umask (a socket's mode is the umask's
   * complement: connect needs write); its directory is 0700 as well, and the loop checks each
   * peer's uid (SO_PEERCRED) */
  mode_t old = umask(0177);
  int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (r < 0 || listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Wait (blocking) for the spawning client to send MON_START. */
static bool wait_for_start(struct mon *m)
{
  bool start = false;
  while (!start && m->io.cl[0].sock >= 0)
    if (!mon_io_client_msg(&m->io, 0, &start))
      return false;
  return start;
}

static void report_error(struct mon *m, struct td_err *err)
{
  struct mon_msg msg = {.type = MON_ERROR, .a = err ? err->exit_code : EXIT_ENGINE};
  snprintf(msg.text, sizeof(msg.text), "%s", err_text(err));
  mon_io_send_all(&m->io, &msg);
}

/* The container ended for good (not --rm): record, tell clients. */
static void finish(struct mon *m, int code, bool oom)
{
  eng_rootfs_umount(m->ctx, m->rec);
  rec_update_state(m, "exited", false, 0, code, m->error, false, true, oom);
  unlinkat(m->dirfd, "attach.sock", 0);
  struct mon_msg msg = {.type = MON_EXIT, .a = code};
  mon_io_send_all(&m->io, &msg);
  release_held(m);
}

/* --rm: out of every view first (engine/container/trash.c), then the exit code to the clients, then
 * the teardown that only the host sees, off the CLI's path. Falls back to the whole
 * removal before answering when the directory cannot be moved. */
static void finish_removed(struct mon *m, int code)
{
  autoerr struct td_err *err = NULL;
  int lk = store_lock(m->ctx, m->id, &err); /* moves with the directory; held to the end */
  autostrv char **unplug = NULL;
  bool moved = eng_trash_move(m->ctx, m->id, m->rec, &unplug, &err) == 0;
  if (!moved)
    eng_cleanup_container(m->ctx, m->id, m->rec, true, true, &err);
  td_trace("trash-moved");
  struct mon_msg msg = {.type = MON_EXIT, .a = code};
  mon_io_send_all(&m->io, &msg);
  release_held(m);
  net_unplug(unplug); /* the veth delete (~20 ms in the kernel) after the CLI has its code */
  if (moved)
    eng_trash_finish(m->ctx, m->id, m->rec->td.rootfs_is_dir, eng_net_endpoints(m->rec));
  td_trace("trash-finished");
  lock_release(lk);
}

/* Exec tinydocker-monitor with our state; returns only when that could not be done (the loop
 * then goes on here). */
static void hand_over(struct mon *m)
{
  autofree char *prog = helper_find("tinydocker-monitor");
  if (prog == NULL)
    return;
  autofree struct mon_state *s = xcalloc(1, sizeof(*s));
  snprintf(s->id, sizeof(s->id), "%s", m->id);
  snprintf(s->root, sizeof(s->root), "%s", m->ctx->root);
  snprintf(s->run_root, sizeof(s->run_root), "%s", m->ctx->run_root);
  snprintf(s->self_exe, sizeof(s->self_exe), "%s", m->ctx->self_exe ? m->ctx->self_exe : "");
  s->debug = m->ctx->debug;
  s->restart_count = m->restart_count;
  s->io = m->io;
  s->io.sigfd = -1; /* the program makes its own; pending signals survive the exec */
  autoclose int exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
  s->exe_fd = exe;
  autoclose int fd = exe >= 0 ? mon_state_write(s) : -1;
  if (fd < 0)
    return;
  char a1[16], a2[16];
  snprintf(a1, sizeof(a1), "%d", fd);
  snprintf(a2, sizeof(a2), "%d", exe);
  char *argv[] = {"tinydocker-monitor", a1, a2, NULL};
  mon_state_cloexec(s, false);
  execve(prog, argv, environ);
  mon_state_cloexec(s, true);
}

/* Start the container (unless it already runs: a resumed monitor), run the loop, record the
 * exit, restart by policy; returns the monitor's exit status. */
static int supervise(struct mon *m, struct rt_ctx *rt, bool running)
{
  for (;;) {
    autoerr struct td_err *err = NULL;
    if (!running) {
      if (start_container(m, rt, &err) < 0) {
        release_held(m);
        mon_io_close_stdio(&m->io);
        int code = err->exit_code ? err->exit_code : EXIT_ENGINE;
        autoerr struct td_err *e2 = NULL;
        /* clean up before answering, so the CLI never sees a half-removed container */
        if (m->auto_remove) {
          if (eng_cleanup_container(m->ctx, m->id, m->rec, true, true, &e2) < 0)
            err_warn(&e2, "remove the container (--rm)");
        } else {
          eng_rootfs_umount(m->ctx, m->rec);
          rec_update_state(m, "created", false, 0, code, err_text(err), false, false, false);
          unlinkat(m->dirfd, "attach.sock", 0);
        }
        report_error(m, err);
        return code;
      }
      m->error = NULL; /* an adopter's note was about the run before */
      struct mon_msg started = {.type = MON_STARTED, .a = m->io.pid};
      mon_io_send_all(&m->io, &started);
      if (!mon_io_run(&m->io, MON_HANDOFF_MS))
        hand_over(m);
    }
    running = false;
    if (!m->io.exited) {
      mon_io_shrink();
      mon_io_run(&m->io, -1);
    }
    mon_io_drain_rest(&m->io);
    mon_health_stop(m);
    td_trace("mon-reaped");
    int code = mon_exit_code_of(m->io.status);
    char codestr[16];
    snprintf(codestr, sizeof(codestr), "%d", code);
    eng_event(m->ctx, m->id, m->rec, "die", "exitCode", codestr, NULL);
    if (m->auto_remove) { /* never restarts (create refuses --rm with a policy) */
      /* another runtime's state and cgroups: its own delete (the removal below knows ours) */
      autoerr struct td_err *e1 = NULL;
      if (extrt_used(m->rec) && runtime_delete(m, rt, &e1) < 0)
        err_warn(&e1, "after the exit");
      mon_io_close_stdio(&m->io);
      finish_removed(m, code);
      return 0;
    }
    bool oom = mon_oom_killed(rt, m->id);
    autoerr struct td_err *e2 = NULL;
    autoerr struct td_err *e3 = NULL;
    autostrv char **unplug = NULL;
    if (runtime_delete(m, rt, &e2) < 0)
      err_warn(&e2, "after the exit");
    if (eng_net_endpoints(m->rec) && net_release(m->ctx->root, m->id, &unplug, &e3) < 0)
      err_warn(&e3, "after the exit: network release");
    mon_io_close_stdio(&m->io);
    if (!mon_should_restart(m, code)) {
      finish(m, code, oom);
      net_unplug(unplug); /* the veth delete (~20 ms in the kernel) after the CLI has its code */
      return 0;
    }
    net_unplug(unplug);
    release_held(m);
    m->restart_count++;
    rec_update_state(m, "restarting", false, 0, code, m->error, false, true, oom);
    int delay_ms = 100 << (m->restart_count < 4 ? m->restart_count - 1 : 3);
    struct timespec ts = {.tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    /* stopped or removed meanwhile? (asked with the count this restart was decided on: with
     * the new one, on-failure:N ran N times, not docker's 1 + N, and lost the last run) */
    m->restart_count--;
    bool again = mon_should_restart(m, code);
    m->restart_count++;
    if (!again) {
      finish(m, code, oom);
      return 0;
    }
  }
}

int eng_monitor_main(struct eng_ctx *ctx, const char *id, int sock)
{
  td_trace("mon-main");
  eng_orphan_hook = NULL;
  mon_setup_process(&sock, ctx, id);
  td_trace("mon-setup");
  struct mon m = {.ctx = ctx, .id = id, .dirfd = -1, .mntns = -1, .entry_tree = -1};
  mon_io_init(&m.io);
  m.dir = store_dir(ctx, id);
  mon_io_client_add(&m.io, sock);
  autoerr struct td_err *err = NULL;
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  mon_io_signals(&m.io);
  bool ok = load_record(&m, &err) == 0;
  td_trace("mon-loaded");
  ok = ok && open_log(&m, &err) == 0;
  td_trace("mon-log");
  if (!ok || !wait_for_start(&m)) {
    if (err)
      report_error(&m, err);
    return EXIT_ENGINE;
  }
  td_trace("mon-started-msg");
  m.io.listen_fd = listen_attach(&m);
  return supervise(&m, &rt, false);
}

int eng_monitor_resume(int state_fd)
{
  static struct mon_state s;
  bool ok = mon_state_read(state_fd, &s);
  close(state_fd);
  if (!ok)
    return EXIT_ENGINE;
  prctl(PR_SET_NAME, "td-monitor");
  err_progname = xasprintf("tinydocker-monitor %.12s", s.id);
  mon_state_cloexec(&s, true);
  if (s.exe_fd >= 0)
    close(s.exe_fd);
  struct eng_ctx ctx = {.root = s.root,
                        .run_root = s.run_root,
                        .ctr_dir = xasprintf("%s/containers", s.root),
                        .self_exe = s.self_exe[0] ? s.self_exe : NULL,
                        .debug = s.debug};
  struct mon m = {.ctx = &ctx,
                  .id = s.id,
                  .dirfd = -1,
                  .mntns = -1,
                  .entry_tree = -1,
                  .io = s.io,
                  .restart_count = s.restart_count};
  m.dir = store_dir(&ctx, s.id);
  autoerr struct td_err *err = NULL;
  struct rt_ctx rt;
  eng_rt_ctx(&ctx, &rt);
  mon_io_signals(&m.io);
  if (load_record(&m, &err) < 0) {
    /* the record is gone (rm -f raced us): nothing left to record */
    return EXIT_ENGINE;
  }
  return supervise(&m, &rt, true);
}

/* An adopter (adopt.c): the container's monitor died; take its place, wait for the init's end
 * and do what the monitor would have: record it, --rm, the restart policy (then it is the
 * container's monitor as any other, handing over to tinydocker-monitor). */
int eng_monitor_adopt(struct eng_ctx *ctx, const char *id)
{
  eng_orphan_hook = NULL;
  int placeholder = open("/dev/null", O_RDONLY | O_CLOEXEC); /* becomes fd 3 */
  mon_setup_process(&placeholder, ctx, id);
  close(placeholder);
  prctl(PR_SET_NAME, "td-adopter");
  struct mon m = {.ctx = ctx, .id = id, .dirfd = -1, .mntns = -1, .entry_tree = -1};
  mon_io_init(&m.io);
  m.dir = store_dir(ctx, id);
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  mon_io_signals(&m.io);
  struct mon_adoption a = {.pidfd = -1};
  if (mon_adopt_claim(ctx, id, &a) <= 0)
    return 0;
  mon_adopt_take(&a);
  prctl(PR_SET_NAME, "td-monitor");
  autoerr struct td_err *err = NULL;
  if (load_record(&m, &err) < 0)
    return 0; /* removed meanwhile (rm -f); the kernel lets go of a tracee at our exit */
  /* the dead monitor's socket replaced by ours: `wait` (a --rm container's code) and attach
   * get MON_EXIT at the end, as from any monitor */
  m.io.listen_fd = listen_attach(&m);
  if (a.pid > 0 && (a.traced || a.pidfd >= 0))
    mon_health_start(&m, a.pid, false); /* the dead monitor's checker died with it */
  mon_adopt_wait(&a, &m.io);
  if (access(m.dir, F_OK) != 0)
    return 0; /* removed meanwhile (rm -f): nothing left to record */
  m.restart_count = m.rec->restart_count;
  m.error = a.error;
  if (open_log(&m, &err) < 0)
    err_warn(&err, "container %s: open its log", id);
  m.io.exited = true;
  m.io.status = a.status;
  return supervise(&m, &rt, true);
}
