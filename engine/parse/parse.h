/* engine/parse: pure parsers for docker's flag values: sizes, durations, cpus, cpusets, ulimits,
 * restart policies, env files, -v / --mount / --tmpfs / --device specs. No side effects besides
 * reading an env file. Errors say which value was wrong, in docker's words.
 * Used by the CLI and every engine room; calls only util/.
 *
 * Detach keys (`--detach-keys`, docker's format "ctrl-p,ctrl-q"): parsing (detach.c, in the
 * CLI), and the scanner an attached terminal's input goes through (detach_scan.c: no libc
 * calls, no allocation, so the monitor's idle loop can use it wherever it
 * lives). The CLI sends the parsed bytes to the monitor (detach_keys_to_wire). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* "100m", "1g", "512k", "10b", "1.5GB", "1024" -> bytes (docker's RAMInBytes). */
int eng_parse_size(const char *s, int64_t *out, struct td_err **err);
/* Go durations: "10s", "1m30s", "1.5h", "300ms", "-1s"... -> nanoseconds. */
int eng_parse_duration(const char *s, int64_t *out, struct td_err **err);
/* docker's timestamp arguments (--since/--until, filter until=): RFC 3339, unix seconds with
 * an optional fraction, or a Go duration before now_ns ("10m"). */
int eng_parse_timestamp(const char *s, int64_t now_ns, int64_t *out, struct td_err **err);
/* --cpus "1.5" -> nano cpus (1500000000); must be >= 0 and <= ncpu (0 = don't check). */
int eng_parse_cpus(const char *s, int ncpu, int64_t *nanocpus, struct td_err **err);
/* The CFS quota for nano cpus with the given period (docker: period 100000). */
int64_t eng_cpus_quota(int64_t nanocpus, uint64_t period);
/* Validate a cpuset list "0-2,4"; every cpu must be < max (0 = don't check). */
int eng_parse_cpuset(const char *s, int max, struct td_err **err);

struct eng_ulimit {
  int resource;     /* RLIMIT_* */
  const char *name; /* "nofile" (static) */
  uint64_t soft, hard;
};
/* "nofile=1024:2048" or "nproc=512" (soft = hard). */
int eng_parse_ulimit(const char *s, struct eng_ulimit *out, struct td_err **err);
/* RLIMIT_* name for OCI ("RLIMIT_NOFILE") of a resource number. */
const char *eng_rlimit_oci_name(int resource);

enum eng_restart_mode { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };
struct eng_restart {
  enum eng_restart_mode mode;
  int max_retries; /* on-failure:N; 0 = unlimited */
};
/* "no", "on-failure[:N]", "always", "unless-stopped". */
int eng_parse_restart(const char *s, struct eng_restart *out, struct td_err **err);
/* docker's name of a mode ("on-failure"). */
const char *eng_restart_name(enum eng_restart_mode m);

/* Read an env file: KEY=VALUE lines, '#' comments and blank lines skipped, a bare KEY takes
 * the value from our environment (skipped if unset). Appends to *env. */
int eng_parse_env_file(const char *path, char ***env, struct td_err **err);
/* Parse the content of an env file (same rules), for tests. */
int eng_parse_env_text(const char *text, const char *name, char ***env, struct td_err **err);

enum eng_mount_type { MOUNT_BIND, MOUNT_VOLUME, MOUNT_TMPFS };
struct eng_mount {
  enum eng_mount_type type;
  char *source; /* host path (bind), volume name (volume; NULL = anonymous), NULL (tmpfs) */
  char *target; /* absolute path in the container */
  bool readonly;
  char *propagation;   /* "rprivate", ... or NULL */
  int64_t tmpfs_size;  /* 0 = default */
  uint32_t tmpfs_mode; /* 0 = default */
  char *tmpfs_opts;    /* raw options for --tmpfs (",size=..") or NULL */
  bool nocopy;
  bool create_source; /* -v: a missing host directory is made (docker); --mount refuses */
};
/* Free what a mount holds. */
void eng_mount_clear(struct eng_mount *m);
/* -v [SRC:]DST[:OPTS] (SRC absolute = bind, else a volume name; none = anonymous volume). */
int eng_parse_volume(const char *s, struct eng_mount *out, struct td_err **err);
/* --mount type=bind|volume|tmpfs,source=..,target=..,readonly,... */
int eng_parse_mount(const char *s, struct eng_mount *out, struct td_err **err);
/* --tmpfs /path[:opts] */
int eng_parse_tmpfs(const char *s, struct eng_mount *out, struct td_err **err);

