/* rt_exec: a new process inside a running container. It is cloned into the container's
 * cgroup, joins every namespace of the init that differs from ours in one setns(pidfd)
 * call, and takes the same security settings (the bundle's seccomp/LSM plus the process's
 * own user, caps, rlimits). On x86_64 it is cloned into our address space (clone_vm.c)
 * straight into the container's pid namespace (we enter it for our children around the
 * clone); otherwise, and with a user or time namespace to join (which a process sharing an
 * address space cannot), it is a plain clone that forks once more when the pid or time
 * namespace changed. Shared, we only wait on the sync socket until its exec (the socket's
 * EOF), and a console or seccomp listener it hands over waits for our GO. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/core/internal.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/xalloc.h"

struct exec_child {
  const struct spec *spec; /* the bundle's spec with process = the exec'd process */
  const struct rt_exec_opts *o;
  int sync;
  int pidfd;
  int ns_flags;
  bool fork_again;
  struct security_seccomp *filter; /* compiled by the runtime (cached), loaded by the child */
  const struct rt_state *st;       /* the container's state, for a seccomp listener */
  int entry_fd;                    /* rt_ctx.entry's read-only tree, or -1 */
  int cg_self[CGROUP_SELF_MAX];    /* v1 `tasks` files the child writes itself into */
  int n_cg_self;
  bool shared_vm;   /* in our address space (its own copy of this struct, in the region) */
  sigset_t sigmask; /* ours: all were blocked for the clone */
};

/* Namespaces of pid that differ from ours, as CLONE_NEW* flags. */
static int differing_namespaces(pid_t pid)
{
  int flags = 0;
  for (int t = 0; t < NS_TYPE_COUNT; t++) {
    const char *name = spec_ns_name((enum spec_ns_type)t);
    const char *file = strcmp(name, "network") == 0 ? "net"
                       : strcmp(name, "mount") == 0 ? "mnt"
                                                    : name;
    char a[64], b[64];
    snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, file);
    snprintf(b, sizeof(b), "/proc/self/ns/%s", file);
    struct stat sa, sb;
    if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
      continue;
    if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
      flags |= spec_ns_clone_flag((enum spec_ns_type)t);
  }
  return flags;
}

/* Shared: the runtime does work of its own for what was handed over; wait for its GO. */
static void wait_shared_go(const struct exec_child *c)
{
  struct rt_msg m;
  if (c->shared_vm && (rt_msg_recv(c->sync, &m, NULL) != 0 || m.type != RT_MSG_GO))
    _exit(1);
}

