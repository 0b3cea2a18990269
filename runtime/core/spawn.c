/* Cloning the container init. The fast path is one clone3 straight into every new namespace
 * (and into the cgroup on v2). Joining a namespace by path needs an order clone3 cannot
 * give (join first, then create the rest inside), so then the child joins and unshares
 * itself, and forks once more when a new pid or time namespace must take effect. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/core/internal.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "util/trace.h"

static int write_maps(pid_t pid, const struct spec_idmap *m, size_t n, const char *file,
                      struct td_err **err)
{
  if (n == 0)
    return 0;
  char buf[4096];
  size_t off = 0;
  for (size_t i = 0; i < n && off < sizeof(buf) - 40; i++)
    off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n", m[i].container_id,
                            m[i].host_id, m[i].size);
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  if (file_write_str(AT_FDCWD, path, buf, err) < 0)
    return err_prefix(err, "write %s", file);
  return 0;
}

int rt_write_user_maps(const struct spec *s, pid_t pid, struct td_err **err)
{
  if (write_maps(pid, s->linux_.uid_mappings, s->linux_.n_uid_mappings, "uid_map", err) < 0)
    return -1;
  if (write_maps(pid, s->linux_.gid_mappings, s->linux_.n_gid_mappings, "gid_map", err) < 0) {
    /* an unprivileged writer must deny setgroups first */
    err_free(err);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
    if (file_write_str(AT_FDCWD, path, "deny", err) < 0)
      return -1;
    return write_maps(pid, s->linux_.gid_mappings, s->linux_.n_gid_mappings, "gid_map", err);
  }
  return 0;
}

static bool needs_slow_path(const struct spec *s)
{
  static const enum spec_ns_type joined_in_child[] = {NS_NET, NS_MNT,  NS_IPC,
                                                      NS_UTS, NS_USER, NS_CGROUP};
  for (size_t i = 0; i < sizeof(joined_in_child) / sizeof(joined_in_child[0]); i++)
    if (s->linux_.ns[joined_in_child[i]].present && s->linux_.ns[joined_in_child[i]].path)
      return true;
  return s->linux_.has_time_offsets;
}

/* pid and time namespaces given by path only apply to children: enter them here, around
 * the clone, and go back afterwards. */
struct ns_swap {
  int saved[2];
  int type[2];
};

static int ns_swap_enter(const struct spec *s, struct ns_swap *sw, struct td_err **err)
{
  static const enum spec_ns_type kinds[2] = {NS_PID, NS_TIME};
  static const char *const self[2] = {"/proc/self/ns/pid_for_children",
                                      "/proc/self/ns/time_for_children"};
  for (int i = 0; i < 2; i++) {
    sw->saved[i] = -1;
    sw->type[i] = spec_ns_clone_flag(kinds[i]);
    const struct spec_namespace *ns = &s->linux_.ns[kinds[i]];
    if (!ns->present || ns->path == NULL)
      continue;
    autoclose int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return err_set(err, errno, "open %s namespace %s", spec_ns_name(kinds[i]), ns->path);
    sw->saved[i] = open(self[i], O_RDONLY | O_CLOEXEC);
    if (sw->saved[i] < 0 || setns(fd, sw->type[i]) < 0)
      return err_set(err, errno, "join %s namespace %s", spec_ns_name(kinds[i]), ns->path);
  }
  return 0;
}

static void ns_swap_leave(struct ns_swap *sw)
{
  for (int i = 0; i < 2; i++) {
    if (sw->saved[i] >= 0) {
      setns(sw->saved[i], sw->type[i]);
      close(sw->saved[i]);
      sw->saved[i] = -1;
    }
  }
}

