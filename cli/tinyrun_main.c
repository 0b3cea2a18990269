/* tinyrun: the OCI runtime, spoken like runc. Global flags, logging, dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinyrun.h"
#include "runtime/core/runtime.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int log_fd = -1;
static bool log_json;

static const struct {
  const char *name;
  int (*fn)(const struct rt_ctx *, int, char **);
  const char *usage;
} commands[] = {
    {"create", tr_cmd_create,
     "create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot]\n"
     "       [--no-new-keyring] [--preserve-fds N] ID\n"
     "  Create a container from the bundle; it waits for `start`."},
    {"start", tr_cmd_start, "start ID\n  Start the user process of a created container."},
    {"run", tr_cmd_run,
     "run [--bundle DIR] [--detach] [--pid-file FILE] [--console-socket PATH] [--keep]\n"
     "    [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID\n"
     "  Create and start; without --detach wait, forward signals, exit with its status\n"
     "  and delete it."},
    {"state", tr_cmd_state, "state ID\n  Print the OCI state of a container as JSON."},
    {"kill", tr_cmd_kill,
     "kill [--all] ID [SIGNAL]\n  Send SIGNAL (name or number, default TERM) to the init."},
    {"delete", tr_cmd_delete,
     "delete [--force] ID...\n  Delete stopped containers (--force kills running ones)."},
    {"exec", tr_cmd_exec,
     "exec [--process FILE] [--tty] [--detach] [--pid-file FILE] [--console-socket PATH]\n"
     "     [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--additional-gids GID]...\n"
     "     [--cap CAP]... [--no-new-privs] [--preserve-fds N] ID [COMMAND [ARG...]]\n"
     "  Run a new process inside a container."},
    {"ps", tr_cmd_ps, "ps [--format table|json] ID\n  List the processes of a container."},
    {"list", tr_cmd_list,
     "list [--format table|json] [--quiet]\n  List the containers under --root."},
    {"pause", tr_cmd_pause, "pause ID\n  Freeze every process of a container."},
    {"resume", tr_cmd_resume, "resume ID\n  Thaw a paused container."},
    {"update", tr_cmd_update,
     "update [--resources FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N]\n"
     "       [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus L]\n"
     "       [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID\n"
     "  Change the resource limits of a running container."},
    {"spec", tr_cmd_spec,
     "spec [--bundle DIR] [--rootless]\n  Write a default config.json into the bundle."},
    {"features", tr_cmd_features, "features\n  Print the runtime features document (JSON)."},
};

static void log_line(const char *level, const char *msg)
{
  if (log_fd < 0)
    return;
  autofree char *line = NULL;
  if (log_json) {
    autojson json_t *j = json_object();
    autofree char *now = time_now_rfc3339(true);
    json_object_set_new(j, "level", json_string(level));
    json_object_set_new(j, "msg", json_string(msg));
    json_object_set_new(j, "time", json_string(now));
    autofree char *s = json_dumps(j, JSON_COMPACT);
    line = xasprintf("%s\n", s);
  } else {
    autofree char *now = time_now_rfc3339(true);
    line = xasprintf("time=\"%s\" level=%s msg=\"%s\"\n", now, level, msg);
  }
  write_all(log_fd, line, strlen(line));
}

int tr_fail(struct td_err **err)
{
  const char *t = err_text(*err);
  fprintf(stderr, "tinyrun: %s\n", t);
  log_line("error", t);
  err_free(err);
  return 1;
}

void tr_warn(const char *msg)
{
  fprintf(stderr, "tinyrun: warning: %s\n", msg);
  log_line("warning", msg);
}

int tr_usage(const char *cmd)
{
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(commands[i].name, cmd) == 0)
      printf("Usage: tinyrun %s\n", commands[i].usage);
  return 0;
}

static void usage_all(FILE *f)
{
  fprintf(f, "Usage: tinyrun [global options] COMMAND [options] ARGS\n\n"
             "An OCI runtime (runc's command line).\n\nCommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(f, "  %s\n", commands[i].name);
  fprintf(f, "\nGlobal options:\n"
             "  --root DIR          state directory (default /run/tinyrun)\n"
             "  --log FILE          also log to FILE\n"
             "  --log-format FMT    text or json\n"
             "  --log-level LEVEL   accepted (debug, info, warn, error)\n"
             "  --debug             debug logging\n"
             "  --systemd-cgroup    cgroupsPath is \"slice:prefix:name\" (mapped to cgroupfs)\n"
             "  --rootless VALUE    accepted (true, false, auto)\n"
             "  --criu PATH         accepted, ignored\n"
             "  --version, -v       print the version\n"
             "  --help, -h          this help; COMMAND --help for a command\n");
}

static int open_log(const char *path, const char *format, struct td_err **err)
{
  if (format) {
    if (strcmp(format, "json") == 0)
      log_json = true;
    else if (strcmp(format, "text") != 0)
      return err_set(err, 0, "invalid log-format: %s", format);
  }
  if (path == NULL)
    return 0;
  log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return err_set(err, errno, "open log file %s", path);
  return 0;
}

int main(int argc, char **argv)
{
  err_progname = "tinyrun";
  struct rt_ctx ctx = {.state_root = "/run/tinyrun", .cgroup_parent = "tinyrun"};
  const char *log_path = NULL, *log_format = NULL, *unused = NULL;
  bool version = false, help = false;
  const struct tr_flag flags[] = {
      {"root", 0, TR_STR, &ctx.state_root},   {"log", 0, TR_STR, &log_path},
      {"log-format", 0, TR_STR, &log_format}, {"log-level", 0, TR_STR, &unused},
      {"debug", 0, TR_BOOL, &ctx.debug},      {"systemd-cgroup", 0, TR_BOOL, &ctx.systemd_cgroup},
      {"rootless", 0, TR_STR, &unused},       {"criu", 0, TR_STR, &unused},
      {"version", 'v', TR_BOOL, &version},    {NULL, 0, TR_BOOL, NULL},
  };
  char **pos = NULL;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, true, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (version) {
    printf("tinyrun version %s\nspec: 1.2.0\n", TD_VERSION);
    free(pos);
    return 0;
  }
  if (pos[0] &&
      (strcmp(pos[0], "create") == 0 || strcmp(pos[0], "run") == 0 ||
       strcmp(pos[0], "exec") == 0) &&
      rt_exe_protect(argv) < 0 && ctx.debug)
    fprintf(stderr, "tinyrun: debug: runtime binary not re-executed read-only: %s\n",
            strerror(errno));
  if (open_log(log_path, log_format, &err) < 0)
    return tr_fail(&err);
  if (help || pos[0] == NULL) {
    usage_all(help ? stdout : stderr);
    free(pos);
    return help ? 0 : 1;
  }
  if (strcmp(pos[0], "help") == 0) {
    usage_all(stdout);
    free(pos);
    return 0;
  }
  /* pos[0] is the command; everything from it on is the command's argv */
  int cargc = 0;
  while (pos[cargc])
    cargc++;
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
    if (strcmp(commands[i].name, pos[0]) == 0) {
      int rc = commands[i].fn(&ctx, cargc, pos);
      free(pos); /* the strings are argv's */
      return rc;
    }
  }
  err_set(&err, 0, "unknown command %s (see tinyrun --help)", pos[0]);
  free(pos);
  return tr_fail(&err);
}
