/* The tinydocker engine: containers, their store, bundles, monitors and lifecycle.
 * The CLI (cli/tinydocker_*.c) parses argv into these requests and calls in here. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine/parse/parse.h"
#include "util/err.h"

#define ENG_DEFAULT_ROOT "/var/lib/tinydocker"
#define ENG_DEFAULT_RUN_ROOT "/run/tinydocker"
#define ENG_DEFAULT_IMAGE "busybox:latest"
#define ENG_CGROUP_PARENT "tinydocker"
/* In the store root: the monitors' warnings (best-effort steps that failed), appended. */
#define ENG_LOG_FILE "engine.log"

struct eng_ctx {
  char *root;     /* engine root (--root, $TINYDOCKER_ROOT, default /var/lib/tinydocker) */
  char *run_root; /* runtime state root (/run/tinydocker, or <root>/run with a custom root) */
  char *ctr_dir;  /* <root>/containers */
  char *self_exe; /* our own binary (to find tinydocker-image next to it) */
  bool debug;
  char *userns_remap; /* --userns-remap / $TINYDOCKER_USERNS_REMAP: acted on at create */
};

/* Fill ctx from the --root flag (NULL = env or default); creates the directories. */
int eng_ctx_init(struct eng_ctx *ctx, const char *root_flag, bool debug, struct td_err **err);
/* Free what the ctx holds. */
void eng_ctx_clear(struct eng_ctx *ctx);

/* Everything `run` / `create` take. Strings are owned by the caller. */
struct eng_run_req {
  const char *image;  /* reference; NULL with rootfs */
  const char *rootfs; /* --rootfs DIR */
  char **cmd;         /* COMMAND [ARG...] or NULL */
  const char *name;
  bool interactive, tty, detach, auto_remove, init, read_only, privileged;
  bool no_new_privs, oom_kill_disable, entrypoint_set;
  char **env; /* KEY=VALUE, env files already merged in order */
  const char *workdir, *user, *hostname, *entrypoint;
  struct eng_restart restart;
  char **cap_add, **cap_drop;
  const char *seccomp;  /* NULL = docker's default, "unconfined", or a file path */
  char **security_opts; /* as given, for inspect */
  struct eng_ulimit *ulimits;
  size_t n_ulimits;
  bool has_pids_limit;
  int64_t pids_limit;
  int64_t memory, memory_swap, memory_reservation, shm_size; /* 0 = unset; swap -1 = unlimited */
  int64_t nano_cpus, cpu_shares, cpu_quota, cpu_period;
  int64_t blkio_weight; /* 0 = unset; engine/container/hostcheck.c discards it where the host has
                           none */
  const char *cpuset_cpus, *cpuset_mems;
  /* issue 16's resource flags (engine/parse/resources.c; docs/cgroups.md) */
  bool has_memory_swappiness;
  int64_t oom_score_adj, memory_swappiness, kernel_memory; /* kernel memory: recorded only */
  int64_t cpu_rt_period, cpu_rt_runtime;
  const char *cgroup_parent; /* as given; the cgroup is eng_cgroup_path()'s, beneath the root */
  char **device_cgroup_rules;
  struct eng_blkio_list read_bps, write_bps, read_iops, write_iops, weight_device;
  char **storage_opts; /* KEY=VALUE */
  struct eng_device *devices;
  size_t n_devices;
  struct eng_mount *mounts;
  size_t n_mounts;
  char **labels;  /* KEY=VALUE */
  char **sysctls; /* KEY=VALUE */
  const char *stop_signal;
  int stop_timeout;    /* -1 = default (10) */
  const char *network; /* NULL = default */
  char **log_opts;     /* max-size=, max-file= */
  char **publish, **add_hosts, **dns, **dns_search, **net_aliases;
  bool publish_all;
  const char *ip;
  const char *detach_keys; /* for the attached run; NULL = ctrl-p,ctrl-q */
  /* issue 16's run flags (engine/container/runflags.c) */
  char **expose;           /* --expose PORT[-PORT][/proto], checked by the CLI */
  char **links;            /* --link NAME[:ALIAS] */
  char **volumes_from;     /* --volumes-from CTR[:ro|rw] */
  const char *mac_address; /* --mac-address, checked by the CLI */
  char **dns_opts;         /* --dns-option */
  const char *runtime;     /* --runtime NAME; NULL = tinyrun (the core, in-process) */
  bool cidfile;            /* --cidfile: cidfile_fd (opened by the CLI) gets the new id */
  int cidfile_fd;
  /* namespaces (engine/container/nsmode.c): NULL or "" = docker's default */
  const char *ipc_mode;      /* private|shareable|host|none|container:NAME */
  const char *pid_mode;      /* host|container:NAME */
  const char *uts_mode;      /* host */
  const char *userns_mode;   /* host */
  const char *cgroupns_mode; /* host|private */
  char **group_add;          /* --group-add: names (the image's /etc/group) or numbers */
  const char *domainname;
  /* --health-*: health_set when any was given; durations in ns (0 = the image's or the default) */
  bool health_set, no_healthcheck;
  const char *health_cmd;
  int64_t health_interval, health_timeout, health_start_period;
  int health_retries;
};

