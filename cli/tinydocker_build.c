/* `tinydocker build`: handed to tinydocker-build (engine/build), which carries libarchive for
 * the layers; the hot commands never load it. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

int cmd_build(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
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
  for (int i = 0; i < argc; i++)
    av[n++] = argv[i];
  execv(tool, av);
  int saved = errno;
  free(av);
  return err_set(err, saved, "exec %s", tool);
}
