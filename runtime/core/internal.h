/* Private to runtime/core: the sync protocol between the runtime and the container init,
 * the on-disk state record, hooks and console helpers. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include <jansson.h>

#include "runtime/core/runtime.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/spec/spec.h"
#include "util/err.h"

/* Messages on the SOCK_SEQPACKET socketpair between runtime and child. */
enum rt_msg_type {
  RT_MSG_GO = 1,  /* parent -> child: continue (payload: optional state JSON) */
  RT_MSG_PID,     /* child -> parent: I am the init (after a second fork); the parent
                     reads the pid from SCM_CREDENTIALS (SO_PASSCRED) */
  RT_MSG_USERMAP, /* child -> parent: write my uid/gid maps, then GO */
  RT_MSG_HOOKS,   /* child -> parent: run prestart + createRuntime hooks, then GO */
  RT_MSG_CONSOLE, /* child -> parent: pty master attached (SCM_RIGHTS) */
  RT_MSG_READY,   /* child -> parent: set up, about to wait on the exec fifo */
  RT_MSG_SECCOMP, /* child -> parent: seccomp notify listener fd (SCM_RIGHTS), for
                     linux.seccomp.listenerPath */
  RT_MSG_ERROR,   /* child -> parent: payload is the error text; child exits */
};

struct rt_msg {
  uint32_t type;
  int32_t value;
  char data[4088];
};

/* Send a message (fd >= 0 is attached with SCM_RIGHTS); -1 with errno on failure. */
int rt_msg_send(int sock, uint32_t type, int32_t value, const char *data, int fd);
/* Receive one message; *fd_out (if given) gets an attached fd or -1. Returns 0, -1 on error,
 * or 1 when the peer closed the socket. */
int rt_msg_recv(int sock, struct rt_msg *m, int *fd_out);
/* Send an fd to a unix socket path the runc way (one SCM_RIGHTS message). */
int rt_console_send_to_socket(const char *path, int master, struct td_err **err);
/* Before anything is made: a terminal needs somewhere to send its master (a console socket,
 * or a caller that takes it), and a console socket needs a terminal (as runc). */
int rt_console_check(const struct spec_process *p, const char *console_socket,
                     bool caller_takes_master, struct td_err **err);
/* In the child: open a pty in the current /dev, make the slave our stdio and controlling
 * terminal, bind it to /dev/console (if bind_console), return the master fd. */
int rt_console_setup(const struct spec_process *p, bool bind_console, struct td_err **err);

/* Before execve: clear close-on-exec on fds 3..3+preserve-1, close every fd above them but
 * *keep[i] (which stay open, close-on-exec, moved above the range if they were in it). */
int rt_close_fds(int preserve, int *const *keep, size_t n_keep, struct td_err **err);
/* Enter cwd (NULL or "" = "/") beneath rootfd, an O_PATH fd of the process's own root
 * (cwd.c): openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (or a safe walk), fchdir, then a
 * check that the kernel's getcwd is inside that root. *resolved (if given) gets the cwd as
 * the container sees it, for rt_find_exec. runc's message on failure. */
int rt_enter_cwd(int rootfd, const char *cwd, char **resolved, struct td_err **err);
/* The last exec: exe with args and env (NULL = empty), through the entry program when
 * entry_fd (its read-only tree, rt_ro_tree) is >= 0 (entry.c). Returns only on failure. */
void rt_exec_program(int entry_fd, const char *exe, char *const *args, char *const *env);

/* What a container process needs from its READY to its exec, in memory of its own (an init
 * in the runtime's address space must not read the runtime's: clone_vm.c, tail.c). */