static _Noreturn void exec_child_main(struct exec_child *c)
{
  struct td_err *cerr = NULL;
  const struct spec_process *p = c->spec->process;
  rt_clone_settle_signals(&c->sigmask);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rt_msg m;
  if (rt_msg_recv(c->sync, &m, NULL) != 0 || m.type != RT_MSG_GO)
    _exit(1);
  if (cgroup_self_enter(c->cg_self, &c->n_cg_self, &cerr) < 0)
    rt_child_fail(c->sync, cerr);
  if (c->ns_flags && setns(c->pidfd, c->ns_flags) < 0) {
    err_set(&cerr, errno, "join the container's namespaces");
    rt_child_fail(c->sync, cerr);
  }
  if (c->fork_again) {
    pid_t pid = fork();
    if (pid < 0) {
      err_set(&cerr, errno, "fork");
      rt_child_fail(c->sync, cerr);
    }
    if (pid > 0)
      _exit(0);
  }
  if (rt_msg_send(c->sync, RT_MSG_PID, 0, NULL, -1) < 0)
    _exit(1);
  if (p->terminal) {
    int master = rt_console_setup(p, false, &cerr);
    if (master < 0)
      rt_child_fail(c->sync, cerr);
    rt_msg_send(c->sync, RT_MSG_CONSOLE, 0, NULL, master);
    close(master);
    wait_shared_go(c);
  } else {
    /* detached (exec -d): a session of its own, as runc's exec'd process: the caller's
     * terminal (the SIGHUP when its session leader exits, its ^C) reaches nothing of it */
    if (c->o->detach && setsid() < 0 && errno != EPERM) {
      err_set(&cerr, errno, "setsid");
      rt_child_fail(c->sync, cerr);
    }
    for (int i = 0; i < 3; i++)
      if (c->o->stdio[i] >= 0 && c->o->stdio[i] != i)
        dup2(c->o->stdio[i], i);
  }
  /* Before the cwd is entered (CVE-2024-21626) and before a seccomp filter may forbid
   * close_range: the host's fds (the init's pidfd, cgroup dirs, the caller's) are gone; the
   * sync socket and the entry program's tree stay, close-on-exec. */
  if (rt_close_fds(c->o->preserve_fds, (int *const[]){&c->sync, &c->entry_fd}, 2, &cerr) < 0)
    rt_child_fail(c->sync, cerr);
  /* the root setns gave us: the container's, as the init sees it after its pivot_root */
  int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  char *cwd = NULL; /* freed before the exec: with CLONE_VM the heap is the runtime's */
  if (rootfd < 0)
    err_set(&cerr, errno, "open the container's root");
  if (rootfd < 0 || rt_enter_cwd(rootfd, p->cwd, &cwd, &cerr) < 0)
    rt_child_fail(c->sync, cerr);
  char *exe = rt_find_exec(rootfd, cwd, p->args[0], p->env);
  int find_errno = errno;
  /* as the init (create.c): a path that exists but cannot be executed (a directory, no x bit)
   * is docker's 126 "permission denied", a missing path 127 "no such file or directory" */
  bool slash = strchr(p->args[0], '/') != NULL;
  bool exists = false;
  if (exe == NULL && find_errno == ENOENT && p->args[0][0] == '/') {
    struct td_err *e2 = NULL;
    int f = safepath_open(rootfd, p->args[0], O_PATH, 0, &e2);
    exists = f >= 0;
    if (f >= 0)
      close(f);
    err_free(&e2);
  }
  free(cwd);
  close(rootfd);                             /* this function never returns: no autoclose */
  if (exe == NULL && find_errno != ENOENT) { /* out of fds or memory: not a missing program */
    err_set(&cerr, find_errno, "exec: \"%s\": look up the program", p->args[0]);
    rt_child_fail(c->sync, cerr);
  }
  if (exe == NULL) {
    if (exists)
      err_set_exit(&cerr, EXIT_CANNOT_EXEC, 0, "exec: \"%s\": permission denied", p->args[0]);
    else
      err_set_exit(&cerr, EXIT_NOT_FOUND, 0, "exec: \"%s\": %s", p->args[0],
                   slash ? "no such file or directory" : "executable file not found in $PATH");
    rt_child_fail(c->sync, cerr);
  }
  struct security_seccomp *filter = c->filter;
  int listener = -1;
  if (security_drop_privileges(c->spec, filter, &listener, &cerr) < 0 ||
      security_final(c->spec, filter, &listener, &cerr) < 0)
    rt_child_fail(c->sync, cerr);
  /* SCMP_ACT_NOTIFY: the runtime passes the listener on to listenerPath, as for the init */
  if (listener >= 0 && rt_msg_send(c->sync, RT_MSG_SECCOMP, 0, NULL, listener) < 0)
    _exit(EXIT_CANNOT_EXEC);
  if (listener >= 0) {
    close(listener);
    wait_shared_go(c);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* the sync socket is close-on-exec: its EOF tells the runtime the exec happened */
  rt_exec_program(c->entry_fd, exe, p->args, p->env);
  err_set_exit(&cerr, errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, errno, "exec %s", exe);
  rt_child_fail(c->sync, cerr);
}

static int release_shared(int sync, const struct exec_child *c, struct td_err **err)
{
  if (c->shared_vm && rt_msg_send(sync, RT_MSG_GO, 0, NULL, -1) < 0)
    return err_set(err, errno, "sync with the exec'd process");
  return 0;
}

static int serve(int sync, const struct exec_child *c, pid_t *pid, struct td_err **err)
{
  const struct rt_exec_opts *o = c->o;
  for (;;) {
    struct rt_msg m;
    int fd = -1;
    int rc = rt_msg_recv(sync, &m, &fd);
    if (rc < 0)
      return err_set(err, errno, "read from the exec'd process");
    if (rc == 1)
      return *pid > 0 ? 0 : err_set(err, 0, "the exec'd process died during setup");
    if (m.type == RT_MSG_ERROR)
      return err_set_exit(err, m.value ? m.value : EXIT_ENGINE, 0, "%s", m.data);
    if (m.type == RT_MSG_PID)
      *pid = m.value;
    if (m.type == RT_MSG_SECCOMP && fd >= 0) {
      autoclose int listener = fd;
      fd = -1;
      if (rt_seccomp_send_listener(c->spec, c->st, *pid, listener, err) < 0 ||
          release_shared(sync, c, err) < 0)
        return -1;
      continue;
    }
    if (m.type == RT_MSG_CONSOLE && fd >= 0) {
      autoclose int master = fd;
      if (o->console_socket) {
        if (rt_console_send_to_socket(o->console_socket, master, err) < 0)
          return -1;
      } else if (o->console_master_out) {
        *o->console_master_out = steal_fd(master);
      } else {
        return err_set(err, 0, "process.terminal is set but no console socket was given");
      }
      if (release_shared(sync, c, err) < 0)
        return -1;
    } else if (fd >= 0) {
      close(fd);
    }
  }
}

static int exec_child_entry(void *arg)
{
  exec_child_main(arg);
}

/* Shared: the child gets its own copy of c (we close our cgroup fds meanwhile), and lands in
 * the container's pid namespace, which we enter for our children around the clone. */
static pid_t clone_shared(struct exec_child *c, struct rt_vm_region *reg, int cgfd)
{
  autoclose int ours = -1;
  if (c->ns_flags & CLONE_NEWPID) {
    ours = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (ours < 0 || setns(c->pidfd, CLONE_NEWPID) < 0)
      return -1;
  }
  struct exec_child *own = rt_vm_region_payload(reg);
  *own = *c;
  own->ns_flags &= ~CLONE_NEWPID;
  own->fork_again = false;
  pid_t pid = rt_clone_vm(reg, 0, cgfd, exec_child_entry, own);
  if (pid < 0 && cgfd >= 0)
    pid = rt_clone_vm(reg, 0, -1, exec_child_entry, own);
  int saved = errno;
  if (ours >= 0 && setns(ours, CLONE_NEWPID) < 0)
    abort(); /* we would create every later child in the container */
  errno = saved;
  return pid;
}

static pid_t clone_into(int cgfd)
{
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.exit_signal = SIGCHLD;
  if (cgfd >= 0) {
    ca.flags = CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)cgfd;
  }
  pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
  if (pid < 0 && cgfd >= 0)
    return clone_into(-1);
  return pid;
}

