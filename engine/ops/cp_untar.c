/* cp's tar stream in, docker's `cp - CTR:dir`, without libarchive (the stream out: cp_tar.c).
 *
 * Extracting takes nothing from the stream on trust: an entry's name is cleaned (a leading "/"
 * dropped, as docker does) and refused when a ".." climbs out of the destination; its parent
 * is opened beneath the container's root (safepath: a symlink met on the way resolves inside
 * the container, never out); the entry itself is created anew (O_EXCL, O_NOFOLLOW) after
 * whatever non-directory was in the way is removed; a symlink whose relative target climbs
 * out of the destination and a hard link whose target does are refused (docker's rules); a
 * hard link's target is opened beneath the root without following a link; device nodes are
 * not made (a bind mount of a host directory would carry them to the host). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
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
#include "util/strv.h"
#include "util/xalloc.h"

/* docker's words for a tar the daemon refused */
#define TAR_ERR "Error response from daemon: Error processing tar file(exit status 1): "

/* The container of the copy in progress: owners cross its --userns-remap maps (one copy per
 * process: the CLI's) */
static const struct ctr_record *tar_rec;

static int read_full(int in, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(in, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return got == 0 && r == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

static int tar_num(const char *f, size_t n, long long *out)
{
  if ((unsigned char)f[0] & 0x80) { /* base-256 */
    long long v = (unsigned char)f[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
      if (v > (LLONG_MAX >> 8))
        return -1;
      v = (v << 8) | (unsigned char)f[i];
    }
    *out = v;
    return 0;
  }
  long long v = 0;
  size_t i = 0;
  while (i < n && f[i] == ' ')
    i++;
  for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
    if (v > (LLONG_MAX >> 3))
      return -1;
    v = v * 8 + (f[i] - '0');
  }
  *out = v;
  return 0;
}

static bool hdr_ok(const struct cp_tar_hdr *h)
{
  long long want;
  if (tar_num(h->chksum, sizeof(h->chksum), &want) < 0)
    return false;
  long long sum = 0;
  for (size_t i = 0; i < CP_TAR_BLK; i++)
    sum += (i >= offsetof(struct cp_tar_hdr, chksum) && i < offsetof(struct cp_tar_hdr, chksum) + 8)
               ? ' '
               : ((const unsigned char *)h)[i];
  return sum == want;
}

/* A name cleaned docker's way beneath the destination: a leading "/" dropped, "." and empty
 * parts gone, ".." taking a part off; NULL when a ".." climbs out. "" is the destination. */
static char *clean_rel(const char *name)
{
  autostrv char **parts = strv_split(name, '/');
  autostrv char **kept = xcalloc(1, sizeof(char *));
  for (char **p = parts; *p; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0)
      continue;
    if (strcmp(*p, "..") == 0) {
      size_t n = strv_len(kept);
      if (n == 0)
        return NULL;
      free(kept[n - 1]);
      kept[n - 1] = NULL;
      continue;
    }
    strv_push(&kept, *p);
  }
  return strv_join(kept, "/");
}

static int read_blob(int in, long long size, char **out, struct td_err **err)
{
  if (size < 0 || size > (1 << 20))
    return err_set_exit(err, 1, 0, TAR_ERR "a pax header of %lld bytes", size);
  size_t padded = ((size_t)size + CP_TAR_BLK - 1) / CP_TAR_BLK * CP_TAR_BLK;
  char *b = xcalloc(1, padded + 1);
  if (padded && read_full(in, b, padded) != 1) {
    free(b);
    return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
  }
  b[size] = '\0';
  *out = b;
  return 0;
}

