/* Adopting a container whose monitor died (kill -9, OOM killer, a crash).
 *
 * The exit status of a process goes to its parent only, and the monitor is the parent of the
 * container's init: once it is gone the init is reparented to the host's init (or the nearest
 * subreaper above the monitor), which reaps it and throws the status away. So the first
 * command that sees such a container (eng_load_refreshed, ps: eng_orphan_hook) forks an
 * adopter, which under the container's lock records itself as the container's monitor and
 * takes the init over:
 *
 * - the init still runs: it is seized with ptrace (PTRACE_SEIZE, no options: the container does
 *   not stop, and its signals are passed on unchanged). A tracer is told of its tracee's exit
 *   with the full wait status, before the real parent: the container's own exit code is kept.
 *   Where ptrace is refused (a Yama ptrace_scope of 3, an LSM) the adopter polls a pidfd of
 *   the init (readable at its exit, for a non-child as well) and the code is lost: 255.
 * - the init had ended already: the code is lost (255), unless the record says "restarting"
 *   (the monitor had recorded the exit and died in the backoff): that code is the container's.
 *
 * Either way State.Error says what happened, and the adopter then does what the monitor
 * would have (monitor.c, eng_monitor_adopt): network, runtime state, rootfs, --rm, the restart
 * policy. What the adopter cannot give back: the output written after the monitor died (the
 * pipes' read ends died with it: the container's writes get EPIPE) and `attach`. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/monitor/internal.h"
#include "util/cleanup.h"
#include "util/lock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Seize the init: pid is the pidfd's process as long as that one has not ended. */
static void take_init(struct mon_adoption *a, pid_t pid, uint64_t start)
{
  a->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (a->pidfd < 0 || !proc_alive(pid, start)) {
    if (a->pidfd >= 0)
      close(a->pidfd);
    a->pidfd = -1;
    return;
  }
  a->pid = pid;
  a->traced = ptrace(PTRACE_SEIZE, pid, 0, 0) == 0;
  struct pollfd p = {.fd = a->pidfd, .events = POLLIN};
  if (!a->traced || poll(&p, 1, 0) == 0)
    return; /* alive before and after the seize: the seized process is the init */
  /* it ended around the seize: we hold its zombie (a tracer hears the exit first), or, its pid
   * reaped and reused at once, another process, let go at its next stop */
  a->traced = false;
  int st;
  if (waitpid(pid, &st, __WALL | WNOHANG) == pid && (WIFEXITED(st) || WIFSIGNALED(st))) {
    a->known = true;
    a->status = st;
    return;
  }
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0 && waitpid(pid, &st, __WALL) == pid &&
      WIFSTOPPED(st))
    ptrace(PTRACE_DETACH, pid, 0, 0);
}

/* Under the container's lock: nothing but /proc reads and the record (no wait on another
 * process: docs/engine.md, "Locks and waits"); the init is seized after it. */
int mon_adopt_claim(const struct eng_ctx *ctx, const char *id, struct mon_adoption *a)
{
  autoerr struct td_err *err = NULL;
  int lk = store_lock(ctx, id, &err);
  if (lk < 0)
    return -1;
  autorecord struct ctr_record *rec = NULL;
  int rc = 0;
  if (record_load(ctx, id, &rec, &err) < 0 || !store_monitor_gone(rec))
    goto out; /* gone, stopped, or another adopter (or the monitor) is at work */
  pid_t pid = rec->state.pid;
  uint64_t start = rec->td.init_start;
  bool restarting = strcmp(rec->state.status, "restarting") == 0;
  bool alive = !restarting && pid > 0 && proc_alive(pid, start);
  if (restarting) { /* the monitor recorded the exit and died in the backoff */
    a->known = true;
    a->status = W_EXITCODE(rec->state.exit_code & 0xff, 0);
  } else if (!alive) { /* the init is gone too: exited, 255, STORE_ERR_EXIT_LOST */
    store_refresh_state(rec);
    free(rec->state.finished_at);
    rec->state.finished_at = time_now_rfc3339(true);
  } else { /* what ps and inspect say until the end: it runs on, watched by an adopter */
    free(rec->state.error);
    rec->state.error = xasprintf("the container's monitor was killed; tinydocker adopted "
                                 "the container (pid %d)",
                                 (int)getpid());
    a->pid = pid;
    a->start = start;
  }
  rec->td.monitor_pid = getpid();
  rec->td.monitor_start = proc_starttime(getpid());
  /* not modelled by the record: kept in its document as it is */
  json_object_set_new(json_object_get(rec->doc, "Td"), "Adopted", json_true());
  rc = record_save(ctx, id, rec, &err) < 0 ? -1 : 1;
out:
  lock_release(lk);
  return rc;
}

