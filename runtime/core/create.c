/* rt_create, the runtime side: resolve the bundle, make the state dir and the cgroup, clone
 * the init straight into its namespaces (and cgroup on v2), serve its sync requests, and
 * undo everything if any step fails. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/core/internal.h"
#include "runtime/security/security.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/xalloc.h"
#include "util/trace.h"

static void run_undo(struct rt_create_run *r)
{
  if (r->init > 0)
    kill(r->init, SIGKILL);
  if (r->child > 0 && r->child != r->init)
    kill(r->child, SIGKILL);
  if (r->child > 0)
    RETRY_EINTR(waitpid(r->child, NULL, 0));
  if (r->init > 0 && r->init != r->child)
    RETRY_EINTR(waitpid(r->init, NULL, __WALL)); /* ours only when we are its subreaper */
  if (r->cg) {
    autoerr struct td_err *e = NULL;
    cgroup_destroy(r->cg, &e);
  }
  if (r->dir) {
    autoerr struct td_err *e = NULL;
    rm_rf(r->dir, &e);
  }
}

static void run_free(struct rt_create_run *r)
{
  if (r->cg)
    cgroup_free(r->cg);
  if (r->sync >= 0)
    close(r->sync);
  if (r->console >= 0)
    close(r->console);
  free(r->bundle);
  free(r->rootfs);
  free(r->dir);
  free(r->cg_path);
  free(r->created);
}

static int resolve_bundle(struct rt_create_run *r, struct spec **owned, struct td_err **err)
{
  const char *b = r->o->bundle ? r->o->bundle : ".";
  char buf[PATH_MAX];
  if (realpath(b, buf) == NULL)
    return err_set(err, errno, "bundle %s", b);
  r->bundle = xstrdup(buf);
  if (r->spec == NULL) {
    autofree char *cfg = xasprintf("%s/config.json", r->bundle);
    if (access(cfg, F_OK) < 0)
      return err_set(err, 0, "JSON specification file config.json not found in %s", r->bundle);
    if (spec_load_file(cfg, owned, err) < 0)
      return -1;
    r->spec = *owned;
  }
  const char *root = r->spec->root_path ? r->spec->root_path : "rootfs";
  autofree char *rp = root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", r->bundle, root);
  if (realpath(rp, buf) == NULL)
    return err_set(err, errno, "root.path %s", rp);
  struct stat sb;
  if (stat(buf, &sb) < 0 || !S_ISDIR(sb.st_mode))
    return err_set(err, ENOTDIR, "root.path %s", buf);
  r->rootfs = xstrdup(buf);
  return 0;
}

/* runc fails create when args[0] cannot be found; so do we, before anything is made. */
static int check_process(struct rt_create_run *r, struct td_err **err)
{
  const struct spec_process *p = r->spec->process;
  if (p == NULL)
    return err_set(err, 0, "config.json: process is required to create a container");
  if (p->args == NULL || p->args[0] == NULL)
    return err_set(err, 0, "process.args must not be empty");
  if (!r->spec->linux_.ns[NS_MNT].present)
    return err_set(err, 0, "linux.namespaces: a mount namespace is required");
  if (rt_console_check(p, r->o->console_socket, r->o->console_master_out != NULL, err) < 0)
    return -1;
  autoclose int rootfd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open %s", r->rootfs);
  autofree char *exe = rt_find_exec(rootfd, p->cwd, p->args[0], p->env);
  if (exe == NULL && errno != ENOENT) /* out of fds or memory: not a missing program */
    return err_set(err, errno, "exec: \"%s\": look up the program", p->args[0]);
  /* a program on a mount (-v DIR:/tools /tools/prog) is looked for again by the init once
   * the mounts exist, and a missing one is reported from there */
  if (exe == NULL && !rt_exec_maybe_in_mount(r->spec, p->cwd, p->args[0], p->env)) {
    bool path = strchr(p->args[0], '/') != NULL;
    /* an existing file that cannot be executed is docker's 126, not 127 */
    autoerr struct td_err *e2 = NULL;
    autoclose int f =
        path && p->args[0][0] == '/' ? safepath_open(rootfd, p->args[0], O_PATH, 0, &e2) : -1;
    if (f >= 0)
      return err_set_exit(err, EXIT_CANNOT_EXEC, 0, "exec: \"%s\": permission denied", p->args[0]);
    return err_set_exit(err, EXIT_NOT_FOUND, 0, "exec: \"%s\": %s", p->args[0],
                        path ? "no such file or directory" : "executable file not found in $PATH");
  }
  return security_check_lsm(p, err);
}