static int open_joins(const struct spec *s, int fds[NS_TYPE_COUNT], struct td_err **err)
{
  for (int t = 0; t < NS_TYPE_COUNT; t++) {
    const struct spec_namespace *ns = &s->linux_.ns[t];
    if (t == NS_PID || t == NS_TIME || !ns->present || ns->path == NULL)
      continue;
    fds[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fds[t] < 0)
      return err_set(err, errno, "open %s namespace %s", spec_ns_name((enum spec_ns_type)t),
                     ns->path);
    /* spec_validate looked at the path; this is what is joined */
    if (spec_ns_fd_check(s, (enum spec_ns_type)t, fds[t], err) < 0)
      return -1;
  }
  return 0;
}

static pid_t do_clone3(uint64_t flags, int cgfd)
{
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.flags = flags;
  ca.exit_signal = SIGCHLD;
  if (cgfd >= 0) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)cgfd;
  }
  return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* Flags for clone3 (fast path) or for the child's unshare (slow path). */
static void plan_namespaces(const struct spec *s, bool slow, bool into_cgroup,
                            struct rt_child_args *a, uint64_t *clone_flags)
{
  *clone_flags = 0;
  for (int t = 0; t < NS_TYPE_COUNT; t++) {
    const struct spec_namespace *ns = &s->linux_.ns[t];
    if (!ns->present || ns->path)
      continue;
    int f = spec_ns_clone_flag((enum spec_ns_type)t);
    if (t == NS_USER)
      a->new_userns = true;
    if (slow) {
      a->unshare_flags |= f;
      if (t == NS_PID || t == NS_TIME)
        a->double_fork = true;
    } else if (t == NS_CGROUP && !into_cgroup) {
      a->unshare_flags |= f; /* after the parent moved us into the v1 cgroup */
    } else {
      *clone_flags |= (uint64_t)f;
    }
  }
}

/* Whether oomScoreAdj asks for a value other than ours, which the init inherits: only then is
 * it written. It also keeps a shared clone out: the kernel gives every process sharing an
 * address space the value written for one of them. */
static bool oom_adj_differs(const struct spec *s)
{
  const struct spec_process *p = s->process;
  if (!p || !p->has_oom_score_adj)
    return false;
  char buf[16] = {0};
  autoclose int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
    return true;
  return atoi(buf) != p->oom_score_adj;
}

/* A new user namespace made by the clone itself (the fast path): the parent writes its maps. */
static bool userns_by_clone(const struct spec *s, bool slow)
{
  const struct spec_namespace *user = &s->linux_.ns[NS_USER];
  return !slow && user->present && !user->path;
}

/* Whether the parent has work between the clone and the init going on: the cgroup when
 * neither the clone nor the init itself places it, user maps. Without it the init goes on at
 * once (no round trip on the sync socket; it sets its own oom_score_adj). */
static bool parent_work_after_clone(const struct spec *s, bool placed, bool slow)
{
  return !placed || userns_by_clone(s, slow);
}

static int parent_after_clone(struct rt_create_run *r, bool placed, bool slow, bool set_oom_adj,
                              struct td_err **err)
{
  if (!parent_work_after_clone(r->spec, placed, slow))
    return 0;
  if (!placed && cgroup_enter(r->cg, r->child, err) < 0)
    return -1;
  if (userns_by_clone(r->spec, slow)) {
    if (rt_write_user_maps(r->spec, r->child, err) < 0)
      return -1;
    /* the init, inside the user namespace the clone made, could not lower it itself (that
     * takes CAP_SYS_RESOURCE in the host's): rt_child_main sets it in every other case */
    const struct spec_process *p = r->spec->process;
    if (p && p->has_oom_score_adj && set_oom_adj &&
        security_set_oom_score_adj(r->child, p->oom_score_adj, err) < 0)
      return -1;
  }
  td_trace("rt-go");
  if (rt_msg_send(r->sync, RT_MSG_GO, 0, NULL, -1) < 0)
    return err_set(err, errno, "sync with the container init");
  td_trace("rt-go-sent");
  return 0;
}

/* Whether the init may share our address space until its exec (clone_vm.c): not on the slow
 * path (a second fork), nor in a user namespace the clone makes (its maps are written from
 * here while it runs), nor with startContainer hooks (run by the init after READY). */
