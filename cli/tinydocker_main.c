/* tinydocker: docker's CLI. Global flags, the command table, dispatch. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/tinydocker_cmds.h"
#include "engine/engine.h"
#include "image/image.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/trace.h"

static const struct td_cmd *find_cmd(const char *name)
{
  for (const struct td_cmd *c = td_commands; c->name; c++)
    if (strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

/* Whether a command's errors are docker's CLI errors (exit 1, docker's wording) rather than
 * the engine's (125/126/127): every command but run, create, exec and start -a, whose status
 * is the container's. */
static bool docker_cli_errors(const char *name, int argc, char **argv)
{
  if (strcmp(name, "run") == 0 || strcmp(name, "create") == 0 || strcmp(name, "exec") == 0)
    return false;
  /* build's codes are docker's already (1, or a failing RUN's status); its errors keep their
   * "tinydocker: " wording */
  if (strcmp(name, "build") == 0 || strcmp(name, "builder") == 0)
    return false;
  if (strcmp(name, "start") != 0)
    return true;
  for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--attach") == 0 || strncmp(a, "--attach=t", 10) == 0 ||
        (a[0] == '-' && a[1] != '-' && strchr(a, 'a')))
      return false;
  }
  return true;
}

/* The commands whose errors docker 20.10's CLI prints as its own ("Error: No such container:
 * nosuch": it looks the object up itself), not as the daemon's answer. */
static int docker_error_kind(const char *name, int argc, char **argv)
{
  static const char *const cli_own[] = {"rm", "logs", "inspect", "rmi", "cp"};
  for (size_t k = 0; k < sizeof(cli_own) / sizeof(cli_own[0]); k++)
    if (strcmp(cli_own[k], name) == 0)
      return ERR_CLI;
  /* image/volume/network rm and inspect */
  bool group =
      strcmp(name, "image") == 0 || strcmp(name, "volume") == 0 || strcmp(name, "network") == 0;
  if (group && argc > 0 &&
      (strcmp(argv[0], "rm") == 0 || strcmp(argv[0], "remove") == 0 ||
       strcmp(argv[0], "inspect") == 0))
    return ERR_CLI;
  return ERR_DAEMON;
}

static void usage(void)
{
  printf("\nUsage:  tinydocker [OPTIONS] COMMAND\n\nA small, daemonless container engine "
         "spoken like docker\n\nOptions:\n"
         "      --root string           Engine state root (default $TINYDOCKER_ROOT or %s)\n"
         "      --userns-remap string   User/Group setting for user namespaces: default,\n"
         "                              USER[:GROUP] or UID[:GID] (default\n"
         "                              $TINYDOCKER_USERNS_REMAP)\n"
         "  -D, --debug                 Enable debug mode\n"
         "  -v, --version               Print version information and quit\n"
         "  -h, --help                  Print usage\n\nCommands:\n",
         ENG_DEFAULT_ROOT);
  for (const struct td_cmd *c = td_commands; c->name; c++)
    if (c->summary)
      printf("  %-10s  %s\n", c->name, c->summary);
  printf("\nOut of scope (a single-host, daemonless engine): swarm, stack, service, node, secret,\n"
         "config, plugin, trust and context.\n");
  printf("\nRun 'tinydocker COMMAND --help' for more information on a command.\n");
}

/* "container ls" -> the top-level command it means ("image ..." goes to the image tool). */
static const char *group_alias(const char *sub)
{
  static const struct {
    const char *sub, *cmd;
  } map[] = {
      {"ls", "ps"},
      {"list", "ps"},
      {"remove", "rm"},
      {"prune", "container-prune"},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].sub, sub) == 0)
      return map[i].cmd;
  return sub; /* container run/start/stop/... */
}

/* Whether this command must re-execute read-only first. Every container process execs its
 * program through tinydocker-entry (runtime/core/entry.c), so after its last exec none is the
 * engine; before it, a clone of ours is non-dumpable, which keeps out everyone without
 * CAP_SYS_PTRACE. The re-exec closes what is left: a process with that capability in the
 * same pid namespace opening /proc/PID/exe of the clone during its setup. `run`/`create`
 * always give a container a new, empty pid namespace (there is no --pid): nobody is there
 * to look.
 * `exec` joins a populated one, `start`/`restart` (not on `run`'s path) may have a shared one:
 * those re-execute. */
/* Re-execute once from a detached read-only mount of our binary, as tinyrun does (see
 * runtime/core/selfexe.c), so that no container process can ever write it through
 * /proc/PID/exe (CVE-2019-5736 class). Our path travels in SELF_EXE_ENV, since
 * /proc/self/exe of the re-executed program reads "/" and the engine finds its helpers
 * (tinydocker-image, tinydocker-init, tinydocker-entry) next to itself. On failure we go on
 * unprotected. */
