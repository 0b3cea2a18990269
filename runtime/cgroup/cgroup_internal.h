/* Private to runtime/cgroup: the handle, the backend table, and helpers shared by the v1 and
 * v2 backends. The pure conversions are here too so that the unit tests can reach them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/cgroup/cgroup.h"

/* xattr put on every directory we mkdir, so a later process (delete) knows which ancestors
 * are ours to remove once empty. */
#define CG_MARK_XATTR "trusted.tinyrun.created"

/* The v1 controllers we manage; name=systemd is never touched. */
enum cg_ctl {
  CG_CPU,
  CG_CPUACCT,
  CG_CPUSET,
  CG_MEMORY,
  CG_DEVICES,
  CG_FREEZER,
  CG_BLKIO,
  CG_PIDS,
  CG_NET_CLS,
  CG_NET_PRIO,
  CG_HUGETLB,
  CG_CTL_COUNT,
};

/* One directory of this container in one hierarchy. */
struct cg_dir {
  char *dir;    /* absolute directory of the container's cgroup */
  char *hroot;  /* the hierarchy's mount root */
  int fd;       /* O_DIRECTORY fd of dir, -1 until opened */
  dev_t dev;    /* hierarchy identity (one superblock per v1 hierarchy) */
  bool present; /* the controller is mounted */
  bool created; /* this handle made the leaf (a failed create removes only those) */
};

struct cgroup;

/* A backend: v1 (also used for hybrid, with a best-effort unified part) or v2. */
struct cgroup_ops {
  const char *name;
  int (*create)(struct cgroup *cg, struct td_err **err);
  int (*open)(struct cgroup *cg, struct td_err **err);
  int (*enter)(struct cgroup *cg, pid_t pid, struct td_err **err);
  int (*apply)(struct cgroup *cg, const struct spec_resources *res, struct td_err **err);
  int (*freeze)(struct cgroup *cg, bool frozen, struct td_err **err);
  bool (*is_frozen)(struct cgroup *cg);
  /* the directory whose cgroup.procs (recursively) lists the container's processes */
  const char *(*procs_dir)(struct cgroup *cg);
  int (*kill_all)(struct cgroup *cg, int sig, struct td_err **err);
  int (*remove)(struct cgroup *cg, struct td_err **err);
  int (*stats)(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err);
  int (*oom_fd)(struct cgroup *cg, struct td_err **err);
};

struct cgroup {
  const struct cgroup_ops *ops;
  enum cgroup_mode mode;
  char *path; /* "/parent/id", below each hierarchy root */
  char *root; /* the cgroup mount root (/sys/fs/cgroup or TINYRUN_CGROUP_ROOT) */
  struct cg_dir v1[CG_CTL_COUNT];
  struct cg_dir v2; /* v2 mode, or the unified mount of a hybrid host (best effort) */
};

extern const struct cgroup_ops cg_v1_ops;
extern const struct cgroup_ops cg_v2_ops;

/* v1 controller directory name ("cpu", "net_cls", ...). */
const char *cg_ctl_name(enum cg_ctl c);
/* The cgroup mount root: TINYRUN_CGROUP_ROOT or /sys/fs/cgroup. */
const char *cg_mount_root(void);

/* --- file helpers (errors name the full path and the value) --- */
/* Write value to <dir>/<file>. */
int cg_write(const struct cg_dir *d, const char *file, const char *value, struct td_err **err);
/* Write value to <dir>/<file> through *fd, opening it first if *fd < 0 (the caller closes
 * it): for a run of values into one file, such as the device rules. */
int cg_write_keep(const struct cg_dir *d, const char *file, int *fd, const char *value,
                  struct td_err **err);
/* Write a formatted value to <dir>/<file>. */
int cg_writef(const struct cg_dir *d, const char *file, struct td_err **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read <dir>/<file>; NULL if it cannot be read. */
char *cg_read(const struct cg_dir *d, const char *file);
/* Read an unsigned number ("max" reads as UINT64_MAX); false if unreadable. */
bool cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *out);
/* Value of "key N" in a flat keyed file (memory.events, cpu.stat...); false if absent. */
bool cg_read_key(const struct cg_dir *d, const char *file, const char *key, uint64_t *out);
/* Whether <dir>/<file> exists. */
bool cg_has(const struct cg_dir *d, const char *file);

/* --- directories --- */
/* mkdir every missing level of d->dir below d->hroot, marking each with CG_MARK_XATTR, and
 * call level_cb (may be NULL) on each level below the root, parent first, with whether we
 * created it; d->created tells whether the leaf was made. On failure removes what it made. */
int cg_mkdir_levels(struct cg_dir *d,
                    int (*level_cb)(const char *level, bool created, void *arg,
                                    struct td_err **err),
                    void *arg, struct td_err **err);