static int make_state_dir(struct rt_create_run *r, struct td_err **err)
{
  autofree char *dir = rt_state_dir(r->ctx, r->o->id);
  /* the state root exists but for the first container: make it only when that mkdir says so.
   * As runc: the root 0700 (nobody else reaches a state, fifo or cache below it), each
   * container's dir 0711 (a non-root init in a user namespace opens exec.fifo in it), that mode
   * set whatever the caller's umask (docs/security.md, "Host-side permissions") */
  int made = mkdir(dir, 0711);
  if (made < 0 && errno == ENOENT) {
    if (mkdir_p(r->ctx->state_root, 0700, err) < 0)
      return -1;
    made = mkdir(dir, 0711);
  }
  if (made < 0) {
    if (errno == EEXIST)
      return err_set(err, 0, "container with id %s already exists", r->o->id);
    return err_set(err, errno, "mkdir %s", dir);
  }
  if (chmod(dir, 0711) < 0)
    return err_set(err, errno, "chmod %s", dir);
  r->dir = steal_ptr(dir);
  autofree char *fifo = xasprintf("%s/exec.fifo", r->dir);
  /* the umask would take the write bits that a non-root init without CAP_DAC_OVERRIDE needs */
  if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
    return err_set(err, errno, "mkfifo %s", fifo);
  return 0;
}

static int make_cgroup(struct rt_create_run *r, struct td_err **err)
{
  const char *cp = r->spec->linux_.cgroups_path;
  autofree char *mapped = NULL;
  if (cp && r->ctx->systemd_cgroup && strchr(cp, ':'))
    cp = mapped = rt_systemd_to_cgroupfs(cp);
  const char *parent = r->ctx->cgroup_parent ? r->ctx->cgroup_parent : "tinyrun";
  r->cg_path = cgroup_resolve_path(cp, parent, r->o->id);
  autofree struct spec_device_rule *rules = NULL;
  autofree struct spec_resources *res = rt_resources_for_create(r->spec, &rules);
  if (cgroup_create(r->cg_path, res, &r->cg, err) < 0)
    return err_prefix(err, "cgroup %s", r->cg_path);
  td_trace("rt-cgroup");
  return 0;
}

/* The state document the hooks get on stdin. */
static json_t *annotations_json(struct rt_create_run *r, json_t *ann)
{
  for (size_t i = 0; i < r->spec->n_annotations; i++)
    json_object_set_new(ann, r->spec->annotations[i].key,
                        json_string(r->spec->annotations[i].value));
  return ann;
}

static char *hook_state(struct rt_create_run *r, enum rt_status status)
{
  struct rt_state st = {.id = (char *)r->o->id,
                        .bundle = r->bundle,
                        .status = status,
                        .pid = r->init,
                        .oci_version = r->spec->oci_version};
  autojson json_t *ann = json_object();
  st.annotations = annotations_json(r, ann);
  autojson json_t *j = rt_state_json(&st);
  return json_dumps(j, JSON_COMPACT);
}

static int save_state(struct rt_create_run *r, enum rt_status status, struct td_err **err)
{
  autojson json_t *ann = json_object();
  for (size_t i = 0; i < r->spec->n_annotations; i++)
    json_object_set_new(ann, r->spec->annotations[i].key,
                        json_string(r->spec->annotations[i].value));
  struct rt_state st = {.id = (char *)r->o->id,
                        .bundle = r->bundle,
                        .rootfs = r->rootfs,
                        .status = status,
                        .pid = r->init,
                        .cgroup_path = r->cg_path,
                        .created = r->created,
                        .annotations = ann,
                        .oci_version = r->spec->oci_version};
  return rt_state_write(r->ctx, &st, r->start_time, err);
}

