/* run and create: their flags, then argv -> struct eng_run_req (tinydocker_run_req.c), the
 * image pulled as --pull says, the --cidfile, and the engine's run or create. */
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
#include "util/cleanup.h"
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
int run_check_detach_keys(const char *spec, struct td_err **err)
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
  int rc = run_build_request(ci, &r, &q, &s, detach, err);
  if (rc < 0)
    parse_error(ci, err);
  if (rc == 0 && run && !detach && q.interactive && q.tty && !isatty(0))
    rc = err_set_exit(err, 1, 0, "the input device is not a TTY"), err_mark(err, ERR_BARE);
  if (rc == 0 && run)
    rc = run_check_detach_keys(q.detach_keys = opt_str(ci, &r, "detach-keys"), err);
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
