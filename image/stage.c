/* Staging of an image archive (docker-archive / oci-archive): the tar is read once from a
 * stream (which cannot seek), every regular member goes to a file under <root>/tmp with its
 * sha256 and size, and the member names are kept in a map for the format readers. Member
 * names are cleaned (no "..", no absolute escape) and never used as host paths. */
#include "image/archerr.h"
#include "image/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/digest.h"
#include "image/layer.h"
#include "image/store.h"
#include "image/tarpath.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define STAGE_MAX_MEMBERS 100000

static int stage_file(struct image_stage *s, struct archive *a, const char *name,
                      struct td_err **err)
{
  autofree char *p = xasprintf("%s/%zu", s->dir, s->n++);
  autoclose int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_set(err, errno, "create %s", p);
  struct image_hash *h = image_hash_new();
  uint64_t total = 0, cap = image_layer_max_size();
  char buf[1 << 16];
  for (;;) {
    la_ssize_t r = archive_read_data(a, buf, sizeof(buf));
    if (r < 0) {
      image_hash_free(h);
      return image_archive_err(err, a, EIO, "read archive member %s", name);
    }
    if (r == 0)
      break;
    total += (uint64_t)r;
    if (total > cap) {
      image_hash_free(h);
      return err_set(err, EFBIG, "archive member %s exceeds %llu bytes", name,
                     (unsigned long long)cap);
    }
    image_hash_update(h, buf, (size_t)r);
    if (write_all(fd, buf, (size_t)r) < 0) {
      image_hash_free(h);
      return err_set(err, errno, "write %s", p);
    }
  }
  autofree char *digest = image_hash_finish(h);
  json_object_set_new(
      s->members, name,
      json_pack("{s:s,s:s,s:I}", "path", p, "digest", digest, "size", (json_int_t)total));
  return 0;
}

/* A symlink member aliases another member (old docker-archive layouts dedupe layers so). */
static void stage_link(struct image_stage *s, const char *name, const char *target)
{
  autofree char *dir = xstrdup(name);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
  autofree char *joined =
      target[0] == '/' ? xstrdup(target) : xasprintf("%s%s%s", dir, *dir ? "/" : "", target);
  /* resolve ".." lexically inside the archive; escaping names are dropped */
  autostrv char **parts = strv_split(joined, '/');
  autostrv char **kept = xcalloc(1, sizeof(char *));
  size_t np = 0;
  for (char **t = parts; *t; t++) {
    if (strcmp(*t, ".") == 0 || **t == '\0')
      continue;
    if (strcmp(*t, "..") == 0) {
      if (np == 0)
        return;
      free(kept[--np]);
      kept[np] = NULL;
      continue;
    }
    strv_push(&kept, *t);
    np++;
  }
  autofree char *norm = strv_join(kept, "/");
  json_object_set_new(s->members, name, json_pack("{s:s}", "link", norm));
}

/* Not a tar at all: dockerd's words (its untar in a child, Go's archive/tar): a file shorter
 * than one header block is "unexpected EOF", anything else an invalid header (a pipe's length
 * is not known here). */
static int not_a_tar(int fd, struct td_err **err)
{
  struct stat st;
  bool short_file = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 512;
  return err_set_exit(err, 1, 0, "Error processing tar file(exit status 1): %s",
                      short_file ? "unexpected EOF" : "archive/tar: invalid tar header");
}

int image_stage_read(const char *root, int fd, struct image_stage *s, struct td_err **err)
{
  memset(s, 0, sizeof(*s));
  s->members = json_object();
  s->dir = image_tmp_template(root, "tmp", "load");
  if (mkdtemp(s->dir) == NULL)
    return err_set(err, errno, "create %s", s->dir);
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  int rc = 0;
  if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK) {
    rc = not_a_tar(fd, err);
    goto out;
  }
  struct archive_entry *e;
  for (size_t count = 0;; count++) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (count == 0 && r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = not_a_tar(fd, err);
      goto out;
    }
    if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) || count > STAGE_MAX_MEMBERS) {
      rc = err_set(err, EINVAL, "read image archive: %s",
                   r == ARCHIVE_OK ? "too many members" : archive_error_string(a));
      goto out;
    }
    const char *raw = archive_entry_pathname(e);
    autofree char *name = image_tar_path_clean(raw);
    if (name == NULL) {
      rc = err_set(err, EPERM, "image archive member \"%s\" escapes the archive", raw ? raw : "");
      goto out;
    }
    if (archive_entry_filetype(e) == AE_IFREG && archive_entry_hardlink(e) == NULL) {
      if (stage_file(s, a, name, err) < 0) {
        rc = -1;
        goto out;
      }
    } else if (archive_entry_filetype(e) == AE_IFLNK || archive_entry_hardlink(e)) {
      const char *t = archive_entry_hardlink(e);
      if (t) {
        autofree char *ct = image_tar_path_clean(t);
        if (ct)
          json_object_set_new(s->members, name, json_pack("{s:s}", "link", ct));
      } else {
        stage_link(s, name, archive_entry_symlink(e));
      }
    }
  }
out:
  archive_read_free(a);
  return rc;
}

json_t *image_stage_get(struct image_stage *s, const char *name)
{
  autofree char *n = image_tar_path_clean(name);
  for (int hops = 0; n && hops < 16; hops++) {
    json_t *m = json_object_get(s->members, n);
    if (m == NULL)
      return NULL;
    const char *link = json_string_value(json_object_get(m, "link"));
    if (link == NULL)
      return m;
    free(n);
    n = xstrdup(link);
  }
  return NULL;
}

int image_stage_read_small(struct image_stage *s, const char *name, char **buf, size_t *len,
                           struct td_err **err)
{
  json_t *m = image_stage_get(s, name);
  if (m == NULL)
    return err_set(err, ENOENT, "the archive has no %s", name);
  if (json_integer_value(json_object_get(m, "size")) > (16 << 20))
    return err_set(err, EFBIG, "%s in the archive is larger than 16 MiB", name);
  return file_read_all(AT_FDCWD, json_string_value(json_object_get(m, "path")), buf, len, err);
}

void image_stage_free(struct image_stage *s)
{
  if (s->dir) {
    autoerr struct td_err *e = NULL;
    rm_rf(s->dir, &e);
  }
  free(s->dir);
  json_decref(s->members);
  memset(s, 0, sizeof(*s));
}
