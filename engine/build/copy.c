/* COPY and ADD: sources found beneath the context root (openat2 RESOLVE_BENEATH: a "../" or a
 * symlink out of the context is refused, never followed) or beneath another stage's or image's
 * root (--from: RESOLVE_IN_ROOT, symlinks scoped to that root as docker scopes them); the
 * destination always resolved inside the step's rootfs (util/safepath: RESOLVE_IN_ROOT). Files
 * are written by fd, never through a path string; symlinks inside a copied tree are copied as
 * links. Owners are 0:0 unless --chown, modes kept unless --chmod, times kept. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "image/sha256.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/treecopy.h"
#include "util/xalloc.h"

/* a source path, relative to its root */
static int open_src(const struct copy_req *c, const char *rel, int flags, struct td_err **err)
{
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_NO_MAGICLINKS |
                                    (c->from_context ? RESOLVE_BENEATH : RESOLVE_IN_ROOT)};
  int fd = (int)syscall(SYS_openat2, c->srcfd, *rel ? rel : ".", &how, sizeof(how));
  if (fd >= 0)
    return fd;
  if (errno == EXDEV || errno == ELOOP)
    return err_set_exit(err, 1, 0, "forbidden path outside the build context: %s ()", rel);
  if (errno == ENOENT || errno == ENOTDIR)
    return err_set_exit(err, 1, 0,
                        "file not found in build context or excluded by .dockerignore: stat %s: "
                        "file does not exist",
                        rel);
  return err_set(err, errno, "open %s", rel);
}

/* "/a/./b/../c" -> "a/c"; NULL when it climbs above the root */
static char *clean_rel(const char *p)
{
  autostrv char **parts = strv_split(p, '/');
  char **out = xcalloc(strv_len(parts) + 1, sizeof(char *));
  size_t n = 0;
  bool above = false;
  for (char **s = parts; *s; s++) {
    if (**s == '\0' || strcmp(*s, ".") == 0)
      continue;
    if (strcmp(*s, "..") == 0) {
      if (n == 0)
        above = true;
      else
        n--;
      continue;
    }
    out[n++] = *s;
  }
  out[n] = NULL;
  char *j = above ? NULL : strv_join(out, "/");
  free(out);
  return j;
}

static bool has_glob(const char *s)
{
  return strpbrk(s, "*?[") != NULL;
}

static bool ignored(struct builder *b, const struct copy_req *c, const char *rel)
{
  return c->from_context && *rel && df_ignore_match(b->ignore, rel);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* glob: one path element at a time, below prefix */
static int glob_walk(struct builder *b, const struct copy_req *c, char **comps, const char *prefix,
                     char ***out, struct td_err **err)
{
  if (*comps == NULL) {
    if (!ignored(b, c, prefix))
      strv_push(out, prefix);
    return 0;
  }
  if (!has_glob(*comps)) {
    autofree char *p = *prefix ? xasprintf("%s/%s", prefix, *comps) : xstrdup(*comps);
    autoerr struct td_err *e = NULL;
    int fd = open_src(c, p, O_PATH, &e);
    if (fd < 0)
      return 0;
    close(fd);
    return glob_walk(b, c, comps + 1, p, out, err);
  }
  autoerr struct td_err *e = NULL;
  int dfd = open_src(c, prefix, O_RDONLY | O_DIRECTORY, &e);
  if (dfd < 0)
    return 0;
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return err_set(err, errno, "read %s", prefix);
  }
  autostrv char **names = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
        fnmatch(*comps, de->d_name, FNM_PERIOD) == 0)
      strv_push(&names, de->d_name);
  closedir(d);
  qsort(names, strv_len(names), sizeof(char *), cmp_str);
  for (char **n = names; *n; n++) {
    autofree char *p = *prefix ? xasprintf("%s/%s", prefix, *n) : xstrdup(*n);
    if (glob_walk(b, c, comps + 1, p, out, err) < 0)
      return -1;
  }
  return 0;
}

