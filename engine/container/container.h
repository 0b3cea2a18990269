/* engine/container: one container's existence. The store (a record per container, names,
 * locks), create (docker's defaults + the request + the image -> a record and an OCI bundle),
 * the runtime context, rootfs and image hold, teardown and removal (rm, --rm through the
 * trash, crash recovery), `-u` users resolved inside the rootfs, the engine context.
 * Calls down only: image/, net/, runtime/, util/, engine/parse.
 *
 * The store: <root>/containers/<id>/ holds config.json (the OCI bundle),
 * container.json (the engine record, docker's inspect shape plus a private "Td" object),
 * rootfs/ (overlay mount point), logs, hostname, hosts, resolv.conf.
 * <root>/containers/names/<name> is a symlink to the id: creating it is the atomic name
 * reservation, so two concurrent `run --name x` cannot both win. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine/engine.h"
#include "runtime/core/runtime.h"
#include "util/err.h"

#define STORE_RECORD "container.json"
#define STORE_PS_RECORD "ps.json" /* the fields ps needs, written with every record */
#define HEALTH_FILE "health.json" /* State.Health, kept apart (engine/container/healthfile.c) */

/* A new random 64-hex id (getrandom). */
char *store_new_id(void);
/* A docker-like random name ("eager_turing"). */
char *store_random_name(void);
/* <root>/containers/<id> */
char *store_dir(const struct eng_ctx *ctx, const char *id);
/* Reserve name for id; fails with docker's conflict message if taken by a live record. */
int store_name_reserve(const struct eng_ctx *ctx, const char *name, const char *id,
                       struct td_err **err);
/* Release name if it still points at id. */
void store_name_release(const struct eng_ctx *ctx, const char *name, const char *id);
/* Name (without '/') -> id; NULL if none. */
char *store_name_lookup(const struct eng_ctx *ctx, const char *name);
/* The name that points at id (scanning the names dir), or NULL. */
char *store_name_of(const struct eng_ctx *ctx, const char *id);
/* Record who is creating the container (pid + start time), so a crash shows as "dead". */
void store_mark_creator(const struct eng_ctx *ctx, const char *id);
/* Resolve a name / id / unique id prefix; docker's "No such container" otherwise. */
int store_lookup(const struct eng_ctx *ctx, const char *ref, char **id, struct td_err **err);
/* Ids of every container (unsorted). */
int store_list(const struct eng_ctx *ctx, char ***ids, struct td_err **err);
/* The container record (engine/container/record.c): <root>/containers/<id>/container.json is
 * docker's inspect document plus a private "Td" object. It is read and written in one place,
 * record.c, whose two schema functions map every JSON path the engine uses to a typed field
 * below; engine code reads and sets these fields, never the JSON. doc is the parsed document:
 * what `inspect` prints, and the keys the engine does not model, kept as they are so that a
 * load and a save change nothing else. Adding a field: a member here, one line in each of
 * record.c's two schema functions (load and save), a check in container/test_record.c. */
