/* The OCI runtime-spec 1.2 config.json for Linux, parsed and validated into plain structs.
 * Absent optional values have has_* = false; strings are NULL when absent; string vectors
 * are NULL-terminated (NULL when absent). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "util/err.h"

struct spec_kv {
  char *key;
  char *value;
};

struct spec_user {
  uint32_t uid, gid;
  bool has_umask;
  uint32_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  char *username;
};

/* Capability sets as bitmasks of CAP_* numbers; unknown names are ignored (as runc). */
struct spec_caps {
  bool present; /* process.capabilities given at all */
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct spec_rlimit {
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
};

struct spec_process {
  bool terminal;
  bool has_console_size;
  unsigned console_height, console_width;
  char **args;
  char **env;
  char *cwd;
  struct spec_user user;
  struct spec_caps caps;
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile;
  char *selinux_label;
  bool has_io_priority;
  int io_priority_class; /* IOPRIO_CLASS_* */
  int io_priority;
  /* process.scheduler (sched_setattr): policy SCHED_*, flags SCHED_FLAG_* */
  bool has_scheduler;
  struct {
    int policy;
    int32_t nice, priority;
    uint64_t flags;
    uint64_t runtime, deadline, period;
  } scheduler;
  /* process.execCPUAffinity: cpu lists ("0-3,7") or NULL */
  char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

struct spec_idmap {
  uint32_t container_id, host_id, size;
};

struct spec_mount {
  char *destination;
  char *type;                  /* may be NULL (bind) */
  char *source;                /* may be NULL */
  char **options;              /* raw options as given */
  unsigned long flags;         /* MS_* to set; MS_BIND (|MS_REC) for bind/rbind */
  unsigned long clear_flags;   /* MS_* explicitly cleared (rw, suid, dev, exec, atime...) */
  unsigned long propagation;   /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE, |MS_REC for r*; 0 none */
  uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for recursive options (rro, rnosuid, ...) */
  bool attr_recursive;
  char *data; /* filesystem-specific options joined with ',' (NULL if none) */
  bool is_bind;
  struct spec_idmap *uid_mappings, *gid_mappings; /* idmapped mounts */
  size_t n_uid_mappings, n_gid_mappings;
  bool idmap;           /* "idmap"/"ridmap" option or mappings given */
  bool idmap_recursive; /* "ridmap" (or "idmap" with rbind, as runc) */
};

struct spec_hook {
  char *path;
  char **args;
  char **env;
  int timeout; /* seconds; 0 = none */
};

enum spec_hook_kind {
  HOOK_PRESTART,
  HOOK_CREATE_RUNTIME,
  HOOK_CREATE_CONTAINER,
  HOOK_START_CONTAINER,
  HOOK_POSTSTART,
  HOOK_POSTSTOP,
  HOOK_KIND_COUNT,
};

struct spec_hook_list {
  struct spec_hook *v;
  size_t n;
};

enum spec_ns_type {
  NS_PID,
  NS_NET,
  NS_MNT,
  NS_IPC,
  NS_UTS,
  NS_USER,
  NS_CGROUP,
  NS_TIME,
  NS_TYPE_COUNT,
};

struct spec_namespace {
  bool present; /* listed in linux.namespaces */
  char *path;   /* join this one; NULL = create a new one */
};

struct spec_device {
  char type; /* 'c', 'b', 'u', 'p' */
  char *path;
  int64_t major, minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid, has_gid;
  uint32_t uid, gid;
};

/* One linux.resources.devices entry; -1 in major/minor is the wildcard. */
struct spec_device_rule {
  bool allow;
  char type; /* 'a', 'c', 'b' */
  int64_t major, minor;
  char access[4]; /* subset of "rwm" */
};

struct spec_blkio_weight_device {
  int64_t major, minor;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
};

struct spec_blkio_throttle {
  int64_t major, minor;
  uint64_t rate;
};

struct spec_hugepage_limit {
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct spec_net_priority {
  char *name;
  uint32_t priority;
};

struct spec_resources {
  struct {
    bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
    int64_t limit, reservation, swap, kernel, kernel_tcp;
    uint64_t swappiness;
    bool disable_oom_killer;
    bool has_use_hierarchy, use_hierarchy;
    bool check_before_update;
  } memory;
  struct {
    bool has_shares, has_quota, has_period, has_realtime_runtime, has_realtime_period, has_idle,
        has_burst;
    uint64_t shares, period, realtime_period, burst;
    int64_t quota, realtime_runtime, idle;
    char *cpus, *mems;
  } cpu;
  struct {
    bool has_limit;
    int64_t limit;
  } pids;
  struct {
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight;
    struct spec_blkio_weight_device *weight_device;
    size_t n_weight_device;
    struct spec_blkio_throttle *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
        *throttle_write_iops;
    size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
  } blkio;
  struct spec_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct spec_device_rule *devices; /* in config order; applied in order */
  size_t n_devices;
  struct {
    bool has_class_id;
    uint32_t class_id;
    struct spec_net_priority *priorities;
    size_t n_priorities;
  } network;
  struct spec_kv *unified; /* cgroup v2 key -> value */
  size_t n_unified;
};

enum spec_seccomp_action {
  SPEC_SCMP_KILL, /* SCMP_ACT_KILL == KILL_THREAD */
  SPEC_SCMP_KILL_PROCESS,
  SPEC_SCMP_KILL_THREAD,
  SPEC_SCMP_TRAP,
  SPEC_SCMP_ERRNO,
  SPEC_SCMP_TRACE,
  SPEC_SCMP_ALLOW,
  SPEC_SCMP_LOG,
  SPEC_SCMP_NOTIFY,
};

enum spec_seccomp_op {
  SPEC_SCMP_CMP_NE,
  SPEC_SCMP_CMP_LT,
  SPEC_SCMP_CMP_LE,
  SPEC_SCMP_CMP_EQ,
  SPEC_SCMP_CMP_GE,
  SPEC_SCMP_CMP_GT,
  SPEC_SCMP_CMP_MASKED_EQ,
};

struct spec_seccomp_arg {
  uint32_t index;
  uint64_t value, value_two;
  enum spec_seccomp_op op;
};

struct spec_seccomp_syscall {
  char **names;
  enum spec_seccomp_action action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t n_args;
};

/* linux.seccomp.flags */
enum {
  SPEC_SECCOMP_FLAG_LOG = 1u << 0,
  SPEC_SECCOMP_FLAG_SPEC_ALLOW = 1u << 1,
  SPEC_SECCOMP_FLAG_WAIT_KILLABLE_RECV = 1u << 2,
  SPEC_SECCOMP_FLAG_TSYNC = 1u << 3, /* accepted; libseccomp synchronises threads anyway */
};

struct spec_seccomp {
  enum spec_seccomp_action default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* "SCMP_ARCH_X86_64", ... */
  unsigned flags;
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct spec_linux {
  struct spec_namespace ns[NS_TYPE_COUNT];
  struct spec_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct spec_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct spec_resources *resources; /* NULL if absent */
  struct spec_kv *sysctl;
  size_t n_sysctl;
  struct spec_kv *net_devices; /* linux.netDevices: host name -> name in the container (or NULL) */
  size_t n_net_devices;
  struct spec_seccomp *seccomp;     /* NULL if absent */
  unsigned long rootfs_propagation; /* MS_* flags, 0 = default (MS_REC|MS_SLAVE) */
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  bool has_personality;
  unsigned long personality; /* PER_LINUX or PER_LINUX32 */
  bool has_time_offsets;
  int64_t monotonic_secs, boottime_secs;
  uint32_t monotonic_nanosecs, boottime_nanosecs;
};

struct spec {
  char *oci_version;
  char *root_path; /* as given (may be relative to the bundle) */
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct spec_mount *mounts;
  size_t n_mounts;
  struct spec_process *process; /* NULL if absent (allowed for create without start) */
  struct spec_hook_list hooks[HOOK_KIND_COUNT];
  struct spec_kv *annotations;
  size_t n_annotations;
  struct spec_linux linux_;
};

/* Parse and validate a config.json document; errors name the JSON path
 * ("linux.namespaces[2].type"). */
int spec_from_json(json_t *root, struct spec **out, struct td_err **err);
/* Load <path> (a config.json file) and parse it. */
int spec_load_file(const char *path, struct spec **out, struct td_err **err);
/* Like spec_load_file, but only when the text names word (a hook kind, say): otherwise 0
 * with *out NULL and no parse, which is most of the cost for a 13 KB config.json. */
int spec_load_file_if(const char *path, const char *word, struct spec **out, struct td_err **err);
/* Free a spec and everything it owns; NULL is ignored. */
void spec_free(struct spec *s);
/* The default config.json that `tinyrun spec` writes (runc's template); rootless variant too. */
json_t *spec_default_json(bool rootless);
/* The `tinyrun features` document (runtime-spec features.json). */
json_t *spec_features_json(void);
/* Parse one process object (for `exec --process`) with the same rules as config.process. */
int spec_process_from_json(json_t *j, struct spec_process **out, struct td_err **err);
/* Free a process parsed by spec_process_from_json. */
void spec_process_free(struct spec_process *p);
/* Parse a linux.resources object (for `update --resources FILE`); errors name "resources.x". */
int spec_resources_from_json(json_t *j, struct spec_resources **out, struct td_err **err);
/* Free resources parsed by spec_resources_from_json (or owned by a spec); NULL is ignored. */
void spec_resources_free(struct spec_resources *r);
/* "SCMP_ACT_ERRNO"... names of the parsed seccomp enums, for messages and features.json. */
const char *spec_seccomp_action_name(enum spec_seccomp_action a);
const char *spec_seccomp_op_name(enum spec_seccomp_op op);
const char *spec_seccomp_flag_name(unsigned flag);
/* The seccomp architecture names config.json may use, NULL-terminated. */
extern const char *const spec_seccomp_archs[];
/* The config.json key of a hook kind ("createRuntime", ...). */
const char *spec_hook_name(enum spec_hook_kind k);
/* Check the settings that act on a namespace against the namespaces the container really
 * has (runc's validator): hostname/domainname need a private UTS namespace, each sysctl the
 * namespace it belongs to, timeOffsets a new time namespace, netDevices a private network
 * namespace, id mappings a user namespace (and a new one its mappings). Messages as runc's. */
int spec_validate(const struct spec *s, struct td_err **err);
/* 1 when the container has a namespace of type t of its own: a new one, or one joined by a
 * path that is not the caller's own (/proc/self/ns/...); 0 when not, -1 if the path is bad. */
int spec_ns_private(const struct spec *s, enum spec_ns_type t, struct td_err **err);
/* The same check on the namespace fd the runtime really joins (opened from the path after
 * spec_validate looked at it): -1 when the spec has a setting for namespace type t and fd is
 * the caller's own namespace (the path was swapped in between), else 0. */
int spec_ns_fd_check(const struct spec *s, enum spec_ns_type t, int fd, struct td_err **err);
/* 1 when path is the caller's own namespace of type t, 0 when another, -1 on error. */
int spec_ns_is_current(enum spec_ns_type t, const char *path, struct td_err **err);
/* The namespace a sysctl key belongs to (NS_IPC, NS_NET, NS_UTS), -1 for one that is not
 * namespaced (vm.*, most of kernel.*: the host's). */
int spec_sysctl_ns(const char *key);
/* "sys/net/ipv4/ip_forward" for "net.ipv4.ip_forward", relative to a procfs root: NULL for a
 * key that is not dot-separated plain names (a '/', an empty, "." or ".." component). */
char *spec_sysctl_path(const char *key);
/* Namespace name ("pid", "network", ...) of a type, and back (-1 if unknown). */
const char *spec_ns_name(enum spec_ns_type t);
int spec_ns_from_name(const char *name);
/* CLONE_NEW* flag of a namespace type. */
int spec_ns_clone_flag(enum spec_ns_type t);

#define spec_autofree __attribute__((cleanup(spec_freep)))
static inline void spec_freep(struct spec **s)
{
  spec_free(*s);
}
