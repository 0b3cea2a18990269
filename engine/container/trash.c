/* `--rm` in two halves, so that `run --rm` returns when the container is gone from every
 * view, not when the kernel has finished tearing it down. The first half (before the monitor
 * tells the CLI the exit code) releases what another command could ask for at once: the
 * name, the image hold (after unmounting the rootfs, whose layers `rmi` may then delete), the
 * anonymous volumes, the network endpoint (its address and ports), and renames the store
 * directory into <root>/trash, one atomic step after which ps, inspect and rm no longer see
 * the container. The second half (after the answer) removes what only the host sees: the
 * host ends of the veths (net_unplug, ~20 ms of kernel wait), the runtime state and cgroups,
 * and the files.
 *
 * The remover holds the container's lock file (it moves with the directory) until it is done;
 * a trash entry whose lock is free belongs to a remover that died (kill -9), and the next
 * ps, rm or prune finishes it (eng_trash_sweep), so a crash leaks nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/container/internal.h"
#include "image/image.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define TRASH_DIR "trash"

static char *trash_path(const struct eng_ctx *ctx, const char *id)
{
  return id ? xasprintf("%s/%s/%s", ctx->root, TRASH_DIR, id)
            : xasprintf("%s/%s", ctx->root, TRASH_DIR);
}

int eng_trash_move(const struct eng_ctx *ctx, const char *id, struct ctr_record *rec,
                   char ***unplug, struct td_err **err)
{
  autoerr struct td_err *e = NULL;
  if (eng_net_endpoints(rec) && net_release(ctx->root, id, unplug, &e) < 0)
    err_warn(&e, "container %s: network release", id);
  /* unmounted here, not later: `rmi` may delete the image's layers at once */
  eng_rootfs_umount(ctx, rec);
  eng_unpublish(ctx, id, rec, true);
  autofree char *top = trash_path(ctx, NULL);
  if (mkdir(top, 0700) < 0 && errno != EEXIST)
    return err_set(err, errno, "create %s", top);
  autofree char *from = store_dir(ctx, id);
  autofree char *to = trash_path(ctx, id);
  if (rename(from, to) < 0)
    return err_set(err, errno, "move %s to %s", from, to);
  return 0;
}

void eng_trash_finish(const struct eng_ctx *ctx, const char *id, bool rootfs_is_dir, bool net)
{
  eng_teardown_runtime(ctx, id, net); /* net: a sweep after a crash in the first half */
  autofree char *dir = trash_path(ctx, id);
  autoerr struct td_err *e5 = NULL;
  /* a sweep after a crash before the first half's unmount */
  if (!rootfs_is_dir && image_rootfs_umount(dir, &e5) < 0)
    err_warn(&e5, "container %s: unmount its rootfs", id);
  eng_storage_release(dir); /* --storage-opt size: the project's limit goes with it */
  autoerr struct td_err *e6 = NULL;
  if (rm_rf(dir, &e6) < 0) /* FTW_MOUNT: never into a mount that is still there */
    err_warn(&e6, "container %s: remove its directory", id);
}

/* A trash entry whose remover is gone: finish it (under its lock, so one sweeper does). */
static void sweep_one(const struct eng_ctx *ctx, int topfd, const char *id)
{
  autofree char *lockp = xasprintf("%s/lock", id);
  autoclose int lk = openat(topfd, lockp, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (lk >= 0 && flock(lk, LOCK_EX | LOCK_NB) < 0)
    return; /* its remover is at work */
  autofree char *recp = xasprintf("%s/%s", id, STORE_RECORD);
  autoclose int rfd = openat(topfd, recp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  json_t *doc = rfd >= 0 ? json_loadfd(rfd, 0, NULL) : NULL;
  autorecord struct ctr_record *rec = doc ? record_from_json(doc) : NULL;
  /* no record: the create half of a directory; its rootfs may still be an image mount */
  eng_trash_finish(ctx, id, rec && rec->td.rootfs_is_dir, eng_net_endpoints(rec));
}

static bool is_id(const char *s)
{
  size_t n = strspn(s, "0123456789abcdef");
  return n == 64 && s[n] == '\0';
}

/* A container directory without a record whose creator died (a create or run killed before
 * its record was written): removed as `rm -f` would (eng_cleanup_container, the name it
 * reserved included). Only a directory unchanged for a while: a record-less one is also one
 * that `rm` is emptying right now (every unlink in it moves its mtime), and a file made in it
 * then (our lock) would leave that rm a directory not empty; one whose creator file is missing
 * (mkdir, then the file) waits longer. */
static void sweep_incomplete(const struct eng_ctx *ctx, int ctrfd, const char *id)
{
  autofree char *recp = xasprintf("%s/" STORE_RECORD, id);
  if (faccessat(ctrfd, recp, F_OK, 0) == 0 || errno != ENOENT)
    return; /* the usual case */
  autofree char *creator = xasprintf("%s/creator", id);
  struct stat st;
  time_t quiet = faccessat(ctrfd, creator, F_OK, 0) == 0 ? 2 : 10;
  if (fstatat(ctrfd, id, &st, 0) < 0 || time(NULL) - st.st_mtime < quiet)
    return;
  autofree char *lockp = xasprintf("%s/lock", id);
  autoclose int lk = openat(ctrfd, lockp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB) < 0)
    return; /* somebody is at work on it */
  autoerr struct td_err *err = NULL;
  autorecord struct ctr_record *rec = NULL;
  /* under the lock again: a record written meanwhile, or a creator alive (NULL), is kept */
  if (faccessat(ctrfd, recp, F_OK, 0) < 0 && eng_load_refreshed(ctx, id, &rec, &err) == 0 &&
      rec->state.status && strcmp(rec->state.status, "dead") == 0 &&
      eng_cleanup_container(ctx, id, rec, true, true, &err) < 0)
    err_warn(&err, "container %s: remove what its killed creator left", id);
}

void eng_trash_sweep(const struct eng_ctx *ctx)
{
  autoclose int cfd = open(ctx->ctr_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  autoclosedir DIR *cd = cfd >= 0 ? fdopendir(dup(cfd)) : NULL;
  struct dirent *ce;
  while (cd && (ce = readdir(cd)) != NULL)
    if (is_id(ce->d_name))
      sweep_incomplete(ctx, cfd, ce->d_name);
  autofree char *top = trash_path(ctx, NULL);
  autoclose int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return; /* the usual case: nothing was ever left */
  autoclosedir DIR *d = fdopendir(dup(fd));
  if (!d)
    return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (is_id(de->d_name))
      sweep_one(ctx, fd, de->d_name);
}
