/* events, diff, and the `system` group: system events|info|df|prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "engine/engine.h"
#include "image/image.h"
#include "image/volume.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define OPT_END                                                                                    \
  {                                                                                                \
    0, NULL, OPT_BOOL, NULL, NULL, NULL                                                            \
  }

/* Parse with docker's CLI exit code (1) for a bad flag; 1 = --help was printed. */
static int parse1(const struct cmd_info *ci, int argc, char **argv, struct opt_result *r,
                  struct td_err **err)
{
  if (opts_parse(ci, argc, argv, r, err) < 0) {
    (*err)->exit_code = 1;
    return -1;
  }
  return r->help ? 1 : 0;
}

/* ---- events ---- */

static const struct opt_def events_opts[] = {
    {'f', "filter", OPT_LIST, "filter", "Filter output based on conditions provided", NULL},
    {0, "format", OPT_STR, "string", "Format the output using the given Go template", NULL},
    {0, "since", OPT_STR, "string", "Show all events created since timestamp", NULL},
    {0, "until", OPT_STR, "string", "Stream events until this timestamp", NULL},
    OPT_END,
};
static const struct cmd_info events_info = {
    "events", "[OPTIONS]", "Get real time events from the server", events_opts, false};

int cmd_events(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = parse1(&events_info, argc, argv, &r, err);
  if (rc == 1) { /* --help */
    opts_free(&events_info, &r);
    return 0;
  }
  if (rc == 0 && r.nargs > 0)
    rc = err_set_exit(
        err, 1, 0, "\"tinydocker events\" accepts no arguments.\nSee 'tinydocker events --help'.");
  if (rc == 0) {
    struct eng_events_opts o = {.since = opt_str(&events_info, &r, "since"),
                                .until = opt_str(&events_info, &r, "until"),
                                .filters = opt_list(&events_info, &r, "filter"),
                                .format = opt_str(&events_info, &r, "format")};
    rc = eng_events(ctx, &o, err);
    if (rc < 0) { /* docker's CLI: the daemon's words (or the flag parser's) as they are */
      fprintf(stderr, "%s\n", err_text(*err));
      err_free(err);
      rc = 1;
    }
  }
  opts_free(&events_info, &r);
  return rc < 0 ? -1 : rc;
}

/* ---- diff ---- */

static const struct opt_def no_opts[] = {OPT_END};
static const struct cmd_info diff_info = {
    "diff", "CONTAINER", "Inspect changes to files or directories on a container's filesystem",
    no_opts, false};

int cmd_diff(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = parse1(&diff_info, argc, argv, &r, err);
  if (rc == 0 && r.nargs != 1)
    rc = err_set_exit(
        err, 1, 0,
        "\"tinydocker diff\" requires exactly 1 argument.\nSee 'tinydocker diff --help'.");
  if (rc == 0) {
    autofree char *id = NULL;
    rc = eng_lookup(ctx, r.args[0], &id, err);
    if (rc == 0)
      rc = eng_diff(ctx, id, err);
    if (rc < 0 && *err)
      (*err)->exit_code = 1; /* docker's CLI */
  }
  opts_free(&diff_info, &r);
  return rc < 0 ? -1 : 0;
}

/* ---- system df ---- */

static const struct opt_def df_opts[] = {
    {0, "format", OPT_STR, "string", "Format output using a custom template", NULL},
    {'v', "verbose", OPT_BOOL, NULL, "Show detailed information on space usage", NULL},
    OPT_END,
};
static const struct cmd_info df_info = {"system df", "[OPTIONS]", "Show docker disk usage", df_opts,
                                        false};

static int system_df(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = parse1(&df_info, argc, argv, &r, err);
  if (rc == 0)
    rc =
        eng_system_df(ctx, opt_bool(&df_info, &r, "verbose"), opt_str(&df_info, &r, "format"), err);
  opts_free(&df_info, &r);
  return rc < 0 ? -1 : 0;
}

/* ---- system prune ---- */

static const struct opt_def sprune_opts[] = {
    {'a', "all", OPT_BOOL, NULL, "Remove all unused images not just dangling ones", NULL},
    {0, "filter", OPT_LIST, "filter", "Provide filter values (e.g. 'label=<key>=<value>')", NULL},
    {'f', "force", OPT_BOOL, NULL, "Do not prompt for confirmation", NULL},
    {0, "volumes", OPT_BOOL, NULL, "Prune volumes", NULL},
    OPT_END,
};
static const struct cmd_info sprune_info = {"system prune", "[OPTIONS]", "Remove unused data",
                                            sprune_opts, false};