struct net_port;
struct net_attach_result;
struct ctr_state {
  char *status; /* created, running, paused, restarting, exited, dead */
  bool running, paused, restarting, oom_killed, dead;
  pid_t pid;
  int exit_code;
  char *error, *started_at, *finished_at;
  char *health; /* State.Health.Status, read from health.json by ps (not in container.json) */
};
struct ctr_port_binding { /* NetworkSettings.Ports: key "80/tcp" -> [{HostIp, HostPort}] */
  char *key, *host_ip, *host_port;
};
struct ctr_endpoint { /* NetworkSettings.Networks[network] */
  char *network, *network_id, *ip, *gateway, *mac;
  int prefix;
  char **aliases; /* NULL: JSON null */
};
struct ctr_net {
  char *ip, *gateway, *mac;
  int prefix;
  struct ctr_port_binding *ports;
  size_t n_ports;
  struct ctr_endpoint *nets;
  size_t n_nets;
};
struct ctr_record {
  json_t *doc;               /* the inspect document (see above) */
  char *id, *created, *name; /* name with docker's leading '/' */
  char *path, **args;        /* the process: Path and Args */
  char *image;               /* the image id */
  char *hosts_path, *log_path;
  /* ResolvConfPath and HostnamePath; these and HostsPath are "" until the first start */
  char *resolv_conf_path, *hostname_path;
  int restart_count;
  struct ctr_state state;
  struct {
    char *hostname, *image, *stop_signal; /* image: as the user wrote it */
    bool tty, open_stdin, stdin_once;
    int stop_timeout;  /* -1: none (Config.StopTimeout absent) */
    char **labels;     /* "key=value", in the document's order */
    char *mac_address; /* --mac-address */
    struct {           /* Config.Healthcheck (absent: all zero); durations in ns */
      char **test;     /* ["CMD-SHELL", cmd], ["CMD", args...], ["NONE"] or NULL */
      uint64_t interval, timeout, start_period;
      int retries;
    } health;
  } config;
  struct {
    char *network_mode, *restart_policy; /* RestartPolicy.Name */
    char *ipc_mode, *pid_mode;           /* container:<id> joins (engine/container/nsmode.c) */
    int restart_max;                     /* RestartPolicy.MaximumRetryCount */
    bool auto_remove;                    /* --rm */
    char *log_max_size, *log_max_file;   /* LogConfig.Config */
    char **links;                        /* Links: "/other:/me/alias" (--link) */
    char *runtime;                       /* Runtime: --runtime name, NULL/"tinyrun" = core */
  } host;
  struct ctr_net net;                       /* NetworkSettings, written once attached */
  struct {                                  /* "Td": the engine's own */
    char *rootfs, *image_ref, *ip;          /* ip: --ip */
    bool rootfs_is_dir;                     /* --rootfs */
    char **publish, **aliases, **add_hosts; /* -p as given, --network-alias, --add-host */
    char **uid_map, **gid_map; /* --userns-remap: "0 100000 65536" lines (container/userns.c) */
    struct net_port *ports;    /* publish, parsed once at load */
    size_t n_ports;
    struct td_err *ports_err; /* why publish did not parse (the monitor says) */
    pid_t monitor_pid;
    uint64_t monitor_start, init_start; /* start times (proc_starttime) */
  } td;
};
/* A record from a parsed document (takes the reference). Never fails: what is absent or of
 * another type reads as NULL / 0 / false, as before. */
struct ctr_record *record_from_json(json_t *doc);
/* The typed fields written back into rec->doc, which is returned (borrowed). Keys the record
 * had keep their place; an absent one is added only when its value is not the default. */
json_t *record_to_json(struct ctr_record *rec);
/* Free a record (NULL is fine). */
void record_free(struct ctr_record *rec);
#define autorecord __attribute__((cleanup(record_freep)))
void record_freep(struct ctr_record **rec);
/* docker's ResolvConfPath, HostnamePath and HostsPath, set by a start that got past joining
 * the namespaces (engine/container/etcpaths.c): the container's own files, or X's for
 * --network container:X. A record that has them (a start's, an older engine's) keeps them. */
void eng_etc_paths_fill(const struct eng_ctx *ctx, struct ctr_record *rec);
/* The container's /etc/hosts on the host: HostsPath, or its own file before any start. */
char *eng_hosts_file(const struct eng_ctx *ctx, const struct ctr_record *rec);
/* A network connected while the container is not running: an endpoint without addresses, last
 * (the start attaches it, in this order). */
void record_add_pending(struct ctr_record *r, const char *network, char *const *aliases);
/* The record of a directory whose record is missing (shown as "dead"). */
struct ctr_record *record_dead(const char *id, const char *name);
/* Set the network fields from an attach: the addresses, ports and the one endpoint
 * (replace) or one more endpoint. */
void record_set_attached(struct ctr_record *rec, const struct net_attach_result *res,
                         char *const *aliases, bool replace);
/* The endpoint on network name, or NULL. */
struct ctr_endpoint *record_endpoint(struct ctr_record *rec, const char *name);
/* Remove the endpoint on network name; false if there was none. */
bool record_drop_endpoint(struct ctr_record *rec, const char *name);
/* The value of label key, or NULL. */
const char *record_label(const struct ctr_record *rec, const char *key);
/* Load a record (no refresh). */
int record_load(const struct eng_ctx *ctx, const char *id, struct ctr_record **rec,
                struct td_err **err);
/* Write a file of the container dir atomically against crashes of our processes (temp file +
 * rename) but without fsync: that only guards against a host power loss, after which the
 * runtime state in /run and every container process are gone anyway, and the record is
 * re-read as "exited". It saves ~2 ms per file on the hot path. */
