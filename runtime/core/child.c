/* The container init, in the cloned child, top to bottom in the order the kernel sees it.
 * Any error is fatal: the message goes to the runtime over the sync socket, then _exit. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "runtime/rootfs/rootfs.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/rawsys.h"
#include "util/xalloc.h"
#include "util/trace.h"

_Noreturn void rt_child_fail(int sync_fd, struct td_err *err)
{
  const char *t = err_text(err);
  int code = err->exit_code == EXIT_ENGINE ? 0 : err->exit_code;
  if (rt_msg_send(sync_fd, RT_MSG_ERROR, code, t, -1) < 0)
    dprintf(STDERR_FILENO, "tinyrun: %s\n", t);
  _exit(1);
}

#define CHILD_TRY(a, expr)                                                                         \
  do {                                                                                             \
    if ((expr) < 0)                                                                                \
      rt_child_fail((a)->sync_fd, cerr);                                                           \
  } while (0)

static int wait_go(int sync, char *state, size_t cap, struct td_err **err)
{
  struct rt_msg m;
  int rc = rt_msg_recv(sync, &m, NULL);
  if (rc != 0 || m.type != RT_MSG_GO)
    _exit(1); /* the runtime went away or gave up on us: nothing to report to */
  if (state)
    snprintf(state, cap, "%s", m.data);
  (void)err;
  return 0;
}

static int become_root_in_userns(struct td_err **err)
{
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    return err_set(err, errno, "become root in the user namespace (is uid 0 mapped?)");
  return 0;
}

static int write_time_offsets(const struct spec *s, struct td_err **err)
{
  char buf[128];
  snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
           (long long)s->linux_.monotonic_secs, s->linux_.monotonic_nanosecs,
           (long long)s->linux_.boottime_secs, s->linux_.boottime_nanosecs);
  if (file_write_str(AT_FDCWD, "/proc/self/timens_offsets", buf, err) < 0)
    return err_prefix(err, "set time namespace offsets");
  return 0;
}

/* Slow path: join the namespaces given by path, create the others inside them. */
static int join_and_unshare(struct rt_child_args *a, struct td_err **err)
{
  if (a->join_fds[NS_USER] >= 0) {
    if (setns(a->join_fds[NS_USER], CLONE_NEWUSER) < 0)
      return err_set(err, errno, "join user namespace %s", a->spec->linux_.ns[NS_USER].path);
    /* as runc's init: root of the joined namespace (our host ids may be unmapped in it, and
     * what we create would fail with EOVERFLOW) */
    if (become_root_in_userns(err) < 0)
      return -1;
  }
  for (int t = 0; t < NS_TYPE_COUNT; t++) {
    if (t == NS_USER || a->join_fds[t] < 0)
      continue;
    if (setns(a->join_fds[t], spec_ns_clone_flag((enum spec_ns_type)t)) < 0)
      return err_set(err, errno, "join %s namespace %s", spec_ns_name((enum spec_ns_type)t),
                     a->spec->linux_.ns[t].path);
  }
  if (a->unshare_flags & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) < 0)
      return err_set(err, errno, "create user namespace");
    if (rt_msg_send(a->sync_fd, RT_MSG_USERMAP, 0, NULL, -1) < 0)
      return err_set(err, errno, "sync");
    wait_go(a->sync_fd, NULL, 0, err);
    if (become_root_in_userns(err) < 0)
      return -1;
  }
  int rest = a->unshare_flags & ~CLONE_NEWUSER;
  if (rest && unshare(rest) < 0)
    return err_set(err, errno, "create namespaces (flags 0x%x)", rest);
  if ((rest & CLONE_NEWTIME) && a->spec->linux_.has_time_offsets &&
      write_time_offsets(a->spec, err) < 0)
    return -1;
  if (a->double_fork) {
    pid_t pid = fork();
    if (pid < 0)
      return err_set(err, errno, "fork into the new pid namespace");
    if (pid > 0)
      _exit(0);
    if (rt_msg_send(a->sync_fd, RT_MSG_PID, 0, NULL, -1) < 0)
      return err_set(err, errno, "sync");
  }
  return 0;
}

