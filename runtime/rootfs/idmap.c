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
#include "util/xalloc.h"

static char *map_text(const struct spec_idmap *v, size_t n)
{
  char *s = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *t = xasprintf("%s%u %u %u\n", s, v[i].container_id, v[i].host_id, v[i].size);
    free(s);
    s = t;
  }
  return s;
}

/* procfd: a procfs of our pid namespace (the host's /proc shows other pids before the pivot) */
static int write_map(int procfd, pid_t pid, const char *file, const struct spec_idmap *v, size_t n,
                     struct td_err **err)
{
  autofree char *path = xasprintf("%d/%s", (int)pid, file);
  autofree char *text = map_text(v, n);
  autoclose int fd = openat(procfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
    return err_set(err, errno, "write %s", file);
  return 0;
}

/* A user namespace fd with the given mappings, from a helper that unshares one and waits. */
static int userns_with_maps(const struct spec_idmap *u, size_t nu, const struct spec_idmap *g,
                            size_t ng, struct td_err **err)
{
  autoclose int procfd = rootfs_open_procfs(err);
  if (procfd < 0)
    return -1;
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  if (pipe2(done, O_CLOEXEC) < 0) {
    close(ready[0]);
    close(ready[1]);
    return err_set(err, errno, "pipe");
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    close(done[1]);
    char c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
      _exit(1);
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  int fd = -1;
  char c = 0;
  if (pid < 0)
    err_set(err, errno, "fork");
  else if (RETRY_EINTR(read(ready[0], &c, 1)) != 1 || c != 'y')
    err_set(err, EPERM, "unshare a user namespace");
  else if (write_map(procfd, pid, "uid_map", u, nu, err) == 0 &&
           write_map(procfd, pid, "gid_map", g, ng, err) == 0) {
    autofree char *path = xasprintf("%d/ns/user", (int)pid);
    fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      err_set(err, errno, "open %s", path);
  }
  close(ready[0]);
  close(done[1]);
  if (pid > 0)
    waitpid(pid, NULL, 0);
  return fd;
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