int store_write(const char *path, const void *buf, size_t len, mode_t mode, struct td_err **err);
/* Same for JSON. */
int store_write_json(const char *path, json_t *j, mode_t mode, struct td_err **err);
/* The part of a record's document that `ps` uses, in the same shape (new reference). */
json_t *store_summary(json_t *doc);
/* Write a record atomically (and its `ps` summary). */
int record_save(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                struct td_err **err);
/* A name's symlink holds its container's id in base64url (engine/container/store.c says why): 64
 * hex digits <-> 43 characters; false for anything else (a 64-hex target of an older store). */
#define STORE_LINK_ID_LEN 43
bool store_id_to_link(const char *id, char out[STORE_LINK_ID_LEN + 1]);
bool store_link_to_id(const char *link, char out[65]);
/* Documents kept in this process's memory for its next use of the same id, one per slot:
 * the record run's create just saved (its start reads it back) and the one start hands its
 * monitor (a fork); the config.json create wrote, which the monitor starts the container from
 * (~0.5 ms of jansson each, instead of a read and a parse of the file). put takes a
 * reference; take hands it over once (NULL if another id or none). */
enum store_cache_slot { STORE_CACHE_RECORD, STORE_CACHE_SPEC, STORE_CACHE_SLOTS };
void store_cache_put(enum store_cache_slot slot, const char *id, json_t *doc);
json_t *store_cache_take(enum store_cache_slot slot, const char *id);
/* Take the container's lock (for read-modify-write of its record); returns the fd. */
int store_lock(const struct eng_ctx *ctx, const char *id, struct td_err **err);
/* Take the store-wide lock (creating / removing containers); returns the fd. */
int store_lock_all(const struct eng_ctx *ctx, struct td_err **err);
/* Fix up State in rec when the monitor is gone (true status after a crash); returns true
 * if rec changed. Reads /proc only. A container whose init outlived its monitor stays
 * running (an adopter takes it over: engine/monitor/adopt.c); one whose init is gone as well
 * reads as exited, ExitCode 255 and State.Error STORE_ERR_EXIT_LOST (nobody heard the exit). */
bool store_refresh_state(struct ctr_record *rec);
#define STORE_ERR_EXIT_LOST                                                                        \
  "the container's monitor was killed before the container ended: its exit code is lost"
#define STORE_ERR_NO_RESTART "the container's monitor was killed before the restart"
/* Whether rec says running, paused or restarting while its monitor is gone (killed). */
bool store_monitor_gone(const struct ctr_record *rec);
/* A container whose monitor is gone was seen (by eng_load_refreshed or ps): the CLI sets this
 * to start an adopter (engine/monitor/adopt.c, eng_enable_adoption); NULL elsewhere. */
extern void (*eng_orphan_hook)(const struct eng_ctx *ctx, const char *id);
/* Whether pid is alive and still the process that started at starttime (0 = don't check). */
bool proc_alive(pid_t pid, uint64_t starttime);
/* Field 22 of /proc/<pid>/stat, 0 if the process is gone. */
uint64_t proc_starttime(pid_t pid);

/* A container's uid/gid as the host's (to_host) or back, under the record's --userns-remap maps
 * (engine/container/userns.c): unchanged without remapping; an id outside the maps is 65534
 * (nobody) on the container's side. For cp, whose files cross the mapping. */
void eng_remap_id(const struct ctr_record *rec, bool to_host, uid_t *uid, gid_t *gid);

/* Resolving `-u user[:group]` through the image's /etc/passwd and /etc/group, read inside
 * the container rootfs with openat2(RESOLVE_IN_ROOT) so a symlinked /etc/passwd cannot point
 * at the host's. */
struct eng_user {
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* supplementary groups */
  size_t n_groups;
  char *home; /* from passwd, or NULL */
};

/* Resolve spec ("", "1000", "1000:1000", "nobody", "app:staff") against rootfs. */
int eng_user_resolve(const char *rootfs, const char *spec, struct eng_user *out,
                     struct td_err **err);
/* Another container's namespaces joined (--network/--ipc/--pid container:X), resolved at
 * every start: engine/container/nsmode.c. */