/* The value of key in pax records, new string or NULL. */
static char *pax_get(const char *recs, size_t len, const char *key)
{
  size_t kl = strlen(key);
  const char *p = recs, *end = recs + len;
  while (p < end) {
    char *sp = NULL;
    long n = strtol(p, &sp, 10);
    if (n <= 0 || sp == NULL || *sp != ' ' || p + n > end)
      return NULL;
    const char *kv = sp + 1, *rend = p + n - 1; /* before the '\n' */
    if ((size_t)(rend - kv) > kl && strncmp(kv, key, kl) == 0 && kv[kl] == '=')
      return xstrndup(kv + kl + 1, (size_t)(rend - kv - (ptrdiff_t)kl - 1));
    p += n;
  }
  return NULL;
}

struct xt {
  int root;
  const char *dir; /* the destination, inside the root */
  bool archive;
};

static int skip_data(int in, long long size, struct td_err **err)
{
  char buf[CP_TAR_BLK];
  for (long long left = (size + CP_TAR_BLK - 1) / CP_TAR_BLK; left > 0; left--)
    if (read_full(in, buf, CP_TAR_BLK) != 1)
      return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
  return 0;
}

static void set_owner_mode(const struct xt *x, int fd, const struct cp_tar_hdr *h, bool link)
{
  long long uid = 0, gid = 0, mode = 0, mtime = 0;
  if (x->archive) {
    tar_num(h->uid, sizeof(h->uid), &uid);
    tar_num(h->gid, sizeof(h->gid), &gid);
  }
  tar_num(h->mode, sizeof(h->mode), &mode);
  tar_num(h->mtime, sizeof(h->mtime), &mtime);
  if (link) {
    uid_t lu = (uid_t)uid;
    gid_t lg = (gid_t)gid;
    eng_remap_id(tar_rec, true, &lu, &lg);
    (void)!fchownat(fd, "", lu, lg, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    return;
  }
  uid_t u = (uid_t)uid;
  gid_t g = (gid_t)gid;
  eng_remap_id(tar_rec, true, &u, &g);
  (void)!fchown(fd, u, g);
  (void)fchmod(fd, (mode_t)(mode & 07777));
  struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
  (void)futimens(fd, ts);
}

static int extract_one(const struct xt *x, const struct cp_tar_hdr *h, const char *rawname,
                       const char *rawlink, long long size, int in, struct td_err **err)
{
  autofree char *rel = clean_rel(rawname);
  if (rel == NULL)
    return err_set_exit(err, 1, 0, TAR_ERR "\"%s\" is outside of \"%s\"", rawname, x->dir);
  autofree char *full = xasprintf("%s/%s", x->dir, rel);
  char type = h->type ? h->type : '0';
  if (*rel == '\0') /* the destination itself ("./") */
    return type == '5' ? 0 : skip_data(in, size, err);
  const char *slash = strrchr(full, '/');
  autofree char *parent = xstrndup(full, (size_t)(slash - full));
  const char *base = slash + 1;
  /* the parent beneath the container's root, made as needed (docker makes missing ones) */
  if (safepath_mkdir_p(x->root, parent, 0755, err) < 0)
    return -1;
  autoclose int pd = safepath_open(x->root, parent, O_RDONLY | O_DIRECTORY, 0, err);
  if (pd < 0)
    return -1;
  if (cp_kernel_fs(pd))
    return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not extracted", rawname);
  switch (type) {
  case '5': {
    int kept = cp_make_room(pd, base, true, err);
    if (kept < 0)
      return -1;
    if (!kept && mkdirat(pd, base, 0700) < 0)
      return err_set(err, errno, "mkdir %s", rawname);
    autoclose int d = openat(pd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0)
      return err_set(err, errno, "open %s", rawname);
    set_owner_mode(x, d, h, false);
    return skip_data(in, size, err);
  }
  case '2': {
    /* docker: a relative target may not climb out of the destination */
    if (rawlink[0] != '/') {
      const char *ls = strrchr(rel, '/');
      autofree char *joined =
          ls ? xasprintf("%.*s/%s", (int)(ls - rel), rel, rawlink) : xstrdup(rawlink);
      autofree char *target = clean_rel(joined);
      if (target == NULL)
        return err_set_exit(err, 1, 0, TAR_ERR "invalid symlink \"%s\" -> \"%s\"", full, rawlink);
    }
    if (cp_make_room(pd, base, false, err) < 0)
      return -1;
    if (symlinkat(rawlink, pd, base) < 0)
      return err_set(err, errno, "symlink %s", rawname);
    autoclose int l = openat(pd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (l >= 0)
      set_owner_mode(x, l, h, true);
    long long mtime = 0;
    tar_num(h->mtime, sizeof(h->mtime), &mtime);
    struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
    (void)utimensat(pd, base, ts, AT_SYMLINK_NOFOLLOW);
    return skip_data(in, size, err);
  }
  case '1': {
    autofree char *trel = clean_rel(rawlink);
    if (trel == NULL || *trel == '\0')
      return err_set_exit(err, 1, 0, TAR_ERR "invalid hardlink \"%s\" -> \"%s\"", full, rawlink);
    autofree char *tfull = xasprintf("%s/%s", x->dir, trel);
    autoerr struct td_err *te = NULL;
    /* the target beneath the root, itself not followed: a link never reaches the host */
    autoclose int t = safepath_open(x->root, tfull, O_PATH | O_NOFOLLOW, 0, &te);
    struct stat tst;
    if (t < 0 || fstat(t, &tst) < 0 || S_ISDIR(tst.st_mode))
      return err_set_exit(err, 1, t < 0 ? te->errnum : EPERM, TAR_ERR "link %s %s", tfull, full);
    if (cp_make_room(pd, base, false, err) < 0)
      return -1;
    if (linkat(t, "", pd, base, AT_EMPTY_PATH) < 0)
      return err_set(err, errno, "link %s", rawname);
    return skip_data(in, size, err);
  }
  case '3':
  case '4':
    return err_set_exit(err, 1, 0, TAR_ERR "device node \"%s\": not extracted", rawname);
  case '6': {
    if (cp_make_room(pd, base, false, err) < 0)
      return -1;
    if (mkfifoat(pd, base, 0600) < 0)
      return err_set(err, errno, "mkfifo %s", rawname);
    autoclose int f = openat(pd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (f >= 0) {
      char p[64];
      snprintf(p, sizeof(p), "/proc/self/fd/%d", f);
      long long mode = 0, uid = 0, gid = 0;
      tar_num(h->mode, sizeof(h->mode), &mode);
      if (x->archive) {
        tar_num(h->uid, sizeof(h->uid), &uid);
        tar_num(h->gid, sizeof(h->gid), &gid);
      }
      uid_t u = (uid_t)uid;
      gid_t g = (gid_t)gid;
      eng_remap_id(tar_rec, true, &u, &g);
      (void)!chown(p, u, g);
      (void)chmod(p, (mode_t)(mode & 07777));
    }
    return skip_data(in, size, err);
  }
  case '0':
  case '7': {
    autoclose int out = -1;
    for (int tries = 0; out < 0; tries++) {
      if (cp_make_room(pd, base, false, err) < 0)
        return -1;
      out = openat(pd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (out < 0 && (errno != EEXIST || tries + 1 >= 4))
        return err_set(err, errno, "create %s", rawname);
    }
    char buf[65536];
    long long left = size;
    while (left > 0) {
      size_t want = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
      if (read_full(in, buf, want) != 1)
        return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
      if (write_all(out, buf, want) < 0)
        return err_set(err, errno, "write %s", rawname);
      left -= (long long)want;
    }
    size_t pad = (size_t)((CP_TAR_BLK - size % CP_TAR_BLK) % CP_TAR_BLK);
    if (pad && read_full(in, buf, pad) != 1)
      return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
    set_owner_mode(x, out, h, false);
    return 0;
  }
  default: /* other types (sockets, vendor extensions): their data skipped */
    return skip_data(in, size, err);
  }
}

static int extract(int rootfd, const char *dir, bool archive, const char *ctr, int in,
                   struct td_err **err);

int cp_tar_extract(int rootfd, const char *dir, bool archive, const char *ctr,
                   const struct ctr_record *rec, int in, struct td_err **err)
{
  tar_rec = rec;
  int rc = extract(rootfd, dir, archive, ctr, in, err);
  /* docker's own lines: no "Error: " before them */
  if (rc < 0 && *err &&
      (strncmp(err_text(*err), "Error response", 14) == 0 ||
       strncmp(err_text(*err), "destination", 11) == 0))
    err_mark(err, ERR_BARE);
  return rc;
}

static int extract(int rootfd, const char *dir, bool archive, const char *ctr, int in,
                   struct td_err **err)
{
  autoerr struct td_err *e = NULL;
  autoclose int d = safepath_open(rootfd, *dir ? dir : "/", O_RDONLY | O_DIRECTORY, 0, &e);
  if (d < 0)
    return err_set_exit(err, 1, 0, "destination \"%s:%s\" must be a directory", ctr, dir);
  if (cp_kernel_fs(d))
    return err_set_exit(err, 1, EPERM, "%s: on a kernel filesystem, not extracted", dir);
  /* the destination as a path beneath the root, without its trailing "/" */
  autofree char *dest = xstrdup(*dir ? dir : "/");
  size_t dl = strlen(dest);
  while (dl > 1 && dest[dl - 1] == '/')
    dest[--dl] = '\0';
  struct xt x = {.root = rootfd, .dir = strcmp(dest, "/") == 0 ? "" : dest, .archive = archive};
  autofree char *next_name = NULL, *next_link = NULL;
  int zeros = 0;
  bool seen = false;
  for (;;) {
    struct cp_tar_hdr h;
    int r = read_full(in, &h, CP_TAR_BLK);
    if (r == 0 && !seen)
      return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
    if (r == 0)
      return 0;
    if (r < 0)
      return err_set_exit(err, 1, 0, TAR_ERR "unexpected EOF");
    static const struct cp_tar_hdr zero;
    if (memcmp(&h, &zero, CP_TAR_BLK) == 0) {
      seen = true;
      if (++zeros == 2)
        return 0;
      continue;
    }
    if (!hdr_ok(&h))
      return err_set_exit(err, 1, 0, TAR_ERR "archive/tar: invalid tar header");
    seen = true;
    zeros = 0;
    long long size = 0;
    if (tar_num(h.size, sizeof(h.size), &size) < 0 || size < 0)
      return err_set_exit(err, 1, 0, TAR_ERR "bad size");
    if (h.type == 'x' || h.type == 'L' || h.type == 'K') {
      autofree char *blob = NULL;
      if (read_blob(in, size, &blob, err) < 0)
        return -1;
      if (h.type == 'x') {
        char *p = pax_get(blob, (size_t)size, "path");
        char *l = pax_get(blob, (size_t)size, "linkpath");
        if (p) {
          free(next_name);
          next_name = p;
        }
        if (l) {
          free(next_link);
          next_link = l;
        }
      } else if (h.type == 'L') {
        free(next_name);
        next_name = xstrdup(blob);
      } else {
        free(next_link);
        next_link = xstrdup(blob);
      }
      continue;
    }
    if (h.type == 'g') {
      if (skip_data(in, size, err) < 0)
        return -1;
      continue;
    }
    autofree char *name = next_name;
    autofree char *link = next_link;
    next_name = next_link = NULL;
    if (name == NULL) {
      bool ustar = memcmp(h.magic, "ustar", 5) == 0;
      autofree char *n = xstrndup(h.name, strnlen(h.name, sizeof(h.name)));
      if (ustar && h.prefix[0])
        name = xasprintf("%.*s/%s", (int)strnlen(h.prefix, sizeof(h.prefix)), h.prefix, n);
      else
        name = steal_ptr(n);
    }
    if (link == NULL)
      link = xstrndup(h.linkname, strnlen(h.linkname, sizeof(h.linkname)));
    if (extract_one(&x, &h, name, link, size, in, err) < 0)
      return -1;
  }
}
