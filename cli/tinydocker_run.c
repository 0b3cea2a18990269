/* run, create, start: argv -> struct eng_run_req, every value checked before the engine
 * creates anything. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "cli/run_flags.h"
#include "engine/parse/parse.h"
#include "engine/engine.h"
#include "image/image.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* issue 16's flags (cli/run_flags.c), in one group for easy merges */
#define RUN_FLAGS16_OPTS                                                                             \
  {0, "cidfile", OPT_STR, "string", "Write the container ID to the file", NULL},                     \
      {0, "dns-option", OPT_LIST, "list", "Set DNS options", NULL},                                  \
      {0, "expose", OPT_LIST, "list", "Expose a port or a range of ports", NULL},                    \
      {0, "label-file", OPT_LIST, "list", "Read in a line delimited file of labels", NULL},          \
      {0, "link", OPT_LIST, "list", "Add link to another container", NULL},                          \
      {0,   "mac-address", OPT_STR, "string", "Container MAC address (e.g., 92:d0:c6:0a:29:33)",     \
       NULL},                                                                                        \
      {0, "platform", OPT_STR, "string", "Set platform if server is multi-platform capable", NULL},  \
      {0,   "runtime", OPT_STR, "string", "Runtime to use for this container (tinyrun, runc, crun)", \
       NULL},                                                                                        \
  {                                                                                                  \
    0, "volumes-from", OPT_LIST, "list", "Mount volumes from the specified container(s)", NULL       \
  }