void mon_adopt_take(struct mon_adoption *a)
{
  pid_t pid = a->pid;
  a->pid = 0;
  a->error[0] = '\0';
  if (pid == 0 && a->known)
    return; /* restarting: the code is the one the monitor recorded */
  if (pid > 0)
    take_init(a, pid, a->start);
  if (a->traced || a->known)
    snprintf(a->error, sizeof(a->error),
             "the container's monitor was killed; tinydocker adopted the container (pid %d): "
             "its exit code is its own, its output after the monitor's death was lost",
             (int)getpid());
  else
    snprintf(a->error, sizeof(a->error), "%s", STORE_ERR_EXIT_LOST);
}

/* The tracee's stops, passed on, until its exit (1) or nothing more to wait for now (0);
 * -1: no longer ours (detached). Signal-delivery stops get their signal back, group stops
 * (PTRACE_EVENT_STOP with the stop signal) are listened through (the container stays stopped
 * as a SIGSTOP wants), and the stop a SIGCONT ends (PTRACE_EVENT_STOP with SIGTRAP) is
 * continued. */
static int step_traced(struct mon_adoption *a)
{
  for (;;) {
    int st;
    pid_t r = waitpid(a->pid, &st, __WALL | WNOHANG);
    if (r == 0)
      return 0;
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      a->status = st;
      return 1;
    }
    if (!WIFSTOPPED(st))
      continue;
    int event = (unsigned)st >> 16, sig = WSTOPSIG(st);
    bool group_stop = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    if (event == PTRACE_EVENT_STOP && group_stop)
      ptrace(PTRACE_LISTEN, a->pid, 0, 0);
    else if (event == PTRACE_EVENT_STOP) /* woken by SIGCONT (SIGTRAP): it runs on */
      ptrace(PTRACE_CONT, a->pid, 0, 0);
    else
      ptrace(PTRACE_CONT, a->pid, 0, event ? 0 : sig);
  }
}

/* A client of attach.sock (root only, as the monitor's loop: SO_PEERCRED); it hears MON_EXIT
 * at the end. */
static void take_client(struct mon_io *io)
{
  int c = accept4(io->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    return;
  struct ucred cr;
  socklen_t len = sizeof(cr);
  if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr) &&
      (cr.uid == 0 || cr.uid == geteuid()))
    mon_io_client_add(io, c);
  else
    close(c);
}

static void exit_lost(struct mon_adoption *a)
{
  a->known = false;
  snprintf(a->error, sizeof(a->error), "%s", STORE_ERR_EXIT_LOST);
  a->status = W_EXITCODE(255, 0);
}

void mon_adopt_wait(struct mon_adoption *a, struct mon_io *io)
{
  if (a->known && !a->traced)
    return; /* restarting (recorded), or a zombie seized just at its exit: known */
  for (;;) {
    if (a->traced) {
      int r = step_traced(a);
      if (r == 1)
        return;
      if (r < 0)
        a->traced = false; /* then the pidfd tells the end, the code lost */
    }
    if (!a->traced && a->pidfd < 0) {
      exit_lost(a);
      return;
    }
    /* SIGCHLD (the signalfd) for the tracee's stops and exit; the pidfd when not traced */
    struct pollfd p[3] = {{.fd = io->sigfd, .events = POLLIN},
                          {.fd = io->listen_fd, .events = POLLIN},
                          {.fd = a->traced ? -1 : a->pidfd, .events = POLLIN}};
    if (poll(p, 3, -1) < 0)
      continue;
    struct signalfd_siginfo si;
    while (read(io->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
      if (si.ssi_signo != SIGCHLD && a->pid > 0) /* SIGCHLD: stepped above */
        kill(a->pid, (int)si.ssi_signo);         /* TERM, INT, HUP: passed on, as a monitor does */
    if (p[1].revents & POLLIN)
      take_client(io);
    if (p[2].revents & POLLIN) {
      exit_lost(a);
      return;
    }
  }
}

/* eng_orphan_hook: fork an adopter, once per container and command. */
static void adopt_spawn(const struct eng_ctx *ctx, const char *id)
{
  static char done[16][65];
  static size_t n_done;
  for (size_t i = 0; i < n_done; i++)
    if (strcmp(done[i], id) == 0)
      return;
  if (n_done < sizeof(done) / sizeof(done[0]))
    snprintf(done[n_done++], sizeof(done[0]), "%s", id);
  fflush(NULL);
  pid_t p = fork();
  if (p == 0) {
    setsid();
    _exit(eng_monitor_adopt((struct eng_ctx *)ctx, id));
  }
}

void eng_enable_adoption(void)
{
  eng_orphan_hook = adopt_spawn;
}
