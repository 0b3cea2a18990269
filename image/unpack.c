/* Layer extraction that never writes outside the layer dir. archive_write_disk is not used:
 * every entry is created by fd-relative syscalls under a parent dir reached component by
 * component with O_NOFOLLOW, so no symlink in the layer (or a racing one) is ever followed;
 * ".." names are refused; hardlink targets are found the same way (inside the layer only);
 * existing names are removed before a new entry takes them (O_EXCL), so a symlink planted by
 * an earlier entry cannot redirect a later chmod/chown/xattr; device nodes are skipped except
 * the overlay whiteout (char 0:0); ".wh." names become overlay whiteouts in the parent. */
#include "image/archerr.h"
#include "image/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/tarpath.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct dir_time {
  char *path;
  struct timespec mtime;
};

struct unpack_ctx {
  int rootfd;
  char *cached_parent; /* path of cached_fd ("" = root) */
  int cached_fd;
  struct dir_time *dirs;
  size_t n_dirs;
  struct image_unpack_stats *stats;
};

static void ctx_drop_cache(struct unpack_ctx *c)
{
  if (c->cached_fd >= 0 && c->cached_fd != c->rootfd)
    close(c->cached_fd);
  c->cached_fd = -1;
  free(c->cached_parent);
  c->cached_parent = NULL;
}

/* Walk to dir `rel` under rootfd without following any symlink; create missing dirs when
 * `create`. Returns an O_RDONLY|O_DIRECTORY fd (rootfd itself is duplicated for ""). */
static int walk_dir(int rootfd, const char *rel, bool create, struct td_err **err)
{
  int cur = RETRY_EINTR(fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
  if (cur < 0)
    return err_set(err, errno, "dup");
  if (*rel == '\0')
    return cur;
  autostrv char **parts = strv_split(rel, '/');
  for (char **p = parts; *p; p++) {
    int next = openat(cur, *p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat(cur, *p, 0755) < 0 && errno != EEXIST) {
        int saved = errno;
        close(cur);
        return err_set(err, saved, "mkdir %s", rel);
      }
      next = openat(cur, *p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    int saved = errno;
    close(cur);
    if (next < 0) {
      if (saved == ELOOP || saved == ENOTDIR)
        return err_set(err, saved, "path %s goes through a symlink or a non-directory", rel);
      return err_set(err, saved, "open %s", rel);
    }
    cur = next;
  }
  return cur;
}

/* The parent dir fd of an entry, cached while consecutive entries share a parent. */
static int parent_fd(struct unpack_ctx *c, const char *parent, struct td_err **err)
{
  if (c->cached_parent && strcmp(c->cached_parent, parent) == 0)
    return c->cached_fd;
  ctx_drop_cache(c);
  int fd = walk_dir(c->rootfd, parent, true, err);
  if (fd < 0)
    return -1;
  c->cached_fd = fd;
  c->cached_parent = xstrdup(parent);
  return fd;
}

/* Remove name in dirfd, recursively for dirs, without following symlinks. */
static int remove_at(int dfd, const char *name)
{
  if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return -1;
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -1;
  }
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    rc = remove_at(dirfd(d), de->d_name);
  }
  closedir(d);
  if (rc < 0)
    return -1;
  return unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Make room for a new entry: an existing dir stays for a dir entry, anything else goes. */
static int clear_name(int dirfd, const char *name, bool want_dir, bool *exists_dir)
{
  struct stat st;
  *exists_dir = false;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -1;
  if (S_ISDIR(st.st_mode)) {
    if (want_dir) {
      *exists_dir = true;
      return 0;
    }
    if (remove_at(dirfd, name) < 0)
      return -1;
    return 0;
  }
  return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
}

static bool xattr_allowed(const char *name)
{
  if (strncmp(name, "trusted.overlay.", 16) == 0)
    return false;
  return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0 ||
         strncmp(name, "trusted.", 8) == 0;
}

/* Owner, mode, xattrs and times on an fd that we opened ourselves (never via a path). */
static int apply_meta(int fd, struct archive_entry *e, bool is_dir, const char *path,
                      struct td_err **err)
{
  if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
    return err_set(err, errno, "chown %s", path);
  if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
    return err_set(err, errno, "chmod %s", path);
  const char *xn;
  const void *xv;
  size_t xs;
  archive_entry_xattr_reset(e);
  while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK) {
    if (!xattr_allowed(xn))
      continue;
    if (fsetxattr(fd, xn, xv, xs, 0) < 0 && errno != ENOTSUP)
      return err_set(err, errno, "set xattr %s on %s", xn, path);
  }
  if (!is_dir) {
    struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    (void)futimens(fd, ts);
  }
  return 0;
}

