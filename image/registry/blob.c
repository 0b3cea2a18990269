/* Blob download and upload. */
#include "image/registry/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/build.h"
#include "image/digest.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

struct dl_sink {
  const struct reg_blob_dl *d;
  struct image_hash *h;
  int file_fd;
  uint64_t got;
  bool tee_broken;
};

static int dl_write(void *ctx, const void *data, size_t n)
{
  struct dl_sink *s = ctx;
  s->got += n;
  if (s->d->size && s->got > s->d->size) {
    errno = EFBIG;
    return -1; /* more than the manifest said: stop now */
  }
  image_hash_update(s->h, data, n);
  if (s->file_fd >= 0 && write_all(s->file_fd, data, n) < 0)
    return -1;
  if (s->d->tee_fd >= 0 && !s->tee_broken && write_all(s->d->tee_fd, data, n) < 0)
    s->tee_broken = true; /* the unpacker failed; its error is reported by the caller */
  if (s->d->on_bytes)
    s->d->on_bytes(s->d->on_bytes_ctx, n);
  return 0;
}

int reg_blob_download(struct reg_client *c, const char *root, const struct reg_blob_dl *d,
                      struct td_err **err)
{
  autofree char *tmp = NULL;
  autoclose int fd = -1;
  if (d->keep && (fd = image_tmp_file(root, &tmp, err)) < 0)
    return -1;
  struct dl_sink s = {.d = d, .h = image_hash_new(), .file_fd = fd};
  autofree char *url = xasprintf("/v2/%s/blobs/%s", c->repo, d->digest);
  struct reg_req r = {.method = "GET", .url = url, .sink = dl_write, .sink_ctx = &s};
  struct reg_resp resp = {0};
  int rc = reg_do(c, &r, &resp, err);
  autofree char *got = image_hash_finish(s.h);
  if (rc == 0 && resp.status != 200) {
    autofree char *why = reg_error_text(&resp);
    rc = err_set(err, 0, "blob %s: %s", d->digest, why);
  } else if (rc < 0 && d->size && s.got > d->size) {
    err_free(err);
    rc = err_set(err, EFBIG, "blob %s: larger than its %llu bytes", d->digest,
                 (unsigned long long)d->size);
  } else if (rc == 0 && d->size && s.got != d->size) {
    rc = err_set(err, EIO, "blob %s: size %llu, want %llu", d->digest, (unsigned long long)s.got,
                 (unsigned long long)d->size);
  } else if (rc == 0 && strcmp(got, d->digest) != 0) {
    rc = err_set(err, EIO, "blob %s: digest mismatch (got %s)", d->digest, got);
  }
  reg_resp_clear(&resp);
  if (rc == 0 && d->keep && (fsync(fd) < 0 || image_blob_adopt(root, tmp, d->digest, err) < 0))
    rc = -1;
  if (tmp)
    unlink(tmp);
  return rc;
}

int reg_blob_exists(struct reg_client *c, const char *digest, bool *exists, struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
  struct reg_req r = {.method = "HEAD", .url = url};
  struct reg_resp resp = {0};
  if (reg_do(c, &r, &resp, err) < 0)
    return -1;
  long st = resp.status;
  reg_resp_clear(&resp);
  if (st != 200 && st != 404)
    return err_set(err, EIO, "HEAD blob %s: HTTP status %ld", digest, st);
  *exists = st == 200;
  return 0;
}

struct up_src {
  int fd;
  void (*on_bytes)(void *ctx, size_t n);
  void *ctx;
};

static long up_read(void *ctx, void *buf, size_t n)
{
  struct up_src *s = ctx;
  ssize_t r = RETRY_EINTR(read(s->fd, buf, n));
  if (r > 0 && s->on_bytes)
    s->on_bytes(s->ctx, (size_t)r);
  return r;
}

static int start_upload(struct reg_client *c, char **location, struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/blobs/uploads/", c->repo);
  struct reg_req r = {.method = "POST", .url = url, .body = "", .body_len = 0};
  struct reg_resp resp = {0};
  if (reg_do(c, &r, &resp, err) < 0)
    return -1;
  if (resp.status != 202 || resp.location == NULL) {
    autofree char *why = reg_error_text(&resp);
    reg_resp_clear(&resp);
    return err_set(err, EIO, "start upload to %s: %s", c->repo, why);
  }
  *location = steal_ptr(resp.location);
  reg_resp_clear(&resp);
  return 0;
}

int reg_blob_upload(struct reg_client *c, const char *root, const char *digest,
                    void (*on_bytes)(void *ctx, size_t n), void *ctx, struct td_err **err)
{
  autofree char *path = image_blob_path(root, digest);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return err_set(err, errno, "open blob %s", digest);
  autofree char *location = NULL;
  if (start_upload(c, &location, err) < 0)
    return -1;
  autofree char *url =
      xasprintf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", digest);
  struct up_src src = {.fd = fd, .on_bytes = on_bytes, .ctx = ctx};
  struct reg_req r = {.method = "PUT",
                      .url = url,
                      .content_type = "application/octet-stream",
                      .body_len = (size_t)st.st_size,
                      .source = up_read,
                      .source_ctx = &src};
  struct reg_resp resp = {0};
  if (reg_do(c, &r, &resp, err) < 0)
    return -1;
  if (resp.status != 201) {
    autofree char *why = reg_error_text(&resp);
    reg_resp_clear(&resp);
    return err_set(err, EIO, "upload blob %s: %s", digest, why);
  }
  reg_resp_clear(&resp);
  return 0;
}
