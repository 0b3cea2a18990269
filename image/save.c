/* `save`: docker-archive (manifest.json, <config>.json, <diff_id>/layer.tar uncompressed, as
 * `docker load` and `podman load` read it) or oci-archive (oci-layout, index.json, blobs as
 * stored). Layers shared by several images are written once. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image/archerr.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define COPY_BUF (1 << 17)

struct saver {
  const char *root;
  struct archive *a;
  json_t *written; /* member names already in the archive */
};

static int put_header(struct saver *sv, const char *name, la_int64_t size, struct td_err **err)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, size);
  archive_entry_set_mtime(e, 0, 0);
  int r = archive_write_header(sv->a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return image_archive_err(err, sv->a, EIO, "write %s", name);
  return 0;
}

static int put_bytes(struct saver *sv, const char *name, const void *buf, size_t len,
                     struct td_err **err)
{
  if (json_object_get(sv->written, name))
    return 0;
  json_object_set_new(sv->written, name, json_true());
  if (put_header(sv, name, (la_int64_t)len, err) < 0)
    return -1;
  if (len && archive_write_data(sv->a, buf, len) != (la_ssize_t)len)
    return image_archive_err(err, sv->a, EIO, "write %s", name);
  return 0;
}

static int copy_plain(struct saver *sv, const char *name, const char *path, const char *digest,
                      char *buf, struct td_err **err)
{
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open blob %s", digest);
  for (;;) {
    ssize_t r = RETRY_EINTR(read(fd, buf, COPY_BUF));
    if (r < 0)
      return err_set(err, errno, "read blob %s", digest);
    if (r == 0)
      return 0;
    if (archive_write_data(sv->a, buf, (size_t)r) != r)
      return image_archive_err(err, sv->a, EIO, "write %s", name);
  }
}

static int copy_decompressed(struct saver *sv, const char *name, const char *path,
                             const char *digest, uint64_t plain_size, char *buf,
                             struct td_err **err)
{
  struct archive *in = archive_read_new();
  archive_read_support_filter_all(in);
  archive_read_support_format_raw(in);
  struct archive_entry *e;
  int rc = 0;
  uint64_t total = 0;
  if (archive_read_open_filename(in, path, COPY_BUF) != ARCHIVE_OK ||
      archive_read_next_header(in, &e) != ARCHIVE_OK) {
    rc = image_archive_err(err, in, EIO, "read blob %s", digest);
  } else {
    la_ssize_t r;
    while ((r = archive_read_data(in, buf, COPY_BUF)) > 0) {
      total += (uint64_t)r;
      if (total > plain_size || archive_write_data(sv->a, buf, (size_t)r) != r)
        break;
    }
    if (r < 0 || total != plain_size)
      rc = err_set(err, EIO, "%s: blob %s does not decompress to %llu bytes", name, digest,
                   (unsigned long long)plain_size);
  }
  archive_read_free(in);
  return rc;
}

/* Copy a blob file into the archive; decompress when the archive wants the plain tar. */
static int put_blob(struct saver *sv, const char *name, const char *digest, bool decompress,
                    uint64_t plain_size, struct td_err **err)
{
  if (json_object_get(sv->written, name))
    return 0;
  json_object_set_new(sv->written, name, json_true());
  autofree char *path = image_blob_path(sv->root, digest);
  struct stat st;
  if (stat(path, &st) < 0)
    return err_set(err, errno, "blob %s", digest);
  if (decompress && plain_size == 0)
    return err_set(err, EINVAL, "blob %s: unknown uncompressed size", digest);
  if (put_header(sv, name, decompress ? (la_int64_t)plain_size : st.st_size, err) < 0)
    return -1;
  autofree char *buf = xmalloc(COPY_BUF);
  return decompress ? copy_decompressed(sv, name, path, digest, plain_size, buf, err)
                    : copy_plain(sv, name, path, digest, buf, err);
}

struct saved_image {
  json_t *entry; /* index entry (borrowed) */
  char *name;    /* full stored name given on the command line, or NULL (by ID) */
  json_t *manifest;
  json_t *config;
};

