/* start, kill, delete, pause, resume, update: each under the container's lock, each
 * deciding from the status the kernel reports. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/xalloc.h"

/* Lock a container and load its fresh state; returns the lock fd. */
static int lock_and_load(const struct rt_ctx *ctx, const char *id, struct rt_state *st,
                         struct td_err **err)
{
  memset(st, 0, sizeof(*st));
  if (rt_check_id(id, err) < 0)
    return -1;
  autofree char *dir = rt_state_dir(ctx, id);
  int lock = rt_lock_dir(dir, err);
  if (lock < 0)
    return -1;
  if (rt_state(ctx, id, st, err) < 0) {
    lock_release(lock);
    return -1;
  }
  return lock;
}

static char *state_text(const struct rt_state *st)
{
  autojson json_t *j = rt_state_json(st);
  return json_dumps(j, JSON_COMPACT);
}

/* The bundle's spec, for its hooks of one kind: NULL when config.json does not mention
 * that kind (start and delete run after every container; parsing the whole spec for no
 * hooks was their biggest cost). */
static struct spec *load_bundle_spec(const struct rt_state *st, const char *hook_kind)
{
  if (st->bundle == NULL)
    return NULL;
  autofree char *cfg = xasprintf("%s/config.json", st->bundle);
  autoerr struct td_err *e = NULL;
  struct spec *s = NULL;
  if (spec_load_file_if(cfg, hook_kind, &s, &e) < 0)
    return NULL;
  return s;
}

static void warn(struct td_err **e)
{
  if (*e) {
    err_print(err_progname, *e);
    err_free(e);
  }
}

/* Open the fifo for reading (which releases the init blocked opening it for writing) and
 * read its byte; fails if the init dies meanwhile. */
static int release_init(const char *fifo, pid_t pid, struct td_err **err)
{
  autoclose int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", fifo);
  autoclose int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
  char c;
  int bound = lock_timeout_ms(); /* the init is past READY: it opens the fifo at once */
  for (;;) {
    int pr = RETRY_EINTR(poll(p, 2, bound));
    if (pr < 0)
      return err_set(err, errno, "wait for the container init");
    if (pr == 0)
      return err_set(err, 0,
                     "waiting for the container init (pid %d) to open its exec fifo: timed out "
                     "after %g s",
                     (int)pid, bound / 1000.0);
    if ((p[0].revents & POLLIN) && RETRY_EINTR(read(fd, &c, 1)) == 1)
      return 0;
    if (p[1].revents & POLLIN)
      return err_set(err, 0, "the container init exited before start");
  }
}

static void run_poststart(const struct rt_state *st)
{
  spec_autofree struct spec *s = load_bundle_spec(st, "poststart");
  if (s && s->hooks[HOOK_POSTSTART].n) {
    autofree char *text = state_text(st);
    autoerr struct td_err *e = NULL;
    rt_hooks_run(&s->hooks[HOOK_POSTSTART], text, "poststart", &e);
    warn(&e);
  }
}

int rt_start(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  struct rt_state st;
  int lock = lock_and_load(ctx, id, &st, err);
  if (lock < 0)
    return err_prefix(err, "start container %s", id);
  int rc = -1;
  char *fifo = xasprintf("%s/%s/exec.fifo", ctx->state_root, id);
  if (st.status != RT_CREATED) {
    err_set(err, 0, "cannot start a container that is %s", rt_status_name(st.status));
  } else if (release_init(fifo, st.pid, err) == 0) {
    unlink(fifo);
    st.status = RT_RUNNING;
    /* state.json is not rewritten: rt_state tells created from running by the fifo just
     * removed, pid and start time are unchanged, and a rewrite (new file, rename over the
     * old one) cost 0.3-1.5 ms on an ext4 mounted with discard */
    rc = 0;
  }
  free(fifo);
  lock_release(lock);
  if (rc == 0)
    run_poststart(&st);
  rt_state_clear(&st);
  return rc < 0 ? err_prefix(err, "start container %s", id) : 0;
}

/* Send sig to pid only if it is still the process we started (pidfd, start time). */
static int signal_init(const struct rt_state *st, unsigned long long start, int sig,
                       struct td_err **err)
{
  autoclose int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pfd < 0 || rt_proc_start_time(st->pid) != start)
    return err_set(err, 0, "container not running");
  if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
    return err_set(err, errno, "send signal %d", sig);
  return 0;
}

int rt_kill(const struct rt_ctx *ctx, const char *id, int sig, bool all, struct td_err **err)
{
  if (sig <= 0 || sig > SIGRTMAX)
    return err_set(err, EINVAL, "invalid signal %d", sig);
  struct rt_state st;
  int lock = lock_and_load(ctx, id, &st, err);
  if (lock < 0)
    return err_prefix(err, "kill container %s", id);
  int rc = 0;
  unsigned long long start = rt_proc_start_time(st.pid);
  if (all && st.cgroup_path && *st.cgroup_path) {
    struct cgroup *cg = NULL;
    rc = cgroup_open(st.cgroup_path, &cg, err);
    if (rc == 0) {
      rc = cgroup_kill_all(cg, sig, err);
      cgroup_free(cg);
    }
  } else if (st.status == RT_STOPPED) {
    rc = err_set(err, 0, "container not running");
  } else {
    rc = signal_init(&st, start, sig, err);
  }
  lock_release(lock);
  rt_state_clear(&st);
  return rc < 0 ? err_prefix(err, "kill container %s", id) : 0;
}

