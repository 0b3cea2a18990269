/* Store mutations (heavy part; callers hold the store lock): blobs, manifests, tags in
 * index.json, removal and garbage collection of blobs and layers nothing references. */
#include "image/write.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

int image_blob_put(const char *root, const void *data, size_t len, char **digest,
                   struct td_err **err)
{
  autofree char *d = image_hash_buf(data, len);
  autofree char *p = image_blob_path(root, d);
  if (access(p, F_OK) != 0 && file_write_atomic(AT_FDCWD, p, data, len, 0644, err) < 0)
    return err_prefix(err, "store blob %s", d);
  *digest = steal_ptr(d);
  return 0;
}

int image_blob_adopt(const char *root, const char *tmp_path, const char *digest,
                     struct td_err **err)
{
  autofree char *p = image_blob_path(root, digest);
  if (access(p, F_OK) == 0) {
    unlink(tmp_path);
    return 0;
  }
  if (fsync_path(tmp_path) < 0 || rename(tmp_path, p) < 0) {
    int saved = errno;
    unlink(tmp_path);
    return err_set(err, saved, "store blob %s", digest);
  }
  return 0;
}

int fsync_path(const char *path)
{
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  return fsync(fd);
}

json_t *image_manifest_new(const char *config_digest, size_t config_size, json_t *layers)
{
  return json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:O}", "schemaVersion", 2, "mediaType",
                   IMAGE_MT_OCI_MANIFEST, "config", "mediaType", IMAGE_MT_OCI_CONFIG, "digest",
                   config_digest, "size", (json_int_t)config_size, "layers", layers);
}

static json_t *index_entry(const char *mt, const char *digest, json_int_t size, const char *id,
                           const char *name)
{
  json_t *ann = json_pack("{s:s}", IMAGE_ANNOT_ID, id);
  if (name)
    json_object_set_new(ann, IMAGE_ANNOT_REF, json_string(name));
  return json_pack("{s:s,s:s,s:I,s:o}", "mediaType", mt, "digest", digest, "size", size,
                   "annotations", ann);
}

static size_t entries_of_id(json_t *manifests, const char *id)
{
  size_t i, n = 0;
  json_t *e;
  json_array_foreach (manifests, i, e) {
    const char *eid = image_entry_id(e);
    n += eid && strcmp(eid, id) == 0;
  }
  return n;
}

void image_index_untag(json_t *index, const char *name)
{
  json_t *m = json_object_get(index, "manifests");
  for (size_t i = 0; i < json_array_size(m); i++) {
    json_t *e = json_array_get(m, i);
    const char *n = image_entry_name(e);
    if (n == NULL || strcmp(n, name) != 0)
      continue;
    json_t *keep = json_incref(e);
    json_array_remove(m, i);
    const char *id = image_entry_id(keep);
    if (id && entries_of_id(m, id) == 0) { /* the image stays, dangling */
      json_object_del(json_object_get(keep, "annotations"), IMAGE_ANNOT_REF);
      json_array_append(m, keep);
    }
    json_decref(keep);
    return;
  }
}

static void drop_untagged(json_t *m, const char *id)
{
  for (size_t i = 0; i < json_array_size(m);) {
    json_t *e = json_array_get(m, i);
    const char *eid = image_entry_id(e);
    if (eid && strcmp(eid, id) == 0 && image_entry_name(e) == NULL)
      json_array_remove(m, i);
    else
      i++;
  }
}

void image_index_add(json_t *index, const char *manifest_digest, uint64_t manifest_size,
                     const char *mt, const char *id, char *const *names)
{
  json_t *m = json_object_get(index, "manifests");
  for (char *const *n = names; n && *n; n++) {
    image_index_untag(index, *n);
    drop_untagged(m, id);
    json_array_append_new(m, index_entry(mt, manifest_digest, (json_int_t)manifest_size, id, *n));
  }
  if (strv_len(names) == 0 && entries_of_id(m, id) == 0)
    json_array_append_new(m, index_entry(mt, manifest_digest, (json_int_t)manifest_size, id, NULL));
}