static int set_names(const struct spec *s, struct td_err **err)
{
  if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
    return err_set(err, errno, "set hostname %s", s->hostname);
  if (s->domainname && *s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
    return err_set(err, errno, "set domainname %s", s->domainname);
  return 0;
}

/* A new network namespace starts with its loopback down; runc brings it up (its loopback
 * "network"), docker's `--network none` has it up, and programs expect 127.0.0.1 to work.
 * Before the capabilities are dropped (the default set has no CAP_NET_ADMIN). */
static int loopback_up(const struct spec *s, struct td_err **err)
{
  const struct spec_namespace *n = &s->linux_.ns[NS_NET];
  if (!n->present || n->path)
    return 0;
  autoclose int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = {0};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
  if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    return err_set(err, errno, "read the flags of lo");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    return err_set(err, errno, "set lo up");
  return 0;
}

static bool has_hooks(const struct spec *s)
{
  return s->hooks[HOOK_PRESTART].n || s->hooks[HOOK_CREATE_RUNTIME].n ||
         s->hooks[HOOK_CREATE_CONTAINER].n || s->hooks[HOOK_START_CONTAINER].n;
}

static int setup_stdio(struct rt_child_args *a, struct td_err **err)
{
  const struct spec_process *p = a->spec->process;
  if (p->terminal) {
    int master = rt_console_setup(p, true, err);
    if (master < 0)
      return -1;
    int rc = rt_msg_send(a->sync_fd, RT_MSG_CONSOLE, 0, NULL, master);
    close(master);
    if (rc < 0)
      return err_set(err, errno, "send the pty master");
    if (a->shared_vm) /* the runtime delivers it with work of its own: clone_vm.c */
      wait_go(a->sync_fd, NULL, 0, err);
    return 0;
  }
  for (int i = 0; i < 3; i++)
    if (a->o->stdio[i] >= 0 && a->o->stdio[i] != i && dup2(a->o->stdio[i], i) < 0)
      return err_set(err, errno, "set up stdio fd %d", i);
  return 0;
}

/* A filter with SCMP_ACT_NOTIFY is loaded now, before READY, so that its listener fd can
 * reach the runtime (which passes it on to listenerPath); from here on the filter also sees
 * the fifo wait, as in runc. A filter that notifies sendmsg itself would wait for a
 * listener that cannot come: runc has the same limit. */
static int send_listener(struct rt_child_args *a, const struct spec *s,
                         struct security_seccomp *filter, struct td_err **err)
{
  int listener = -1;
  if (security_final(s, filter, &listener, err) < 0)
    return -1;
  if (listener < 0)
    return 0;
  int rc = rt_msg_send(a->sync_fd, RT_MSG_SECCOMP, 0, NULL, listener);
  close(listener);
  if (rc < 0)
    return err_set(err, errno, "send the seccomp listener fd");
  if (a->shared_vm)
    wait_go(a->sync_fd, NULL, 0, err);
  return 0;
}

_Noreturn void rt_child_main(struct rt_child_args *a)
{
  struct td_err *cerr = NULL;
  const struct spec *s = a->spec;
  const struct spec_process *p = s->process;
  close(a->parent_sync_fd);
  if (a->lock_fd >= 0)
    close(a->lock_fd);
  uint64_t ignored = rt_clone_settle_signals(&a->sigmask);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (a->await_go)
    wait_go(a->sync_fd, NULL, 0, &cerr);
  td_trace("init-go");
  /* before the cgroup namespace, which takes its root from here */
  CHILD_TRY(a, cgroup_self_enter(a->cg_self, &a->n_cg_self, &cerr));
  /* /proc is still the host's here (the new pid namespace's procfs comes with the rootfs);
   * in a user namespace the clone made, the parent sets it (spawn.c) */
  bool userns_by_clone = a->new_userns && !(a->unshare_flags & CLONE_NEWUSER);
  if (p && p->has_oom_score_adj && a->set_oom_adj && !userns_by_clone)
    CHILD_TRY(a, security_set_oom_score_adj(0, p->oom_score_adj, &cerr));
  CHILD_TRY(a, join_and_unshare(a, &cerr));
  td_trace("init-unshared");
  if (userns_by_clone)
    CHILD_TRY(a, become_root_in_userns(&cerr));
  CHILD_TRY(a, set_names(s, &cerr));
  CHILD_TRY(a, loopback_up(s, &cerr));
  struct rootfs_opts ro = {.rootfs = a->rootfs,
                           .bundle = a->bundle,
                           .no_pivot = a->o->no_pivot,
                           .in_userns = a->new_userns || s->linux_.ns[NS_USER].path};
  CHILD_TRY(a, rootfs_prepare(s, &ro, &cerr));
  td_trace("init-rootfs-prepared");
  static char state[sizeof(((struct rt_msg *)0)->data)];
  if (has_hooks(s)) {
    if (rt_msg_send(a->sync_fd, RT_MSG_HOOKS, 0, NULL, -1) < 0)
      _exit(1);
    wait_go(a->sync_fd, state, sizeof(state), &cerr);
    /* in the rootfs, as runc: not in whatever host directory the runtime was started from */
    if (chdir(a->rootfs) < 0)
      CHILD_TRY(a, err_set(&cerr, errno, "chdir %s", a->rootfs));
    CHILD_TRY(a, rt_hooks_run(&s->hooks[HOOK_CREATE_CONTAINER], state, "createContainer", &cerr));
  }
  CHILD_TRY(a, rootfs_pivot(&ro, &cerr));
  td_trace("init-pivoted");
  CHILD_TRY(a, setup_stdio(a, &cerr));
  CHILD_TRY(a, rootfs_finalize(s, &ro, &cerr));
  CHILD_TRY(a, rootfs_apply_sysctl(s, &cerr));
  /* Before the cwd is entered (CVE-2024-21626): nothing of the host stays open but the sync
   * socket (until READY) and the fifo's dir, both close-on-exec; before a seccomp filter may
   * forbid close_range. */
  int trace_fd = td_trace_fd();
  CHILD_TRY(a, rt_close_fds(a->o->preserve_fds,
                            (int *const[]){&a->sync_fd, &a->fifo_fd, &a->entry_fd, &trace_fd}, 4,
                            &cerr));
  int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    CHILD_TRY(a, err_set(&cerr, errno, "open the container's root"));
  char *cwd = NULL; /* freed before READY: with CLONE_VM the heap is the runtime's */
  CHILD_TRY(a, rt_enter_cwd(rootfd, p->cwd, &cwd, &cerr));
  td_trace("init-finalized");
  char *exe = rt_find_exec(rootfd, cwd, p->args[0], p->env);
  int find_errno = errno;
  free(cwd);
  close(rootfd); /* it waits on the fifo with stdio, the sync socket and the fifo's dir only */
  if (exe == NULL && find_errno != ENOENT) { /* out of fds or memory: not a missing program */
    err_set(&cerr, find_errno, "exec: \"%s\": look up the program", p->args[0]);
    rt_child_fail(a->sync_fd, cerr);
  }
  if (exe == NULL) {
    err_set_exit(&cerr, EXIT_NOT_FOUND, 0, "exec: \"%s\": %s", p->args[0],
                 strchr(p->args[0], '/') ? "no such file or directory"
                                         : "executable file not found in $PATH");
    rt_child_fail(a->sync_fd, cerr);
  }
  td_trace("init-found-exe");
  struct security_seccomp *filter = a->filter;
  int listener = -1;
  CHILD_TRY(a, security_drop_privileges(s, filter, &listener, &cerr));
  if (security_seccomp_has_notify(filter))
    CHILD_TRY(a, send_listener(a, s, filter, &cerr));
  /* everything from READY to the exec in memory of the init's own (tail.c) */
  struct rt_exec_tail t = {.fifo_fd = a->fifo_fd,
                           .entry_fd = a->entry_fd,
                           .no_new_privs = p->no_new_privileges,
                           .filter = filter,
                           .ignored = ignored};
  void *buf = a->shared_vm ? a->tail_buf : xmalloc(rt_exec_tail_size(p->args, p->env));
  rt_exec_tail_fill(&t, exe, p->args, p->env, buf);
  free(exe);
  const struct spec_hook_list *start_hooks = &s->hooks[HOOK_START_CONTAINER];
  if (start_hooks->n == 0)
    start_hooks = NULL; /* always so with a shared address space: the spec is not ours */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (rt_msg_send(a->sync_fd, RT_MSG_READY, 0, NULL, -1) < 0)
    _exit(1);
  /* The window: from READY the runtime goes on in the address space we may share (clone_vm.c),
   * so from here to the exec only tail.c and security/final_raw.c run: no libc, no
   * allocation, no errno (tests/bats/00-build.bats checks their symbols). */
  raw_syscall3(SYS_close, a->sync_fd, 0, 0); /* only the fifo's dir stays open meanwhile */
  /* From here on nobody listens on the sync socket: errors go to the container's stderr. */
  td_trace("init-ready-sent");
  /* The filter is loaded while the runtime finishes create (and `run` its start), not after
   * the wait, as runc does without no_new_privs: the fifo's open, write and close then pass
   * the filter too (docker's profile allows them). startContainer hooks keep it after the
   * wait, so that they do not run under the container's filter. */
  if (!start_hooks)
    rt_exec_tail_secure(&t);
  rt_exec_tail_wait(&t);
  if (start_hooks && rt_hooks_run(start_hooks, state, "startContainer", &cerr) < 0) {
    dprintf(STDERR_FILENO, "tinyrun: %s\n", err_text(cerr));
    _exit(EXIT_CANNOT_EXEC);
  }
  rt_exec_tail_finish(&t);
}
