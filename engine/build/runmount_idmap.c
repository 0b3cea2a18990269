/* --userns-remap: a RUN --mount=type=bind source from the build context, seen through an
 * idmapped mount with the RUN's own mapping (the files on disk as the container's ids: the
 * host's root is the RUN's root, as BuildKit shows a remapped build's context), read-only.
 *
 * The plain bind at the staging point (runmount.c: the fd the source was opened by) is cloned
 * (open_tree, its submounts too), the clone idmapped and made read-only and nodev (the RUN's
 * root owns the context's root files now, device nodes included) (mount_setattr) while
 * still detached, and put in the plain bind's place at the point: what the spec names is then
 * an idmapped read-only mount, which the runtime's bind keeps (idmapping and read-only are
 * per mount and a bind clones them). The point is unmounted after the step (runmount.c) and
 * lives in the build's private mount namespace, so nothing of it is reachable afterwards. An rw
 * bind's throw-away overlay takes the idmapped point as its lower dir, so its writes still go
 * only to the overlay's upper dir.
 *
 * A filesystem the kernel cannot idmap (tmpfs before Linux 6.3, ramfs, nfs, ...: EINVAL from
 * mount_setattr) or a source already on an idmapped mount (EPERM) keeps the plain bind, with a
 * warning: its files then show the host's ids (65534 for ids outside the mapping), as before.
 * A stage or image (from=) is an overlay, which cannot be idmapped itself: its layers are
 * (bstate_mount_ro_idmapped in fsstep.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "util/cleanup.h"

int run_mount_idmap(const struct builder *b, const char *point, const char *what,
                    struct td_err **err)
{
  autoclose int ns = eng_build_remap_userns(b->remap, err);
  if (ns < 0)
    return -1;
  autoclose int tree = open_tree(
      AT_FDCWD, point, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_NO_AUTOMOUNT);
  if (tree < 0)
    return err_set(err, errno, "RUN --mount: clone %s", point);
  /* nodev: the RUN's root now owns the context's root-owned device nodes (a 0600 one too) */
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV,
                         .userns_fd = (uint64_t)ns};
  if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
    if (errno != EINVAL && errno != EPERM && errno != EOPNOTSUPP)
      return err_set(err, errno, "RUN --mount: idmap %s", what);
    autoerr struct td_err *w = NULL;
    err_set(&w, errno, "its filesystem cannot be idmapped here");
    err_warn(&w,
             "--userns-remap: RUN --mount=type=bind source %s is not idmapped: its files show "
             "the host's ids (65534 outside the mapping)",
             what);
    return 0;
  }
  if (umount2(point, MNT_DETACH) < 0)
    return err_set(err, errno, "RUN --mount: unmount %s", point);
  if (move_mount(tree, "", AT_FDCWD, point, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return err_set(err, errno, "RUN --mount: attach the idmapped %s", what);
  return 0;
}
