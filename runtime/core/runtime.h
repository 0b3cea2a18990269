/* The OCI runtime core: the lifecycle operations that `tinyrun` and the engine call.
 * State lives under ctx->state_root/<id>/ (state.json, exec fifo, lock). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

struct rt_ctx {
  const char *state_root;    /* runc's --root; default /run/tinyrun */
  const char *cgroup_parent; /* default parent for a missing cgroupsPath */
  bool systemd_cgroup;
  bool debug;
  /* A program every container process execs last, from a read-only detached mount, to run
   * its program (argv: "tinydocker-entry", path, args...): the engine's tinydocker-entry, so
   * /proc/PID/exe of a container process is never the engine (CVE-2019-5736 class) without
   * the engine re-executing itself. NULL: exec directly (tinyrun re-executes itself). */
  const char *entry;
};

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_PAUSED, RT_STOPPED };

struct rt_state {
  char *id;
  char *bundle;
  char *rootfs; /* the resolved root.path (runc's "rootfs"); NULL in older state.json */
  enum rt_status status;
  pid_t pid;         /* 0 when stopped */
  char *cgroup_path; /* resolved cgroup path */
  char *created;     /* RFC3339 */
  json_t *annotations;
  char *oci_version;
};

struct rt_create_opts {
  const char *id;
  const char *bundle; /* directory holding config.json and the rootfs */
  struct spec *spec;  /* already parsed (engine); NULL = load bundle/config.json */
  const char *pid_file;
  const char *console_socket; /* send the pty master here (runc protocol) */
  int *console_master_out;    /* or hand it back to the caller (engine monitor) */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds; /* fds 3..3+N-1 pass into the container */
  int stdio[3];     /* fds for the container's stdio; -1 = inherit ours */
  /* the read-only tree the init execs ctx->entry from, handed back open: whoever closes the
   * last reference unmounts it, an RCU grace period (the init's exec would wait for it);
   * NULL = closed here once the init is cloned */
  int *entry_tree_out;
};

/* Create the container; it waits on its exec fifo until rt_start. *pid_out gets the init pid. */
int rt_create(const struct rt_ctx *ctx, const struct rt_create_opts *o, pid_t *pid_out,
              struct td_err **err);
/* Release a created container (open its exec fifo); runs poststart hooks. */
int rt_start(const struct rt_ctx *ctx, const char *id, struct td_err **err);
/* Load the state of a container, refreshing its status from the kernel. */
int rt_state(const struct rt_ctx *ctx, const char *id, struct rt_state *out, struct td_err **err);
/* The OCI state JSON document of a state. */
json_t *rt_state_json(const struct rt_state *st);
/* Free what an rt_state holds. */
void rt_state_clear(struct rt_state *st);
/* Send a signal to the init (or every process with all). */
int rt_kill(const struct rt_ctx *ctx, const char *id, int sig, bool all, struct td_err **err);
/* Delete a stopped container (force: kill it first); runs poststop hooks, removes cgroup+state. */
int rt_delete(const struct rt_ctx *ctx, const char *id, bool force, struct td_err **err);

struct rt_exec_opts {
  struct spec_process *process; /* what to run */
  const char *pid_file;
  const char *console_socket;
  int *console_master_out;
  bool detach;
  int preserve_fds;
  int stdio[3];
};

/* Start an extra process in a running container (joins its namespaces and cgroup, same
 * security settings). *pid_out gets its pid; the caller waits for it unless detached. */
int rt_exec(const struct rt_ctx *ctx, const char *id, const struct rt_exec_opts *o, pid_t *pid_out,
            struct td_err **err);
/* Freeze / thaw. */
int rt_pause(const struct rt_ctx *ctx, const char *id, struct td_err **err);
int rt_resume(const struct rt_ctx *ctx, const char *id, struct td_err **err);
/* Apply new resources to a running container. */
int rt_update(const struct rt_ctx *ctx, const char *id, const struct spec_resources *res,
              struct td_err **err);
/* The pids in the container's cgroup; caller frees *pids. */
int rt_cgroup_pids(const struct rt_ctx *ctx, const char *id, pid_t **pids, size_t *n,
                   struct td_err **err);
/* The ids of all containers under the state root; caller frees with strv_free. */
int rt_list(const struct rt_ctx *ctx, char ***ids, struct td_err **err);
/* Wait for pid (our child, or reparented to us as subreaper), forwarding the signals we get
 * to it; with console_master >= 0 also relay our stdio to that pty (raw mode meanwhile).
 * Returns the exit code a shell would show (128+signal when killed), -1 on error. */
int rt_wait_forward(pid_t pid, int console_master);
/* Before create/exec in the foreground: block the signals rt_wait_forward forwards (so none
 * is lost before the wait) and become a child subreaper (so a process that went through a
 * second fork is still ours to wait for). */
void rt_prepare_foreground(void);
/* Before create/run/exec: re-execute the runtime from a read-only detached bind mount of its
 * own binary (once; a no-op when /proc/self/exe is already read-only), so that no container
 * can write the binary through /proc/PID/exe of a runtime clone. Returns only when it did
 * not re-execute: 0 when already protected, -1 when it could not be (errno set). */
int rt_exe_protect(char **argv);
/* An O_PATH fd of a detached read-only mount of path (a file), or -1. */
int rt_ro_tree(const char *path);
/* Whether /proc/self/exe is on a read-only mount. */
bool rt_exe_is_readonly(void);
/* Status name for the OCI state ("created", ...). */
const char *rt_status_name(enum rt_status s);
/* Parse a signal name or number ("KILL", "SIGKILL", "9"); -1 if invalid. */
int rt_signal_parse(const char *s);

/* Cloning into the caller's own address space (CLONE_VM, clone_vm.c: the rules that make it
 * safe): whether this build and architecture can; a region holding the child's stack
 * (stack bytes, RT_VM_STACK for the runtime's own clones) and payload bytes of its own; the
 * clone (CLONE_VM added to flags; cgfd >= 0: CLONE_INTO_CGROUP), after which the region is
 * kept until the child has left it (its exec or exit); freeing the regions of children
 * gone; and dropping one never used. */
#define RT_VM_STACK (512u * 1024u)
struct rt_vm_region;
bool rt_clone_vm_supported(void);
struct rt_vm_region *rt_vm_region_new(size_t stack, size_t payload, struct td_err **err);
void *rt_vm_region_payload(struct rt_vm_region *r);
pid_t rt_clone_vm(struct rt_vm_region *r, uint64_t flags, int cgfd, int (*fn)(void *), void *arg);
void rt_vm_regions_reap(void);
void rt_vm_region_drop(struct rt_vm_region *r);
/* The parent of a clone that goes on with libc (the engine's monitor) is about to exec or exit:
 * its exit or exec must not write into the thread control block they share (clone_vm.c). */
void rt_clone_vm_parent_leaving(void);
