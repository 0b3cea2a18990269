/* cp's tar stream out, docker's `cp CTR:path -`, without libarchive (cp runs in the engine's own
 * binary): ustar headers, pax records for long names and link targets (the stream in:
 * cp_untar.c).
 *
 * Writing walks the container's tree as cp.c copies it: the source resolved once beneath the
 * root, each entry one name opened O_PATH|O_NOFOLLOW beneath its directory's fd, data read
 * from the pinned fd, nothing on a kernel filesystem. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/ops/ops.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define TAR_MAX_DEPTH 256

/* A number field: n-1 octal digits and a NUL, or base-256 where they do not hold it. */
static void octal(char *field, size_t n, unsigned long long v)
{
  if (v >> (3 * (n - 1))) {
    field[0] = (char)0x80;
    for (size_t i = n - 1; i > 0; i--, v >>= 8)
      field[i] = (char)(v & 0xff);
    return;
  }
  field[n - 1] = '\0';
  for (size_t i = n - 1; i > 0; i--, v >>= 3)
    field[i - 1] = (char)('0' + (v & 7));
}

static int put_block(int out, const void *b, struct td_err **err)
{
  return write_all(out, b, CP_TAR_BLK) < 0 ? err_set(err, errno, "write the tar stream") : 0;
}

/* A pax record "LEN key=value\n", LEN counting itself. */
static void pax_record(char **buf, size_t *len, const char *key, const char *value)
{
  size_t body = strlen(key) + strlen(value) + 3, n = body + 1;
  while (snprintf(NULL, 0, "%zu", n) + body != n)
    n++;
  *buf = xrealloc(*buf, *len + n + 1);
  snprintf(*buf + *len, n + 1, "%zu %s=%s\n", n, key, value);
  *len += n;
}

static int put_data(int out, const char *data, size_t n, struct td_err **err)
{
  if (n && write_all(out, data, n) < 0)
    return err_set(err, errno, "write the tar stream");
  static const char zero[CP_TAR_BLK];
  size_t pad = (CP_TAR_BLK - n % CP_TAR_BLK) % CP_TAR_BLK;
  return pad && write_all(out, zero, pad) < 0 ? err_set(err, errno, "write the tar stream") : 0;
}

static void hdr_finish(struct cp_tar_hdr *h)
{
  memset(h->chksum, ' ', sizeof(h->chksum));
  unsigned sum = 0;
  for (size_t i = 0; i < CP_TAR_BLK; i++)
    sum += ((unsigned char *)h)[i];
  snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
}

/* The container of the copy in progress: owners cross its --userns-remap maps (one copy per
 * process: the CLI's) */
static const struct ctr_record *tar_rec;

static int put_header(int out, const char *name, const struct stat *st, char type, const char *link,
                      struct td_err **err)
{
  uid_t owner = st->st_uid;
  gid_t group = st->st_gid;
  eng_remap_id(tar_rec, false, &owner, &group);
  struct cp_tar_hdr h;
  autofree char *pax = NULL;
  size_t plen = 0;
  if (strlen(name) >= sizeof(h.name))
    pax_record(&pax, &plen, "path", name);
  if (link && strlen(link) >= sizeof(h.linkname))
    pax_record(&pax, &plen, "linkpath", link);
  if (pax) {
    memset(&h, 0, sizeof(h));
    snprintf(h.name, sizeof(h.name), "PaxHeaders/%.80s", name);
    octal(h.mode, sizeof(h.mode), 0644);
    octal(h.uid, sizeof(h.uid), 0);
    octal(h.gid, sizeof(h.gid), 0);
    octal(h.size, sizeof(h.size), plen);
    octal(h.mtime, sizeof(h.mtime), (unsigned long long)st->st_mtim.tv_sec);
    h.type = 'x';
    memcpy(h.magic, "ustar", 6);
    memcpy(h.version, "00", 2);
    hdr_finish(&h);
    if (put_block(out, &h, err) < 0 || put_data(out, pax, plen, err) < 0)
      return -1;
  }
  memset(&h, 0, sizeof(h));
  memcpy(h.name, name, strnlen(name, sizeof(h.name)));
  octal(h.mode, sizeof(h.mode), st->st_mode & 07777);
  octal(h.uid, sizeof(h.uid), owner & 07777777);
  octal(h.gid, sizeof(h.gid), group & 07777777);
  octal(h.size, sizeof(h.size), type == '0' ? (unsigned long long)st->st_size : 0);
  octal(h.mtime, sizeof(h.mtime),
        (unsigned long long)(st->st_mtim.tv_sec > 0 ? st->st_mtim.tv_sec : 0));
  h.type = type;
  if (link)
    memcpy(h.linkname, link, strnlen(link, sizeof(h.linkname)));
  memcpy(h.magic, "ustar", 6);
  memcpy(h.version, "00", 2);
  if (type == '3' || type == '4') {
    octal(h.devmajor, sizeof(h.devmajor), major(st->st_rdev));
    octal(h.devminor, sizeof(h.devminor), minor(st->st_rdev));
  }
  hdr_finish(&h);
  return put_block(out, &h, err);
}

static int write_obj(int obj, const struct stat *st, const char *name, int out, int depth,
                     struct td_err **err);

