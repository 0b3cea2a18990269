/* A directory tree as tar entries, walked with fd-relative calls that never follow symlinks.
 * In upper-dir mode (commit) overlay whiteouts become docker's tar form: a char 0:0 device
 * -> ".wh.<name>", a dir with trusted.overlay.opaque=y -> the dir plus ".wh..wh..opq". */
#include "image/tarwrite.h"

#include <dirent.h>
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
#include <jansson.h>
#include <archive_entry.h>

#include "image/archerr.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#define TW_BUF (1 << 17)

/* A host id in one of the maps' host ranges -> the container's id; others unchanged (an image
 * layer's own ids, seen through a plain overlay by export). */
static int64_t shift_back(const struct idmap_line *v, size_t n, uint32_t id)
{
  for (size_t i = 0; i < n; i++)
    if (id >= v[i].outside && id - v[i].outside < v[i].count)
      return (int64_t)v[i].inside + (id - v[i].outside);
  return id;
}

struct tw {
  struct archive *a;
  bool upper;
  const struct tar_idshift *shift;
  struct archive_entry_linkresolver *links;
  char *buf;
};

static int tw_fail(struct tw *t, struct td_err **err, const char *path)
{
  return image_archive_err(err, t->a, EIO, "write %s to the tar", path);
}

static void add_xattrs(int fd, const char *path_for_l, struct archive_entry *e)
{
  char names[4096];
  ssize_t n =
      fd >= 0 ? flistxattr(fd, names, sizeof(names)) : llistxattr(path_for_l, names, sizeof(names));
  for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
    const char *x = names + off;
    if (strncmp(x, "trusted.overlay.", 16) == 0)
      continue;
    if (strncmp(x, "user.", 5) != 0 && strcmp(x, "security.capability") != 0)
      continue;
    char val[4096];
    ssize_t vl = fd >= 0 ? fgetxattr(fd, x, val, sizeof(val)) : -1;
    if (vl >= 0)
      archive_entry_xattr_add_entry(e, x, val, (size_t)vl);
  }
}

static bool is_opaque(int dfd)
{
  char v[4];
  ssize_t n = fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v));
  return n == 1 && v[0] == 'y';
}

static int write_entry(struct tw *t, struct archive_entry *e, int datafd, const char *path,
                       struct td_err **err)
{
  struct archive_entry *spare = NULL;
  archive_entry_linkify(t->links, &e, &spare);
  if (e == NULL)
    return 0;
  if (archive_write_header(t->a, e) != ARCHIVE_OK)
    return tw_fail(t, err, path);
  if (datafd >= 0 && archive_entry_size(e) > 0) {
    for (;;) {
      ssize_t r = RETRY_EINTR(read(datafd, t->buf, TW_BUF));
      if (r < 0)
        return err_set(err, errno, "read %s", path);
      if (r == 0)
        break;
      if (archive_write_data(t->a, t->buf, (size_t)r) != r)
        return tw_fail(t, err, path);
    }
  }
  return 0;
}

static int add_whiteout(struct tw *t, const char *dir, const char *name, const struct stat *st,
                        struct td_err **err)
{
  autofree char *p = xasprintf("%s%s.wh.%s", dir, *dir ? "/" : "", name);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, p);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 0);
  archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
  int rc = archive_write_header(t->a, e) == ARCHIVE_OK ? 0 : tw_fail(t, err, p);
  archive_entry_free(e);
  return rc;
}

static int walk(struct tw *t, int dfd, const char *rel, struct td_err **err);

/* The data of an entry from its pinned O_PATH fd (the inode fstat checked): a regular file
 * reopened for reading, a directory opened; no second lookup by name. */