#define RUN_OPTS                                                                                    \
  RUN_FLAGS16_OPTS, {'a', "attach", OPT_LIST, "list", "Attach to STDIN, STDOUT or STDERR", NULL},   \
      {0, "add-host", OPT_LIST, "list", "Add a custom host-to-IP mapping (host:ip)", NULL},         \
      {0,                                                                                           \
       "blkio-weight",                                                                              \
       OPT_STR,                                                                                     \
       "uint16",                                                                                    \
       "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)",              \
       NULL},                                                                                       \
      {0, "cap-add", OPT_LIST, "list", "Add Linux capabilities", NULL},                             \
      {0, "cgroupns", OPT_STR, "string", "Cgroup namespace to use", NULL},                          \
      {0, "cap-drop", OPT_LIST, "list", "Drop Linux capabilities", NULL},                           \
      {0, "cpu-period", OPT_STR, "int", "Limit CPU CFS (Completely Fair Scheduler) period", NULL},  \
      {0,                                                                                           \
       "cpu-quota",                                                                                 \
       OPT_STR,                                                                                     \
       "int",                                                                                       \
       "Limit CPU CFS (Completely Fair Scheduler) quota",                                           \
       "cpu-cfs-quota"},                                                                            \
      {'c', "cpu-shares", OPT_STR, "int", "CPU shares (relative weight)", "cpu-share"},             \
      {0, "cpus", OPT_STR, "decimal", "Number of CPUs", NULL},                                      \
      {0, "cpuset-cpus", OPT_STR, "string", "CPUs in which to allow execution (0-3, 0,1)", NULL},   \
      {0, "cpuset-mems", OPT_STR, "string", "MEMs in which to allow execution (0-3, 0,1)", NULL},   \
      {0, "device", OPT_LIST, "list", "Add a host device to the container", NULL},                  \
      {0, "dns", OPT_LIST, "list", "Set custom DNS servers", NULL},                                 \
      {0, "dns-search", OPT_LIST, "list", "Set custom DNS search domains", NULL},                   \
      {0, "entrypoint", OPT_STR, "string", "Overwrite the default ENTRYPOINT of the image", NULL},  \
      {'e', "env", OPT_LIST, "list", "Set environment variables", NULL},                            \
      {0, "env-file", OPT_LIST, "list", "Read in a file of environment variables", NULL},           \
      {0, "domainname", OPT_STR, "string", "Container NIS domain name", NULL},                      \
      {0, "group-add", OPT_LIST, "list", "Add additional groups to join", NULL},                    \
      {0, "health-cmd", OPT_STR, "string", "Command to run to check health", NULL},                 \
      {0,   "health-interval", OPT_STR, "duration", "Time between running the check (ms|s|m|h)",    \
       NULL},                                                                                       \
      {0,   "health-retries", OPT_STR, "int", "Consecutive failures needed to report unhealthy",    \
       NULL},                                                                                       \
      {0,                                                                                           \
       "health-start-period",                                                                       \
       OPT_STR,                                                                                     \
       "duration",                                                                                  \
       "Start period for the container to initialize before starting health-retries countdown "     \
       "(ms|s|m|h)",                                                                                \
       NULL},                                                                                       \
      {0,                                                                                           \
       "health-timeout",                                                                            \
       OPT_STR,                                                                                     \
       "duration",                                                                                  \
       "Maximum time to allow one check to run (ms|s|m|h)",                                         \
       NULL},                                                                                       \
      {'h', "hostname", OPT_STR, "string", "Container host name", NULL},                            \
      {0,                                                                                           \
       "init",                                                                                      \
       OPT_BOOL,                                                                                    \
       NULL,                                                                                        \
       "Run an init inside the container that forwards signals and "                                \
       "reaps processes",                                                                           \
       NULL},                                                                                       \
      {'i', "interactive", OPT_BOOL, NULL, "Keep STDIN open even if not attached", NULL},           \
      {0, "ip", OPT_STR, "string", "IPv4 address (e.g., 172.30.100.104)", NULL},                    \
      {0, "ipc", OPT_STR, "string", "IPC mode to use", NULL},                                       \
      {'l', "label", OPT_LIST, "list", "Set meta data on a container", NULL},                       \
      {0, "log-driver", OPT_STR, "string", "Logging driver for the container (json-file)", NULL},   \
      {0, "log-opt", OPT_LIST, "list", "Log driver options (max-size, max-file)", NULL},            \
      {'m', "memory", OPT_STR, "bytes", "Memory limit", NULL},                                      \
      {0, "memory-reservation", OPT_STR, "bytes", "Memory soft limit", NULL},                       \
      {0,                                                                                           \
       "memory-swap",                                                                               \
       OPT_STR,                                                                                     \
       "bytes",                                                                                     \
       "Swap limit equal to memory plus swap: '-1' to enable "                                      \
       "unlimited swap",                                                                            \
       NULL},                                                                                       \
      {0, "mount", OPT_LIST, "mount", "Attach a filesystem mount to the container", NULL},          \
      {0, "name", OPT_STR, "string", "Assign a name to the container", NULL},                       \
      {0,                                                                                           \
       "network",                                                                                   \
       OPT_STR,                                                                                     \
       "network",                                                                                   \
       "Connect a container to a network (none, host, bridge, "                                     \
       "NAME)",                                                                                     \
       "net"},                                                                                      \
      {0, "network-alias", OPT_LIST, "list", "Add network-scoped alias for the container", NULL},   \
      {0, "no-healthcheck", OPT_BOOL, NULL, "Disable any container-specified HEALTHCHECK", NULL},   \
      {0, "oom-kill-disable", OPT_BOOL, NULL, "Disable OOM Killer", NULL},                          \
      {0, "pid", OPT_STR, "string", "PID namespace to use", NULL},                                  \
      {0, "pids-limit", OPT_STR, "int", "Tune container pids limit (set -1 for unlimited)", NULL},  \
      {0, "privileged", OPT_BOOL, NULL, "Give extended privileges to this container", NULL},        \
      {'p', "publish", OPT_LIST, "list", "Publish a container's port(s) to the host", NULL},        \
      {'P', "publish-all", OPT_BOOL, NULL, "Publish all exposed ports to random ports", NULL},      \
      {0,                                                                                           \
       "pull",                                                                                      \
       OPT_STR,                                                                                     \
       "string",                                                                                    \
       "Pull image before running (\"always\"|\"missing\"|\"never\") (default \"missing\")",        \
       NULL},                                                                                       \
      {0, "read-only", OPT_BOOL, NULL, "Mount the container's root filesystem as read only", NULL}, \
      {0, "restart", OPT_STR, "string", "Restart policy to apply when a container exits", NULL},    \
      {0, "rm", OPT_BOOL, NULL, "Automatically remove the container when it exits", NULL},          \
      {0,   "rootfs", OPT_STR, "dir", "Use a plain directory as the root filesystem (no image)",    \
       NULL},                                                                                       \
      {0,                                                                                           \
       "security-opt",                                                                              \
       OPT_LIST,                                                                                    \
       "list",                                                                                      \
       "Security Options (seccomp=FILE|unconfined, "                                                \
       "no-new-privileges)",                                                                        \
       NULL},                                                                                       \
      {0, "shm-size", OPT_STR, "bytes", "Size of /dev/shm", NULL},                                  \
      {0, "stop-signal", OPT_STR, "string", "Signal to stop the container", NULL},                  \
      {0, "stop-timeout", OPT_STR, "int", "Timeout (in seconds) to stop a container", NULL},        \
      {0, "sysctl", OPT_LIST, "map", "Sysctl options", NULL},                                       \
      {0, "tmpfs", OPT_LIST, "list", "Mount a tmpfs directory", NULL},                              \
      {'t', "tty", OPT_BOOL, NULL, "Allocate a pseudo-TTY", NULL},                                  \
      {0, "ulimit", OPT_LIST, "ulimit", "Ulimit options", NULL},                                    \
      {0, "userns", OPT_STR, "string", "User namespace to use", NULL},                              \
      {0, "uts", OPT_STR, "string", "UTS namespace to use", NULL},                                  \
      {'u', "user", OPT_STR, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL}, \
      {'v', "volume", OPT_LIST, "list", "Bind mount a volume", NULL},                               \
  {                                                                                                 \
    'w', "workdir", OPT_STR, "string", "Working directory inside the container", NULL               \
  }

