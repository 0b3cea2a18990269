/* One layer from a (possibly compressed) tar stream in a single pass: an outer libarchive
 * reader decompresses (raw format, any filter), an inner one parses the tar from the outer's
 * output; the bytes between the two are hashed (diff_id), counted against the size cap and
 * optionally copied to a blob file. Unpacking goes to <root>/tmp and is renamed into
 * <root>/layers/<chain id> only when complete, so an interrupted or bad layer leaves nothing. */
#include "image/archerr.h"
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/sha256.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define IO_BUF (1 << 17)
#define DEFAULT_MAX_LAYER (8ULL << 30)
#define RATIO_MIN_BYTES (256ULL << 20)
#define RATIO_MAX 200

struct stream {
  int fd;
  uint64_t raw_bytes;
  struct archive *outer;
  struct image_hash *hash; /* of the uncompressed stream */
  uint64_t bytes;
  uint64_t cap;
  int tee_fd;
  int errnum;       /* the cause of errmsg (ENOSPC of the layer copy, ...) */
  char errmsg[256]; /* what failed, without the strerror part */
  char *raw_buf;
  char *mid_buf;
};

uint64_t image_layer_max_size(void)
{
  const char *s = getenv("TINYDOCKER_MAX_LAYER_SIZE");
  if (s == NULL || *s == '\0')
    return DEFAULT_MAX_LAYER;
  char *end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  switch (end && *end ? *end | 0x20 : 0) {
  case 'k':
    v <<= 10;
    break;
  case 'm':
    v <<= 20;
    break;
  case 'g':
    v <<= 30;
    break;
  default:
    break;
  }
  return v ? v : DEFAULT_MAX_LAYER;
}

static la_ssize_t raw_read(struct archive *a, void *ud, const void **buf)
{
  struct stream *s = ud;
  ssize_t r = RETRY_EINTR(read(s->fd, s->raw_buf, IO_BUF));
  if (r < 0) {
    archive_set_error(a, errno, "read input");
    return -1;
  }
  s->raw_bytes += (uint64_t)r;
  *buf = s->raw_buf;
  return r;
}

/* Pull decompressed bytes from the outer reader, hash/count/tee them. */
static la_ssize_t mid_pull(struct stream *s)
{
  la_ssize_t r = archive_read_data(s->outer, s->mid_buf, IO_BUF);
  if (r < 0) {
    s->errnum = image_archive_errno(s->outer, EINVAL);
    snprintf(s->errmsg, sizeof(s->errmsg), "decompress: %s", archive_error_string(s->outer));
    return -1;
  }
  s->bytes += (uint64_t)r;
  if (s->bytes > s->cap) {
    s->errnum = EINVAL;
    snprintf(s->errmsg, sizeof(s->errmsg),
             "layer exceeds the size limit of %" PRIu64 " bytes (TINYDOCKER_MAX_LAYER_SIZE)",
             s->cap);
    return -1;
  }
  if (s->bytes > RATIO_MIN_BYTES && s->bytes / RATIO_MAX > s->raw_bytes) {
    s->errnum = EINVAL;
    snprintf(s->errmsg, sizeof(s->errmsg),
             "decompression ratio above %d:1 after %" PRIu64 " bytes (a compression bomb?)",
             RATIO_MAX, s->bytes);
    return -1;
  }
  image_hash_update(s->hash, s->mid_buf, (size_t)r);
  if (s->tee_fd >= 0 && r > 0 && write_all(s->tee_fd, s->mid_buf, (size_t)r) < 0) {
    s->errnum = errno;
    snprintf(s->errmsg, sizeof(s->errmsg), "write the layer's blob");
    return -1;
  }
  return r;
}

static la_ssize_t mid_read(struct archive *a, void *ud, const void **buf)
{
  struct stream *s = ud;
  la_ssize_t r = mid_pull(s);
  if (r < 0) {
    archive_set_error(a, s->errnum, "%s", s->errmsg);
    return -1;
  }
  *buf = s->mid_buf;
  return r;
}