static int write_file_data(struct archive *a, int fd, const char *path,
                           struct image_unpack_stats *stats, struct td_err **err)
{
  const void *buf;
  size_t size;
  la_int64_t off;
  for (;;) {
    int r = archive_read_data_block(a, &buf, &size, &off);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return image_archive_err(err, a, EIO, "read data of %s", path);
    if (size == 0)
      continue;
    const char *p = buf;
    size_t left = size;
    while (left > 0) {
      ssize_t w = RETRY_EINTR(pwrite(fd, p, left, off));
      if (w < 0)
        return err_set(err, errno, "write %s", path);
      p += w;
      off += w;
      left -= (size_t)w;
    }
    stats->bytes += size;
  }
}

static int make_reg(struct unpack_ctx *c, struct archive *a, struct archive_entry *e, int dirfd,
                    const char *name, const char *path, struct td_err **err)
{
  autoclose int fd =
      openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_set(err, errno, "create %s", path);
  if (write_file_data(a, fd, path, c->stats, err) < 0)
    return -1;
  if (ftruncate(fd, archive_entry_size(e)) < 0)
    return err_set(err, errno, "truncate %s", path);
  c->stats->files++;
  return apply_meta(fd, e, false, path, err);
}

static int make_dir(struct unpack_ctx *c, struct archive_entry *e, int dirfd, const char *name,
                    const char *path, bool exists, struct td_err **err)
{
  if (!exists && mkdirat(dirfd, name, 0700) < 0)
    return err_set(err, errno, "mkdir %s", path);
  autoclose int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  if (apply_meta(fd, e, true, path, err) < 0)
    return -1;
  c->dirs = xrealloc(c->dirs, (c->n_dirs + 1) * sizeof(*c->dirs));
  c->dirs[c->n_dirs].path = xstrdup(path);
  c->dirs[c->n_dirs].mtime = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  c->n_dirs++;
  return 0;
}