/* docker's prompt; anything but y/Y (or end of input) declines. */
bool cli_confirm(const char *warning)
{
  fputs(warning, stdout);
  fputs("Are you sure you want to continue? [y/N] ", stdout);
  fflush(stdout);
  char line[64];
  if (fgets(line, sizeof(line), stdin) == NULL)
    return false;
  return (line[0] == 'y' || line[0] == 'Y') && (line[1] == '\n' || line[1] == '\0');
}

/* Stopped containers, networks without endpoints, (--volumes) unused volumes, each block as
 * docker prints it; then the images, last: this process becomes the image tool, which prints
 * docker's one total (the bytes freed before passed in). */
static int prune_all(struct eng_ctx *ctx, bool all, bool volumes, char **filters,
                     struct td_err **err)
{
  if (eng_prune(ctx, filters, false, err) < 0)
    return -1;
  autostrv char **nets = NULL;
  if (net_prune(ctx->root, &nets, err) < 0)
    return -1;
  if (nets && *nets) {
    printf("Deleted Networks:\n");
    for (char **n = nets; *n; n++)
      printf("%s\n", *n);
    printf("\n");
  }
  unsigned long long freed = 0;
  if (volumes) {
    autojson json_t *removed = json_array();
    if (volume_prune(ctx->root, false, removed, &freed, err) < 0)
      return -1;
    if (json_array_size(removed)) {
      printf("Deleted Volumes:\n");
      size_t i;
      json_t *n;
      json_array_foreach (removed, i, n)
        printf("%s\n", json_string_value(n));
      printf("\n");
    }
  }
  fflush(stdout);
  autofree char *reclaimed = xasprintf("--reclaimed=%llu", freed);
  autostrv char **av = NULL;
  strv_push(&av, "tinydocker");
  strv_push(&av, "image");
  strv_push(&av, "prune");
  strv_push(&av, "-f");
  strv_push(&av, reclaimed);
  if (all)
    strv_push(&av, "-a");
  for (char **f = filters; f && *f; f++) {
    autofree char *fl = xasprintf("--filter=%s", *f);
    strv_push(&av, fl);
  }
  return image_tool_exec(ctx->root, (int)strv_len(av), av, err);
}

static int system_prune(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = parse1(&sprune_info, argc, argv, &r, err);
  if (rc != 0)
    goto out;
  bool all = opt_bool(&sprune_info, &r, "all");
  bool volumes = opt_bool(&sprune_info, &r, "volumes");
  char **filters = opt_list(&sprune_info, &r, "filter");
  if ((rc = eng_prune_filters_check(filters, err)) < 0)
    goto out;
  if (!opt_bool(&sprune_info, &r, "force")) {
    char warn[1024];
    snprintf(warn, sizeof(warn),
             "WARNING! This will remove:\n  - all stopped containers\n"
             "  - all networks not used by at least one container\n%s%s%s",
             volumes ? "  - all volumes not used by at least one container\n" : "",
             all ? "  - all images without at least one container associated to them\n"
                 : "  - all dangling images\n",
             all ? "  - all build cache\n\n" : "  - all dangling build cache\n\n");
    if (!cli_confirm(warn))
      goto out;
  }
  rc = prune_all(ctx, all, volumes, filters, err);
out:
  opts_free(&sprune_info, &r);
  return rc < 0 ? -1 : 0;
}

/* ---- the group ---- */

static void system_usage(void)
{
  printf("\nUsage:  tinydocker system COMMAND\n\nManage tinydocker\n\nCommands:\n"
         "  df          Show docker disk usage\n"
         "  events      Get real time events from the server\n"
         "  info        Display system-wide information\n"
         "  prune       Remove unused data\n\n"
         "Run 'tinydocker system COMMAND --help' for more information on a command.\n");
}

int cmd_system(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    system_usage();
    return 0;
  }
  const char *sub = argv[0];
  if (strcmp(sub, "events") == 0)
    return cmd_events(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "info") == 0)
    return cmd_info(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "df") == 0)
    return system_df(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "prune") == 0)
    return system_prune(ctx, argc - 1, argv + 1, err);
  system_usage();
  return err_set_exit(err, 1, 0, "unknown command \"%s\" for \"tinydocker system\"", sub);
}