enum { ENG_NS_NET, ENG_NS_IPC, ENG_NS_PID, ENG_NS_JOINS };
struct eng_ns_hold {
  int pidfd[ENG_NS_JOINS]; /* the other init, pinned; -1 = no join */
  pid_t pid[ENG_NS_JOINS];
  char *who[ENG_NS_JOINS]; /* its container id */
};
void eng_ns_hold_init(struct eng_ns_hold *h);
void eng_ns_hold_clear(struct eng_ns_hold *h);
/* The record's container: joins into the spec's namespace paths (*spec NULL: dir's
 * config.json is read), each target checked running (IPC: shareable) and pinned in h; the
 * config.json rewritten. Nothing to do (0) without a join. */
int eng_ns_joins_start(const struct eng_ctx *ctx, const struct ctr_record *rec, const char *dir,
                       json_t **spec, struct eng_ns_hold *h, struct td_err **err);
/* After the runtime joined: an error if a pinned init exited meanwhile (its pid may have been
 * another process's when the runtime opened /proc/PID/ns). */
int eng_ns_hold_check(const struct eng_ns_hold *h, struct td_err **err);
/* --ipc container:X: X's /dev/shm over this container's (ypid, its init, created and not
 * started; ymntns its mount namespace), as docker binds X's shm directory. */
int eng_ns_share_shm(const struct eng_ns_hold *h, pid_t ypid, int ymntns, struct td_err **err);

/* Free what a user holds. */
void eng_user_clear(struct eng_user *u);
/* --group-add: each name through rootfs's /etc/group, each number as it is (docker's range
 * 0-2147483647), appended to u's supplementary groups once. */
int eng_user_add_groups(const char *rootfs, char *const *names, struct eng_user *u,
                        struct td_err **err);
/* Open path inside root (openat2 RESOLVE_IN_ROOT); -1 with errno on failure. */
int eng_open_in_root(int rootfd, const char *path, int flags);

/* The services every command shares about one container (container.c, trash.c). */
/* The runtime context for the engine's containers. */
void eng_rt_ctx(const struct eng_ctx *ctx, struct rt_ctx *rt);
/* Mount the container's rootfs again (start after stop); no-op for --rootfs dirs. */
int eng_rootfs_mount(const struct eng_ctx *ctx, struct ctr_record *rec, struct td_err **err);
/* Unmount the container's rootfs if it is mounted (idempotent). */
void eng_rootfs_umount(const struct eng_ctx *ctx, struct ctr_record *rec);
/* Release the image's hold on the container (layers refcount), at rm. */
void eng_image_release(const struct eng_ctx *ctx, struct ctr_record *rec);
/* The runtime state, cgroups (a runtime's leftover too) and network of a container that is
 * not running. Idempotent. */
void eng_teardown_runtime(const struct eng_ctx *ctx, const char *id, bool net);
/* The container's cgroupsPath from its bundle (in the store or the trash; --cgroup-parent
 * moves it), else the default /tinydocker/<id>: engine/container/bundle_resources.c. */
char *bundle_cgroups_path(const struct eng_ctx *ctx, const char *id);
/* Before a start: the runtime state of a container its record says is not running, left by a
 * monitor killed between rt_create and recording the start (the init waits on the exec fifo,
 * reparented away from any monitor), is torn down (runtime, cgroup, network endpoint); a
 * state whose init's parent is a live monitor (a start in progress) is kept. */
void eng_clear_stale_runtime(const struct eng_ctx *ctx, const char *id);
/* Whether a network mode gives the container endpoints of its own (NULL: the default
 * network does): not none/host/container:X (`network connect` refuses those, as docker
 * does), so they publish no ports and their removal skips the network store. */
bool eng_mode_has_endpoints(const char *mode);
/* The same for a container's record (HostConfig.NetworkMode). */
bool eng_net_endpoints(struct ctr_record *rec);
/* Remove everything of a stopped container: runtime state, cgroup, network, rootfs mount,
 * name, directory. Idempotent; used by rm, --rm and crash recovery. */
int eng_cleanup_container(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                          bool remove_record, bool remove_volumes, struct td_err **err);
/* Release what names the container to other commands: its name, image hold and (with
 * remove_volumes, or --rm) anonymous volumes. Part of every removal. */
void eng_unpublish(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                   bool remove_volumes);
/* --rm, first half (engine/container/trash.c): the network endpoint released (the host veths to
 * delete in *unplug, net_release), the rootfs unmounted, unpublished, the store directory
 * renamed into <root>/trash; the caller holds its lock. */