static int make_symlink(struct archive_entry *e, int dirfd, const char *name, const char *path,
                        struct td_err **err)
{
  const char *target = archive_entry_symlink(e);
  if (target == NULL || *target == '\0')
    return err_set(err, EINVAL, "symlink %s has no target", path);
  if (symlinkat(target, dirfd, name) < 0)
    return err_set(err, errno, "symlink %s", path);
  if (fchownat(dirfd, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
               AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "chown %s", path);
  struct timespec ts[2] = {{archive_entry_mtime(e), 0}, {archive_entry_mtime(e), 0}};
  (void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* A hard link to an earlier entry of this layer, found without following symlinks. */
static int make_hardlink(struct unpack_ctx *c, const char *link, int dirfd, const char *name,
                         const char *path, struct td_err **err)
{
  autofree char *clean = image_tar_path_clean(link);
  if (clean == NULL || *clean == '\0')
    return err_set(err, EINVAL, "hardlink %s -> %s leaves the layer", path, link);
  char *slash = strrchr(clean, '/');
  const char *tname = slash ? slash + 1 : clean;
  if (slash)
    *slash = '\0';
  autoclose int tdir = walk_dir(c->rootfd, slash ? clean : "", false, err);
  if (tdir < 0) {
    err_free(err);
    return err_set(err, EPERM, "hardlink %s -> %s: target not in the layer", path, link);
  }
  struct stat st;
  if (fstatat(tdir, tname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "hardlink %s -> %s: target not in the layer", path, link);
  if (S_ISDIR(st.st_mode))
    return err_set(err, EPERM, "hardlink %s -> %s: target is a directory", path, link);
  if (linkat(tdir, tname, dirfd, name, 0) < 0)
    return err_set(err, errno, "hardlink %s -> %s", path, link);
  return 0;
}

static int make_whiteout(int dirfd, const char *name, const char *path, struct td_err **err)
{
  if (remove_at(dirfd, name) < 0)
    return err_set(err, errno, "whiteout %s", path);
  if (mknodat(dirfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
    return err_set(err, errno, "whiteout %s", path);
  return 0;
}

/* One archive entry: cleaned path -> parent fd -> create by type. */
static int unpack_entry(struct unpack_ctx *c, struct archive *a, struct archive_entry *e,
                        struct td_err **err)
{
  const char *raw = archive_entry_pathname(e);
  autofree char *path = image_tar_path_clean(raw);
  if (path == NULL)
    return err_set(err, EPERM, "archive member \"%s\" escapes the layer", raw ? raw : "");
  mode_t type = archive_entry_filetype(e);
  const char *hard = archive_entry_hardlink(e);
  if (*path == '\0') { /* the layer root itself: metadata only */
    if (type != AE_IFDIR)
      return 0;
    return apply_meta(c->rootfd, e, true, ".", err);
  }
  char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  autofree char *parent = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
  int dirfd = parent_fd(c, parent, err);
  if (dirfd < 0)
    return err_prefix(err, "archive member \"%s\"", raw);
  const char *target = NULL;
  switch (image_whiteout_kind(base, &target)) {
  case IMAGE_WH_OPAQUE:
    if (fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
      return err_set(err, errno, "opaque whiteout in %s", parent);
    return 0;
  case IMAGE_WH_META:
    return 0;
  case IMAGE_WH_INVALID:
    return err_set(err, EINVAL, "invalid whiteout \"%s\"", raw);
  case IMAGE_WH_FILE:
    ctx_drop_cache(c);
    dirfd = parent_fd(c, parent, err);
    if (dirfd < 0)
      return -1;
    c->stats->whiteouts++;
    return make_whiteout(dirfd, target, path, err);
  case IMAGE_WH_NONE:
    break;
  }
  bool want_dir = type == AE_IFDIR && hard == NULL;
  bool exists_dir = false;
  bool was_dir_removed = false;
  struct stat st;
  if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) && !want_dir)
    was_dir_removed = true;
  if (clear_name(dirfd, base, want_dir, &exists_dir) < 0)
    return err_set(err, errno, "replace %s", path);
  if (was_dir_removed) {
    ctx_drop_cache(c);
    dirfd = parent_fd(c, parent, err);
    if (dirfd < 0)
      return -1;
  }
  if (hard)
    return make_hardlink(c, hard, dirfd, base, path, err);
  switch (type) {
  case AE_IFREG:
    return make_reg(c, a, e, dirfd, base, path, err);
  case AE_IFDIR:
    return make_dir(c, e, dirfd, base, path, exists_dir, err);
  case AE_IFLNK:
    return make_symlink(e, dirfd, base, path, err);
  case AE_IFIFO:
    if (mknodat(dirfd, base, S_IFIFO | (archive_entry_perm(e) & 0777), 0) < 0)
      return err_set(err, errno, "mkfifo %s", path);
    return 0;
  case AE_IFCHR:
    if (archive_entry_rdevmajor(e) == 0 && archive_entry_rdevminor(e) == 0)
      return make_whiteout(dirfd, base, path, err);
    c->stats->skipped_devices++;
    return 0;
  default:
    c->stats->skipped_devices++;
    return 0;
  }
}

/* Directory times last: creating entries inside a dir changes its mtime. */
static void apply_dir_times(struct unpack_ctx *c)
{
  for (size_t i = 0; i < c->n_dirs; i++) {
    autoerr struct td_err *e = NULL;
    autoclose int fd = walk_dir(c->rootfd, c->dirs[i].path, false, &e);
    if (fd >= 0) {
      struct timespec ts[2] = {c->dirs[i].mtime, c->dirs[i].mtime};
      (void)futimens(fd, ts);
    }
    free(c->dirs[i].path);
  }
  free(c->dirs);
  c->dirs = NULL;
  c->n_dirs = 0;
}

int image_unpack_tar(struct archive *a, int rootfd, struct image_unpack_stats *stats,
                     struct td_err **err)
{
  struct unpack_ctx c = {.rootfd = rootfd, .cached_fd = -1, .stats = stats};
  struct archive_entry *e;
  int rc = 0;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = image_archive_err(err, a, EINVAL, "read tar");
      break;
    }
    if (unpack_entry(&c, a, e, err) < 0) {
      rc = -1;
      break;
    }
  }
  ctx_drop_cache(&c);
  apply_dir_times(&c);
  return rc;
}