/* the sources, each a path relative to the source root (sorted glob matches) */
static int resolve_srcs(struct builder *b, const struct copy_req *c, char ***out,
                        struct td_err **err)
{
  autostrv char **v = xcalloc(1, sizeof(char *));
  for (char **s = c->srcs; *s; s++) {
    if (strstr(*s, "://") && c->from_context)
      return err_set_exit(err, 1, 0,
                          "%s %s: not a source: only ADD fetches a URL, over http or https",
                          c->add ? "ADD" : "COPY", *s);
    autofree char *rel = clean_rel(*s);
    if (rel == NULL)
      return err_set_exit(err, 1, 0, "forbidden path outside the build context: %s ()", *s);
    if (has_glob(rel)) {
      autostrv char **comps = strv_split(rel, '/');
      size_t before = strv_len(v);
      if (glob_walk(b, c, comps, "", &v, err) < 0)
        return -1;
      if (strv_len(v) == before)
        return err_set_exit(err, 1, 0, "no source files were specified");
      continue;
    }
    if (ignored(b, c, rel))
      return err_set_exit(err, 1, 0,
                          "file not found in build context or excluded by .dockerignore: stat "
                          "%s: file does not exist",
                          rel);
    int fd = open_src(c, rel, O_PATH, err);
    if (fd < 0)
      return -1;
    close(fd);
    strv_push(&v, rel);
  }
  *out = steal_ptr(v);
  return 0;
}

/* open name in dirfd without following it; "" = dirfd itself (an O_PATH fd) reopened */
static int reopen(int dirfd, const char *name, int flags)
{
  if (*name)
    return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
  autofree char *p = safepath_fd_path(dirfd);
  return open(p, flags | O_CLOEXEC);
}

/* ---- checksum ---- */

static void hash_str(struct image_sha256 *h, const char *s)
{
  image_sha256_update(h, s, strlen(s) + 1);
}

