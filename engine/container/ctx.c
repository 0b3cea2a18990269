#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/container/container.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

/* The store root and the runtime root are 0700, also when they were there before us (made by
 * hand, by a loose umask, by an older version): docker's fix of CVE-2021-41091 sets its data
 * root's mode at every start in the same way. Below them nobody but root reaches a container's
 * rootfs (setuid programs of an image), logs, records (environment) or attach socket. One stat
 * per command; the chmod only when the mode is wrong. With --userns-remap the store root and its
 * containers/ are 0710 and of the remapped root's group (engine/container/userns.c). */
static int keep_private(const char *dir, struct td_err **err)
{
  struct stat st;
  if (stat(dir, &st) < 0)
    return err_set(err, errno, "stat %s", dir);
  /* 0710 only for a group other than root's: a remapped container root's (docker's 0710
   * root:REMAPGID, engine/container/userns.c) */
  mode_t keep = st.st_gid != 0 ? 0710 : 0700;
  if ((st.st_mode & 077 & ~keep) != 0 && chmod(dir, st.st_mode & keep) < 0)
    return err_set(err, errno, "chmod %s", dir);
  return 0;
}

int eng_ctx_init(struct eng_ctx *ctx, const char *root_flag, bool debug, struct td_err **err)
{
  memset(ctx, 0, sizeof(*ctx));
  const char *env = getenv("TINYDOCKER_ROOT");
  const char *root = root_flag ? root_flag : (env && *env ? env : NULL);
  ctx->root = xstrdup(root ? root : ENG_DEFAULT_ROOT);
  /* a private root gets a private runtime state dir, so test roots never meet */
  ctx->run_root = root ? xasprintf("%s/run", ctx->root) : xstrdup(ENG_DEFAULT_RUN_ROOT);
  ctx->ctr_dir = xasprintf("%s/containers", ctx->root);
  ctx->debug = debug;
  const char *remap = getenv("TINYDOCKER_USERNS_REMAP");
  ctx->userns_remap = remap && *remap ? xstrdup(remap) : NULL;
  ctx->self_exe = self_exe_path();
  autofree char *names = xasprintf("%s/names", ctx->ctr_dir);
  if (access(names, F_OK) != 0 && mkdir_p(names, 0700, err) < 0)
    return err_prefix(err, "state root %s", ctx->root);
  if (access(ctx->run_root, F_OK) != 0 && mkdir_p(ctx->run_root, 0700, err) < 0)
    return err_prefix(err, "runtime root %s", ctx->run_root);
  if (keep_private(ctx->root, err) < 0 || (!root && keep_private(ctx->run_root, err) < 0))
    return -1;
  return 0;
}

void eng_ctx_clear(struct eng_ctx *ctx)
{
  free(ctx->root);
  free(ctx->run_root);
  free(ctx->ctr_dir);
  free(ctx->self_exe);
  free(ctx->userns_remap);
  memset(ctx, 0, sizeof(*ctx));
}
