/* Idmapped bind mounts (runtime-spec 1.2 "idmap"/"ridmap", uidMappings/gidMappings on a mount):
 * a clone of the source tree gets MOUNT_ATTR_IDMAP with a user namespace holding the mappings,
 * then is attached at the target. The namespace is made by a short-lived helper process. */
#include "runtime/rootfs/rootfs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/idmapns.h"
#include "util/xalloc.h"

/* The spec's mappings as util/idmapns's lines (allocated). */
static struct idmap_line *lines_of(const struct spec_idmap *v, size_t n)
{
  struct idmap_line *l = xcalloc(n ? n : 1, sizeof(*l));
  for (size_t i = 0; i < n; i++)
    l[i] = (struct idmap_line){v[i].container_id, v[i].host_id, v[i].size};
  return l;
}

/* A user namespace fd with the given mappings (util/idmapns: a helper that unshares one), its
 * files looked up in a procfs of our pid namespace (the host's /proc shows other pids before the
 * pivot). */
static int userns_with_maps(const struct spec_idmap *u, size_t nu, const struct spec_idmap *g,
                            size_t ng, struct td_err **err)
{
  autoclose int procfd = rootfs_open_procfs(err);
  if (procfd < 0)
    return -1;
  autofree struct idmap_line *lu = lines_of(u, nu);
  autofree struct idmap_line *lg = lines_of(g, ng);
  return idmapns_open_at(procfd, lu, nu, lg, ng, err);
}

int rootfs_mount_idmapped(const char *src, int target_fd, const struct spec *spec,
                          const struct spec_mount *m, const struct rootfs_opts *o,
                          struct td_err **err)
{
  const struct spec_idmap *u = m->uid_mappings, *g = m->gid_mappings;
  size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
  if (u == NULL) {
    u = spec->linux_.uid_mappings;
    nu = spec->linux_.n_uid_mappings;
    g = spec->linux_.gid_mappings;
    ng = spec->linux_.n_gid_mappings;
  }
  if (nu == 0 || ng == 0)
    return err_set(err, EINVAL, "idmap: no uidMappings/gidMappings on the mount or the container");
  if (o->in_userns)
    return err_set(err, ENOTSUP, "idmapped mounts inside a user namespace are not supported");
  unsigned rec = m->idmap_recursive ? AT_RECURSIVE : 0;
  autoclose int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
  if (tree < 0)
    return err_set(err, errno, "open_tree %s", src);
  autoclose int userns = userns_with_maps(u, nu, g, ng, err);
  if (userns < 0)
    return err_prefix(err, "idmap");
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (mount_setattr(tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) < 0)
    return err_set(err, errno, "idmap %s", src);
  if (move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return err_set(err, errno, "attach idmapped %s", src);
  return 0;
}