struct eng_device {
  char *host;      /* /dev/sda */
  char *container; /* defaults to host */
  char perms[4];   /* subset of "rwm", default "rwm" */
};
/* --device HOST[:CONTAINER[:PERMS]] */
int eng_parse_device(const char *s, struct eng_device *out, struct td_err **err);
/* Free what a device holds. */
void eng_device_clear(struct eng_device *d);

/* docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is dropped). */
bool eng_valid_name(const char *name);
/* "KEY=VALUE" for --label/--sysctl; a bare KEY gets "" as value. */
int eng_parse_kv(const char *s, char **key, char **value, struct td_err **err);
/* --sysctl KEY=VALUE by docker's CLI rule: only the sysctls of a namespace a container has of
 * its own (IPC: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*; net.*), each a name of
 * dot-separated plain components; anything else is the host's ("sysctl '...' is not
 * whitelisted"). Whether the container really has that namespace is create's check. */
int eng_parse_sysctl(const char *s, char **key, char **value, struct td_err **err);

#define DETACH_KEYS_MAX 16
#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

struct detach_keys {
  unsigned char seq[DETACH_KEYS_MAX];
  unsigned char len; /* 0: no detach keys */
  unsigned char pos; /* bytes of seq matched so far (held back, not passed on yet) */
};

/* Parse docker's key list: comma-separated single characters or ctrl-<a-z @ [ \ ] ^ _>.
 * NULL or "" gives the default (ctrl-p,ctrl-q). One-line error for anything else. */
int detach_keys_parse(const char *spec, struct detach_keys *k, struct td_err **err);
/* Into / from the text of a MON_ATTACH message: text[0] = length, text[1..] the bytes.
 * from_wire with text NULL (or a bad length) gives no detach keys. */
void detach_keys_to_wire(const struct detach_keys *k, char *text);
void detach_keys_from_wire(struct detach_keys *k, const char *text);
/* Pass n input bytes through the scanner: what goes on to the container is written to out
 * (room for n + DETACH_KEYS_MAX bytes), its length to *nout. A partial sequence is held back
 * until the next byte tells; a byte that breaks it releases the held bytes. Returns true when
 * the whole sequence was typed: the bytes before it are in out, those after it are dropped. */
bool detach_keys_scan(struct detach_keys *k, const char *in, size_t n, char *out, size_t *nout);

/* issue 16's resource flags (engine/parse/resources.c), docker's validation and messages. */
/* --device-read-bps/--device-write-bps (bytes: a size with an optional kb/mb/gb unit),
 * --device-read-iops/--device-write-iops (a plain number) and --blkio-weight-device (a weight,
 * 0 or 10..1000): DEVICE:VALUE, the device a path under /dev/. */
enum eng_blkio_kind { BLKIO_BPS, BLKIO_IOPS, BLKIO_WEIGHT };
struct eng_blkio_dev {
  char *path;     /* /dev/vda */
  uint64_t value; /* bytes/s, io/s or weight */
};
struct eng_blkio_list {
  struct eng_blkio_dev *v;
  size_t n;
};
int eng_parse_blkio_dev(const char *s, enum eng_blkio_kind kind, struct eng_blkio_dev *out,
                        struct td_err **err);
/* Free what a list holds. */
void eng_blkio_list_clear(struct eng_blkio_list *l);
/* --device-cgroup-rule: docker's "^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$". */
struct eng_dev_rule {
  char type;            /* 'a', 'b' or 'c' */
  int64_t major, minor; /* -1 = '*' */
  char access[4];
};
int eng_parse_dev_rule(const char *s, struct eng_dev_rule *out, struct td_err **err);
/* --cgroup-parent: the container's cgroup path below the hierarchy's root, docker's
 * filepath.Join(parent, id) cleaned as runc's CleanPath does: rooted, "." and "" dropped, ".."
 * never above the root (so "../../x" is "/x"). NULL or "" parent: "/<dflt>/<id>". */
char *eng_cgroup_path(const char *parent, const char *dflt, const char *id);
