/* The cgroup mount: on cgroup v2 the unified hierarchy; on v1/hybrid a tmpfs holding one
 * directory per hierarchy, each the container's own cgroup (or, with a cgroup namespace, the
 * hierarchy mounted afresh, rooted at the namespace). */
#include "runtime/rootfs/rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* One line of /proc/self/cgroup: "4:memory:/path" or "0::/path". */
struct cg_line {
  char *controllers; /* "" for the unified hierarchy */
  char *path;
};

static int read_self_cgroup(struct cg_line **out, size_t *n, struct td_err **err)
{
  autofree char *buf = NULL;
  if (file_read_all(AT_FDCWD, "/proc/self/cgroup", &buf, NULL, err) < 0)
    return -1;
  autostrv char **lines = strv_split(buf, '\n');
  struct cg_line *v = xcalloc(strv_len(lines) + 1, sizeof(*v));
  size_t k = 0;
  for (char **l = lines; *l; l++) {
    char *c1 = strchr(*l, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
      continue;
    v[k].controllers = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
    v[k].path = xstrdup(c2 + 1);
    k++;
  }
  *out = v;
  *n = k;
  return 0;
}

static void free_cg_lines(struct cg_line *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].controllers);
    free(v[i].path);
  }
  free(v);
}

/* Does a v1 mount's superblock options name every controller of the line? */
static bool opts_match(const char *super_opts, const char *controllers)
{
  autostrv char **opts = strv_split(super_opts, ',');
  autostrv char **want = strv_split(controllers, ',');
  for (char **w = want; *w; w++)
    if (strv_find(opts, *w) < 0)
      return false;
  return true;
}

static const struct mountinfo *find_hierarchy(const struct mountinfo *mi, size_t n,
                                              const struct cg_line *l)
{
  for (size_t i = 0; i < n; i++) {
    if (!rootfs_path_under(mi[i].mountpoint, CGROUP_ROOT))
      continue;
    if (l->controllers[0] == '\0' && strcmp(mi[i].fstype, "cgroup2") == 0)
      return &mi[i];
    if (l->controllers[0] != '\0' && strcmp(mi[i].fstype, "cgroup") == 0 &&
        opts_match(mi[i].super_opts, l->controllers))
      return &mi[i];
  }
  return NULL;
}

/* The host directory of our cgroup in a hierarchy mounted with root mi->root. */
static char *host_cgroup_dir(const struct mountinfo *mi, const char *path)
{
  if (!rootfs_path_under(path, mi->root))
    return NULL;
  const char *rel = path + (strcmp(mi->root, "/") == 0 ? 0 : strlen(mi->root));
  return xasprintf("%s%s", mi->mountpoint, rel);
}

static bool want_ro(const struct spec_mount *m)
{
  /* read-only unless the spec says rw explicitly */
  return (m->flags & MS_RDONLY) || !(m->clear_flags & MS_RDONLY);
}

static unsigned long sub_flags(const struct spec_mount *m)
{
  return MS_NOSUID | MS_NODEV | MS_NOEXEC | (want_ro(m) ? MS_RDONLY : 0);
}

/* Bind src at dest inside the rootfs and remount it with flags (after re-resolving). */
static int bind_at(int rootfd, const char *dest, const char *src, unsigned long flags,
                   struct td_err **err)
{
  autoclose int fd = safepath_mkdir_p(rootfd, dest, 0755, err);
  if (fd < 0 || rootfs_mount_fd(src, fd, NULL, MS_BIND, NULL, err) < 0)
    return -1;
  autoclose int top = safepath_open(rootfd, dest, O_PATH, 0, err);
  if (top < 0)
    return -1;
  return rootfs_remount_bind(top, flags, err);
}

static int mount_v2(int rootfd, const struct spec *spec, const struct spec_mount *m,
                    const char *dest, struct td_err **err)
{
  unsigned long flags = sub_flags(m) | (m->flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME));
  if (spec->linux_.ns[NS_CGROUP].present) {
    autoclose int fd = safepath_mkdir_p(rootfd, dest, 0755, err);
    if (fd < 0)
      return -1;
    if (rootfs_mount_fd("cgroup2", fd, "cgroup2", flags, m->data, err) == 0)
      return 0;
    if ((*err)->errnum != EPERM && (*err)->errnum != EBUSY)
      return -1;
    err_free(err);
  }
  /* no cgroup namespace: show the container its own cgroup only, not the host's tree */
  struct cg_line *lines = NULL;
  size_t n = 0;
  if (read_self_cgroup(&lines, &n, err) < 0)
    return -1;
  autofree char *src = NULL;
  for (size_t i = 0; i < n; i++)
    if (lines[i].controllers[0] == '\0')
      src = xasprintf("%s%s", CGROUP_ROOT, lines[i].path);
  free_cg_lines(lines, n);
  if (src == NULL)
    return err_set(err, ENOENT, "no unified cgroup in /proc/self/cgroup");
  return bind_at(rootfd, dest, src, flags, err);
}