static int write_dir(int obj, const struct stat *st, const char *name, int out, int depth,
                     struct td_err **err)
{
  if (depth > TAR_MAX_DEPTH)
    return err_set(err, ELOOP, "directory tree too deep");
  autofree char *dname = xasprintf("%s/", name);
  if (put_header(out, dname, st, '5', NULL, err) < 0)
    return -1;
  int fd = openat(obj, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", name);
  autoclosedir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return err_set(err, errno, "open %s", name);
  }
  /* sorted, as docker's walk is */
  autostrv char **names = xcalloc(1, sizeof(char *));
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      strv_push(&names, de->d_name);
  size_t n = strv_len(names);
  for (size_t a = 1; a < n; a++)
    for (size_t c = a; c > 0 && strcmp(names[c - 1], names[c]) > 0; c--) {
      char *t = names[c];
      names[c] = names[c - 1];
      names[c - 1] = t;
    }
  for (size_t i = 0; i < n; i++) {
    autoclose int child = openat(dirfd(d), names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat cst;
    if (child < 0 || fstat(child, &cst) < 0)
      continue; /* gone meanwhile */
    autofree char *cname = strcmp(name, ".") == 0 && depth == 0
                               ? xasprintf("./%s", names[i])
                               : xasprintf("%s/%s", name, names[i]);
    if (write_obj(child, &cst, cname, out, depth + 1, err) < 0)
      return -1;
  }
  return 0;
}

static int write_obj(int obj, const struct stat *st, const char *name, int out, int depth,
                     struct td_err **err)
{
  if (S_ISDIR(st->st_mode)) {
    if (depth > 0 && cp_kernel_fs(obj))
      return 0; /* a kernel filesystem mounted below: not copied */
    return write_dir(obj, st, name, out, depth, err);
  }
  if (S_ISLNK(st->st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(obj, "", target, sizeof(target) - 1);
    if (n < 0)
      return err_set(err, errno, "readlink %s", name);
    target[n] = '\0';
    return put_header(out, name, st, '2', target, err);
  }
  if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode))
    return put_header(out, name, st,
                      S_ISCHR(st->st_mode)   ? '3'
                      : S_ISBLK(st->st_mode) ? '4'
                                             : '6',
                      NULL, err);
  if (!S_ISREG(st->st_mode))
    return 0; /* a socket: docker's tar has none either */
  autoclose int in = cp_reopen_file(obj);
  if (in < 0)
    return err_set(err, errno, "open %s", name);
  if (put_header(out, name, st, '0', NULL, err) < 0)
    return -1;
  /* exactly st_size bytes: a file that grows or shrinks meanwhile keeps the stream valid */
  char buf[65536];
  off_t left = st->st_size, done = 0;
  while (left > 0) {
    ssize_t r = read(in, buf, (size_t)(left < (off_t)sizeof(buf) ? left : (off_t)sizeof(buf)));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      memset(buf, 0, sizeof(buf));
      r = left < (off_t)sizeof(buf) ? left : (off_t)sizeof(buf);
    }
    if (write_all(out, buf, (size_t)r) < 0)
      return err_set(err, errno, "write the tar stream");
    left -= r;
    done += r;
  }
  static const char zero[CP_TAR_BLK];
  size_t pad = (CP_TAR_BLK - (size_t)(done % CP_TAR_BLK)) % CP_TAR_BLK;
  if (pad && write_all(out, zero, pad) < 0)
    return err_set(err, errno, "write the tar stream");
  return 0;
}

int cp_tar_write(int rootfd, const char *path, bool follow, const char *ctr,
                 const struct ctr_record *rec, int out, struct td_err **err)
{
  tar_rec = rec;
  size_t n = strlen(path);
  bool contents = (n >= 2 && strcmp(path + n - 2, "/.") == 0) || strcmp(path, ".") == 0;
  bool slash = n > 0 && path[n - 1] == '/';
  autoerr struct td_err *e = NULL;
  autoclose int obj = safepath_open(rootfd, *path ? path : "/",
                                    O_PATH | (follow || slash || contents ? 0 : O_NOFOLLOW), 0, &e);
  if (obj < 0 && e->errnum == ENOENT)
    return err_set_exit(err, 1, 0, "No such container:path: %s:%s", ctr, path);
  if (obj < 0)
    return err_set(err, e->errnum, "%s", path);
  struct stat st;
  if (fstat(obj, &st) < 0)
    return err_set(err, errno, "stat %s", path);
  if (cp_kernel_fs(obj))
    return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not copied", path);
  /* the entry's name: the base name ("/" for the root, "." for a directory's contents) */
  autofree char *copy = xstrdup(path);
  size_t cl = strlen(copy);
  while (cl > 1 && copy[cl - 1] == '/')
    copy[--cl] = '\0';
  const char *base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
  const char *name = contents ? "." : (*base == '\0' || strcmp(copy, "/") == 0) ? "" : base;
  int rc = 0;
  if (S_ISDIR(st.st_mode) && *name == '\0') {
    /* the root itself: its entries by their names, docker's "/" first */
    rc = put_header(out, "/", &st, '5', NULL, err);
    autoclose int d = openat(obj, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    autoclosedir DIR *dir = d >= 0 ? fdopendir(d) : NULL;
    if (dir)
      d = -1;
    struct dirent *de;
    while (rc == 0 && dir && (de = readdir(dir)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      autoclose int child = openat(dirfd(dir), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      struct stat cst;
      if (child >= 0 && fstat(child, &cst) == 0)
        rc = write_obj(child, &cst, de->d_name, out, 1, err);
    }
  } else {
    rc = write_obj(obj, &st, name, out, 0, err);
  }
  static const char zero[2 * CP_TAR_BLK];
  if (rc == 0 && write_all(out, zero, sizeof(zero)) < 0)
    rc = err_set(err, errno, "write the tar stream");
  return rc;
}