static int open_data(int pathfd, const struct stat *st)
{
  if (S_ISDIR(st->st_mode))
    return openat(pathfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char proc[64];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
  return open(proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
}

static int add_one(struct tw *t, int dfd, const char *rel, const char *name, struct td_err **err)
{
  /* Opened O_PATH first and stat'ed on that fd: a running container may swap the entry, but
   * what is archived is the inode we hold; a device node or fifo is never opened (O_PATH runs
   * no driver's open and never blocks). */
  autoclose int pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (pfd < 0 || fstat(pfd, &st) < 0)
    return errno == ENOENT ? 0 : err_set(err, errno, "stat %s/%s", rel, name);
  if (t->upper && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
    return add_whiteout(t, rel, name, &st, err);
  autofree char *path = xasprintf("%s%s%s", rel, *rel ? "/" : "", name);
  struct archive_entry *e = archive_entry_new();
  archive_entry_copy_stat(e, &st);
  if (t->shift) {
    archive_entry_set_uid(e, shift_back(t->shift->u, t->shift->nu, st.st_uid));
    archive_entry_set_gid(e, shift_back(t->shift->g, t->shift->ng, st.st_gid));
  }
  archive_entry_set_pathname(e, path);
  archive_entry_set_uname(e, NULL);
  archive_entry_set_gname(e, NULL);
  autoclose int fd = -1;
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(pfd, "", target, sizeof(target) - 1);
    if (n < 0) {
      archive_entry_free(e);
      return err_set(err, errno, "readlink %s", path);
    }
    target[n] = '\0';
    archive_entry_set_symlink(e, target);
  } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    fd = open_data(pfd, &st);
    if (fd < 0) {
      archive_entry_free(e);
      return err_set(err, errno, "open %s", path);
    }
    add_xattrs(fd, NULL, e);
  } else if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
    archive_entry_free(e); /* sockets are not archived */
    return 0;
  }
  if (S_ISDIR(st.st_mode))
    archive_entry_set_size(e, 0);
  int rc = write_entry(t, e, S_ISREG(st.st_mode) ? fd : -1, path, err);
  archive_entry_free(e);
  if (rc < 0 || !S_ISDIR(st.st_mode))
    return rc;
  if (t->upper && is_opaque(fd)) {
    struct stat ost = st;
    if (add_whiteout(t, path, ".wh..opq", &ost, err) < 0)
      return -1;
  }
  return walk(t, fd, path, err);
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Children of dfd in name order (stable, reproducible archives). */
static int walk(struct tw *t, int dfd, const char *rel, struct td_err **err)
{
  int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return err_set(err, errno, "open %s", rel);
  DIR *d = fdopendir(dup_fd);
  if (d == NULL) {
    close(dup_fd);
    return err_set(err, errno, "opendir %s", rel);
  }
  char **names = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    names = xrealloc(names, (n + 1) * sizeof(char *));
    names[n++] = xstrdup(de->d_name);
  }
  qsort(names, n, sizeof(char *), cmp_names);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    if (rc == 0)
      rc = add_one(t, dirfd(d), rel, names[i], err);
    free(names[i]);
  }
  free(names);
  closedir(d);
  return rc;
}

int image_tar_dir(struct archive *a, const char *dir, bool upper, struct td_err **err)
{
  return image_tar_dir_shifted(a, dir, upper, NULL, err);
}

int image_tar_dir_shifted(struct archive *a, const char *dir, bool upper,
                          const struct tar_idshift *s, struct td_err **err)
{
  autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_set(err, errno, "open %s", dir);
  struct tw t = {.a = a, .upper = upper, .shift = s, .buf = xmalloc(TW_BUF)};
  t.links = archive_entry_linkresolver_new();
  archive_entry_linkresolver_set_strategy(t.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  int rc = walk(&t, dfd, "", err);
  archive_entry_linkresolver_free(t.links);
  free(t.buf);
  return rc;
}

static size_t maps_of(json_t *a, struct idmap_line *v)
{
  size_t n = 0;
  for (size_t i = 0; i < json_array_size(a) && n < SUBID_MAX; i++) {
    const char *l = json_string_value(json_array_get(a, i));
    if (l == NULL || sscanf(l, "%u %u %u", &v[n].inside, &v[n].outside, &v[n].count) != 3)
      return 0;
    n++;
  }
  return n;
}

bool image_tar_idshift_of(const char *upper_dir, struct tar_idshift *s)
{
  memset(s, 0, sizeof(*s));
  autofree char *dir = xstrdup(upper_dir);
  char *slash = strrchr(dir, '/');
  if (slash == NULL)
    return false;
  *slash = '\0';
  autofree char *rec = xasprintf("%s/container.json", dir);
  json_t *doc = json_load_file(rec, 0, NULL);
  json_t *td = json_object_get(doc, "Td");
  s->nu = maps_of(json_object_get(td, "UidMap"), s->u);
  s->ng = maps_of(json_object_get(td, "GidMap"), s->g);
  json_decref(doc);
  if (s->nu == 0 || s->ng == 0)
    s->nu = s->ng = 0;
  return s->nu > 0;
}