static int hash_node(struct builder *b, const struct copy_req *c, int dirfd, const char *name,
                     const char *rel, const char *shown, struct image_sha256 *h,
                     struct td_err **err)
{
  if (ignored(b, c, rel))
    return 0;
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
    return err_set(err, errno, "stat %s", rel);
  /* docker's tar sum: the tar header (mode, owner, size, type, link) and the content, no
   * times; docker's CLI sends the context with every owner 0:0 (its ChownOpts), so there an
   * owner change is not seen, as here; a mode change is */
  unsigned uid = c->from_context ? 0 : (unsigned)st.st_uid;
  unsigned gid = c->from_context ? 0 : (unsigned)st.st_gid;
  char meta[160];
  snprintf(meta, sizeof(meta), "%o %u %u %lld", (unsigned)st.st_mode, uid, gid,
           S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
  hash_str(h, shown);
  hash_str(h, meta);
  if (S_ISLNK(st.st_mode)) {
    char t[PATH_MAX];
    ssize_t n = readlinkat(dirfd, name, t, sizeof(t) - 1);
    if (n < 0)
      return err_set(err, errno, "readlink %s", rel);
    t[n] = '\0';
    hash_str(h, t);
  } else if (S_ISREG(st.st_mode)) {
    autoclose int fd = reopen(dirfd, name, O_RDONLY);
    if (fd < 0)
      return err_set(err, errno, "open %s", rel);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
      image_sha256_update(h, buf, (size_t)n);
    if (n < 0)
      return err_set(err, errno, "read %s", rel);
  } else if (S_ISDIR(st.st_mode)) {
    int dfd = reopen(dirfd, name, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
      return err_set(err, errno, "open %s", rel);
    DIR *d = fdopendir(dfd);
    autostrv char **names = xcalloc(1, sizeof(char *));
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
        strv_push(&names, de->d_name);
    qsort(names, strv_len(names), sizeof(char *), cmp_str);
    int rc = 0;
    for (char **n = names; *n && rc == 0; n++) {
      autofree char *r = *rel ? xasprintf("%s/%s", rel, *n) : xstrdup(*n);
      autofree char *s = xasprintf("%s/%s", shown, *n);
      rc = hash_node(b, c, dfd, *n, r, s, h, err);
    }
    if (d)
      closedir(d);
    else
      close(dfd);
    return rc;
  }
  return 0;
}

/* the top of a source: an O_PATH fd of its parent and its name there ("." for the root) */
static int src_parent(const struct copy_req *c, const char *rel, int *pfd, char **name,
                      struct td_err **err)
{
  /* the source itself is followed when it is a symlink (still beneath its root) */
  int fd = open_src(c, rel, O_PATH, err);
  if (fd < 0)
    return -1;
  *pfd = fd;
  *name = xstrdup("");
  return 0;
}

int copy_checksum(struct builder *b, const struct copy_req *c, char **out, struct td_err **err)
{
  autostrv char **srcs = NULL;
  if (resolve_srcs(b, c, &srcs, err) < 0)
    return -1;
  struct image_sha256 h;
  image_sha256_init(&h);
  const char *kind = strv_len(srcs) > 1 ? "multi" : "file";
  for (char **s = srcs; *s; s++) {
    int pfd;
    autofree char *name = NULL;
    if (src_parent(c, *s, &pfd, &name, err) < 0)
      return -1;
    struct stat st;
    if (fstatat(pfd, "", &st, AT_EMPTY_PATH) == 0 && S_ISDIR(st.st_mode) && !srcs[1])
      kind = "dir";
    autofree char *shown = xasprintf("/%s", *s);
    int rc = hash_node(b, c, pfd, "", *s, shown, &h, err);
    close(pfd);
    if (rc < 0)
      return -1;
  }
  char hex[65];
  image_sha256_hex(&h, hex);
  *out = xasprintf("%s:%s", kind, hex);
  return 0;
}

/* ---- copy ---- */

struct owner {
  uid_t uid;
  gid_t gid;
};

static int set_meta(int dirfd, const char *name, const struct stat *st, const struct owner *o,
                    int chmod_bits, struct td_err **err)
{
  int fl = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
  if (fchownat(dirfd, name, o->uid, o->gid, fl) < 0)
    return err_set(err, errno, "chown %s", name);
  if (!S_ISLNK(st->st_mode)) {
    mode_t m = chmod_bits >= 0 ? (mode_t)chmod_bits : (st->st_mode & 07777);
    if ((*name ? fchmodat(dirfd, name, m, 0) : fchmod(dirfd, m)) < 0)
      return err_set(err, errno, "chmod %s", name);
  }
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (*name)
    utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
  else
    futimens(dirfd, ts);
  return 0;
}

/* copy src (dirfd+name; name "" = dirfd itself) to dst (ddirfd+dname) */
static int copy_node(struct builder *b, const struct copy_req *c, int sdir, const char *sname,
                     const char *rel, int ddir, const char *dname, const struct owner *o,
                     struct td_err **err)
{
  if (ignored(b, c, rel))
    return 0;
  struct stat st;
  if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW | (*sname ? 0 : AT_EMPTY_PATH)) < 0)
    return err_set(err, errno, "stat %s", rel);
  struct stat dst;
  bool exists = fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0;
  if (S_ISDIR(st.st_mode)) {
    if (exists && !S_ISDIR(dst.st_mode) && unlinkat(ddir, dname, 0) < 0)
      return err_set(err, errno, "replace %s", dname);
    if ((!exists || !S_ISDIR(dst.st_mode)) && mkdirat(ddir, dname, 0700) < 0)
      return err_set(err, errno, "mkdir %s", dname);
    autoclose int sfd = reopen(sdir, sname, O_RDONLY | O_DIRECTORY);
    autoclose int dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0 || dfd < 0)
      return err_set(err, errno, "open %s", rel);
    autoclose int lfd = dup(sfd);
    DIR *d = fdopendir(lfd);
    if (d == NULL)
      return err_set(err, errno, "read %s", rel);
    lfd = -1;
    autostrv char **names = xcalloc(1, sizeof(char *));
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
        strv_push(&names, de->d_name);
    closedir(d);
    for (char **n = names; *n; n++) {
      autofree char *r = *rel ? xasprintf("%s/%s", rel, *n) : xstrdup(*n);
      if (copy_node(b, c, sfd, *n, r, dfd, *n, o, err) < 0)
        return -1;
    }
    return set_meta(dfd, "", &st, o, c->chmod, err);
  }
  if (exists) {
    if (S_ISDIR(dst.st_mode))
      return err_set_exit(err, 1, 0, "cannot replace directory %s with a file", dname);
    if (unlinkat(ddir, dname, 0) < 0)
      return err_set(err, errno, "replace %s", dname);
  }
  if (S_ISLNK(st.st_mode)) {
    char t[PATH_MAX];
    ssize_t n = readlinkat(sdir, sname, t, sizeof(t) - 1);
    if (n < 0)
      return err_set(err, errno, "readlink %s", rel);
    t[n] = '\0';
    if (symlinkat(t, ddir, dname) < 0)
      return err_set(err, errno, "symlink %s", dname);
    return set_meta(ddir, dname, &st, o, -1, err);
  }
  if (!S_ISREG(st.st_mode))
    return 0; /* fifos, sockets, devices: not part of a build context */
  autoclose int in = reopen(sdir, sname, O_RDONLY);
  if (in < 0)
    return err_set(err, errno, "open %s", rel);
  autoclose int outfd =
      openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (outfd < 0)
    return err_set(err, errno, "create %s", dname);
  if (fd_copy_data(in, outfd) < 0)
    return err_set(err, errno, "copy %s", rel);
  return set_meta(outfd, "", &st, o, c->chmod, err);
}