/* Open d->dir into d->fd. */
int cg_dir_open(struct cg_dir *d, struct td_err **err);
/* rmdir d->dir (depth first, children too), retrying on EBUSY, then every empty ancestor that
 * carries CG_MARK_XATTR. ENOENT is success. */
int cg_dir_remove(struct cg_dir *d, struct td_err **err);
/* Pids in cgroup.procs of dir and all its descendants, appended to *pids. */
int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct td_err **err);
/* Send sig to every pid in dir (recursively); returns how many were signalled. */
int cg_signal_pids(const char *dir, int sig, struct td_err **err);
/* Wait until no process is left in dir (recursively), up to timeout_ms. */
bool cg_wait_empty(const char *dir, int timeout_ms);
/* Write pid to <dir>/cgroup.procs. */
int cg_enter_dir(const struct cg_dir *d, pid_t pid, struct td_err **err);
/* Sleep for ms milliseconds. */
void cg_sleep_ms(int ms);

/* --- backend internals --- */
/* Whether v1[i] is mounted and the first controller of its hierarchy (co-mounts share one). */
bool cg_v1_unique(struct cgroup *cg, int i);
/* The directory serving controller c (its hierarchy's first controller), NULL if unmounted. */
struct cg_dir *cg_v1_dir(struct cgroup *cg, enum cg_ctl c);
/* Apply resources on v1 (and hugetlb/unified through the cgroup2 mount of a hybrid host). */
int cg_v1_apply(struct cgroup *cg, const struct spec_resources *res, struct td_err **err);
/* Apply blkio weights and throttles on v1. */
int cg_v1_apply_blkio(struct cgroup *cg, const struct spec_resources *res, struct td_err **err);
/* Read v2 usage counters of one directory. */
int cg_v2_stats_dir(struct cg_dir *d, struct cgroup_stats *out);
/* Read v1 usage counters. */
int cg_v1_stats(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err);
/* cg_mkdir_levels callback for v2: enable the available controllers in the parent's
 * cgroup.subtree_control (never the mount root's), best effort for levels not ours. */
int cg_v2_enable_level(const char *level, bool created, void *arg, struct td_err **err);
/* Controllers listed in avail (cgroup.controllers) but not in enabled (subtree_control). */
char **cg_v2_missing_controllers(const char *avail, const char *enabled);
/* Apply resources on a v2 directory. */
int cg_v2_apply_dir(struct cg_dir *d, const struct spec_resources *res, struct td_err **err);
/* Apply hugepage limits on a v2 directory (files missing: skipped if skip_missing). */
int cg_v2_apply_hugetlb(struct cg_dir *d, const struct spec_resources *res, bool skip_missing,
                        struct td_err **err);
/* Total of physical memory (MemTotal), 0 if unknown. */
uint64_t cg_mem_total(void);

/* --- pure conversions (unit tested) --- */
/* cpu.shares (2..262144) to cpu.weight (1..10000); 0 stays 0 (unset). */
uint64_t cg_shares_to_weight(uint64_t shares);
/* blkio.weight (10..1000) to io.weight (1..10000); 0 stays 0 (unset). */
uint64_t cg_blkio_to_io_weight(uint64_t weight);
/* v2 memory.swap.max from the OCI swap (memory+swap) and limit; has_swap/swap/has_limit/
 * limit as in the spec. Sets *out to the value to write ("max", a number) or NULL when
 * nothing is to be written; returns -1 with a message for impossible combinations. */
int cg_swap_v2(bool has_swap, int64_t swap, bool has_limit, int64_t limit, char **out,
               struct td_err **err);
/* Check a cpuset list ("0-3,5,7-8"); returns -1 with a message naming what is wrong. */
int cg_cpuset_validate(const char *what, const char *list, struct td_err **err);
/* Whether res asks for cpuset.cpus or cpuset.mems: 1 yes (both lists valid), 0 no, -1 with a
 * message when a list is invalid. */
int cg_cpuset_wanted(const struct spec_resources *res, struct td_err **err);
/* Write res's non-empty cpuset.cpus, then cpuset.mems, into d (same file names on v1/v2). */
int cg_cpuset_write(const struct cg_dir *d, const struct spec_resources *res, struct td_err **err);
/* cpu.max value from quota/period (quota < 0 => "max"); old is the current cpu.max text to
 * keep the part not given (may be NULL). */
char *cg_cpu_max(bool has_quota, int64_t quota, bool has_period, uint64_t period, const char *old);
/* pids limit as written: "max" for <= 0, the number otherwise. */
char *cg_pids_value(int64_t limit);
/* A number or "max"/-1 for negative v2 limits. */
char *cg_limit_v2(int64_t v);
/* Whether a `unified` key is a plain file name in the cgroup directory. */
bool cg_unified_key_ok(const char *key);