static uint64_t layer_plain_size(const char *root, const char *chain)
{
  autofree char *d = image_layer_dir(root, chain);
  autofree char *m = xasprintf("%s/layer.json", d);
  autojson json_t *j = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_json(AT_FDCWD, m, &j, &e) < 0)
    return 0;
  return (uint64_t)json_integer_value(json_object_get(j, "tar_size"));
}

static int save_docker_one(struct saver *sv, struct saved_image *im, json_t *manifest_json,
                           json_t *repos, struct td_err **err)
{
  const char *cfgd =
      json_string_value(json_object_get(json_object_get(im->manifest, "config"), "digest"));
  if (!image_digest_valid(cfgd))
    return err_set(err, EINVAL, "image manifest has no valid config digest");
  autofree char *cfgname = xasprintf("%s.json", image_digest_hex(cfgd));
  autofree char *cfg = NULL;
  size_t clen = 0;
  autofree char *cpath = image_blob_path(sv->root, cfgd);
  if (file_read_all(AT_FDCWD, cpath, &cfg, &clen, err) < 0 ||
      put_bytes(sv, cfgname, cfg, clen, err) < 0)
    return -1;
  json_t *diff_ids = json_object_get(json_object_get(im->config, "rootfs"), "diff_ids");
  autostrv char **chain = NULL;
  if (image_chain_ids(diff_ids, &chain, err) < 0)
    return -1;
  json_t *layers = json_array();
  size_t i;
  json_t *l;
  json_array_foreach (json_object_get(im->manifest, "layers"), i, l) {
    const char *ld = json_string_value(json_object_get(l, "digest"));
    const char *did = json_string_value(json_array_get(diff_ids, i));
    if (!image_digest_valid(ld) || did == NULL || chain[i] == NULL) {
      json_decref(layers);
      return err_set(err, EINVAL, "image manifest and config disagree on the layers");
    }
    autofree char *lname = xasprintf("%s/layer.tar", image_digest_hex(did));
    bool plain = strcmp(ld, did) == 0;
    if (put_blob(sv, lname, ld, !plain, layer_plain_size(sv->root, chain[i]), err) < 0) {
      json_decref(layers);
      return -1;
    }
    json_array_append_new(layers, json_string(lname));
  }
  json_t *tags = json_array();
  if (im->name) {
    struct image_ref *r = NULL;
    autoerr struct td_err *pe = NULL;
    if (image_ref_parse(im->name, &r, &pe) == 0) {
      autofree char *fam = image_ref_familiar(r);
      autofree char *repo = image_ref_familiar_repo(r);
      json_array_append_new(tags, json_string(fam));
      json_t *rr = json_object_get(repos, repo);
      if (rr == NULL)
        json_object_set_new(repos, repo, rr = json_object());
      size_t nl = json_array_size(diff_ids);
      if (nl > 0)
        json_object_set_new(
            rr, r->tag,
            json_string(image_digest_hex(json_string_value(json_array_get(diff_ids, nl - 1)))));
      image_ref_free(r);
    }
  }
  /* several names of one image share one entry, as docker save writes them */
  size_t k;
  json_t *prev;
  json_array_foreach (manifest_json, k, prev) {
    if (strcmp(json_string_value(json_object_get(prev, "Config")), cfgname) == 0) {
      json_array_extend(json_object_get(prev, "RepoTags"), tags);
      json_decref(tags);
      json_decref(layers);
      return 0;
    }
  }
  json_array_append_new(manifest_json, json_pack("{s:s,s:o,s:o}", "Config", cfgname, "RepoTags",
                                                 tags, "Layers", layers));
  return 0;
}

static int save_docker(struct saver *sv, struct saved_image *ims, size_t n, struct td_err **err)
{
  autojson json_t *manifest = json_array();
  autojson json_t *repos = json_object();
  for (size_t i = 0; i < n; i++)
    if (save_docker_one(sv, &ims[i], manifest, repos, err) < 0)
      return -1;
  autofree char *m = json_dumps(manifest, JSON_COMPACT);
  autofree char *r = json_dumps(repos, JSON_COMPACT);
  if (put_bytes(sv, "manifest.json", m, strlen(m), err) < 0)
    return -1;
  if (json_object_size(repos) > 0 && put_bytes(sv, "repositories", r, strlen(r), err) < 0)
    return -1;
  return 0;
}