/* issue 16's resource flags (docs/cgroups.md) */
#define RUN_OPTS_RESOURCES                                                                           \
  {0, "blkio-weight-device", OPT_LIST, "list", "Block IO weight (relative device weight)", NULL},    \
      {0, "cgroup-parent", OPT_STR, "string", "Optional parent cgroup for the container", NULL},     \
      {0, "cpu-rt-period", OPT_STR, "int", "Limit CPU real-time period in microseconds", NULL},      \
      {0, "cpu-rt-runtime", OPT_STR, "int", "Limit CPU real-time runtime in microseconds", NULL},    \
      {0,   "device-cgroup-rule", OPT_LIST, "list", "Add a rule to the cgroup allowed devices list", \
       NULL},                                                                                        \
      {0,   "device-read-bps", OPT_LIST, "list", "Limit read rate (bytes per second) from a device", \
       NULL},                                                                                        \
      {0,   "device-read-iops", OPT_LIST, "list", "Limit read rate (IO per second) from a device",   \
       NULL},                                                                                        \
      {0,   "device-write-bps", OPT_LIST, "list", "Limit write rate (bytes per second) to a device", \
       NULL},                                                                                        \
      {0,   "device-write-iops", OPT_LIST, "list", "Limit write rate (IO per second) to a device",   \
       NULL},                                                                                        \
      {0, "kernel-memory", OPT_STR, "bytes", "Kernel memory limit", NULL},                           \
      {0,                                                                                            \
       "memory-swappiness",                                                                          \
       OPT_STR,                                                                                      \
       "int",                                                                                        \
       "Tune container memory swappiness (0 to 100) (default -1)",                                   \
       NULL},                                                                                        \
      {0, "oom-score-adj", OPT_STR, "int", "Tune host's OOM preferences (-1000 to 1000)", NULL},     \
  {                                                                                                  \
    0, "storage-opt", OPT_LIST, "list", "Storage driver options for the container", NULL             \
  }

static const struct opt_def run_opts[] = {
    RUN_OPTS,
    RUN_OPTS_RESOURCES,
    {'d', "detach", OPT_BOOL, NULL, "Run container in background and print container ID", NULL},
    {0, "detach-keys", OPT_STR, "string", "Override the key sequence for detaching a container",
     NULL},
    {0, "sig-proxy", OPT_BOOL, NULL, "Proxy received signals to the process (default true)", NULL},
    {0, NULL, OPT_BOOL, NULL, NULL, NULL},
};

static const struct opt_def create_opts[] = {
    RUN_OPTS,
    RUN_OPTS_RESOURCES,
    {0, NULL, OPT_BOOL, NULL, NULL, NULL},
};

static const struct cmd_info run_info = {"run", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                         "Run a command in a new container", run_opts, true};
static const struct cmd_info create_info = {"create", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                            "Create a new container", create_opts, true};

/* Everything the request points at, freed together. */
struct run_store {
  char **env;
  struct eng_ulimit *ulimits;
  struct eng_device *devices;
  size_t n_devices;
  struct eng_mount *mounts;
  size_t n_mounts;
  char **sysctls, **labels;
  struct eng_blkio_list *blkio[5]; /* in the request, cleared with it */
};

static void run_store_free(struct run_store *s)
{
  strv_free(s->env);
  free(s->ulimits);
  for (size_t i = 0; i < s->n_devices; i++)
    eng_device_clear(&s->devices[i]);
  free(s->devices);
  for (size_t i = 0; i < s->n_mounts; i++)
    eng_mount_clear(&s->mounts[i]);
  free(s->mounts);
  strv_free(s->sysctls);
  strv_free(s->labels);
  for (size_t i = 0; i < 5; i++)
    if (s->blkio[i])
      eng_blkio_list_clear(s->blkio[i]);
}

/* docker's opts.ValidateExtraHost: host:ip, the ip an IPv4/IPv6 address or host-gateway */
static int check_add_hosts(char **hosts, struct td_err **err)
{
  for (char **h = hosts; h && *h; h++) {
    const char *c = strchr(*h, ':');
    const char *ip = c ? c + 1 : "";
    unsigned char buf[sizeof(struct in6_addr)];
    if (c == NULL || c == *h)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--add-host\" flag: bad format for "
                     "add-host: \"%s\"\nSee 'tinydocker run --help'.",
                     *h, *h);
    if (strcmp(ip, "host-gateway") != 0 && inet_pton(AF_INET, ip, buf) != 1 &&
        inet_pton(AF_INET6, ip, buf) != 1)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--add-host\" flag: invalid IP address in "
                     "add-host: \"%s\"\nSee 'tinydocker run --help'.",
                     *h, ip);
  }
  return 0;
}

static int parse_int_opt(const char *flag, const char *v, int64_t *out, struct td_err **err)
{
  char *e = NULL;
  long long n = strtoll(v, &e, 10);
  if (*v == '\0' || *e != '\0')
    return err_set(err, 0,
                   "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: "
                   "parsing \"%s\": invalid syntax",
                   v, flag, v);
  *out = n;
  return 0;
}

