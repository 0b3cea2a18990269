/* A container's rootfs: overlayfs with the image layers as lower dirs and the container's
 * upper/work dirs, mounted by image/ovlmount.c: one lower dir per fsconfig call ("lowerdir+",
 * Linux 6.8+), so the number of layers is not limited by the page-sized option string and
 * the cost per layer is one syscall; older kernels get the classic option string. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "image/ovlmount.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostfeat.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* An image with no layers still needs one lower dir. */
static int empty_lower(const char *root, char **out, struct td_err **err)
{
  autofree char *d = xasprintf("%s/layers/.empty", root);
  if (mkdir_p(d, 0755, err) < 0)
    return -1;
  *out = steal_ptr(d);
  return 0;
}

static bool is_mountpoint(const char *path)
{
  struct statx a, b;
  autofree char *parent = xasprintf("%s/..", path);
  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &a) < 0 ||
      statx(AT_FDCWD, parent, 0, STATX_MNT_ID, &b) < 0)
    return false;
  if ((a.stx_mask & STATX_MNT_ID) && (b.stx_mask & STATX_MNT_ID))
    return a.stx_mnt_id != b.stx_mnt_id;
  return a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor;
}

static int rootfs_mount(const char *root, const struct image_info *img, const char *container_dir,
                        bool transient, int idmap_userns, char **rootfs_path, struct td_err **err)
{
  autofree char *rootfs = xasprintf("%s/rootfs", container_dir);
  autofree char *upper = xasprintf("%s/upper", container_dir);
  autofree char *work = xasprintf("%s/work", container_dir);
  if (mkdir_p(rootfs, 0755, err) < 0 || mkdir_p(upper, 0755, err) < 0 ||
      mkdir_p(work, 0700, err) < 0)
    return err_prefix(err, "rootfs for image %s", img->id);
  if (image_hold(root, img->id, container_dir, err) < 0)
    return -1;
  if (is_mountpoint(rootfs)) {
    *rootfs_path = steal_ptr(rootfs);
    return 0;
  }
  char **lowers = img->layer_dirs;
  size_t n = img->n_layers;
  autofree char *empty = NULL;
  char *one[2] = {NULL, NULL};
  if (n == 0) {
    if (empty_lower(root, &empty, err) < 0)
      return -1;
    one[0] = empty;
    lowers = one;
    n = 1;
  }
  if (transient) {
    /* a volatile overlay leaves work/work/incompat/volatile behind, and the kernel refuses to
     * mount over it again (after a reboot, say): the content needs no such care here */
    autofree char *incompat = xasprintf("%s/work/incompat", work);
    autoerr struct td_err *e0 = NULL;
    rm_rf(incompat, &e0);
  }
  autostrv char **top_first = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++)
    top_first[i] = xstrdup(lowers[n - 1 - i]);
  struct ovl_spec spec = {.lowers = top_first,
                          .n_lowers = n,
                          .upper = upper,
                          .work = work,
                          .transient = transient,
                          .idmap_userns = idmap_userns};
  autofree char *run_dir = hostfeat_run_dir(root);
  if (ovl_mount(run_dir, &spec, rootfs, err) < 0)
    return err_prefix(err, "mount rootfs of image %s", img->id);
  *rootfs_path = steal_ptr(rootfs);
  return 0;
}

int image_rootfs_umount(const char *container_dir, struct td_err **err)
{
  autofree char *rootfs = xasprintf("%s/rootfs", container_dir);
  while (is_mountpoint(rootfs)) {
    if (umount2(rootfs, MNT_DETACH) < 0) {
      if (errno == EINVAL || errno == ENOENT)
        break;
      return err_set(err, errno, "unmount %s", rootfs);
    }
  }
  return 0;
}

int image_rootfs_mount(const char *root, const struct image_info *img, const char *container_dir,
                       char **rootfs_path, struct td_err **err)
{
  return rootfs_mount(root, img, container_dir, false, -1, rootfs_path, err);
}

int image_rootfs_mount_transient(const char *root, const struct image_info *img,
                                 const char *container_dir, char **rootfs_path, struct td_err **err)
{
  return rootfs_mount(root, img, container_dir, true, -1, rootfs_path, err);
}

int image_rootfs_mount_idmapped(const char *root, const struct image_info *img,
                                const char *container_dir, bool transient, int userns,
                                char **rootfs_path, struct td_err **err)
{
  return rootfs_mount(root, img, container_dir, transient, userns, rootfs_path, err);
}
