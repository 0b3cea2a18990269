/* `tinydocker build`: handed to tinydocker-build (engine/build), which carries libarchive for
 * the layers; the hot commands never load it. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static int exec_build(struct eng_ctx *ctx, const char *first, int argc, char **argv,
                      struct td_err **err)
{
  autofree char *tool = helper_find("tinydocker-build");
  if (tool == NULL)
    return err_set(err, ENOENT, "cannot find tinydocker-build (next to tinydocker or in %s)",
                   TD_LIBEXECDIR);
  char **av = xcalloc((size_t)argc + 5, sizeof(char *));
  size_t n = 0;
  av[n++] = (char *)"tinydocker-build";
  av[n++] = (char *)"--root";
  av[n++] = ctx->root;
  if (first)
    av[n++] = (char *)first;
  for (int i = 0; i < argc; i++)
    av[n++] = argv[i];
  /* --userns-remap (over $TINYDOCKER_USERNS_REMAP) goes to the builder in its environment: its
   * RUN steps are remapped as run's containers (engine/build/fsstep.c) */
  if (ctx->userns_remap)
    setenv("TINYDOCKER_USERNS_REMAP", ctx->userns_remap, 1);
  else
    unsetenv("TINYDOCKER_USERNS_REMAP");
  execv(tool, av);
  int saved = errno;
  free(av);
  return err_set(err, saved, "exec %s", tool);
}

int cmd_build(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return exec_build(ctx, NULL, argc, argv, err);
}

/* `builder prune`: the build cache (engine/build/prune.c) */
int cmd_builder(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  return exec_build(ctx, "builder", argc, argv, err);
}