struct rt_exec_tail {
  int fifo_fd;  /* O_PATH of the state dir holding exec.fifo, or -1: no wait */
  int entry_fd; /* the entry program's read-only tree, or -1 */
  bool no_new_privs;
  bool secured; /* rt_exec_tail_secure done */
  struct security_seccomp *filter;
  uint64_t ignored; /* signals ignored on entry, set back to default before the exec */
  const char *exe;  /* the program, for messages; execve gets path */
  char path[40];
  char **argv, **env;
};
/* Bytes rt_exec_tail_fill needs for a program with these args and env. */
size_t rt_exec_tail_size(char *const *args, char *const *env);
/* Fill t's exe/path/argv/env from copies in buf (rt_exec_tail_size bytes). */
void rt_exec_tail_fill(struct rt_exec_tail *t, const char *exe, char *const *args, char *const *env,
                       void *buf);
/* The exec itself, through the entry program when t->entry_fd >= 0: -errno on failure. */
long rt_exec_tail_exec(const struct rt_exec_tail *t);
/* Wait for `start` on the exec fifo (writes "0" once it is opened), allocation-free. */
void rt_exec_tail_wait(const struct rt_exec_tail *t);
/* no_new_privs and the seccomp filter (then CAP_SYS_ADMIN dropped if it was held for the
 * load); on failure, a message on stderr and exit 126. Allocation-free, errno untouched. */
void rt_exec_tail_secure(struct rt_exec_tail *t);
/* rt_exec_tail_secure unless done, signals, then the exec: never returns (a message on
 * stderr and docker's 126/127 if it fails). Allocation-free, errno untouched. */
_Noreturn void rt_exec_tail_finish(struct rt_exec_tail *t);

/* The per-container state directory and its record. */
char *rt_state_dir(const struct rt_ctx *ctx, const char *id);
/* Lock a container: flock(LOCK_EX) on its state directory (an fd to close to release). */
int rt_lock_dir(const char *dir, struct td_err **err);
/* Validate a container id (no '/', not "." or "..", not empty, printable). */
int rt_check_id(const char *id, struct td_err **err);
/* Write state.json atomically from st plus the extra fields (start time, config path). */
int rt_state_write(const struct rt_ctx *ctx, const struct rt_state *st,
                   unsigned long long start_time, struct td_err **err);
/* Mark the state written as "creating" as created now, without rewriting it: an xattr on
 * state.json (no new file, no block freed; see state.c). -1 with errno where the filesystem
 * takes no user xattrs: then write the state again. */
int rt_state_mark_created(const struct rt_ctx *ctx, const char *id);
/* Load the state record without refreshing; *start_time gets the stored init start time. */
int rt_state_load(const struct rt_ctx *ctx, const char *id, struct rt_state *out,
                  unsigned long long *start_time, struct td_err **err);
/* Start time (clock ticks since boot, /proc/PID/stat field 22) of pid, 0 if gone; zombies
 * count as gone. */
unsigned long long rt_proc_start_time(pid_t pid);

/* Send a seccomp listener fd received from a child to linux.seccomp.listenerPath with the
 * container state (id, bundle, init pid, status, annotations) as runtime-spec asks; pid is
 * the process the filter is on (0: the init). */
int rt_seccomp_send_listener(const struct spec *s, const struct rt_state *st, pid_t pid, int fd,
                             struct td_err **err);

/* Run the hooks of one kind with the state JSON on stdin; fail on the first error. */
int rt_hooks_run(const struct spec_hook_list *hooks, const char *state_json, const char *kind,
                 struct td_err **err);
/* The name of a hook kind ("prestart", ...). */
const char *rt_hook_kind_name(enum spec_hook_kind k);

/* Find an executable inside the root rootfd (an O_PATH fd of the container's /): a path
 * with '/' (relative ones from cwd) or a PATH lookup with the process env. Returns the path
 * inside the root, or NULL with errno ENOENT (not there) or what stopped the lookup (EMFILE,
 * ENFILE, ENOMEM). */
char *rt_find_exec(int rootfd, const char *cwd, const char *arg0, char *const *env);
/* Whether a place where rt_find_exec would look for arg0 lies at or under one of the spec's
 * mount destinations (a program on a volume or bind mount exists only once they are made). */
