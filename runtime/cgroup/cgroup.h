/* One interface over cgroup v1, v2 and hybrid hosts, for one container's cgroup.
 * Backends (cgroup_v1.c, cgroup_v2.c) sit behind a small table of function pointers. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/spec/spec.h"
#include "util/err.h"

enum cgroup_mode {
  CGROUP_MODE_V1,     /* legacy: one hierarchy per controller */
  CGROUP_MODE_V2,     /* unified only */
  CGROUP_MODE_HYBRID, /* v1 controllers plus a cgroup2 mount (v1 is the authority) */
};

struct cgroup; /* opaque handle to one container's cgroup (all hierarchies) */

struct cgroup_stats {
  uint64_t cpu_usage_ns;
  uint64_t memory_usage, memory_limit, memory_max_usage;
  uint64_t pids_current, pids_limit;
  uint64_t blkio_read_bytes, blkio_write_bytes;
  uint64_t oom_kills;            /* number of OOM kills seen in this cgroup */
  uint64_t memory_inactive_file; /* page cache docker subtracts from usage (memory.stat) */
};

/* Detect the host's mode (cached after the first call). */
enum cgroup_mode cgroup_mode(void);
/* Resolve a cgroupsPath (absolute, relative, or NULL => "<default_parent>/<id>") to the
 * path below each hierarchy root that the container uses. */
char *cgroup_resolve_path(const char *cgroups_path, const char *default_parent, const char *id);
/* Create the cgroup (every hierarchy), enable controllers on v2, apply resources.
 * On failure nothing is left behind. */
int cgroup_create(const char *path, const struct spec_resources *res, struct cgroup **out,
                  struct td_err **err);
/* Open an existing container cgroup (for kill/delete/update/pause/stats). */
int cgroup_open(const char *path, struct cgroup **out, struct td_err **err);
/* O_PATH|O_DIRECTORY fd of the v2 cgroup for clone3(CLONE_INTO_CGROUP); -1 on v1/hybrid. */
int cgroup_v2_dirfd(struct cgroup *cg);
/* Move pid into the cgroup in every hierarchy. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct td_err **err);
/* Most files cgroup_clone_plan opens (one per v1 hierarchy). */
#define CGROUP_SELF_MAX 16
/* How a process about to be cloned gets into the cgroup. Returns the fd for
 * clone3(CLONE_INTO_CGROUP), or -1. On v2 that fd places it (*n = 0). On v1/hybrid, when the
 * child may move itself (self: it is single-threaded and has its own user namespace's
 * rights), the `tasks` file of each v1 hierarchy is opened into fds (*n of them) and a hybrid
 * host's cgroup2 part is the returned fd. Moving one thread by `tasks` skips the global
 * threadgroup lock whose RCU grace period every cgroup.procs write pays (0.5-5 ms here).
 * With *n = 0 and -1 returned the parent moves the child (cgroup_enter). */
int cgroup_clone_plan(struct cgroup *cg, bool self, int fds[CGROUP_SELF_MAX], int *n);
/* The calling (single-threaded) process moves itself through the *n fds of a plan, and
 * closes them. */
int cgroup_self_enter(int *fds, int *n, struct td_err **err);
/* Close the *n fds of a plan (the parent's copies, or a plan given up). */
void cgroup_self_close(int *fds, int *n);
/* Apply (or update) resource limits. */
int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, struct td_err **err);
/* Freeze or thaw every task (freezer on v1, cgroup.freeze on v2); waits until done. */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct td_err **err);
/* Whether the cgroup is frozen now. */
bool cgroup_is_frozen(struct cgroup *cg);
/* All pids in the cgroup (and its children); caller frees *pids. */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct td_err **err);
/* Send sig to every process in the cgroup (thawing it for SIGKILL). */
int cgroup_kill_all(struct cgroup *cg, int sig, struct td_err **err);
/* Kill stragglers, wait for them, and remove the cgroup from every hierarchy. */
int cgroup_destroy(struct cgroup *cg, struct td_err **err);
/* Read usage counters. */
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err);
/* An fd that becomes readable when the OOM killer fires (eventfd on v1, memory.events on v2
 * via inotify); -1 with an error if unavailable. */
int cgroup_oom_fd(struct cgroup *cg, struct td_err **err);
/* Release the handle (does not remove the cgroup). */
void cgroup_free(struct cgroup *cg);
/* The path this handle was opened with. */
const char *cgroup_path(struct cgroup *cg);

/* --- additions (extend, don't break) --- */
/* Like cgroup_resolve_path, with a clear error for what cgroup_resolve_path returns NULL for:
 * a systemd-form path ("slice:prefix:name"), a ".." component, the root itself, a bad id. */
int cgroup_resolve(const char *cgroups_path, const char *default_parent, const char *id, char **out,
                   struct td_err **err);
/* Whether a cgroupsPath is in systemd's "slice:prefix:name" form. */
bool cgroup_path_is_systemd(const char *cgroups_path);
/* The mode a handle was opened in (TINYRUN_CGROUP_MODE can force one). */
enum cgroup_mode cgroup_handle_mode(struct cgroup *cg);
/* What the host's cgroups support, docker's pkg/sysinfo view (TINYRUN_CGROUP_ROOT and
 * TINYRUN_CGROUP_MODE apply, so a test can point it at a fake tree). For the engine's
 * warnings and `info`; the runtime itself applies what a spec asks or fails. */
struct cgroup_support {
  bool v2;
  bool memory, swap, kmem_tcp, oom_kill_disable;
  bool cpu_shares, cpu_cfs, cpuset, pids;
  bool blkio_weight, blkio_weight_device, blkio_throttle;
  bool swappiness, kmem, cpu_rt; /* v1 only: memory.swappiness, kmem limit, cpu.rt_* */
};
/* parent: the cgroup (below each root) the caller's containers go in, looked at too for the
 * files a root cgroup lacks (BFQ's weights), or NULL. */
void cgroup_support_probe(const char *parent, struct cgroup_support *s);
/* v1: the real-time runtime (cpu.rt_runtime_us) of the cgroup at path ("/" the root), 0 when
 * that cgroup is not there yet (a new one gets none), -1 when the host has no such file. */
long long cgroup_support_rt_runtime(const char *path);
/* "v1", "v2" or "hybrid". */
const char *cgroup_mode_name(enum cgroup_mode m);

/* One hierarchy a container's cgroup lives in, for a cgroup mount without a cgroup namespace
 * (bind the host dir at /sys/fs/cgroup/<name>). */
struct cgroup_hierarchy {
  char *name; /* as mounted: "memory", "cpu,cpuacct"; "unified" for a hybrid host's cgroup2;
               * "" for the v2 root */
  char *dir;  /* the container's cgroup directory on the host */
  bool v2;    /* a cgroup2 hierarchy */
};
/* The hierarchies of an opened/created handle; free with cgroup_hierarchies_free. */
int cgroup_hierarchies(struct cgroup *cg, struct cgroup_hierarchy **out, size_t *n);
/* Free what cgroup_hierarchies returned. */
void cgroup_hierarchies_free(struct cgroup_hierarchy *h, size_t n);
