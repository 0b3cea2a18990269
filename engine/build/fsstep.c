/* A step that changes files (RUN, COPY, ADD, WORKDIR): the state's layers as the lower dirs of
 * an overlay with a fresh upper dir, mounted in the build's private mount namespace; the upper
 * dir then becomes the step's layer, through the same tar writer (whiteouts, opaque dirs) and
 * the same checked unpack into the store as `commit`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <archive.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "image/build.h"
#include "image/layer.h"
#include "image/ovlmount.h"
#include "image/store.h"
#include "image/tarwrite.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int mount_layers(struct builder *b, const struct bstate *s, const char *upper,
                        const char *workdir, int idmap_userns, const char *target,
                        struct td_err **err)
{
  autostrv char **dirs = NULL;
  if (build_private_ns(b, err) < 0 || bstate_layer_dirs(b, s, &dirs, NULL, err) < 0)
    return -1;
  size_t n = strv_len(dirs);
  autofree char *empty = xasprintf("%s/layers/.empty", b->req->root);
  autofree char **lowers = xcalloc(n + 3, sizeof(char *));
  for (size_t i = 0; i < n; i++)
    lowers[i] = dirs[n - 1 - i];
  /* an image without layers still needs a lower dir (two without an upper, kernels < 6.7) */
  size_t want = upper ? 1 : 2;
  while (n < want) {
    if (mkdir_p(empty, 0755, err) < 0)
      return -1;
    lowers[n++] = empty;
  }
  struct ovl_spec spec = {.lowers = lowers,
                          .n_lowers = n,
                          .upper = upper,
                          .work = workdir,
                          .transient = true,
                          .idmap_userns = idmap_userns};
  autofree char *run_dir = hostfeat_run_dir(b->req->root);
  if (ovl_mount(run_dir, &spec, target, err) < 0)
    return err_prefix(err, "mount the build step's rootfs");
  return 0;
}

int fsstep_begin(struct builder *b, const struct bstate *s, struct fsstep *f, bool run,
                 struct td_err **err)
{
  memset(f, 0, sizeof(*f));
  f->dir = xasprintf("%s/s%d", b->work, ++b->n_mounts);
  f->rootfs = xasprintf("%s/rootfs", f->dir);
  f->upper = xasprintf("%s/upper", f->dir);
  autofree char *wd = xasprintf("%s/work", f->dir);
  if (mkdir_p(f->rootfs, 0755, err) < 0 || mkdir_p(f->upper, 0755, err) < 0 ||
      mkdir_p(wd, 0700, err) < 0)
    return -1;
  /* --userns-remap: a RUN sees the layers through idmapped mounts and writes its upper dir as
   * the remapped root, as a remapped container (engine/container/userns.c); COPY, ADD and
   * WORKDIR are the engine's own writes and keep the container's ids as they are */
  autoclose int ns = -1;
  if (run && b->remap) {
    uid_t u = 0;
    gid_t g = 0;
    eng_build_remap_ids(b->remap, &u, &g);
    if (lchown(f->upper, u, g) < 0)
      return err_set(err, errno, "chown %s to the remapped root", f->upper);
    if ((ns = eng_build_remap_userns(b->remap, err)) < 0)
      return -1;
    f->remap = b->remap;
  }
  if (mount_layers(b, s, f->upper, wd, ns, f->rootfs, err) < 0)
    return -1;
  f->mounted = true;
  return 0;
}

void fsstep_end(struct fsstep *f)
{
  if (f->mounted && umount2(f->rootfs, MNT_DETACH) < 0) {
    autoerr struct td_err *e = NULL;
    err_set(&e, errno, "unmount %s", f->rootfs);
    err_warn(&e, "build step");
  }
  f->mounted = false;
  if (f->dir) {
    autoerr struct td_err *e = NULL;
    if (rm_rf(f->dir, &e) < 0)
      err_warn(&e, "remove %s", f->dir);
  }
  free(f->dir);
  free(f->rootfs);
  free(f->upper);
  memset(f, 0, sizeof(*f));
}

static int tar_upper(const char *dir, const struct eng_remap *remap, int fd, struct td_err **err)
{
  /* a remapped RUN's files: their host ids back to the container's (as commit does), so the
   * layer is the one a build without remapping makes */
  struct tar_idshift shift;
  if (remap)
    eng_build_remap_shift(remap, &shift);
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  int rc = archive_write_open_fd(a, fd) == ARCHIVE_OK
               ? image_tar_dir_shifted(a, dir, true, remap ? &shift : NULL, err)
               : err_set(err, EIO, "open tar writer: %s", archive_error_string(a));
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = err_set(err, EIO, "finish tar: %s", archive_error_string(a));
  archive_write_free(a);
  return rc;
}

int fsstep_commit(struct builder *b, struct bstate *s, struct fsstep *f, const char *created_by,
                  struct td_err **err)
{
  const char *root = b->req->root;
  if (f->mounted) {
    if (umount2(f->rootfs, MNT_DETACH) < 0)
      return err_set(err, errno, "unmount %s", f->rootfs);
    f->mounted = false;
  }
  autofree char *top = NULL;
  autostrv char **dirs = NULL;
  if (bstate_layer_dirs(b, s, &dirs, &top, err) < 0)
    return -1;
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  autofree char *tarp = NULL, *blobp = NULL;
  autoclose int tfd = image_tmp_file(root, &tarp, err);
  autoclose int bfd = -1;
  struct image_layer layer = {0};
  int rc = tfd < 0 ? -1 : tar_upper(f->upper, f->remap, tfd, err);
  if (rc == 0 && lseek(tfd, 0, SEEK_SET) < 0)
    rc = err_set(err, errno, "seek %s", tarp);
  if (rc == 0 && (bfd = image_tmp_file(root, &blobp, err)) < 0)
    rc = -1;
  if (rc == 0)
    rc = image_layer_from_fd(root, tfd, top, NULL, bfd, &layer, err);
  if (tarp)
    unlink(tarp);
  if (rc == 0)
    rc = bstate_commit(b, s, created_by, &layer, blobp, err);
  if (blobp)
    unlink(blobp);
  image_layer_clear(&layer);
  lock_release(lock);
  return rc;
}

int bstate_mount_ro(struct builder *b, const struct bstate *s, char **path, struct td_err **err)
{
  autofree char *p = xasprintf("%s/m%d", b->work, ++b->n_mounts);
  if (mkdir_p(p, 0755, err) < 0)
    return -1;
  if (mount_layers(b, s, NULL, NULL, -1, p, err) < 0)
    return -1;
  *path = steal_ptr(p);
  return 0;
}

int bstate_mount_ro_idmapped(struct builder *b, const struct bstate *s, char **path,
                             struct td_err **err)
{
  /* <mN>/root: the older kernels' staged layers go to <mN>/.idmap, this mount's own */
  autofree char *p = xasprintf("%s/m%d/root", b->work, ++b->n_mounts);
  if (mkdir_p(p, 0755, err) < 0)
    return -1;
  autoclose int ns = eng_build_remap_userns(b->remap, err);
  if (ns < 0 || mount_layers(b, s, NULL, NULL, ns, p, err) < 0)
    return -1;
  *path = steal_ptr(p);
  return 0;
}