static int exec_spawn(struct exec_child *c, struct cgroup *cg, pid_t *pid_out, struct td_err **err)
{
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return err_set(err, errno, "socketpair");
  int one = 1;
  setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  /* v1/hybrid: the child moves itself (no grace period; cgroup.h) */
  int cgfd = cg ? cgroup_clone_plan(cg, true, c->cg_self, &c->n_cg_self) : -1;
  if (!c->o->detach)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* so the grandchild is ours to wait for */
  struct rt_vm_region *reg = NULL;
  if (rt_clone_vm_supported() && !(c->ns_flags & (CLONE_NEWUSER | CLONE_NEWTIME))) {
    autoerr struct td_err *e = NULL;
    reg = rt_vm_region_new(RT_VM_STACK, sizeof(*c), &e); /* none: the plain clone */
  }
  c->sync = sp[1];
  c->shared_vm = reg != NULL;
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &c->sigmask);
  pid_t child = -1;
  if (reg && (child = clone_shared(c, reg, cgfd)) >= 0) {
    c->fork_again = false;
  } else {
    c->shared_vm = false;
    rt_vm_region_drop(reg);
    child = clone_into(cgfd);
    if (child == 0) {
      close(sp[0]);
      exec_child_main(c);
    }
  }
  int clone_errno = errno;
  sigprocmask(SIG_SETMASK, &c->sigmask, NULL);
  close(sp[1]);
  autoclose int sync = sp[0];
  bool self = c->n_cg_self > 0;
  cgroup_self_close(c->cg_self, &c->n_cg_self);
  if (child < 0)
    return err_set_fork(err, clone_errno, "clone");
  pid_t pid = 0;
  int rc = 0;
  bool entered = cgfd >= 0 || self || cg == NULL || cgroup_enter(cg, child, err) == 0;
  if (!entered || rt_msg_send(sync, RT_MSG_GO, 0, NULL, -1) < 0 || serve(sync, c, &pid, err) < 0) {
    if (*err == NULL)
      err_set(err, errno, "sync");
    kill(child, SIGKILL);
    if (pid > 0)
      kill(pid, SIGKILL);
    rc = -1;
  }
  if (c->fork_again || rc < 0)
    RETRY_EINTR(waitpid(child, NULL, 0));
  rt_vm_regions_reap(); /* the child has exec'd (the socket's EOF) or is gone */
  *pid_out = pid;
  return rc;
}