static void exe_protect(char **argv)
{
  if (rt_exe_is_readonly())
    return;
  autofree char *self = self_exe_path();
  if (self == NULL || setenv(SELF_EXE_ENV, self, 1) < 0)
    return;
  rt_exe_protect(argv);
  unsetenv(SELF_EXE_ENV);
}

int main(int argc, char **argv)
{
  td_trace("cli-main");
  err_progname = "tinydocker";
  /* as dockerd: the modes the engine gives its files are the ones written in the code, under
   * any umask of the caller (a 000 one would leave sockets world-connectable, a 077 one an image
   * unreadable to a container's non-root user); the monitor and helpers inherit it */
  umask(022);
  /* internal: tinydocker-monitor hands a container's monitor back to us at its exit */
  if (argc == 3 && strcmp(argv[1], "__monitor-resume") == 0)
    return eng_monitor_resume(atoi(argv[2]));
  /* internal: a container's health checker, spawned by its monitor (engine/monitor/health.c);
   * it execs into the container as `exec` does, so from a read-only copy of us */
  if (argc == 8 && strcmp(argv[1], "__health-check") == 0) {
    exe_protect(argv);
    return eng_health_main(argv + 2);
  }
  const char *root = NULL, *remap = NULL;
  bool debug = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--root") == 0 && i + 1 < argc) {
      root = argv[++i];
    } else if (strncmp(a, "--root=", 7) == 0) {
      root = a + 7;
    } else if (strcmp(a, "--userns-remap") == 0 && i + 1 < argc) {
      remap = argv[++i];
    } else if (strncmp(a, "--userns-remap=", 15) == 0) {
      remap = a + 15;
    } else if (strcmp(a, "-D") == 0 || strcmp(a, "--debug") == 0) {
      debug = true;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
      printf("tinydocker version %s, build %s\n", TD_VERSION, TD_BUILD);
      return 0;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage();
      return 0;
    } else if (strcmp(a, "-l") == 0 || strcmp(a, "--log-level") == 0) {
      i++;
    } else {
      fprintf(stderr, "unknown flag: %s\nSee 'tinydocker --help'.\n", a);
      return EXIT_ENGINE;
    }
  }
  if (i >= argc) {
    usage();
    return 0;
  }
  const char *name = argv[i++];
  if (strcmp(name, "container") == 0 && i < argc && argv[i][0] != '-') {
    name = group_alias(argv[i]);
    i++;
  }
  const struct td_cmd *cmd = find_cmd(name);
  if (cmd == NULL && td_is_out_of_scope(name))
    return td_out_of_scope(name);
  if (cmd == NULL) {
    fprintf(stderr, "tinydocker: '%s' is not a tinydocker command.\nSee 'tinydocker --help'\n",
            name);
    return 1;
  }
  if (docker_cli_errors(name, argc - i, argv + i))
    err_use_docker_style(docker_error_kind(name, argc - i, argv + i));
  else if (strcmp(name, "run") == 0 || strcmp(name, "create") == 0 || strcmp(name, "exec") == 0)
    err_use_run_style(name);
  if (cmd->readonly_exe)
    exe_protect(argv);
  struct eng_ctx ctx;
  autoerr struct td_err *err = NULL;
  if (eng_ctx_init(&ctx, root, debug, &err) < 0)
    err_die("tinydocker", err);
  if (remap) { /* the flag over the environment; "" turns remapping off */
    free(ctx.userns_remap);
    ctx.userns_remap = *remap ? strdup(remap) : NULL;
  }
  eng_enable_adoption(); /* a container found without its monitor is taken over */
  int rc;
  if (strcmp(name, "image") == 0 && (i >= argc || argv[i][0] == '-') &&
      td_group_help("image", argc - i, argv + i))
    return 0;
  if (cmd->image_tool) {
    /* argv for the tool: [prog, command, args...] */
    char **av = calloc((size_t)(argc - i + 3), sizeof(char *));
    av[0] = argv[0];
    av[1] = (char *)cmd->image_tool;
    for (int k = i; k < argc; k++)
      av[2 + k - i] = argv[k];
    if (err_style_env())
      setenv(ERR_STYLE_ENV, err_style_env(), 1);
    rc = image_tool_exec(ctx.root, argc - i + 2, av, &err);
    unsetenv(ERR_STYLE_ENV);
    free(av);
  } else
    rc = cmd->fn(&ctx, argc - i, argv + i, &err);
  if (rc < 0)
    err_die("tinydocker", err);
  eng_ctx_clear(&ctx);
  return err_exit_code(rc);
}
