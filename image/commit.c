/* commit (a container's upper dir becomes a layer over its image) and export (a merged
 * rootfs as one tar). The engine runs them through tinydocker-image: see docs/images.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <archive.h>

#include "image/archerr.h"
#include "image/build.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/ovlmount.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/tarwrite.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Tar of dir into fd (plain, pax). */
static int tar_to_fd(const char *dir, bool upper, const struct tar_idshift *shift, int fd,
                     struct td_err **err)
{
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  int rc = archive_write_open_fd(a, fd) == ARCHIVE_OK
               ? image_tar_dir_shifted(a, dir, upper, shift, err)
               : image_archive_err(err, a, EIO, "open tar writer");
  if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
    rc = image_archive_err(err, a, EIO, "finish tar");
  archive_write_free(a);
  return rc;
}

int image_export_rootfs(const char *rootfs_dir, int out_fd, struct td_err **err)
{
  if (tar_to_fd(rootfs_dir, false, NULL, out_fd, err) < 0)
    return err_prefix(err, "export %s", rootfs_dir);
  return 0;
}

static int commit_locked(const char *root, const char *upper_dir, struct image_info *parent,
                         struct image_build *b, char **id_out, struct td_err **err)
{
  autofree char *tarp = NULL;
  autoclose int tfd = image_tmp_file(root, &tarp, err);
  if (tfd < 0)
    return -1;
  struct tar_idshift shift;
  bool shifted = image_tar_idshift_of(upper_dir, &shift);
  int rc = tar_to_fd(upper_dir, true, shifted ? &shift : NULL, tfd, err);
  autofree char *blobp = NULL;
  autoclose int bfd = rc == 0 ? image_tmp_file(root, &blobp, err) : -1;
  struct image_layer layer = {0};
  if (rc == 0 && bfd < 0)
    rc = -1;
  /* the layer goes into the store through the same checked unpack as any import */
  if (rc == 0 && lseek(tfd, 0, SEEK_SET) < 0)
    rc = err_set(err, errno, "seek %s", tarp);
  const char *parent_chain = parent->n_layers ? parent->chain_ids[parent->n_layers - 1] : NULL;
  if (rc == 0)
    rc = image_layer_from_fd(root, tfd, parent_chain, NULL, bfd, &layer, err);
  unlink(tarp);
  autojson json_t *manifest = NULL;
  if (rc == 0)
    rc = image_blob_read_json(root, parent->manifest_digest, &manifest, err);
  if (rc == 0) {
    b->base_config = parent->config;
    b->base_manifest = manifest;
    b->layer = &layer;
    b->layer_blob_tmp = blobp;
    rc = image_build_store(root, b, id_out, err);
  }
  image_layer_clear(&layer);
  if (blobp)
    unlink(blobp);
  return rc;
}

int image_commit_dir(const char *root, const char *upper_dir, const char *parent_image,
                     char *const *changes, const char *message, const char *author, const char *ref,
                     char **id_out, struct td_err **err)
{
  return image_commit_dir_config(root, upper_dir, parent_image, NULL, changes, message, author, ref,
                                 id_out, err);
}

int image_commit_dir_config(const char *root, const char *upper_dir, const char *parent_image,
                            json_t *container_config, char *const *changes, const char *message,
                            const char *author, const char *ref, char **id_out, struct td_err **err)
{
  autostrv char **names = NULL;
  char *refs[] = {(char *)ref, NULL};
  if (image_names_full(ref ? refs : NULL, &names, err) < 0)
    return -1;
  struct image_info *parent = NULL;
  if (image_resolve(root, parent_image, &parent, err) < 0)
    return -1;
  int lock = image_store_lock_clean(root, err);
  if (lock < 0) {
    image_info_free(parent);
    return -1;
  }
  struct image_build b = {.container_config = container_config,
                          .changes = changes,
                          .created_by = "tinydocker commit",
                          .comment = message,
                          .author = author,
                          .names = names};
  int rc = commit_locked(root, upper_dir, parent, &b, id_out, err);
  image_info_free(parent);
  lock_release(lock);
  return rc < 0 ? err_prefix(err, "commit") : 0;
}

/* The container's files as its image sees them: its upper dir over the image's layers, all
 * read-only lowers (no upper, no work dir: nothing written, the container may be running). */
static int overlay_ro(const char *root, const char *upper, struct image_info *img,
                      const char *target, struct td_err **err)
{
  size_t n = img->n_layers + 1;
  autofree char *empty = NULL;
  autofree char **lowers = xcalloc(n + 2, sizeof(char *));
  lowers[0] = (char *)upper;
  for (size_t i = 0; i < img->n_layers; i++)
    lowers[1 + i] = img->layer_dirs[img->n_layers - 1 - i];
  if (n == 1) { /* a kernel before 6.7 wants two lower dirs without an upper */
    empty = xasprintf("%s/layers/.empty", root);
    if (mkdir_p(empty, 0755, err) < 0)
      return -1;
    lowers[n++] = empty;
  }
  struct ovl_spec spec = {.lowers = lowers, .n_lowers = n};
  autofree char *run_dir = hostfeat_run_dir(root);
  if (ovl_mount(run_dir, &spec, target, err) < 0)
    return err_prefix(err, "mount the merged rootfs on %s", target);
  return 0;
}

int image_export_container(const char *root, const char *upper_dir, const char *image, int out_fd,
                           struct td_err **err)
{
  struct image_info *img = NULL;
  if (image_resolve(root, image, &img, err) < 0)
    return -1;
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    image_info_free(img);
    return err_set(err, errno, "private mount namespace");
  }
  /* not under tmp/: writers empty tmp/, and removing a dir that is a mount point in our
   * private namespace would detach the mount under the running export */
  autofree char *tmpdir = xasprintf("%s/exports", root);
  autofree char *dir = image_tmp_template(root, "exports", "export");
  int rc = mkdir_p(tmpdir, 0700, err);
  if (rc == 0 && mkdtemp(dir) == NULL)
    rc = err_set(err, errno, "create %s", dir);
  if (rc == 0) {
    rc = overlay_ro(root, upper_dir, img, dir, err);
    if (rc == 0) {
      struct tar_idshift shift;
      bool shifted = image_tar_idshift_of(upper_dir, &shift);
      rc = tar_to_fd(dir, false, shifted ? &shift : NULL, out_fd, err);
      if (rc < 0)
        err_prefix(err, "export %s", dir);
      umount2(dir, MNT_DETACH);
    }
    rmdir(dir);
  }
  image_info_free(img);
  return rc;
}