int rt_exec(const struct rt_ctx *ctx, const char *id, const struct rt_exec_opts *o, pid_t *pid_out,
            struct td_err **err)
{
  struct rt_state st;
  if (rt_state(ctx, id, &st, err) < 0)
    return err_prefix(err, "exec in container %s", id);
  int rc = -1;
  struct cgroup *cg = NULL;
  struct security_seccomp *filter = NULL;
  spec_autofree struct spec *s = NULL;
  autoclose int pidfd = -1;
  autoclose int entry_fd = -1;
  autofree char *cfg = NULL, *cache = NULL;
  if (st.status != RT_RUNNING && st.status != RT_CREATED) {
    err_set(err, 0, "cannot exec in a %s container", rt_status_name(st.status));
    goto out;
  }
  if (o->process == NULL || o->process->args == NULL || o->process->args[0] == NULL) {
    err_set(err, 0, "process.args must not be empty");
    goto out;
  }
  if (rt_console_check(o->process, o->console_socket, o->console_master_out != NULL, err) < 0)
    goto out;
  cfg = xasprintf("%s/config.json", st.bundle);
  if (spec_load_file(cfg, &s, err) < 0)
    goto out;
  pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
  if (pidfd < 0) {
    err_set(err, errno, "open the container init");
    goto out;
  }
  int flags = differing_namespaces(st.pid);
  if (st.cgroup_path && *st.cgroup_path && cgroup_open(st.cgroup_path, &cg, err) < 0)
    goto out;
  if (ctx->entry && (entry_fd = rt_ro_tree(ctx->entry)) < 0) {
    err_set(err, errno, "open %s read-only", ctx->entry);
    goto out;
  }
  /* compiled here through the cache, as for create: the child inherits the program */
  cache = xasprintf("%s/.seccomp-cache", ctx->state_root);
  if (security_seccomp_build_cached(s->linux_.seccomp, cache, &filter, err) < 0)
    goto out;
  struct spec_process *saved = s->process;
  s->process = o->process;
  struct exec_child c = {.spec = s,
                         .o = o,
                         .pidfd = pidfd,
                         .ns_flags = flags,
                         .filter = filter,
                         .st = &st,
                         .entry_fd = entry_fd,
                         .fork_again = (flags & (CLONE_NEWPID | CLONE_NEWTIME)) != 0};
  pid_t pid = 0;
  rc = exec_spawn(&c, cg, &pid, err);
  s->process = saved;
  if (rc == 0 && o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    rc = file_write_atomic(AT_FDCWD, o->pid_file, buf, (size_t)n, 0644, err);
  }
  if (rc == 0 && pid_out)
    *pid_out = pid;
out:
  security_seccomp_free(filter);
  if (cg)
    cgroup_free(cg);
  rt_state_clear(&st);
  return rc < 0 ? err_prefix(err, "exec in container %s", id) : 0;
}