/* Create a container (status "created"): validates everything first, nothing is left
 * behind on error. *id gets the full id. */
int eng_create(struct eng_ctx *ctx, const struct eng_run_req *req, char **id, struct td_err **err);

struct eng_start_opts {
  bool attach;          /* relay our stdio and wait for the exit */
  bool interactive;     /* pass our stdin too */
  bool detach_print_id; /* not attached: the id is printed once started (run -d) */
  bool sig_proxy;
  const char *detach_keys; /* --detach-keys (checked by the CLI); NULL = ctrl-p,ctrl-q */
};
/* Start a created or stopped container: spawns its monitor. With attach, relays stdio and
 * returns the container's exit code in *exit_code. */
int eng_start(struct eng_ctx *ctx, const char *id, const struct eng_start_opts *o, int *exit_code,
              struct td_err **err);
/* create + start; with auto_remove and a failed start, removes the container. */
int eng_run(struct eng_ctx *ctx, const struct eng_run_req *req, int *exit_code,
            struct td_err **err);

/* Resolve a name, full id or unique id prefix to the full id. */
int eng_lookup(struct eng_ctx *ctx, const char *ref, char **id, struct td_err **err);
/* Stop: stop signal, wait up to timeout seconds (-1 = the container's own), then SIGKILL. */
int eng_stop(struct eng_ctx *ctx, const char *id, int timeout, const char *signal,
             struct td_err **err);
/* Send a signal to a running container. */
int eng_kill(struct eng_ctx *ctx, const char *id, const char *signal, struct td_err **err);
/* Remove a container (force: kill it first; volumes: its anonymous volumes too). */
int eng_rm(struct eng_ctx *ctx, const char *id, bool force, bool volumes, struct td_err **err);
/* Block until the container stops; *code gets its exit code. */
int eng_wait(struct eng_ctx *ctx, const char *id, int *code, struct td_err **err);
/* Rename a container. */
int eng_rename(struct eng_ctx *ctx, const char *id, const char *new_name, struct td_err **err);
/* Freeze / thaw all processes of a running container. */
int eng_pause(struct eng_ctx *ctx, const char *id, bool pause, struct td_err **err);
/* `update`: 0 (NULL) leaves a value as it is, docker's rule; memory_swap -1 = unlimited. */
struct eng_update_req {
  int64_t memory, memory_swap, memory_reservation;
  int64_t nano_cpus, cpu_shares, cpu_quota, cpu_period, blkio_weight;
  bool has_pids_limit;
  int64_t pids_limit; /* 0 or -1 = unlimited */
  const char *cpuset_cpus, *cpuset_mems;
  const struct eng_restart *restart;
  int64_t kernel_memory, cpu_rt_period, cpu_rt_runtime; /* issue 16: recorded, as docker's */
};
/* Apply to the live cgroup (running or paused), the bundle (next start) and the record. */
int eng_update(struct eng_ctx *ctx, const char *id, const struct eng_update_req *req,
               struct td_err **err);
/* Attach our stdio to a running container; *exit_code when it exits (0 when the detach keys,
 * docker's format, NULL = ctrl-p,ctrl-q, were typed on a tty). */
int eng_attach(struct eng_ctx *ctx, const char *id, bool no_stdin, bool sig_proxy,
               const char *detach_keys, int *exit_code, struct td_err **err);

struct net_attach_req;
/* `network connect`: attach the running container ref to req->network (req's ip, aliases
 * from the caller; its name, hostname and hosts file from the record), docker's refusals
 * for none/host/container: modes, and the record's NetworkSettings.Networks updated. */
int eng_network_connect(struct eng_ctx *ctx, const char *ref, struct net_attach_req *req,
                        struct td_err **err);
/* `network disconnect`: the endpoint removed and the record updated. */
int eng_network_disconnect(struct eng_ctx *ctx, const char *network, const char *ref,
                           struct td_err **err);

/* The inspect document of a container (status refreshed), new reference. */
int eng_inspect(struct eng_ctx *ctx, const char *id, json_t **out, struct td_err **err);
/* eng_inspect, with size: docker's -s members (SizeRw, SizeRootFs). */
int eng_inspect_doc(struct eng_ctx *ctx, const char *id, bool size, json_t **out,
                    struct td_err **err);