static int size_opt(const struct cmd_info *ci, const struct opt_result *r, const char *flag,
                    int64_t *out, struct td_err **err)
{
  const char *v = opt_str(ci, r, flag);
  if (v == NULL)
    return 0;
  if (strcmp(flag, "memory-swap") == 0 && strcmp(v, "-1") == 0) {
    *out = -1;
    return 0;
  }
  if (eng_parse_size(v, out, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--%s\" flag", v, flag);
  return 0;
}

static int parse_resources(const struct cmd_info *ci, const struct opt_result *r,
                           struct eng_run_req *q, struct td_err **err)
{
  if (size_opt(ci, r, "memory", &q->memory, err) < 0 ||
      size_opt(ci, r, "memory-swap", &q->memory_swap, err) < 0 ||
      size_opt(ci, r, "memory-reservation", &q->memory_reservation, err) < 0 ||
      size_opt(ci, r, "shm-size", &q->shm_size, err) < 0)
    return -1;
  const char *v;
  if ((v = opt_str(ci, r, "cpus")) &&
      eng_parse_cpus(v, (int)sysconf(_SC_NPROCESSORS_ONLN), &q->nano_cpus, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-shares")) && parse_int_opt("cpu-shares", v, &q->cpu_shares, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "blkio-weight"))) {
    if (parse_int_opt("blkio-weight", v, &q->blkio_weight, err) < 0)
      return -1;
    if (q->blkio_weight < 0 || q->blkio_weight > 65535)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--blkio-weight\" flag: strconv.ParseUint: "
                     "parsing \"%s\": value out of range",
                     v, v);
  }
  if ((v = opt_str(ci, r, "cpu-quota")) && parse_int_opt("cpu-quota", v, &q->cpu_quota, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-period")) && parse_int_opt("cpu-period", v, &q->cpu_period, err) < 0)
    return -1;
  int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
  if ((q->cpuset_cpus = opt_str(ci, r, "cpuset-cpus")) &&
      eng_parse_cpuset(q->cpuset_cpus, ncpu, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-cpus\" flag", q->cpuset_cpus);
  if ((q->cpuset_mems = opt_str(ci, r, "cpuset-mems")) &&
      eng_parse_cpuset(q->cpuset_mems, 0, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-mems\" flag", q->cpuset_mems);
  if ((v = opt_str(ci, r, "pids-limit"))) {
    if (parse_int_opt("pids-limit", v, &q->pids_limit, err) < 0)
      return -1;
    q->has_pids_limit = true;
  }
  q->oom_kill_disable = opt_bool(ci, r, "oom-kill-disable");
  return 0;
}

/* issue 16's resource flags (docs/cgroups.md): docker's client-side checks and messages. */
static int parse_resources16(const struct cmd_info *ci, const struct opt_result *r,
                             struct eng_run_req *q, struct run_store *s, struct td_err **err)
{
  const char *v;
  if ((v = opt_str(ci, r, "oom-score-adj")) &&
      parse_int_opt("oom-score-adj", v, &q->oom_score_adj, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "memory-swappiness"))) {
    if (parse_int_opt("memory-swappiness", v, &q->memory_swappiness, err) < 0)
      return -1;
    if (q->memory_swappiness != -1 && (q->memory_swappiness < 0 || q->memory_swappiness > 100))
      return err_set(err, 0,
                     "invalid value: %s. Valid memory swappiness range is 0-100.\nSee "
                     "'tinydocker %s --help'.",
                     v, ci->name);
    q->has_memory_swappiness = q->memory_swappiness != -1; /* -1: docker's "unset" */
  }
  if (size_opt(ci, r, "kernel-memory", &q->kernel_memory, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-rt-period")) &&
      parse_int_opt("cpu-rt-period", v, &q->cpu_rt_period, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-rt-runtime")) &&
      parse_int_opt("cpu-rt-runtime", v, &q->cpu_rt_runtime, err) < 0)
    return -1;
  q->cgroup_parent = opt_str(ci, r, "cgroup-parent");
  q->device_cgroup_rules = opt_list(ci, r, "device-cgroup-rule");
  for (char **d = q->device_cgroup_rules; d && *d; d++) {
    struct eng_dev_rule rule;
    if (eng_parse_dev_rule(*d, &rule, err) < 0)
      return err_prefix(err, "invalid argument \"%s\" for \"--device-cgroup-rule\" flag", *d);
  }
  static const struct {
    const char *flag;
    enum eng_blkio_kind kind;
    size_t off;
  } lists[] = {
      {"device-read-bps", BLKIO_BPS, offsetof(struct eng_run_req, read_bps)},
      {"device-write-bps", BLKIO_BPS, offsetof(struct eng_run_req, write_bps)},
      {"device-read-iops", BLKIO_IOPS, offsetof(struct eng_run_req, read_iops)},
      {"device-write-iops", BLKIO_IOPS, offsetof(struct eng_run_req, write_iops)},
      {"blkio-weight-device", BLKIO_WEIGHT, offsetof(struct eng_run_req, weight_device)},
  };
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
    struct eng_blkio_list *l = (struct eng_blkio_list *)((char *)q + lists[i].off);
    char **vals = opt_list(ci, r, lists[i].flag);
    s->blkio[i] = l;
    l->v = xcalloc(strv_len(vals) + 1, sizeof(*l->v));
    for (char **d = vals; d && *d; d++) {
      if (eng_parse_blkio_dev(*d, lists[i].kind, &l->v[l->n], err) < 0)
        return err_prefix(err, "invalid argument \"%s\" for \"--%s\" flag", *d, lists[i].flag);
      l->n++;
    }
  }
  q->storage_opts = opt_list(ci, r, "storage-opt");
  for (char **o = q->storage_opts; o && *o; o++)
    if (strchr(*o, '=') == NULL)
      return err_set(err, 0, "invalid storage option.\nSee 'tinydocker %s --help'.", ci->name);
  return 0;
}

static int parse_mounts(const struct cmd_info *ci, const struct opt_result *r, struct run_store *s,
                        struct td_err **err)
{
  char **vols = opt_list(ci, r, "volume"), **mnts = opt_list(ci, r, "mount"),
       **tmps = opt_list(ci, r, "tmpfs");
  size_t n = strv_len(vols) + strv_len(mnts) + strv_len(tmps);
  s->mounts = xcalloc(n + 1, sizeof(*s->mounts));
  for (char **v = vols; v && *v; v++)
    if (eng_parse_volume(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  for (char **v = mnts; v && *v; v++)
    if (eng_parse_mount(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  for (char **v = tmps; v && *v; v++)
    if (eng_parse_tmpfs(*v, &s->mounts[s->n_mounts++], err) < 0)
      return -1;
  char **devs = opt_list(ci, r, "device");
  s->devices = xcalloc(strv_len(devs) + 1, sizeof(*s->devices));
  for (char **v = devs; v && *v; v++)
    if (eng_parse_device(*v, &s->devices[s->n_devices++], err) < 0)
      return -1;
  return 0;
}

static int parse_security(const struct cmd_info *ci, const struct opt_result *r,
                          struct eng_run_req *q, struct td_err **err)
{
  q->security_opts = opt_list(ci, r, "security-opt");
  for (char **o = q->security_opts; o && *o; o++) {
    if (strcmp(*o, "no-new-privileges") == 0 || strcmp(*o, "no-new-privileges:true") == 0 ||
        strcmp(*o, "no-new-privileges=true") == 0)
      q->no_new_privs = true;
    else if (strcmp(*o, "no-new-privileges:false") == 0 ||
             strcmp(*o, "no-new-privileges=false") == 0)
      q->no_new_privs = false;
    else if (strncmp(*o, "seccomp=", 8) == 0 || strncmp(*o, "seccomp:", 8) == 0)
      q->seccomp = *o + 8;
    else if (strncmp(*o, "apparmor", 8) == 0 || strncmp(*o, "label", 5) == 0)
      continue;
    else
      return err_set(err, 0, "invalid --security-opt: %s", *o);
  }
  return 0;
}

/* A Go duration flag (pflag's DurationVar): its error as docker prints it. */
static int duration_opt(const struct cmd_info *ci, const struct opt_result *r, const char *flag,
                        int64_t *out, struct td_err **err)
{
  const char *v = opt_str(ci, r, flag);
  if (v == NULL)
    return 0;
  autoerr struct td_err *e = NULL;
  if (eng_parse_duration(v, out, &e) < 0) {
    bool unit = strspn(v, "+-0123456789.") == strlen(v) && *v;
    return err_set(err, 0, "invalid argument \"%s\" for \"--%s\" flag: time: %s \"%s\"", v, flag,
                   unit ? "missing unit in duration" : "invalid duration", v);
  }
  return 0;
}

/* --health-* and --no-healthcheck, checked as docker's CLI does (its daemon's checks are
 * eng_create's). */
static int parse_health(const struct cmd_info *ci, const struct opt_result *r,
                        struct eng_run_req *q, struct td_err **err)
{
  q->health_cmd = opt_str(ci, r, "health-cmd");
  q->no_healthcheck = opt_bool(ci, r, "no-healthcheck");
  if (duration_opt(ci, r, "health-interval", &q->health_interval, err) < 0 ||
      duration_opt(ci, r, "health-timeout", &q->health_timeout, err) < 0 ||
      duration_opt(ci, r, "health-start-period", &q->health_start_period, err) < 0)
    return -1;
  const char *v = opt_str(ci, r, "health-retries");
  int64_t retries = 0;
  if (v && parse_int_opt("health-retries", v, &retries, err) < 0)
    return -1;
  q->health_retries = (int)retries;
  q->health_set = (q->health_cmd && *q->health_cmd) || q->health_interval || q->health_timeout ||
                  q->health_start_period || q->health_retries;
  if (q->no_healthcheck) {
    if (q->health_set)
      return err_set(
          err, 0,
          "--no-healthcheck conflicts with --health-* options.\nSee 'tinydocker %s --help'.",
          ci->name);
    return 0;
  }
  if (q->health_interval < 0)
    return err_set(err, 0, "--health-interval cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_timeout < 0)
    return err_set(err, 0, "--health-timeout cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_retries < 0)
    return err_set(err, 0, "--health-retries cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  if (q->health_start_period < 0)
    return err_set(err, 0, "--health-start-period cannot be negative.\nSee 'tinydocker %s --help'.",
                   ci->name);
  return 0;
}

static int parse_misc(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                      struct run_store *s, struct td_err **err)
{
  for (char **f = opt_list(ci, r, "env-file"); f && *f; f++)
    if (eng_parse_env_file(*f, &s->env, err) < 0)
      return -1;
  for (char **e = opt_list(ci, r, "env"); e && *e; e++) {
    if (strchr(*e, '='))
      strv_push(&s->env, *e);
    else if (getenv(*e))
      strv_push_owned(&s->env, xasprintf("%s=%s", *e, getenv(*e)));
  }
  q->env = s->env;
  char **ul = opt_list(ci, r, "ulimit");
  s->ulimits = xcalloc(strv_len(ul) + 1, sizeof(*s->ulimits));
  for (char **u = ul; u && *u; u++)
    if (eng_parse_ulimit(*u, &s->ulimits[q->n_ulimits++], err) < 0)
      return -1;
  q->ulimits = s->ulimits;
  const char *v;
  if ((v = opt_str(ci, r, "restart")) && eng_parse_restart(v, &q->restart, err) < 0)
    return -1;
  q->stop_timeout = -1;
  if ((v = opt_str(ci, r, "stop-timeout"))) {
    int64_t t;
    if (parse_int_opt("stop-timeout", v, &t, err) < 0)
      return -1;
    q->stop_timeout = (int)t;
  }
  if ((q->stop_signal = opt_str(ci, r, "stop-signal")) && rt_signal_parse(q->stop_signal) < 0)
    return err_set(err, 0, "invalid signal: %s", q->stop_signal);
  for (char **l = opt_list(ci, r, "label"); l && *l; l++)
    strv_push(&s->labels, *l);
  q->labels = s->labels;
  for (char **l = opt_list(ci, r, "sysctl"); l && *l; l++) {
    autofree char *k = NULL, *val = NULL;
    if (eng_parse_sysctl(*l, &k, &val, err) < 0)
      return err_prefix(err, "invalid argument \"%s\" for \"--sysctl\" flag", *l);
    strv_push(&s->sysctls, *l);
  }
  q->sysctls = s->sysctls;
  q->log_opts = opt_list(ci, r, "log-opt");
  for (char **l = q->log_opts; l && *l; l++) {
    int64_t sz;
    if (strncmp(*l, "max-size=", 9) == 0 && eng_parse_size(*l + 9, &sz, err) < 0)
      return err_prefix(err, "invalid log-opt");
    if (strncmp(*l, "max-size=", 9) && strncmp(*l, "max-file=", 9) && strncmp(*l, "compress=", 9) &&
        strncmp(*l, "labels=", 7) && strncmp(*l, "env=", 4) && strncmp(*l, "tag=", 4))
      return err_set(err, 0, "unknown log opt '%.*s' for json-file log driver",
                     (int)strcspn(*l, "="), *l);
  }
  if ((v = opt_str(ci, r, "log-driver")) && strcmp(v, "json-file") != 0 && strcmp(v, "none") != 0)
    return err_set(err, 0, "logging driver %s is not supported (json-file only)", v);
  return 0;
}

/* --ipc --pid --uts --userns --cgroupns --group-add --domainname: the CLI's checks are
 * docker's (its opts.parse: uts, userns, pid, cgroupns); --ipc is checked by the engine. */
static int parse_namespaces(const struct cmd_info *ci, const struct opt_result *r,
                            struct eng_run_req *q, struct td_err **err)
{
  q->ipc_mode = opt_str(ci, r, "ipc");
  q->pid_mode = opt_str(ci, r, "pid");
  q->uts_mode = opt_str(ci, r, "uts");
  q->userns_mode = opt_str(ci, r, "userns");
  q->cgroupns_mode = opt_str(ci, r, "cgroupns");
  q->group_add = opt_list(ci, r, "group-add");
  q->domainname = opt_str(ci, r, "domainname");
  const char *p = q->pid_mode;
  if (p && *p && strcmp(p, "host") != 0 && !(strncmp(p, "container:", 10) == 0 && p[10]))
    return err_set(err, 0, "--pid: invalid PID mode.\nSee 'tinydocker %s --help'.", ci->name);
  if (q->uts_mode && *q->uts_mode && strcmp(q->uts_mode, "host") != 0)
    return err_set(err, 0, "--uts: invalid UTS mode.\nSee 'tinydocker %s --help'.", ci->name);
  if (q->userns_mode && *q->userns_mode && strcmp(q->userns_mode, "host") != 0)
    return err_set(err, 0, "--userns: invalid USER mode.\nSee 'tinydocker %s --help'.", ci->name);
  const char *c = q->cgroupns_mode;
  if (c && *c && strcmp(c, "host") != 0 && strcmp(c, "private") != 0)
    return err_set(err, 0, "--cgroupns: invalid CGROUP mode.\nSee 'tinydocker %s --help'.",
                   ci->name);
  return 0;
}

/* Fill q from the parsed options and positionals. */
static int build_request(const struct cmd_info *ci, const struct opt_result *r,
                         struct eng_run_req *q, struct run_store *s, bool detach,
                         struct td_err **err)
{
  memset(q, 0, sizeof(*q));
  q->interactive = opt_bool(ci, r, "interactive");
  q->tty = opt_bool(ci, r, "tty");
  q->detach = detach;
  q->auto_remove = opt_bool(ci, r, "rm");
  q->init = opt_bool(ci, r, "init");
  q->read_only = opt_bool(ci, r, "read-only");
  q->privileged = opt_bool(ci, r, "privileged");
  q->name = opt_str(ci, r, "name");
  q->workdir = opt_str(ci, r, "workdir");
  q->user = opt_str(ci, r, "user");
  q->hostname = opt_str(ci, r, "hostname");
  q->entrypoint = opt_str(ci, r, "entrypoint");
  q->entrypoint_set = opt_isset(ci, r, "entrypoint");
  q->cap_add = opt_list(ci, r, "cap-add");
  q->cap_drop = opt_list(ci, r, "cap-drop");
  q->network = opt_str(ci, r, "network");
  q->publish = opt_list(ci, r, "publish");
  q->publish_all = opt_bool(ci, r, "publish-all");
  q->add_hosts = opt_list(ci, r, "add-host");
  q->dns = opt_list(ci, r, "dns");
  q->dns_search = opt_list(ci, r, "dns-search");
  q->net_aliases = opt_list(ci, r, "network-alias");
  q->ip = opt_str(ci, r, "ip");
  q->rootfs = opt_str(ci, r, "rootfs");
  if (parse_resources(ci, r, q, err) < 0 || parse_resources16(ci, r, q, s, err) < 0 ||
      parse_security(ci, r, q, err) < 0 || parse_misc(ci, r, q, s, err) < 0 ||
      parse_mounts(ci, r, s, err) < 0 || parse_namespaces(ci, r, q, err) < 0 ||
      parse_health(ci, r, q, err) < 0 || check_add_hosts(q->add_hosts, err) < 0 ||
      run_flags_parse(ci, r, q, &s->labels, err) < 0)
    return -1;
  q->mounts = s->mounts;
  q->n_mounts = s->n_mounts;
  q->devices = s->devices;
  q->n_devices = s->n_devices;
  if (q->rootfs) {
    q->cmd = r->args;
  } else if (r->nargs == 0) {
    /* as cobra: the usage error, then the command's usage; exit 1 */
    return err_set_exit(err, 1, 0,
                        "\"tinydocker %s\" requires at least 1 argument.\nSee 'tinydocker %s "
                        "--help'.\n\nUsage:  tinydocker %s %s\n\n%s",
                        ci->name, ci->name, ci->name, ci->usage, ci->desc);
  } else if (r->args[0][0] == '/') {
    /* the seeds' `run -it /bin/sh`: no image, a command path => the default image */
    q->image = ENG_DEFAULT_IMAGE;
    q->cmd = r->args;
  } else {
    q->image = r->args[0];
    q->cmd = r->nargs > 1 ? r->args + 1 : NULL;
  }
  return 0;
}

/* An error of build_request is the CLI's (docker's parse): a bad flag value is cobra's flag
 * error, bare, naming the flag as its usage does ("-m, --memory"), then the help line; the
 * rest "tinydocker: <msg>." and the help line, unless marked as the daemon's. */
static void parse_error(const struct cmd_info *ci, struct td_err **err)
{
  if (err == NULL || *err == NULL || (*err)->kind != ERR_DAEMON)
    return;
  const char *msg = err_text_go(*err);
  const char *f = strstr(msg, "\" for \"--"); /* the flag's name starts at f + 9 */
  const char *end = f ? strstr(f + 9, "\" flag") : NULL;
  if (strncmp(msg, "invalid argument \"", 18) != 0 || end == NULL) {
    err_mark(err, ERR_CLI);
    return;
  }
  size_t len = (size_t)(end - (f + 9));
  char shorthand[8] = "";
  for (const struct opt_def *d = ci->opts; d->long_name; d++)
    if (d->short_name && strlen(d->long_name) == len && strncmp(d->long_name, f + 9, len) == 0)
      snprintf(shorthand, sizeof(shorthand), "-%c, ", d->short_name);
  char *text =
      xasprintf("%.*s%s%s%s%s%s", (int)(f + 7 - msg), msg, shorthand, f + 7,
                strstr(msg, "\nSee '") ? "" : "\nSee 'tinydocker ",
                strstr(msg, "\nSee '") ? "" : ci->name, strstr(msg, "\nSee '") ? "" : " --help'.");
  free((*err)->msg);
  (*err)->msg = text;
  err_mark(err, ERR_FLAG);
}

/* --pull: docker's three policies; a bad one is refused before anything is pulled or created. */
static int check_pull(const char *v, struct td_err **err)
{
  if (v && strcmp(v, "always") && strcmp(v, "missing") && strcmp(v, "never"))
    return err_set(err, 0,
                   "invalid pull option: '%s': must be one of \"always\", \"missing\" or "
                   "\"never\"",
                   v);
  return 0;
}

/* As docker's CLI before it creates: an image that is not in the store is pulled (--pull
 * missing, the default), every time (always), or never (docker's "No such image", 125). The
 * pull runs in tinydocker-image (libcurl stays out of run), with no lock of ours held: it takes
 * the image store's lock only for its own short steps (docs/engine.md, "Locks and waits").
 * Returns 0, -1 with err set, or the pull's exit status (it printed its own error). */
static int pull_image(const struct eng_ctx *ctx, const char *image, const char *policy,
                      struct td_err **err)
{
  bool always = policy && strcmp(policy, "always") == 0;
  if (!always) {
    int have = image_present(ctx->root, image, err);
    if (have < 0) { /* a bad reference: docker's run exits 125 */
      (*err)->exit_code = EXIT_ENGINE;
      return -1;
    }
    if (have > 0)
      return 0;
    if (policy && strcmp(policy, "never") == 0)
      return err_set(err, 0, "No such image: %s", image);
  }
  struct image_ref *ref = NULL;
  if (image_ref_parse(image, &ref, err) < 0)
    return -1;
  autofree char *fam = image_ref_familiar(ref);
  image_ref_free(ref);
  if (!always)
    fprintf(stderr, "Unable to find image '%s' locally\n", fam);
  fflush(stderr);
  return image_tool_pull(ctx->root, image, err);
}

/* A bad --detach-keys is refused before anything is created. */
static int check_detach_keys(const char *spec, struct td_err **err)
{
  struct detach_keys k;
  return spec ? detach_keys_parse(spec, &k, err) : 0;
}

static int run_or_create(struct eng_ctx *ctx, const struct cmd_info *ci, bool run, int argc,
                         char **argv, struct td_err **err)
{
  struct opt_result r;
  if (opts_parse(ci, argc, argv, &r, err) < 0) {
    opts_free(ci, &r);
    return -1;
  }
  if (r.help) {
    opts_free(ci, &r);
    return 0;
  }
  struct run_store s = {0};
  struct eng_run_req q;
  bool detach = run && opt_bool(ci, &r, "detach");
  int rc = build_request(ci, &r, &q, &s, detach, err);
  if (rc < 0)
    parse_error(ci, err);
  if (rc == 0 && run && !detach && q.interactive && q.tty && !isatty(0))
    rc = err_set_exit(err, 1, 0, "the input device is not a TTY"), err_mark(err, ERR_BARE);
  if (rc == 0 && run)
    rc = check_detach_keys(q.detach_keys = opt_str(ci, &r, "detach-keys"), err);
  const char *policy = rc == 0 ? opt_str(ci, &r, "pull") : NULL;
  if (rc == 0)
    rc = check_pull(policy, err);
  int code = 0;
  /* the seeds' `run /bin/sh` (no image named: the default one) never pulls */
  bool named = q.image && r.nargs > 0 && strcmp(q.image, r.args[0]) == 0;
  if (rc == 0 && named && (code = pull_image(ctx, q.image, policy, err)) != 0)
    /* a failed pull printed its error; docker run exits 125, create 1 (its daemon error) */
    rc = code < 0 ? -1 : (code = run ? EXIT_ENGINE : 1);
  /* after the pull: a failed pull leaves no --cidfile behind */
  const char *cidfile = rc == 0 ? opt_str(ci, &r, "cidfile") : NULL;
  if (cidfile && (rc = cidfile_open(cidfile, &q.cidfile_fd, err)) == 0)
    q.cidfile = true;
  else if (cidfile)
    err_mark(err, ERR_CLI); /* docker's CLI opens it before the create */
  if (rc == 0) {
    if (run) {
      rc = eng_run(ctx, &q, &code, err);
    } else {
      char *id = NULL;
      rc = eng_create(ctx, &q, &id, err);
      if (rc == 0)
        printf("%s\n", id);
      free(id);
    }
    if (q.cidfile) { /* written by eng_create; a create that failed leaves no file */
      struct stat st;
      if (fstat(q.cidfile_fd, &st) == 0 && st.st_size > 0)
        close(q.cidfile_fd);
      else
        cidfile_discard(cidfile, q.cidfile_fd);
    }
  }
  run_store_free(&s);
  opts_free(ci, &r);
  return rc < 0 ? -1 : code;
}

int cmd_run(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return run_or_create(ctx, &run_info, true, argc, argv, err);
}

int cmd_create(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return run_or_create(ctx, &create_info, false, argc, argv, err);
}

static const struct opt_def start_opts[] = {
    {'a', "attach", OPT_BOOL, NULL, "Attach STDOUT/STDERR and forward signals", NULL},
    {0, "detach-keys", OPT_STR, "string", "Override the key sequence for detaching a container",
     NULL},
    {'i', "interactive", OPT_BOOL, NULL, "Attach container's STDIN", NULL},
    {0, NULL, OPT_BOOL, NULL, NULL, NULL},
};
static const struct cmd_info start_info = {"start", "[OPTIONS] CONTAINER [CONTAINER...]",
                                           "Start one or more stopped containers", start_opts,
                                           false};

int cmd_start(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse(&start_info, argc, argv, &r, err);
  if (rc == 0 && !r.help && r.nargs == 0)
    rc = err_set(
        err, 0,
        "\"tinydocker start\" requires at least 1 argument.\nSee 'tinydocker start --help'.");
  const char *keys = rc == 0 ? opt_str(&start_info, &r, "detach-keys") : NULL;
  if (rc == 0 && !r.help)
    rc = check_detach_keys(keys, err);
  int code = 0;
  autostrv char **failed = NULL;
  for (int i = 0; rc == 0 && !r.help && i < r.nargs; i++) {
    autofree char *id = NULL;
    struct eng_start_opts o = {.attach = opt_bool(&start_info, &r, "attach"),
                               .interactive = opt_bool(&start_info, &r, "interactive"),
                               .sig_proxy = true,
                               .detach_keys = keys};
    if (eng_lookup(ctx, r.args[i], &id, err) < 0 || eng_start(ctx, id, &o, &code, err) < 0) {
      if (o.attach) {
        rc = -1;
        break;
      }
      /* docker starts the others, printing each failure, and names the failed ones last */
      err_print(NULL, *err);
      err_free(err);
      strv_push(&failed, r.args[i]);
      continue;
    }
    if (!o.attach)
      printf("%s\n", r.args[i]);
  }
  if (rc == 0 && failed) {
    autofree char *names = strv_join(failed, ", ");
    rc = err_set(err, 0, "Error: failed to start containers: %s", names);
  }
  opts_free(&start_info, &r);
  return rc < 0 ? -1 : code;
}