static bool use_shared_vm(const struct spec *s, bool slow, bool set_oom_adj)
{
  return rt_clone_vm_supported() && !slow && !userns_by_clone(s, slow) && !set_oom_adj &&
         s->hooks[HOOK_START_CONTAINER].n == 0;
}

static int child_entry(void *arg)
{
  rt_child_main(arg);
}

/* The region of a shared clone: the child's copy of its args (the parent's go out of scope
 * while it runs), then its seccomp program, then room for its tail (tail.c). */
static size_t align16(size_t n)
{
  return (n + 15) & ~(size_t)15;
}

static size_t region_payload(const struct rt_child_args *a)
{
  const struct spec_process *p = a->spec->process;
  return align16(sizeof(*a)) + align16(security_seccomp_copy_size(a->filter)) +
         rt_exec_tail_size(p->args, p->env);
}

/* Move the filter and the tail's room into the region: from the clone on, the parent frees
 * nothing until READY (clone_vm.c), so its own filter goes now. */
static void region_fill(struct rt_vm_region *reg, struct rt_child_args *a)
{
  unsigned char *p = (unsigned char *)rt_vm_region_payload(reg) + align16(sizeof(*a));
  struct security_seccomp *own = security_seccomp_copy(a->filter, p);
  security_seccomp_free(a->filter);
  a->filter = own;
  a->tail_buf = p + align16(security_seccomp_copy_size(own));
  a->shared_vm = true;
}

static pid_t clone_child(struct rt_child_args *a, struct rt_vm_region *reg, uint64_t flags,
                         int cgfd)
{
  if (reg == NULL) {
    pid_t pid = do_clone3(flags, cgfd);
    if (pid == 0)
      rt_child_main(a);
    return pid;
  }
  struct rt_child_args *c = rt_vm_region_payload(reg);
  *c = *a;
  return rt_clone_vm(reg, flags, cgfd, child_entry, c);
}

/* Clone the init into its namespaces and, as far as it can, its cgroup. On v2 the clone
 * places it. On v1 (and a hybrid host's v1 part) the init writes itself into each
 * hierarchy's `tasks` (cgroup_clone_plan: no grace period, unlike the parent's
 * cgroup.procs) before it makes its cgroup namespace, while a hybrid host's unified part goes
 * through the clone. With a new user namespace or on the slow path the parent moves it
 * (*placed false). */
static pid_t clone_init(struct rt_create_run *r, struct rt_child_args *a, struct rt_vm_region *reg,
                        bool slow, bool *placed)
{
  int cgfd =
      cgroup_clone_plan(r->cg, !slow && !userns_by_clone(r->spec, slow), a->cg_self, &a->n_cg_self);
  bool by_clone = cgfd >= 0 && a->n_cg_self == 0;
  uint64_t flags = 0;
  plan_namespaces(r->spec, slow, by_clone, a, &flags);
  a->await_go = parent_work_after_clone(r->spec, by_clone || a->n_cg_self > 0, slow);
  pid_t pid = clone_child(a, reg, flags, cgfd);
  if (pid < 0 && cgfd >= 0) {
    /* e.g. a v2 cgroup that cannot take processes directly: the parent moves it after */
    cgroup_self_close(a->cg_self, &a->n_cg_self);
    by_clone = false;
    a->unshare_flags = 0;
    a->double_fork = false;
    a->new_userns = false;
    plan_namespaces(r->spec, slow, false, a, &flags);
    a->await_go = true;
    pid = clone_child(a, reg, flags, -1);
  }
  *placed = by_clone || a->n_cg_self > 0;
  return pid;
}