static int open_outer(struct stream *s, struct td_err **err)
{
  s->outer = archive_read_new();
  archive_read_support_filter_all(s->outer);
  archive_read_support_format_raw(s->outer);
  if (archive_read_open(s->outer, s, NULL, raw_read, NULL) != ARCHIVE_OK)
    return image_archive_err(err, s->outer, EINVAL, "open layer stream");
  struct archive_entry *e;
  int r = archive_read_next_header(s->outer, &e);
  if (r == ARCHIVE_EOF)
    return err_set(err, EINVAL, "layer stream is empty");
  if (r != ARCHIVE_OK)
    return image_archive_err(err, s->outer, EINVAL, "open layer stream");
  return 0;
}

/* Read the tar through the inner reader, unpacking into diff_fd (or only hashing if < 0). */
static int stream_tar(struct stream *s, int diff_fd, struct image_unpack_stats *st,
                      struct td_err **err)
{
  struct archive *in = archive_read_new();
  archive_read_support_format_tar(in);
  archive_read_support_format_empty(in);
  int rc = 0;
  if (archive_read_open(in, s, NULL, mid_read, NULL) != ARCHIVE_OK) {
    rc = image_archive_err(err, in, EINVAL, "read layer tar");
  } else if (diff_fd >= 0) {
    rc = image_unpack_tar(in, diff_fd, st, err);
  } else {
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)
      ;
    if (r != ARCHIVE_EOF)
      rc = image_archive_err(err, in, EINVAL, "read layer tar");
  }
  archive_read_free(in);
  if (rc < 0 && s->errmsg[0]) { /* the stream's own failure is the cause, not the tar's */
    err_free(err);
    return err_set(err, s->errnum, "%s", s->errmsg);
  }
  if (rc < 0)
    return -1;
  /* the diff_id covers the whole stream, padding after the tar's end included */
  la_ssize_t r;
  while ((r = mid_pull(s)) > 0)
    ;
  if (r < 0)
    return err_set(err, s->errnum, "%s", s->errmsg);
  return 0;
}

static int write_layer_meta(const char *dir, struct image_layer *l, const char *parent,
                            struct td_err **err)
{
  autojson json_t *j =
      json_pack("{s:s,s:s,s:s?,s:I,s:I}", "diff_id", l->diff_id, "chain_id", l->chain_id, "parent",
                parent, "size", (json_int_t)l->size, "tar_size", (json_int_t)l->tar_size);
  autofree char *p = xasprintf("%s/layer.json", dir);
  return file_write_json(AT_FDCWD, p, j, 0644, err);
}

static void chain_of(const char *parent, const char *diff_id, char **out)
{
  if (parent == NULL) {
    *out = xstrdup(diff_id);
    return;
  }
  char hex[65];
  autofree char *in = xasprintf("%s %s", parent, diff_id);
  image_sha256_str(in, hex);
  *out = xasprintf("sha256:%s", hex);
}

bool image_layer_present(const char *root, const char *chain_id)
{
  autofree char *d = image_layer_dir(root, chain_id);
  autofree char *m = xasprintf("%s/layer.json", d);
  return access(m, F_OK) == 0;
}

static int stream_init(struct stream *s, int fd, int tee_fd, struct td_err **err)
{
  *s = (struct stream){.fd = fd, .tee_fd = tee_fd, .cap = image_layer_max_size()};
  s->raw_buf = xmalloc(IO_BUF);
  s->mid_buf = xmalloc(IO_BUF);
  s->hash = image_hash_new();
  return open_outer(s, err);
}

static void stream_fini(struct stream *s)
{
  if (s->outer)
    archive_read_free(s->outer);
  image_hash_free(s->hash);
  free(s->raw_buf);
  free(s->mid_buf);
}