/* What the CLI's helpers (`network`, `port`, commit/export) need of a container, from its
 * record (status refreshed); strings malloc'ed, NULL when the record has none. */
struct eng_ctr_brief {
  char *id, *name; /* name without docker's leading '/' */
  char *hostname, *hosts_path, *network_mode;
  char *image; /* the image id */
  pid_t pid;   /* running init, 0 if none */
};
int eng_container_brief(struct eng_ctx *ctx, const char *id, struct eng_ctr_brief *out,
                        struct td_err **err);
void eng_ctr_brief_clear(struct eng_ctr_brief *b);

struct eng_ps_opts {
  bool all, quiet, size, no_trunc, latest;
  int last;       /* -n; -1 = all */
  char **filters; /* key=value */
  const char *format;
};
/* Print `ps` output. */
int eng_ps(struct eng_ctx *ctx, const struct eng_ps_opts *o, struct td_err **err);

struct eng_logs_opts {
  bool follow, timestamps, details;
  const char *tail; /* "all" or N */
  const char *since, *until;
};
/* Print a container's logs to our stdout/stderr. */
int eng_logs(struct eng_ctx *ctx, const char *id, const struct eng_logs_opts *o,
             struct td_err **err);

struct eng_exec_req {
  char **cmd;
  bool interactive, tty, detach, privileged;
  const char *detach_keys; /* NULL = ctrl-p,ctrl-q */
  char **env;              /* --env-file lines, then -e */
  const char *workdir, *user;
};
/* Run a command in a running container; *exit_code gets its status. */
int eng_exec(struct eng_ctx *ctx, const char *id, const struct eng_exec_req *req, int *exit_code,
             struct td_err **err);

/* `top`: ps output of the container's processes (ps_args: NULL = "-ef"). */
int eng_top(struct eng_ctx *ctx, const char *id, char **ps_args, struct td_err **err);
/* `stats`: one table (no_stream) or refreshed until interrupted. */
int eng_stats(struct eng_ctx *ctx, char **ids, bool all, bool no_stream, const char *format,
              struct td_err **err);
/* `cp`: src and dst as docker takes them ("ctr:/path" or a host path). */
struct eng_cp_opts {
  bool follow_link; /* -L: follow SRC_PATH's own symlink (inside the container's root) */
  bool archive;     /* -a: keep uid/gid (and set-id bits) */
};
int eng_cp(struct eng_ctx *ctx, const char *src, const char *dst, const struct eng_cp_opts *o,
           struct td_err **err);
/* Remove all stopped containers that pass the prune filters; prints what was removed (and,
 * with total, docker's "Total reclaimed space" line). */
int eng_prune(struct eng_ctx *ctx, char **filters, bool total, struct td_err **err);
/* docker's prune filters (until=, label=, label!=): anything else is "Invalid filter". */
int eng_prune_filters_check(char **filters, struct td_err **err);
/* `system df` (-v: each image, container and volume). */
int eng_system_df(struct eng_ctx *ctx, bool verbose, const char *format, struct td_err **err);
/* `diff`: the container's A/C/D lines. */
int eng_diff(struct eng_ctx *ctx, const char *id, struct td_err **err);
/* `events`: the event log filtered (docker's keys; values of one key or-ed), from --since (or
 * from now) and followed until interrupted, or until --until has passed. */
struct eng_events_opts {
  const char *since, *until; /* docker's timestamps; NULL = none */
  char **filters;            /* key=value */
  const char *format;        /* Go template; NULL = docker's line */
};
int eng_events(struct eng_ctx *ctx, const struct eng_events_opts *o, struct td_err **err);
/* `info` and `version`. */
int eng_info(struct eng_ctx *ctx, const char *format, struct td_err **err);
int eng_version(struct eng_ctx *ctx, const char *format, struct td_err **err);

/* The monitor's entry point when tinydocker re-enters itself (internal). */
int eng_monitor_main(struct eng_ctx *ctx, const char *id, int sockfd);
/* tinydocker-monitor execs `tinydocker __monitor-resume FD` when the container exited: go on
 * as the monitor with the state in FD (record the exit, clean up, restart). */
int eng_monitor_resume(int state_fd);
/* `tinydocker __health-check ROOT RUN_ROOT ID INIT_PID INIT_START MONITOR_PID` (argv from ROOT
 * on): a container's health checker, spawned by its monitor (engine/monitor/health.c). */
int eng_health_main(char **argv);
/* Let this command adopt the containers it finds running without a monitor (killed): an
 * adopter process takes the monitor's place (engine/monitor/adopt.c). The CLI calls it. */
void eng_enable_adoption(void);
/* The adopter's entry (a fork of the command that found the container). */
int eng_monitor_adopt(struct eng_ctx *ctx, const char *id);