int eng_trash_move(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                   char ***unplug, struct td_err **err);
/* --rm, second half: runtime state, cgroups and files of a trash entry. */
void eng_trash_finish(const struct eng_ctx *ctx, const char *id, bool rootfs_is_dir, bool net);
/* Finish the trash entries whose remover died (their lock is free), and remove the container
 * directories without a record whose creator died (a create killed half way). */
void eng_trash_sweep(const struct eng_ctx *ctx);
/* Load a record and refresh its state from the kernel. */
int eng_load_refreshed(const struct eng_ctx *ctx, const char *id, struct ctr_record **rec,
                       struct td_err **err);
/* The short (12 hex) form of an id, in buf (>= 13 bytes). */
const char *eng_short_id(const char *id, char *buf);
/* Host CPU count. */
int eng_ncpu(void);
/* Append a container event (engine/container/event.c): its image, name and labels as docker's
 * attributes, then the pairs given (key, value, ..., NULL). rec NULL: loaded from the store. */
void eng_event(const struct eng_ctx *ctx, const char *id, const struct ctr_record *rec,
               const char *action, ...) __attribute__((sentinel));

/* The OCI spec of a build step (engine/build: a RUN), with docker's defaults as for a
 * container: capabilities, seccomp, masked and read-only paths, /dev; the hostname, hosts and
 * resolv.conf written into dir. argv runs as imgcfg's User in its WorkingDir with its Env plus
 * env; network is "none" or "host". No record, no name, no volumes (build_spec.c). */
struct eng_remap;
struct eng_build_spec_req {
  const char *id, *dir, *rootfs;
  json_t *imgcfg; /* the image config's "config" object so far */
  char **argv, **env;
  const char *network;
  const struct eng_remap *remap; /* NULL, or the step runs remapped (eng_build_remap_new) */
};
int eng_build_spec(const struct eng_ctx *ctx, const struct eng_build_spec_req *r, json_t **out,
                   struct td_err **err);
/* --userns-remap for a build's RUN steps (engine/build; userns.c): the maps of ctx's
 * remapping, resolved as `run` resolves them, or *out NULL when remapping is off. docker's
 * refusal of the host's network namespace (network "host"). */
int eng_build_remap_new(const struct eng_ctx *ctx, const char *network, struct eng_remap **out,
                        struct td_err **err);
void eng_build_remap_free(struct eng_remap *r);
/* The host ids of container ids uid and gid (ids outside the maps: the container's 65534). */
void eng_build_remap_ids(const struct eng_remap *r, uid_t *uid, gid_t *gid);
/* A user namespace fd holding r's maps (the idmapped layers of a step's overlay). */
int eng_build_remap_userns(const struct eng_remap *r, struct td_err **err);
/* The remapped root reaches work (a build's work dir, below ctx->root/builds) from inside its
 * user namespace: the store root and builds/ 0710 of its group, work 0711. */
int eng_build_remap_dirs(const struct eng_ctx *ctx, const struct eng_remap *r, const char *work,
                         struct td_err **err);
/* "U.G" of the remapped root's host ids (docker's per-remapping dir name, 100000.100000). */
char *eng_build_remap_tag(const struct eng_remap *r);
/* The maps as a tar writer's shift (image/tarwrite.h): host ids back to container ids. */
struct tar_idshift;
void eng_build_remap_shift(const struct eng_remap *r, struct tar_idshift *s);
/* HostConfig as docker 20.10 prints it for `run IMAGE` without flags: its keys in its order
 * with its zero values (engine/container/create_record.c; inspect fills older records from it). */
json_t *eng_host_config_defaults(void);

/* Health (engine/container/healthfile.c): State.Health in <id>/health.json, written by the
 * monitor at a start and by the health checker (engine/monitor/health.c) after each probe. */
/* Whether Config.Healthcheck has a test to run (not absent, not ["NONE"]). */
bool health_configured(const struct ctr_record *rec);
/* The container's State.Health object, or NULL (no check, or never started). */
json_t *health_load(const struct eng_ctx *ctx, const char *id);
/* Write it atomically. */
int health_save(const struct eng_ctx *ctx, const char *id, json_t *h, struct td_err **err);
/* rec->state.health from the file, for a record whose config has a check (ps). */
void health_fill(const struct eng_ctx *ctx, struct ctr_record *rec);
