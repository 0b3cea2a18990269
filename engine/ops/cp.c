/* cp between the host and a container's rootfs, with docker's rules: SRC_PATH/. copies a
 * directory's contents, an existing directory DEST receives DEST/<name>, -L follows a symlink
 * that SRC_PATH names, -a keeps uid/gid.
 *
 * The container side is resolved once, beneath its root (safepath: openat2 RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), into an fd, so a symlink in the container (and -L's target) is read
 * as the container sees it and never leads to the host; a swap of a path component while we
 * copy (CVE-2018-15664) meets fds already held. From there each entry is one name opened
 * O_PATH|O_NOFOLLOW beneath its directory's fd and checked with fstat on that fd: a symlink is
 * copied as a symlink, only regular files (reopened from the pinned fd) and directories are
 * opened for data, never a device or a fifo. An entry is written by creating it anew (O_EXCL)
 * after removing whatever non-directory was there, so a symlink, device node or hard link
 * planted in the way is replaced, never written through; ownership and modes are set by
 * fchown/fchmod on the fds we created (CVE-2021-41089). Nothing from the container is loaded
 * or executed (CVE-2019-14271). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/ops/ops.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/treecopy.h"
#include "util/xalloc.h"

/* Deepest tree copied (each level holds two fds and a DIR). */
#define CP_MAX_DEPTH 256
/* Tries at creating an entry a running container keeps putting something in the way of. */
#define CP_CREATE_TRIES 4

/* One side of the copy: the host (root AT_FDCWD, paths as given) or a container's rootfs. */
struct cp_side {
  int root;
  bool ctr;
};

struct cp {
  bool archive;
  bool into_ctr; /* host -> container: the files keep their uid/gid, as docker's do */
  const struct ctr_record *rec; /* the container: ids cross its --userns-remap maps */
};

/* The owner of a new entry: the source's, shifted across the container's user namespace
 * (docker's cp under --userns-remap: uid 0 in is the remapped root, 100000 out is 0). */
static void meta_ids(const struct cp *c, const struct stat *st, uid_t *uid, gid_t *gid)
{
  *uid = st->st_uid;
  *gid = st->st_gid;
  eng_remap_id(c->rec, c->into_ctr, uid, gid);
}

static int side_open(const struct cp_side *s, const char *path, int flags, struct td_err **err)
{
  if (s->ctr)
    return safepath_open(s->root, *path ? path : "/", flags, 0, err);
  int fd = open(*path ? path : ".", flags | O_CLOEXEC);
  return fd >= 0 ? fd : err_set(err, errno, "open %s", path);
}

/* Owner (with -a, and into a container: docker's CLI sends the host file's uid/gid), mode and
 * times of a new entry, on its fd. Out of a container without -a the new entry belongs to the
 * caller (docker) and, as cp(1) does when ownership changes, a file loses setuid and setgid: a
 * container cannot leave a set-id binary of the caller's on the host (docker keeps the bits). */
static void set_meta(const struct cp *c, int fd, const struct stat *st)
{
  mode_t mode = st->st_mode & 07777;
  uid_t u;
  gid_t g;
  meta_ids(c, st, &u, &g);
  if (c->archive || c->into_ctr)
    (void)!fchown(fd, u, g);
  else if (S_ISREG(st->st_mode))
    mode &= ~(mode_t)(S_ISUID | S_ISGID);
  (void)fchmod(fd, mode);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  (void)futimens(fd, ts);
}

static int copy_obj(const struct cp *c, int obj, const struct stat *st, int dfd, const char *dname,
                    int depth, struct td_err **err);

/* Remove dfd/name, a tree this copy created and could not finish (a full disk): nothing
 * half-copied stays. By fd, never following a symlink; best effort. */
static void remove_partial(int dfd, const char *name, int depth)
{
  if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT || depth > CP_MAX_DEPTH)
    return;
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  autoclosedir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      remove_partial(dirfd(d), de->d_name, depth + 1);
  unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Every entry of directory src (an O_RDONLY fd) into directory dst. */
