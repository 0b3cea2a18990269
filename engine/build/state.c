/* The image states of a build: every instruction makes one, stored as an ordinary (untagged)
 * image marked as build cache, as docker's classic builder stores its intermediate images, so
 * the store's garbage collection keeps the cached layers and a later build can start from any
 * of them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/build/internal.h"
#include "image/build.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

void bstate_clear(struct bstate *s)
{
  json_decref(s->cfg);
  json_decref(s->layers);
  free(s->id);
  free(s->man);
  memset(s, 0, sizeof(*s));
}

int bstate_copy(const struct bstate *from, struct bstate *to)
{
  to->cfg = json_deep_copy(from->cfg);
  to->layers = json_deep_copy(from->layers);
  to->id = from->id ? xstrdup(from->id) : NULL;
  to->man = from->man ? xstrdup(from->man) : NULL;
  to->man_size = from->man_size;
  return 0;
}

void bstate_scratch(struct bstate *s)
{
  memset(s, 0, sizeof(*s));
  s->cfg = json_pack("{s:s,s:s,s:{s:[s]},s:{s:s,s:[]},s:[]}", "architecture", image_host_arch(),
                     "os", "linux", "config", "Env",
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "rootfs",
                     "type", "layers", "diff_ids", "history");
  s->layers = json_array();
}

int bstate_from_image(struct builder *b, const char *ref, struct bstate *s, struct td_err **err)
{
  struct image_info *img = NULL;
  if (image_resolve(b->req->root, ref, &img, err) < 0)
    return -1;
  autojson json_t *man = NULL;
  int rc = image_blob_read_json(b->req->root, img->manifest_digest, &man, err);
  if (rc == 0) {
    memset(s, 0, sizeof(*s));
    s->cfg = json_deep_copy(img->config);
    json_t *l = json_object_get(man, "layers");
    s->layers = json_is_array(l) ? json_deep_copy(l) : json_array();
    s->id = xstrdup(img->id);
    s->man = xstrdup(img->manifest_digest);
    autofree char *mp = image_blob_path(b->req->root, img->manifest_digest);
    struct stat st;
    s->man_size = stat(mp, &st) == 0 ? (size_t)st.st_size : 0;
    if (!json_is_object(json_object_get(s->cfg, "config")))
      json_object_set_new(s->cfg, "config", json_object());
    if (!json_is_array(json_object_get(s->cfg, "history")))
      json_object_set_new(s->cfg, "history", json_array());
  }
  image_info_free(img);
  return rc;
}

int bstate_from_blobs(struct builder *b, const char *id, const char *man, struct bstate *s,
                      struct td_err **err)
{
  if (!image_digest_valid(id) || !image_digest_valid(man))
    return err_set(err, EINVAL, "bad cache record");
  autojson json_t *cfg = NULL, *m = NULL;
  if (image_blob_read_json(b->req->root, id, &cfg, err) < 0 ||
      image_blob_read_json(b->req->root, man, &m, err) < 0)
    return -1;
  json_t *l = json_object_get(m, "layers");
  const char *cd = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
  if (!json_is_array(l) || cd == NULL || strcmp(cd, id) != 0)
    return err_set(err, EINVAL, "cache record %s does not match its manifest", id);
  memset(s, 0, sizeof(*s));
  s->cfg = steal_ptr(cfg);
  s->layers = json_deep_copy(l);
  s->id = xstrdup(id);
  s->man = xstrdup(man);
  autofree char *mp = image_blob_path(b->req->root, man);
  struct stat st;
  s->man_size = stat(mp, &st) == 0 ? (size_t)st.st_size : 0;
  return 0;
}

int bstate_layer_dirs(struct builder *b, const struct bstate *s, char ***dirs, char **top_chain,
                      struct td_err **err)
{
  autostrv char **chains = NULL;
  json_t *diff_ids = json_object_get(json_object_get(s->cfg, "rootfs"), "diff_ids");
  if (image_chain_ids(diff_ids, &chains, err) < 0)
    return -1;
  size_t n = strv_len(chains);
  char **v = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    autofree char *ld = image_layer_dir(b->req->root, chains[i]);
    v[i] = xasprintf("%s/diff", ld);
  }
  *dirs = v;
  if (top_chain)
    *top_chain = n ? xstrdup(chains[n - 1]) : NULL;
  return 0;
}

/* the index entry of a state: untagged, marked as build cache (hidden from `images`) */
static void mark_cache(json_t *index, const char *id)
{
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *eid = image_entry_id(e);
    if (eid && strcmp(eid, id) == 0 && image_entry_name(e) == NULL)
      json_object_set_new(json_object_get(e, "annotations"), IMAGE_ANNOT_BUILD_CACHE,
                          json_string("true"));
  }
}

int bstate_commit(struct builder *b, struct bstate *s, const char *created_by,
                  const struct image_layer *layer, const char *blob_tmp, struct td_err **err)
{
  const char *root = b->req->root;
  autofree char *created = time_now_rfc3339(true);
  json_object_set_new(s->cfg, "created", json_string(created));
  json_t *h = json_pack("{s:s,s:s}", "created", created, "created_by", created_by);
  if (layer == NULL)
    json_object_set_new(h, "empty_layer", json_true());
  json_array_append_new(json_object_get(s->cfg, "history"), h);
  if (layer) {
    json_t *rootfs = json_object_get(s->cfg, "rootfs");
    json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(layer->diff_id));
    json_array_append_new(s->layers,
                          json_pack("{s:s,s:s,s:I}", "mediaType", IMAGE_MT_OCI_LAYER, "digest",
                                    layer->diff_id, "size", (json_int_t)layer->tar_size));
  }
  autofree char *cfg_s = json_dumps(s->cfg, JSON_COMPACT);
  autofree char *cfg_digest = NULL;
  if (image_blob_put(root, cfg_s, strlen(cfg_s), &cfg_digest, err) < 0)
    return -1;
  if (layer && blob_tmp && image_blob_adopt(root, blob_tmp, layer->diff_id, err) < 0)
    return -1;
  autojson json_t *man = image_manifest_new(cfg_digest, strlen(cfg_s), s->layers);
  autofree char *man_s = json_dumps(man, JSON_COMPACT);
  autofree char *man_digest = NULL;
  if (image_blob_put(root, man_s, strlen(man_s), &man_digest, err) < 0)
    return -1;
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  image_index_add(index, man_digest, strlen(man_s), IMAGE_MT_OCI_MANIFEST, cfg_digest, NULL);
  mark_cache(index, cfg_digest);
  if (image_index_write(root, index, err) < 0)
    return -1;
  free(s->id);
  s->id = steal_ptr(cfg_digest);
  free(s->man);
  s->man = steal_ptr(man_digest);
  s->man_size = strlen(man_s);
  return 0;
}