bool rt_exec_maybe_in_mount(const struct spec *s, const char *cwd, const char *arg0,
                            char *const *env);

/* A shallow copy of the spec's resources (free it and *owned with free()) whose device
 * rules have the standard nodes and linux.devices appended, as runc does. */
struct spec_resources *rt_resources_for_create(const struct spec *s,
                                               struct spec_device_rule **owned);

/* Map a systemd "slice:prefix:name" cgroupsPath to a cgroupfs path (documented). */
char *rt_systemd_to_cgroupfs(const char *path);

struct cgroup;
struct security_seccomp;

/* What a create has made so far, so that a failure can undo it. */
struct rt_create_run {
  const struct rt_ctx *ctx;
  const struct rt_create_opts *o;
  const struct spec *spec;
  char *bundle, *rootfs, *dir, *cg_path, *created;
  struct cgroup *cg;
  int sync;    /* parent's end of the sync socket */
  int lock_fd; /* the container's lock, held by create; the child must not keep it */
  pid_t child; /* what clone returned */
  pid_t init;  /* the container init (child, or its child after a second fork) */
  unsigned long long start_time;
  int console;
  bool shared_vm; /* the init shares our address space until READY (clone_vm.c) */
};

/* Clone the init into its namespaces and cgroup; sets r->sync, r->child and (unless a second
 * fork follows) r->init. */
int rt_spawn_init(struct rt_create_run *r, struct td_err **err);
/* Write uid_map/gid_map of pid from the spec. */
int rt_write_user_maps(const struct spec *s, pid_t pid, struct td_err **err);

/* Parameters the child runs with; everything it needs is resolved in the parent. */
struct rt_child_args {
  const struct spec *spec;
  const struct rt_create_opts *o;
  const char *rootfs;          /* absolute host path */
  const char *bundle;          /* absolute */
  int sync_fd;                 /* child's end */
  int lock_fd;                 /* the runtime's lock on the container: closed first thing (a clone
                                  inherits it and never execs the runtime, so CLOEXEC won't drop it,
                                  and `start`/`delete` would block on it forever) */
  int fifo_fd;                 /* O_PATH fd of the state dir holding exec.fifo */
  int join_fds[NS_TYPE_COUNT]; /* fds of namespaces joined by path in the child, else -1 */
  int unshare_flags;           /* namespaces the child unshares itself (slow path / cgroup on v1) */
  bool double_fork;            /* pid/time ns created by unshare: fork once more */
  bool new_userns;             /* a new user namespace is created (maps written by the parent) */
  struct security_seccomp *filter; /* compiled by the parent (cached), loaded by the child */
  int entry_fd;                    /* rt_ctx.entry's read-only tree, or -1 */
  int cg_self[CGROUP_SELF_MAX];    /* v1 `tasks` files the child writes itself into */
  int n_cg_self;                   /* 0: the clone or the parent placed it */
  bool await_go;                   /* the parent has work before the init may go on */
  bool shared_vm;                  /* in the runtime's address space (clone_vm.c) */
  bool set_oom_adj;                /* oomScoreAdj differs from the runtime's own */
  int parent_sync_fd;              /* the runtime's end of the sync socket: closed first */
  sigset_t sigmask;                /* the runtime's mask: all were blocked for the clone */
  void *tail_buf;                  /* shared_vm: rt_exec_tail_size bytes in the region */
};

/* In a clone, first thing: inherited handlers back to the default, then mask; returns the
 * signals ignored (a mask, bit s-1 for signal s). */
uint64_t rt_clone_settle_signals(const sigset_t *mask);

/* The container init: runs in the cloned child, never returns. */
_Noreturn void rt_child_main(struct rt_child_args *a);
/* The child's error path: send the message to the parent and exit. */
_Noreturn void rt_child_fail(int sync_fd, struct td_err *err);