static int save_oci(struct saver *sv, struct saved_image *ims, size_t n, struct td_err **err)
{
  autojson json_t *index = json_pack("{s:i,s:[]}", "schemaVersion", 2, "manifests");
  for (size_t i = 0; i < n; i++) {
    json_t *m = ims[i].manifest;
    const char *md = json_string_value(json_object_get(ims[i].entry, "digest"));
    autofree char *cfgd =
        xstrdup(json_string_value(json_object_get(json_object_get(m, "config"), "digest")));
    autostrv char **blobs = NULL;
    strv_push(&blobs, md);
    strv_push(&blobs, cfgd);
    size_t j;
    json_t *l;
    json_array_foreach (json_object_get(m, "layers"), j, l)
      strv_push(&blobs, json_string_value(json_object_get(l, "digest")));
    for (char **b = blobs; *b; b++) {
      if (!image_digest_valid(*b))
        return err_set(err, EINVAL, "bad digest in image manifest");
      autofree char *name = xasprintf("blobs/sha256/%s", image_digest_hex(*b));
      if (put_blob(sv, name, *b, false, 0, err) < 0)
        return -1;
    }
    json_t *desc =
        json_pack("{s:O,s:s,s:O}", "mediaType", json_object_get(ims[i].entry, "mediaType"),
                  "digest", md, "size", json_object_get(ims[i].entry, "size"));
    if (ims[i].name)
      json_object_set_new(desc, "annotations", json_pack("{s:s}", IMAGE_ANNOT_REF, ims[i].name));
    json_array_append_new(json_object_get(index, "manifests"), desc);
  }
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  autofree char *idx = json_dumps(index, JSON_COMPACT);
  if (put_bytes(sv, "oci-layout", layout, strlen(layout), err) < 0 ||
      put_bytes(sv, "index.json", idx, strlen(idx), err) < 0)
    return -1;
  return 0;
}

static int collect(const char *root, json_t *index, char *const *refs, struct saved_image **out,
                   size_t *n, struct td_err **err)
{
  size_t cnt = strv_len(refs);
  struct saved_image *ims = xcalloc(cnt + 1, sizeof(*ims));
  *out = ims;
  for (size_t i = 0; i < cnt; i++) {
    if (image_index_find(index, refs[i], &ims[i].entry, &ims[i].name, err) < 0)
      return -1;
    (*n)++;
    const char *md = json_string_value(json_object_get(ims[i].entry, "digest"));
    if (image_blob_read_json(root, md, &ims[i].manifest, err) < 0 ||
        image_blob_read_json(root, image_entry_id(ims[i].entry), &ims[i].config, err) < 0)
      return err_prefix(err, "image %s", refs[i]);
  }
  return 0;
}

int image_save(const char *root, char *const *refs, const char *format, int out_fd,
               struct td_err **err)
{
  /* readers of blobs must not race a gc: hold the store lock */
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  autojson json_t *index = NULL;
  struct saved_image *ims = NULL;
  size_t n = 0;
  struct saver sv = {.root = root, .written = json_object()};
  int rc = image_index_read(root, &index, err);
  if (rc == 0)
    rc = collect(root, index, refs, &ims, &n, err);
  if (rc == 0) {
    sv.a = archive_write_new();
    archive_write_set_format_pax_restricted(sv.a);
    archive_write_set_bytes_in_last_block(sv.a, 1);
    if (archive_write_open_fd(sv.a, out_fd) != ARCHIVE_OK)
      rc = image_archive_err(err, sv.a, EIO, "open output");
    else
      rc = strcmp(format, "oci-archive") == 0 ? save_oci(&sv, ims, n, err)
                                              : save_docker(&sv, ims, n, err);
    if (archive_write_close(sv.a) != ARCHIVE_OK && rc == 0)
      rc = image_archive_err(err, sv.a, EIO, "finish archive");
    archive_write_free(sv.a);
  }
  for (size_t i = 0; i < n; i++) {
    free(ims[i].name);
    json_decref(ims[i].manifest);
    json_decref(ims[i].config);
  }
  free(ims);
  json_decref(sv.written);
  for (char *const *r = refs; rc == 0 && r && *r; r++)
    events_log(root, "image", "save", *r, "name", *r, NULL);
  lock_release(lock);
  return rc;
}