int rt_spawn_init(struct rt_create_run *r, struct td_err **err)
{
  struct rt_child_args a = {.spec = r->spec,
                            .o = r->o,
                            .rootfs = r->rootfs,
                            .bundle = r->bundle,
                            .sync_fd = -1,
                            .fifo_fd = -1,
                            .entry_fd = -1,
                            .parent_sync_fd = -1,
                            .lock_fd = r->lock_fd};
  for (int t = 0; t < NS_TYPE_COUNT; t++)
    a.join_fds[t] = -1;
  int rc = -1;
  struct rt_vm_region *reg = NULL;
  int sp[2] = {-1, -1};
  struct ns_swap sw = {{-1, -1}, {0, 0}};
  /* the init opens exec.fifo relative to this after pivot, without needing /proc */
  a.fifo_fd = open(r->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (a.fifo_fd < 0) {
    err_set(err, errno, "open %s", r->dir);
    goto out;
  }
  if (r->ctx->entry && (a.entry_fd = rt_ro_tree(r->ctx->entry)) < 0) {
    err_set(err, errno, "open %s read-only", r->ctx->entry);
    goto out;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
    err_set(err, errno, "socketpair");
    goto out;
  }
  int one = 1;
  setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  /* compiled here, through a cache under the state root (docker's profile costs ~10 ms of
   * libseccomp otherwise); the child inherits the program and loads it */
  { /* freed now: nothing is freed between the clone and READY (clone_vm.c) */
    autofree char *cache = xasprintf("%s/.seccomp-cache", r->ctx->state_root);
    if (security_seccomp_build_cached(r->spec->linux_.seccomp, cache, &a.filter, err) < 0)
      goto out;
  }
  td_trace("rt-seccomp");
  if (open_joins(r->spec, a.join_fds, err) < 0 || ns_swap_enter(r->spec, &sw, err) < 0)
    goto out;
  bool slow = needs_slow_path(r->spec), placed = false;
  rt_vm_regions_reap(); /* of inits before this one (a restart) that have exec'd since */
  a.set_oom_adj = oom_adj_differs(r->spec);
  if (use_shared_vm(r->spec, slow, a.set_oom_adj)) {
    if ((reg = rt_vm_region_new(RT_VM_STACK, region_payload(&a), err)) == NULL)
      goto out;
    region_fill(reg, &a);
  }
  td_trace("rt-pre-clone");
  a.sync_fd = sp[1];
  a.parent_sync_fd = sp[0];
  /* the child starts with every signal blocked and unblocks them once it has no handler of
   * ours left (child.c) */
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &a.sigmask);
  pid_t pid = clone_init(r, &a, reg, slow, &placed);
  int clone_errno = errno;
  sigprocmask(SIG_SETMASK, &a.sigmask, NULL);
  td_trace("rt-cloned");
  ns_swap_leave(&sw);
  if (pid < 0) {
    err_set_fork(err, clone_errno, "clone the container init");
    goto out;
  }
  r->shared_vm = reg != NULL;
  reg = NULL; /* the clone keeps it until the init has left it */
  r->child = pid;
  if (r->o->entry_tree_out) {
    *r->o->entry_tree_out = a.entry_fd;
    a.entry_fd = -1;
  }
  r->init = slow && a.double_fork ? 0 : pid;
  r->sync = steal_fd(sp[0]);
  rc = parent_after_clone(r, placed, slow, a.set_oom_adj, err);
  if (r->init) /* /proc/PID/stat waits on the child's mm while it faults in its first pages */
    r->start_time = rt_proc_start_time(pid);
out:
  ns_swap_leave(&sw);
  for (int i = 0; i < 2; i++)
    if (sp[i] >= 0)
      close(sp[i]);
  if (a.fifo_fd >= 0)
    close(a.fifo_fd);
  if (a.entry_fd >= 0)
    close(a.entry_fd);
  cgroup_self_close(a.cg_self, &a.n_cg_self);
  for (int t = 0; t < NS_TYPE_COUNT; t++)
    if (a.join_fds[t] >= 0)
      close(a.join_fds[t]);
  if (!a.shared_vm)
    security_seccomp_free(a.filter); /* the child has its own copy */
  rt_vm_region_drop(reg);
  return rc;
}