static int deliver_console(struct rt_create_run *r, int fd, struct td_err **err)
{
  autoclose int master = fd;
  if (r->o->console_socket)
    return rt_console_send_to_socket(r->o->console_socket, master, err);
  if (r->o->console_master_out) {
    *r->o->console_master_out = steal_fd(master);
    return 0;
  }
  return err_set(err, EPROTO, "no console to deliver the pty master to"); /* checked before */
}

static int child_exit_error(struct rt_create_run *r, struct td_err **err)
{
  int st = 0;
  if (r->child > 0 && RETRY_EINTR(waitpid(r->child, &st, WNOHANG)) == r->child) {
    r->child = r->init == r->child ? (r->init = 0) : 0;
    if (WIFSIGNALED(st))
      return err_set(err, 0, "container init was killed by signal %d", WTERMSIG(st));
    return err_set(err, 0, "container init exited with status %d", WEXITSTATUS(st));
  }
  return err_set(err, 0, "container init exited unexpectedly");
}

/* An init sharing our address space is stopped before we allocate (clone_vm.c). */
static void stop_shared_child(struct rt_create_run *r)
{
  if (!r->shared_vm || r->child <= 0)
    return;
  kill(r->child, SIGKILL);
  RETRY_EINTR(waitpid(r->child, NULL, 0));
  r->child = r->init = 0;
}

/* A console or seccomp listener handed over: the init, in our address space, waits. */
static int release_shared_child(struct rt_create_run *r, struct td_err **err)
{
  if (r->shared_vm && rt_msg_send(r->sync, RT_MSG_GO, 0, NULL, -1) < 0)
    return err_set(err, errno, "sync with the container init");
  return 0;
}

static int serve_child(struct rt_create_run *r, struct td_err **err)
{
  /* Every wait on the init has a bound (docs/engine.md, "Locks and waits"): the init takes no
   * lock of ours, so a silence longer than a peer's bound is an init stuck in its setup (a
   * hung mount, a dead NFS server). A raw setsockopt: no libc state (the init may share it). */
  int bound_ms = lock_peer_timeout_ms();
  struct timeval tv = {.tv_sec = bound_ms / 1000, .tv_usec = (bound_ms % 1000) * 1000};
  setsockopt(r->sync, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (;;) {
    struct rt_msg m;
    int fd = -1;
    int rc = rt_msg_recv(r->sync, &m, &fd);
    if (rc < 0) {
      int e = errno;
      pid_t pid = r->init ? r->init : r->child;
      stop_shared_child(r); /* before anything is allocated for the message */
      if (e == EAGAIN || e == EWOULDBLOCK)
        return err_set(err, ETIMEDOUT,
                       "waiting for the container init (pid %d) to be ready: no word after %d s",
                       (int)pid, bound_ms / 1000);
      return err_set(err, e, "read from the container init");
    }
    if (rc == 1)
      return child_exit_error(r, err);
    switch ((enum rt_msg_type)m.type) {
    case RT_MSG_ERROR:
      return err_set_exit(err, m.value ? m.value : EXIT_ENGINE, 0, "%s", m.data);
    case RT_MSG_PID:
      r->init = m.value;
      r->start_time = rt_proc_start_time(r->init);
      if (save_state(r, RT_CREATING, err) < 0)
        return -1;
      break;
    case RT_MSG_USERMAP:
      if (rt_write_user_maps(r->spec, m.value > 0 ? m.value : r->child, err) < 0 ||
          rt_msg_send(r->sync, RT_MSG_GO, 0, NULL, -1) < 0)
        return err ? -1 : err_set(err, errno, "sync");
      break;
    case RT_MSG_HOOKS: {
      /* prestart (deprecated, run at the same point) gets "created" as crun gives it and
       * the runtime-tools suite checks; the create-time hooks see "creating" (runc) */
      autofree char *pre = hook_state(r, RT_CREATED);
      autofree char *state = hook_state(r, RT_CREATING);
      if (rt_hooks_run(&r->spec->hooks[HOOK_PRESTART], pre, "prestart", err) < 0 ||
          rt_hooks_run(&r->spec->hooks[HOOK_CREATE_RUNTIME], state, "createRuntime", err) < 0)
        return -1;
      if (rt_msg_send(r->sync, RT_MSG_GO, 0, state, -1) < 0)
        return err_set(err, errno, "sync with the container init");
      break;
    }
    case RT_MSG_CONSOLE:
      if (fd < 0)
        return err_set(err, EPROTO, "console message without a pty");
      if (deliver_console(r, fd, err) < 0 || release_shared_child(r, err) < 0)
        return -1;
      break;
    case RT_MSG_SECCOMP: {
      autoclose int listener = fd;
      fd = -1;
      if (listener < 0)
        return err_set(err, EPROTO, "seccomp message without a listener fd");
      autojson json_t *ann = json_object();
      struct rt_state st = {.id = (char *)r->o->id,
                            .bundle = r->bundle,
                            .status = RT_CREATING,
                            .pid = r->init,
                            .annotations = annotations_json(r, ann),
                            .oci_version = r->spec->oci_version};
      if (rt_seccomp_send_listener(r->spec, &st, 0, listener, err) < 0 ||
          release_shared_child(r, err) < 0)
        return -1;
      break;
    }
    case RT_MSG_READY:
      td_trace("rt-ready");
      if (fd >= 0)
        close(fd);
      return 0;
    case RT_MSG_GO:
      break;
    }
    if (fd >= 0 && m.type != RT_MSG_CONSOLE)
      close(fd);
  }
}

static int finish(struct rt_create_run *r, struct td_err **err)
{
  /* state.json was written "creating" once the pid was known; rewriting it as "created" (a
   * new file renamed over the old, whose block is freed) cost 0.3-3 ms on an ext4 mounted
   * with discard: an xattr on it says the same, and only a filesystem without user xattrs
   * gets the rewrite. An init in our address space got no "creating" file (create_locked):
   * its state is written here, once. */
  bool marked = !r->shared_vm && rt_state_mark_created(r->ctx, r->o->id) == 0;
  if (!marked && save_state(r, RT_CREATED, err) < 0)
    return -1;
  if (r->o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)r->init);
    if (file_write_atomic(AT_FDCWD, r->o->pid_file, buf, (size_t)n, 0644, err) < 0)
      return -1;
  }
  return 0;
}