/* Unpack into a fresh temp dir; on success *tmp_out is it (with diff/ inside). */
static int unpack_to_tmp(const char *root, struct stream *s, struct image_unpack_stats *st,
                         char **tmp_out, struct td_err **err)
{
  autofree char *tmp = image_tmp_template(root, "tmp", "layer");
  if (mkdtemp(tmp) == NULL)
    return err_set(err, errno, "create %s", tmp);
  autofree char *diff = xasprintf("%s/diff", tmp);
  autoerr struct td_err *rmerr = NULL;
  if (mkdir(diff, 0755) < 0) {
    err_set(err, errno, "create %s", diff);
    rm_rf(tmp, &rmerr);
    return -1;
  }
  autoclose int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || stream_tar(s, dfd, st, err) < 0) {
    if (dfd < 0)
      err_set(err, errno, "open %s", diff);
    rm_rf(tmp, &rmerr);
    return -1;
  }
  /* the layer's files reach the disk before the rename publishes the layer: after a crash a
   * layer dir is complete or absent (one syncfs instead of an fsync per file) */
  const char *nosync = getenv("TINYDOCKER_NO_SYNC");
  if (!(nosync && strcmp(nosync, "1") == 0) && syncfs(dfd) < 0) {
    err_set(err, errno, "sync layer %s", diff);
    rm_rf(tmp, &rmerr);
    return -1;
  }
  *tmp_out = steal_ptr(tmp);
  return 0;
}

int image_layer_from_fd(const char *root, int fd, const char *parent_chain,
                        const char *expect_diff_id, int tee_fd, struct image_layer *out,
                        struct td_err **err)
{
  struct stream s;
  memset(out, 0, sizeof(*out));
  autofree char *expect_chain = NULL;
  if (expect_diff_id)
    chain_of(parent_chain, expect_diff_id, &expect_chain);
  bool present = expect_chain && image_layer_present(root, expect_chain);
  if (stream_init(&s, fd, tee_fd, err) < 0) {
    stream_fini(&s);
    return -1;
  }
  struct image_unpack_stats st = {0};
  autofree char *tmp = NULL;
  int rc = present ? stream_tar(&s, -1, &st, err) : unpack_to_tmp(root, &s, &st, &tmp, err);
  out->tar_size = s.bytes;
  out->diff_id = image_hash_finish(s.hash);
  s.hash = NULL;
  stream_fini(&s);
  autoerr struct td_err *rmerr = NULL;
  if (rc == 0 && expect_diff_id && strcmp(expect_diff_id, out->diff_id) != 0)
    rc = err_set(err, EINVAL, "layer content is %s but the config says %s", out->diff_id,
                 expect_diff_id);
  if (rc < 0) {
    if (tmp)
      rm_rf(tmp, &rmerr);
    image_layer_clear(out);
    return -1;
  }
  out->skipped_devices = st.skipped_devices;
  chain_of(parent_chain, out->diff_id, &out->chain_id);
  if (present) {
    out->size = image_layer_size(root, out->chain_id);
    return 0;
  }
  out->size = st.bytes;
  autofree char *dest = image_layer_dir(root, out->chain_id);
  if (write_layer_meta(tmp, out, parent_chain, err) < 0 ||
      (rename(tmp, dest) < 0 && errno != EEXIST && errno != ENOTEMPTY)) {
    if (*err == NULL)
      err_set(err, errno, "store layer %s", dest);
    rm_rf(tmp, &rmerr);
    image_layer_clear(out);
    return -1;
  }
  if (access(tmp, F_OK) == 0) /* someone stored the same layer first */
    rm_rf(tmp, &rmerr);
  return 0;
}

uint64_t image_layer_size(const char *root, const char *chain_id)
{
  autofree char *d = image_layer_dir(root, chain_id);
  autofree char *m = xasprintf("%s/layer.json", d);
  autojson json_t *j = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_json(AT_FDCWD, m, &j, &e) < 0)
    return 0;
  return (uint64_t)json_integer_value(json_object_get(j, "size"));
}

void image_layer_clear(struct image_layer *l)
{
  free(l->diff_id);
  free(l->chain_id);
  l->diff_id = l->chain_id = NULL;
}