/* A directory made in the fresh tmpfs at top. The tmpfs is ours and nothing else runs in
 * this mount namespace yet, so a name made in it cannot have been swapped for a symlink:
 * plain mkdirat/openat suffice (no walk from the rootfs for each hierarchy). */
static int tmpfs_subdir(int top, const char *name, struct td_err **err)
{
  if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", name);
  int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", name);
  return fd;
}

/* Mount (cgroup namespace) or bind (no namespace) one v1/hybrid hierarchy below top. The
 * flags (read-only, nosuid...) come in one pass over the whole tree afterwards. */
static int mount_v1_one(int top, const struct spec *spec, const struct spec_mount *m,
                        const struct mountinfo *mi, const struct cg_line *l, struct td_err **err)
{
  const char *name = strrchr(mi->mountpoint, '/') + 1;
  autofree char *src = NULL;
  if (!spec->linux_.ns[NS_CGROUP].present && (src = host_cgroup_dir(mi, l->path)) == NULL)
    return 0; /* our cgroup is not visible in this mount: nothing to show */
  autoclose int fd = tmpfs_subdir(top, name, err);
  if (fd < 0)
    return -1;
  if (src)
    return rootfs_mount_fd(src, fd, NULL, MS_BIND, NULL, err);
  bool v2 = l->controllers[0] == '\0';
  autofree char *data = strncmp(l->controllers, "name=", 5) == 0
                            ? xasprintf("none,%s", l->controllers)
                            : xstrdup(l->controllers);
  return rootfs_mount_fd(v2 ? "cgroup2" : "cgroup", fd, v2 ? "cgroup2" : "cgroup", sub_flags(m),
                         v2 ? NULL : data, err);
}

/* cpu -> cpu,cpuacct: the names docker and runc give co-mounted controllers. */
static void comount_links(int top, const char *name)
{
  if (strchr(name, ',') == NULL)
    return;
  autostrv char **parts = strv_split(name, ',');
  for (char **p = parts; *p; p++)
    if (symlinkat(name, top, *p) < 0 && errno != EEXIST)
      return;
}

/* nosuid/nodev/noexec (and ro unless rw was asked for) on the tmpfs and every hierarchy in
 * it: one recursive mount_setattr, else (kernel < 5.12, or refused) a remount of each. */
static int v1_flags(int top, const struct spec_mount *m, struct td_err **err)
{
  unsigned long flags = sub_flags(m);
  struct mount_attr a = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                                     ((flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0)};
  /* any failure (ENOSYS; EPERM from a seccomp filter of our own container) takes the old
   * way, which reports a real error itself */
  if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) == 0)
    return 0;
  int dfd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  autoclosedir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (d == NULL) {
    int e = errno;
    if (dfd >= 0)
      close(dfd);
    return err_set(err, e, "list the cgroup tmpfs");
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    autoclose int fd = openat(top, de->d_name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || rootfs_remount_bind(fd, flags, err) < 0)
      return fd < 0 ? err_set(err, errno, "open %s", de->d_name) : -1;
  }
  if (!(flags & MS_RDONLY))
    return 0;
  return rootfs_remount_bind(top, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

static int mount_v1(int rootfd, const struct spec *spec, const struct spec_mount *m,
                    const char *dest, struct td_err **err)
{
  autoclose int fd = safepath_mkdir_p(rootfd, dest, 0755, err);
  if (fd < 0)
    return -1;
  if (rootfs_mount_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", err) < 0)
    return -1;
  autoclose int top = safepath_open(rootfd, dest, O_PATH | O_DIRECTORY, 0, err);
  if (top < 0)
    return -1;
  struct mountinfo *mi = NULL;
  size_t nmi = 0;
  struct cg_line *lines = NULL;
  size_t n = 0;
  int r = 0;
  if (mountinfo_read(&mi, &nmi, err) < 0)
    return -1;
  if (read_self_cgroup(&lines, &n, err) < 0) {
    mountinfo_free(mi, nmi);
    return -1;
  }
  for (size_t i = 0; r == 0 && i < n; i++) {
    const struct mountinfo *h = find_hierarchy(mi, nmi, &lines[i]);
    if (h == NULL || strcmp(h->mountpoint, CGROUP_ROOT) == 0)
      continue;
    r = mount_v1_one(top, spec, m, h, &lines[i], err);
    if (r == 0)
      comount_links(top, strrchr(h->mountpoint, '/') + 1);
  }
  mountinfo_free(mi, nmi);
  free_cg_lines(lines, n);
  if (r < 0)
    return r;
  return v1_flags(top, m, err);
}

int rootfs_mount_cgroup(int rootfd, const struct spec *spec, const struct spec_mount *m,
                        struct td_err **err)
{
  autofree char *dest = rootfs_clean_path(m->destination);
  struct statfs sfs;
  if (statfs(CGROUP_ROOT, &sfs) < 0)
    return err_set(err, errno, "statfs %s", CGROUP_ROOT);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    return mount_v2(rootfd, spec, m, dest, err);
  return mount_v1(rootfd, spec, m, dest, err);
}