/* ADD: a local file that libarchive reads as an archive is extracted into dest */
static int try_extract(int srcfd, int destdir, bool *done, struct td_err **err)
{
  *done = false;
  autofree char *p = safepath_fd_path(srcfd);
  autoclose int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open the ADD source");
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  struct archive_entry *ent;
  if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
      archive_read_next_header(a, &ent) != ARCHIVE_OK) {
    archive_read_free(a);
    return 0; /* not an archive: copied as a file */
  }
  archive_read_free(a);
  if (lseek(fd, 0, SEEK_SET) < 0)
    return err_set(err, errno, "seek the ADD source");
  a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  int rc = archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK ? 0 : -1;
  struct image_unpack_stats stats = {0};
  if (rc == 0)
    rc = image_unpack_tar(a, destdir, &stats, err);
  else
    err_set(err, EIO, "read the ADD archive: %s", archive_error_string(a));
  archive_read_free(a);
  *done = rc == 0;
  return rc;
}

/* mkdir -p inside the root; with --chown the directories it creates get that owner, as
 * docker's builder gives them */
static int mkdir_owned(int rootfd, const char *dir, const struct owner *o, bool chown_set,
                       struct td_err **err)
{
  if (chown_set) {
    autostrv char **parts = strv_split(dir, '/');
    autofree char *pre = xstrdup("");
    for (char **p = parts; *p; p++) {
      if (**p == '\0')
        continue;
      char *t = xasprintf("%s/%s", pre, *p);
      free(pre);
      pre = t;
      autoerr struct td_err *e = NULL;
      int fd = safepath_open(rootfd, pre, O_PATH, 0, &e);
      if (fd >= 0) {
        close(fd);
        continue;
      }
      autoclose int d = safepath_mkdir_p(rootfd, pre, 0755, err);
      if (d < 0)
        return -1;
      if (fchownat(d, "", o->uid, o->gid, AT_EMPTY_PATH) < 0)
        return err_set(err, errno, "chown %s", pre);
    }
  }
  return safepath_mkdir_p(rootfd, dir, 0755, err);
}