/* SIGKILL the init and wait (at most 10 s) until it is gone. */
static void kill_and_wait(pid_t pid)
{
  autoclose int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd < 0)
    return;
  syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
  struct pollfd p = {.fd = pfd, .events = POLLIN};
  RETRY_EINTR(poll(&p, 1, 10000));
}

static void destroy_cgroup(const struct rt_state *st, bool thaw)
{
  if (st->cgroup_path == NULL || *st->cgroup_path == '\0')
    return;
  struct cgroup *cg = NULL;
  autoerr struct td_err *e = NULL;
  if (cgroup_open(st->cgroup_path, &cg, &e) < 0)
    return;
  if (thaw)
    cgroup_freeze(cg, false, &e);
  err_free(&e);
  if (cgroup_destroy(cg, &e) < 0)
    warn(&e);
  cgroup_free(cg);
}

int rt_delete(const struct rt_ctx *ctx, const char *id, bool force, struct td_err **err)
{
  struct rt_state st;
  int lock = lock_and_load(ctx, id, &st, err);
  if (lock < 0)
    return err_prefix(err, "delete container %s", id);
  bool alive = st.status != RT_STOPPED;
  if (alive && st.status != RT_CREATED && !force) {
    lock_release(lock);
    err_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
            rt_status_name(st.status));
    rt_state_clear(&st);
    return -1;
  }
  if (alive && st.pid > 0)
    kill_and_wait(st.pid);
  destroy_cgroup(&st, st.status == RT_PAUSED);
  spec_autofree struct spec *s = load_bundle_spec(&st, "poststop");
  if (s && s->hooks[HOOK_POSTSTOP].n) {
    st.status = RT_STOPPED;
    autofree char *text = state_text(&st);
    autoerr struct td_err *e = NULL;
    rt_hooks_run(&s->hooks[HOOK_POSTSTOP], text, "poststop", &e);
    warn(&e);
  }
  autofree char *dir = rt_state_dir(ctx, id);
  int rc = rm_rf(dir, err);
  lock_release(lock);
  rt_state_clear(&st);
  return rc < 0 ? err_prefix(err, "delete container %s", id) : 0;
}

static int freeze(const struct rt_ctx *ctx, const char *id, bool frozen, struct td_err **err)
{
  struct rt_state st;
  int lock = lock_and_load(ctx, id, &st, err);
  if (lock < 0)
    return -1;
  int rc = -1;
  struct cgroup *cg = NULL;
  if (frozen && st.status != RT_RUNNING && st.status != RT_CREATED)
    err_set(err, 0, "container not running");
  else if (!frozen && st.status != RT_PAUSED)
    err_set(err, 0, "container not paused");
  else if (cgroup_open(st.cgroup_path, &cg, err) == 0) {
    rc = cgroup_freeze(cg, frozen, err);
    cgroup_free(cg);
  }
  lock_release(lock);
  rt_state_clear(&st);
  return rc;
}

int rt_pause(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  return freeze(ctx, id, true, err) < 0 ? err_prefix(err, "pause container %s", id) : 0;
}

int rt_resume(const struct rt_ctx *ctx, const char *id, struct td_err **err)
{
  return freeze(ctx, id, false, err) < 0 ? err_prefix(err, "resume container %s", id) : 0;
}

int rt_update(const struct rt_ctx *ctx, const char *id, const struct spec_resources *res,
              struct td_err **err)
{
  struct rt_state st;
  int lock = lock_and_load(ctx, id, &st, err);
  if (lock < 0)
    return err_prefix(err, "update container %s", id);
  int rc = -1;
  struct cgroup *cg = NULL;
  if (st.status == RT_STOPPED)
    err_set(err, 0, "container not running");
  else if (cgroup_open(st.cgroup_path, &cg, err) == 0) {
    rc = cgroup_apply(cg, res, err);
    cgroup_free(cg);
  }
  lock_release(lock);
  rt_state_clear(&st);
  return rc < 0 ? err_prefix(err, "update container %s", id) : 0;
}

int rt_cgroup_pids(const struct rt_ctx *ctx, const char *id, pid_t **pids, size_t *n,
                   struct td_err **err)
{
  struct rt_state st;
  if (rt_state(ctx, id, &st, err) < 0)
    return -1;
  int rc = -1;
  struct cgroup *cg = NULL;
  if (st.cgroup_path == NULL || cgroup_open(st.cgroup_path, &cg, err) < 0) {
    if (*err == NULL)
      err_set(err, 0, "container %s has no cgroup", id);
  } else {
    rc = cgroup_pids(cg, pids, n, err);
    cgroup_free(cg);
  }
  rt_state_clear(&st);
  return rc;
}
