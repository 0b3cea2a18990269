/* tinydocker: docker's CLI. Global flags, the command table, dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tinydocker_cmds.h"
#include "engine/engine.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/err.h"

static const struct td_cmd *find_cmd(const char *name)
{
  for (const struct td_cmd *c = td_commands; c->name; c++)
    if (strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

static void usage(void)
{
  printf("\nUsage:  tinydocker [OPTIONS] COMMAND\n\nA small, daemonless container engine "
         "spoken like docker\n\nOptions:\n"
         "      --root string   Engine state root (default $TINYDOCKER_ROOT or %s)\n"
         "  -D, --debug         Enable debug mode\n"
         "  -v, --version       Print version information and quit\n"
         "  -h, --help          Print usage\n\nCommands:\n", ENG_DEFAULT_ROOT);
  for (const struct td_cmd *c = td_commands; c->name; c++)
    if (c->summary)
      printf("  %-10s  %s\n", c->name, c->summary);
  printf("\nRun 'tinydocker COMMAND --help' for more information on a command.\n");
}

/* "container ls" -> the top-level command it means ("image ..." goes to the image tool). */
static const char *group_alias(const char *sub)
{
  static const struct {
    const char *sub, *cmd;
  } map[] = {
      {"ls", "ps"}, {"list", "ps"}, {"remove", "rm"}, {"prune", "container-prune"},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].sub, sub) == 0)
      return map[i].cmd;
  return sub; /* container run/start/stop/... */
}

int main(int argc, char **argv)
{
  err_progname = "tinydocker";
  /* internal: tinydocker-monitor hands a container's monitor back to us at its exit */
  if (argc == 3 && strcmp(argv[1], "__monitor-resume") == 0)
    return eng_monitor_resume(atoi(argv[2]));
  const char *root = NULL;
  bool debug = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--root") == 0 && i + 1 < argc) {
      root = argv[++i];
    } else if (strncmp(a, "--root=", 7) == 0) {
      root = a + 7;
    } else if (strcmp(a, "-D") == 0 || strcmp(a, "--debug") == 0) {
      debug = true;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
      printf("tinydocker version %s\n", TD_VERSION);
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
  if (cmd == NULL) {
    fprintf(stderr, "tinydocker: '%s' is not a tinydocker command.\nSee 'tinydocker --help'\n",
            name);
    return EXIT_ENGINE;
  }
  struct eng_ctx ctx;
  autoerr struct td_err *err = NULL;
  if (eng_ctx_init(&ctx, root, debug, &err) < 0)
    err_die("tinydocker", err);
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
    rc = image_tool_exec(ctx.root, argc - i + 2, av, &err);
    free(av);
  } else
    rc = cmd->fn(&ctx, argc - i, argv + i, &err);
  if (rc < 0)
    err_die("tinydocker", err);
  eng_ctx_clear(&ctx);
  return rc;
}