void image_index_remove_id(json_t *index, const char *id)
{
  json_t *m = json_object_get(index, "manifests");
  for (size_t i = 0; i < json_array_size(m);) {
    const char *eid = image_entry_id(json_array_get(m, i));
    if (eid && strcmp(eid, id) == 0)
      json_array_remove(m, i);
    else
      i++;
  }
}

/* Blobs and layers that the remaining index entries reference, and those live pulls hold. */
static void gc_mark(const char *root, json_t *index, json_t *blobs, json_t *layers)
{
  image_pull_holds(root, blobs, layers);
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *md = json_string_value(json_object_get(e, "digest"));
    autojson json_t *man = NULL;
    autoerr struct td_err *err = NULL;
    if (md == NULL || image_blob_read_json(root, md, &man, &err) < 0)
      continue;
    json_object_set_new(blobs, image_digest_hex(md), json_true());
    const char *cd = json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
    size_t j;
    json_t *l;
    json_array_foreach (json_object_get(man, "layers"), j, l) {
      const char *ld = json_string_value(json_object_get(l, "digest"));
      if (ld)
        json_object_set_new(blobs, image_digest_hex(ld), json_true());
    }
    autojson json_t *cfg = NULL;
    if (cd == NULL || image_blob_read_json(root, cd, &cfg, &err) < 0)
      continue;
    json_object_set_new(blobs, image_digest_hex(cd), json_true());
    autostrv char **chain = NULL;
    if (image_chain_ids(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), &chain, &err) <
        0)
      continue;
    for (char **c = chain; *c; c++)
      json_object_set_new(layers, image_digest_hex(*c), json_true());
  }
}

static int gc_sweep(const char *root, const char *dir, json_t *keep, bool is_layer, json_t *removed,
                    uint64_t *freed, struct td_err **err)
{
  autoclosedir DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_set(err, errno, "open %s", dir);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    if (is_layer && strncmp(de->d_name, ".gc-", 4) == 0) { /* an interrupted earlier gc */
      if (rm_rf(p, err) < 0)
        return -1;
      continue;
    }
    if (de->d_name[0] == '.' || json_object_get(keep, de->d_name))
      continue;
    if (is_layer) {
      /* rename first so a half-removed layer never looks complete */
      autofree char *t = xasprintf("%s/.gc-%s", dir, de->d_name);
      autofree char *chain = xasprintf("sha256:%s", de->d_name);
      if (freed)
        *freed += image_layer_size(root, chain);
      if (removed)
        json_array_append_new(removed, json_string(chain));
      if (rename(p, t) < 0 || rm_rf(t, err) < 0)
        return err_set(err, errno, "remove layer %s", p);
    } else if (unlink(p) < 0 && errno != ENOENT) {
      return err_set(err, errno, "remove blob %s", p);
    }
  }
  return 0;
}

int image_gc(const char *root, json_t *index, json_t *removed, uint64_t *freed, struct td_err **err)
{
  autojson json_t *blobs = json_object();
  autojson json_t *layers = json_object();
  gc_mark(root, index, blobs, layers);
  autofree char *bdir = xasprintf("%s/images/blobs/sha256", root);
  autofree char *ldir = xasprintf("%s/layers", root);
  if (gc_sweep(root, ldir, layers, true, removed, freed, err) < 0 ||
      gc_sweep(root, bdir, blobs, false, NULL, NULL, err) < 0)
    return -1;
  return 0;
}

int image_store_lock_clean(const char *root, struct td_err **err)
{
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  /* whatever an interrupted writer left: its temp files (image_store_lock removed those of
   * dead writers: a live one, a pull downloading outside the lock, keeps its own), and layers
   * no image references */
  autojson json_t *index = NULL;
  autoerr struct td_err *gerr = NULL;
  if (image_index_read(root, &index, &gerr) == 0)
    image_gc(root, index, NULL, NULL, &gerr);
  return lock;
}