static int copy_children(const struct cp *c, int src, int dst, int depth, struct td_err **err)
{
  if (depth > CP_MAX_DEPTH)
    return err_set(err, ELOOP, "directory tree too deep");
  int dup_fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return err_set(err, errno, "open directory");
  autoclosedir DIR *d = fdopendir(dup_fd);
  if (d == NULL) {
    close(dup_fd);
    return err_set(err, errno, "read directory");
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    autoclose int o = openat(src, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (o < 0 && errno == ENOENT)
      continue; /* gone since readdir */
    struct stat st;
    if (o < 0 || fstat(o, &st) < 0)
      return err_set(err, errno, "open %s", de->d_name);
    if (copy_obj(c, o, &st, dst, de->d_name, depth, err) < 0)
      return -1;
  }
  return 0;
}

static int copy_link(const struct cp *c, int obj, const struct stat *st, int dfd, const char *dname,
                     struct td_err **err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat(obj, "", target, sizeof(target) - 1);
  if (n < 0)
    return err_set(err, errno, "readlink %s", dname);
  target[n] = '\0';
  for (int tries = 0;; tries++) {
    if (cp_make_room(dfd, dname, false, err) < 0)
      return -1;
    if (symlinkat(target, dfd, dname) == 0)
      break;
    if (errno != EEXIST || tries + 1 >= CP_CREATE_TRIES)
      return err_set(err, errno, "symlink %s", dname);
  }
  uid_t u;
  gid_t g;
  meta_ids(c, st, &u, &g);
  if (c->archive || c->into_ctr)
    (void)!fchownat(dfd, dname, u, g, AT_SYMLINK_NOFOLLOW);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  (void)utimensat(dfd, dname, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int copy_dir(const struct cp *c, int obj, const struct stat *st, int dfd, const char *dname,
                    int depth, struct td_err **err)
{
  if (depth > 0 && cp_kernel_fs(obj))
    return 0; /* a kernel filesystem mounted in the container: not copied */
  autoclose int src = openat(obj, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src < 0)
    return err_set(err, errno, "open directory %s", dname);
  int kept = cp_make_room(dfd, dname, true, err);
  if (kept < 0)
    return -1;
  if (!kept && mkdirat(dfd, dname, 0700) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", dname);
  /* O_NOFOLLOW: whatever a running container swaps in here is not followed */
  autoclose int dst = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return err_set(err, errno, "open directory %s", dname);
  if (copy_children(c, src, dst, depth + 1, err) < 0) {
    if (!kept)
      remove_partial(dfd, dname, depth);
    return -1;
  }
  set_meta(c, dst, st);
  return 0;
}

static int copy_file(const struct cp *c, int obj, const struct stat *st, int dfd, const char *dname,
                     struct td_err **err)
{
  autoclose int in = cp_reopen_file(obj);
  if (in < 0)
    return err_set(err, errno, "open %s", dname);
  autoclose int out = -1;
  for (int tries = 0; out < 0; tries++) {
    if (cp_make_room(dfd, dname, false, err) < 0)
      return -1;
    out = openat(dfd, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0 && (errno != EEXIST || tries + 1 >= CP_CREATE_TRIES))
      return err_set(err, errno, "create %s", dname);
  }
  if (fd_copy_data(in, out) < 0) {
    err_set(err, errno, "copy %s", dname);
    unlinkat(dfd, dname, 0); /* no partial file left */
    return -1;
  }
  set_meta(c, out, st);
  return 0;
}

/* Copy the object behind O_PATH fd obj (its stat in st) to dfd/dname. */
static int copy_obj(const struct cp *c, int obj, const struct stat *st, int dfd, const char *dname,
                    int depth, struct td_err **err)
{
  if (S_ISLNK(st->st_mode))
    return copy_link(c, obj, st, dfd, dname, err);
  if (S_ISDIR(st->st_mode))
    return copy_dir(c, obj, st, dfd, dname, depth, err);
  if (S_ISREG(st->st_mode))
    return copy_file(c, obj, st, dfd, dname, err);
  return 0; /* devices, fifos, sockets: not copied, never opened */
}

/* A path as docker reads it: the last name ("" for "/"), whether it asserts a directory (a
 * trailing "/" or "/.") and whether it asks for a directory's contents (a last "." or "/"). */
struct cp_path {
  char *parent, *base;
  bool dir, contents;
};

static void cp_path_parse(const char *path, struct cp_path *p)
{
  autofree char *s = xstrdup(path);
  size_t n = strlen(s);
  p->dir = n > 0 && s[n - 1] == '/';
  p->contents = false;
  for (;;) {
    while (n > 1 && s[n - 1] == '/')
      s[--n] = '\0';
    if (n >= 2 && strcmp(s + n - 2, "/.") == 0) {
      s[n -= 2] = '\0';
      p->dir = p->contents = true;
      continue;
    }
    if (strcmp(s, ".") == 0) {
      s[0] = '\0';
      p->dir = p->contents = true;
    }
    break;
  }
  char *slash = strrchr(s, '/');
  const char *b = slash ? slash + 1 : s;
  if (*b == '\0' || strcmp(b, "..") == 0)
    p->contents = p->dir = true; /* "/" or "..": the directory itself has no name to give */
  p->base = xstrdup(b);
  if (slash == NULL)
    p->parent = xstrdup(".");
  else if (slash == s)
    p->parent = xstrdup("/");
  else
    p->parent = xstrndup(s, (size_t)(slash - s));
}

static void cp_path_free(struct cp_path *p)
{
  free(p->parent);
  free(p->base);
}

static int cp_do(const struct cp *c, const struct cp_side *S, const char *spath,
                 const struct cp_path *sp, const struct cp_side *D, const char *dpath,
                 const struct cp_path *dp, bool follow, const char *ctr, struct td_err **err)
{
  /* the source: its last symlink is followed (inside its root) only with -L or a trailing "/" */
  autoerr struct td_err *se = NULL;
  autoclose int sobj = side_open(S, spath, O_PATH | (follow || sp->dir ? 0 : O_NOFOLLOW), &se);
  if (sobj < 0 && se->errnum != ENOENT)
    return err_set(err, se->errnum, "%s", spath);
  if (sobj < 0 && S->ctr)
    /* docker's CLI words the daemon's 404 so, with or without -L */
    return err_set_exit(err, 1, 0, "No such container:path: %s:%s", ctr, spath);
  if (sobj < 0)
    return err_set_exit(err, 1, ENOENT, "lstat %s", spath);
  struct stat sst, dst;
  if (fstat(sobj, &sst) < 0)
    return err_set(err, errno, "stat %s", spath);
  if (sp->dir && !S_ISDIR(sst.st_mode))
    return err_set_exit(err, 1, ENOTDIR, "%s", spath);
  if (S->ctr && cp_kernel_fs(sobj))
    return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not copied", spath);
  /* the destination: followed inside its root; an existing directory receives the copy */
  autoerr struct td_err *de = NULL;
  autoclose int dobj = side_open(D, dpath, O_PATH, &de);
  if (dobj < 0 && de->errnum != ENOENT && de->errnum != ENOTDIR)
    return err_set(err, de->errnum, "%s", dpath);
  if (dobj >= 0 && fstat(dobj, &dst) < 0)
    return err_set(err, errno, "stat %s", dpath);
  if (dobj >= 0 && S_ISDIR(dst.st_mode)) {
    autoclose int dd = openat(dobj, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dd < 0)
      return err_set(err, errno, "open %s", dpath);
    if (D->ctr && cp_kernel_fs(dd))
      return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not copied", dpath);
    if (!S_ISDIR(sst.st_mode) || !sp->contents)
      return copy_obj(c, sobj, &sst, dd, sp->base, 0, err);
    autoclose int sd = openat(sobj, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return sd < 0 ? err_set(err, errno, "open %s", spath) : copy_children(c, sd, dd, 0, err);
  }
  if (dobj >= 0 && S_ISDIR(sst.st_mode))
    return err_set_exit(err, 1, 0, "cannot copy a directory to a file: %s", dpath);
  if (dobj < 0 && dp->dir && !S_ISDIR(sst.st_mode))
    return err_set_exit(err, 1, ENOENT, "destination directory %s must exist", dpath);
  if (dp->contents)
    return err_set_exit(err, 1, ENOENT, "destination %s", dpath);
  /* created anew (or a non-directory replaced) as <parent>/<base> */
  autoclose int pd = side_open(D, dp->parent, O_RDONLY | O_DIRECTORY, err);
  if (pd < 0)
    return -1;
  if (D->ctr && cp_kernel_fs(pd))
    return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not copied", dpath);
  return copy_obj(c, sobj, &sst, pd, dp->base, 0, err);
}

static int cp_run(const struct cp *c, const struct cp_side *S, const char *spath,
                  const struct cp_side *D, const char *dpath, bool follow, const char *ctr,
                  struct td_err **err)
{
  struct cp_path sp, dp;
  cp_path_parse(spath, &sp);
  cp_path_parse(dpath, &dp);
  int rc = cp_do(c, S, spath, &sp, D, dpath, &dp, follow, ctr, err);
  cp_path_free(&sp);
  cp_path_free(&dp);
  return rc;
}

/* A running container's root as its processes see it (volumes, tmpfs and the /etc files
 * mounted), through /proc/PID/root, when that is the container's rootfs: the same inode as
 * the rootfs on the host, so a recycled pid (another root) is never used. -1 otherwise. */
static int live_root(const struct ctr_record *rec, int hostroot)
{
  pid_t pid = rec->state.pid;
  if (pid <= 0)
    return -1;
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
  int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat a, b;
  if (fd >= 0 && fstat(fd, &a) == 0 && fstat(hostroot, &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return fd;
  if (fd >= 0)
    close(fd);
  return -1;
}

/* Split "ctr:/path"; NULL when s is a host path. */
static char *split_ref(const char *s, const char **path)
{
  const char *c = strchr(s, ':');
  if (c == NULL || s[0] == '/' || s[0] == '.')
    return NULL;
  *path = c + 1;
  return xstrndup(s, (size_t)(c - s));
}

int eng_cp(struct eng_ctx *ctx, const char *src, const char *dst, const struct eng_cp_opts *o,
           struct td_err **err)
{
  const char *spath = NULL, *dpath = NULL;
  autofree char *sref = split_ref(src, &spath);
  autofree char *dref = split_ref(dst, &dpath);
  if (strcmp(src, "-") == 0 && strcmp(dst, "-") == 0)
    return err_set(err, 0, "must specify at least one container source");
  if ((sref == NULL) == (dref == NULL) && strcmp(src, "-") != 0 && strcmp(dst, "-") != 0)
    return err_set(err, 0, "must specify at least one container source");
  if ((strcmp(src, "-") == 0 && dref == NULL) || (strcmp(dst, "-") == 0 && sref == NULL))
    return err_set(err, 0, "must specify at least one container source");
  bool to_stdout = strcmp(dst, "-") == 0, from_stdin = strcmp(src, "-") == 0;
  autofree char *id = NULL;
  if (store_lookup(ctx, sref ? sref : dref, &id, err) < 0) {
    /* docker's CLI asks for the path's stat first: its 404 names container and path */
    err_free(err);
    err_set_exit(err, 1, 0, "No such container:path: %s:%s", sref ? sref : dref,
                 sref ? spath : dpath);
    return err_mark(err, ERR_CLI);
  }
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  const char *st = rec->state.status;
  bool was_running = strcmp(st, "running") == 0 || strcmp(st, "paused") == 0;
  if (!was_running && eng_rootfs_mount(ctx, rec, err) < 0)
    return -1;
  autoclose int rootfd = open(rec->td.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd >= 0 && was_running) {
    int live = live_root(rec, rootfd);
    if (live >= 0) {
      close(rootfd);
      rootfd = live;
    }
  }
  struct cp c = {.archive = o && o->archive, .into_ctr = dref != NULL, .rec = rec};
  bool follow = o && o->follow_link;
  struct cp_side host = {.root = AT_FDCWD, .ctr = false}, ctr = {.root = rootfd, .ctr = true};
  int rc;
  if (rootfd < 0)
    rc = err_set(err, errno, "open rootfs");
  else if (to_stdout)
    rc = cp_tar_write(rootfd, spath, follow, sref, rec, STDOUT_FILENO, err);
  else if (from_stdin)
    rc = cp_tar_extract(rootfd, dpath, c.archive, dref, rec, STDIN_FILENO, err);
  else if (sref)
    rc = cp_run(&c, &ctr, spath, &host, dst, follow, sref, err);
  else
    rc = cp_run(&c, &host, src, &ctr, dpath, follow, dref, err);
  if (!was_running)
    eng_rootfs_umount(ctx, rec);
  return rc;
}