int copy_apply(struct builder *b, const struct copy_req *c, const char *rootfs, struct td_err **err)
{
  autostrv char **srcs = NULL;
  if (resolve_srcs(b, c, &srcs, err) < 0)
    return -1;
  const char *kw = c->add ? "ADD" : "COPY";
  bool dest_dir = c->dest[strlen(c->dest) - 1] == '/';
  if (strv_len(srcs) > 1 && !dest_dir)
    return err_set_exit(err, 1, 0,
                        "When using %s with more than one source file, the destination must be "
                        "a directory and end with a /",
                        kw);
  struct owner o = {0, 0};
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open %s", rootfs);
  if (c->chown_set) {
    struct eng_user u;
    if (eng_user_resolve(rootfs, c->chown, &u, err) < 0)
      return err_prefix(err, "%s --chown", kw);
    o.uid = u.uid;
    o.gid = u.gid;
    /* docker: "--chown=user" alone gives the user's uid and gid 0... of the group named the
     * same only when given; eng_user_resolve gives the user's primary group */
    eng_user_clear(&u);
  }
  autofree char *dest = clean_rel(c->dest);
  if (dest == NULL)
    dest = xstrdup("");
  for (char **s = srcs; *s; s++) {
    autoclose int sfd = open_src(c, *s, O_PATH, err);
    if (sfd < 0)
      return -1;
    struct stat st;
    if (fstatat(sfd, "", &st, AT_EMPTY_PATH) < 0)
      return err_set(err, errno, "stat %s", *s);
    if (S_ISDIR(st.st_mode)) {
      /* a directory: its contents go into dest */
      autoclose int d = mkdir_owned(rootfd, *dest ? dest : "/", &o, c->chown_set, err);
      if (d < 0)
        return -1;
      autofree char *dp = safepath_fd_path(d);
      autoclose int dfd = open(dp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      autoclose int sdir = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0 || sdir < 0)
        return err_set(err, errno, "open %s", *s);
      if (copy_node(b, c, sdir, "", *s, dfd, ".", &o, err) < 0)
        return err_prefix(err, "%s %s", kw, *s);
      continue;
    }
    /* a file: into dest/ when dest is a directory (or ends with /), else as dest */
    autoclose int existing =
        *dest ? safepath_open(rootfd, dest, O_PATH | O_DIRECTORY, 0, NULL) : -1;
    bool into = dest_dir || *dest == '\0' || existing >= 0;
    autofree char *dir = NULL, *name = NULL;
    if (into) {
      dir = xstrdup(*dest ? dest : "/");
      const char *slash = strrchr(*s, '/');
      name = xstrdup(slash ? slash + 1 : *s);
    } else {
      const char *slash = strrchr(dest, '/');
      dir = slash ? xstrndup(dest, (size_t)(slash - dest)) : xstrdup("/");
      name = xstrdup(slash ? slash + 1 : dest);
      if (*dir == '\0') {
        free(dir);
        dir = xstrdup("/");
      }
    }
    autoclose int d = mkdir_owned(rootfd, dir, &o, c->chown_set, err);
    if (d < 0)
      return -1;
    autofree char *dp = safepath_fd_path(d);
    autoclose int dfd = open(dp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return err_set(err, errno, "open %s", dir);
    if (c->extract && S_ISREG(st.st_mode)) {
      bool done = false;
      autoclose int xd = -1;
      if (into || dest_dir) {
        xd = dup(dfd);
      }
      if (xd >= 0) {
        if (try_extract(sfd, xd, &done, err) < 0)
          return err_prefix(err, "ADD %s", *s);
        if (done)
          continue;
      }
    }
    if (copy_node(b, c, sfd, "", *s, dfd, name, &o, err) < 0)
      return err_prefix(err, "%s %s", kw, *s);
  }
  return 0;
}