/* Everything after the checks, under the container's lock; undone by the caller. */
static int create_locked(struct rt_create_run *r, struct td_err **err)
{
  td_trace("rt-bundle");
  if (make_state_dir(r, err) < 0)
    return -1;
  td_trace("rt-state-dir");
  int lock = rt_lock_dir(r->dir, err);
  if (lock < 0)
    return -1;
  r->lock_fd = lock;
  int rc = 0;
  td_trace("rt-locked");
  /* with the init in our address space, state.json is written once it is READY, as
   * "created" (nothing may be allocated before: clone_vm.c) */
  if (make_cgroup(r, err) < 0 || rt_spawn_init(r, err) < 0 ||
      (r->init > 0 && !r->shared_vm && save_state(r, RT_CREATING, err) < 0) ||
      serve_child(r, err) < 0 || finish(r, err) < 0)
    rc = -1;
  lock_release(lock);
  r->lock_fd = -1;
  return rc;
}

int rt_create(const struct rt_ctx *ctx, const struct rt_create_opts *o, pid_t *pid_out,
              struct td_err **err)
{
  struct rt_create_run r = {
      .ctx = ctx, .o = o, .spec = o->spec, .sync = -1, .console = -1, .lock_fd = -1};
  spec_autofree struct spec *owned = NULL;
  int rc = -1;
  /* spec_validate: a setting for a namespace the container does not have of its own would
   * act on the host's (a hostname, a sysctl): refused before anything is made */
  if (rt_check_id(o->id, err) == 0 && resolve_bundle(&r, &owned, err) == 0 &&
      spec_validate(r.spec, err) == 0 && check_process(&r, err) == 0) {
    r.created = time_now_rfc3339(true);
    if (create_locked(&r, err) == 0)
      rc = 0;
    else
      run_undo(&r);
  }
  if (rc == 0) {
    /* the intermediate process of a second fork has done its job */
    if (r.child != r.init)
      RETRY_EINTR(waitpid(r.child, NULL, 0));
    if (pid_out)
      *pid_out = r.init;
  } else {
    err_prefix(err, "create container %s", o->id ? o->id : "");
  }
  run_free(&r);
  return rc;
}
