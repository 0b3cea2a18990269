/* Read-only views of the store: images, image inspect, history. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/layer.h"
#include "image/ops.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Sum of the stored sizes of an image's layers. */
static uint64_t image_size(const char *root, json_t *config)
{
  autostrv char **chain = NULL;
  autoerr struct td_err *e = NULL;
  if (image_chain_ids(json_object_get(json_object_get(config, "rootfs"), "diff_ids"), &chain, &e) <
      0)
    return 0;
  uint64_t n = 0;
  for (char **c = chain; *c; c++)
    n += image_layer_size(root, *c);
  return n;
}

static int entry_config(const char *root, json_t *entry, json_t **cfg, struct td_err **err)
{
  const char *id = image_entry_id(entry);
  return image_blob_read_json(root, id, cfg, err);
}

int image_list(const char *root, bool all, json_t **out, struct td_err **err)
{
  /* intermediate images: the untagged states of `build` (docker's -a shows them) */
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  autojson json_t *rows = json_array();
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *id = image_entry_id(e);
    autojson json_t *cfg = NULL;
    autoerr struct td_err *cerr = NULL;
    const char *name = image_entry_name(e);
    if (!all && name == NULL &&
        json_object_get(json_object_get(e, "annotations"), IMAGE_ANNOT_BUILD_CACHE))
      continue;
    if (id == NULL || entry_config(root, e, &cfg, &cerr) < 0)
      continue;
    autofree char *repo = NULL, *tag = NULL;
    struct image_ref *r = NULL;
    if (name && image_ref_parse(name, &r, &cerr) == 0) {
      repo = image_ref_familiar_repo(r);
      tag = xstrdup(r->tag ? r->tag : "<none>");
      image_ref_free(r);
    }
    json_array_append_new(
        rows, json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:I,s:b,s:O?}", "repo", repo ? repo : "<none>",
                        "tag", tag ? tag : "<none>", "id", id, "digest",
                        json_string_value(json_object_get(json_object_get(e, "annotations"),
                                                          IMAGE_ANNOT_REPO_DIGEST)),
                        "created", json_string_value(json_object_get(cfg, "created")), "size",
                        (json_int_t)image_size(root, cfg), "dangling", name == NULL, "labels",
                        json_object_get(json_object_get(cfg, "config"), "Labels")));
  }
  *out = steal_ptr(rows);
  return 0;
}

static json_t *repo_tags(json_t *index, const char *id)
{
  json_t *tags = json_array();
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *eid = image_entry_id(e), *name = image_entry_name(e);
    if (eid && name && strcmp(eid, id) == 0) {
      autofree char *f = image_name_familiar(name);
      json_array_append_new(tags, json_string(f));
    }
  }
  return tags;
}

static json_t *graph_driver(const char *root, json_t *cfg)
{
  autostrv char **chain = NULL;
  autoerr struct td_err *e = NULL;
  json_t *data = json_object();
  if (image_chain_ids(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), &chain, &e) ==
          0 &&
      strv_len(chain) > 0) {
    size_t n = strv_len(chain);
    autostrv char **dirs = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
      autofree char *d = image_layer_dir(root, chain[n - 1 - i]);
      dirs[i] = xasprintf("%s/diff", d);
    }
    autofree char *lower = strv_join(dirs, ":");
    json_object_set_new(data, "LowerDir", json_string(lower));
  }
  return json_pack("{s:o,s:s}", "Data", data, "Name", "overlay");
}

static const char *last_comment(json_t *cfg)
{
  json_t *h = json_object_get(cfg, "history");
  size_t n = json_array_size(h);
  return n ? json_string_value(json_object_get(json_array_get(h, n - 1), "comment")) : NULL;
}

/* An image's container config as docker prints it: every key of its ContainerConfig, in its
 * order, docker's zero values for the ones the image lacks (c NULL: all zero). */
static json_t *docker_config(json_t *c)
{
  autojson json_t *zero =
      json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:b,s:b,s:s,s:s}", "Hostname", "", "Domainname", "",
                "User", "", "AttachStdin", 0, "AttachStdout", 0, "AttachStderr", 0, "Tty", 0,
                "OpenStdin", 0, "StdinOnce", 0, "Image", "", "WorkingDir", "");
  autojson json_t *empty = json_object();
  return jsonv_shape(c ? c : empty, jsonv_docker_config_order, zero);
}

int image_inspect(const char *root, const char *ref, json_t **out, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  json_t *entry = NULL;
  if (image_index_find(index, ref, &entry, NULL, err) < 0)
    return -1;
  const char *id = image_entry_id(entry);
  autojson json_t *cfg = NULL;
  if (entry_config(root, entry, &cfg, err) < 0)
    return -1;
  json_t *rootfs = json_object_get(cfg, "rootfs");
  json_t *c = json_object_get(cfg, "config");
  const char *comment = last_comment(cfg);
  *out = json_pack(
      "{s:s,s:o,s:[],s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:o,s:{s:s,s:O},s:{s:s}}", "Id", id,
      "RepoTags", repo_tags(index, id), "RepoDigests", "Parent", "", "Comment",
      comment ? comment : "", "Created", json_string_value(json_object_get(cfg, "created")) ?: "",
      "DockerVersion", "", "Author", json_string_value(json_object_get(cfg, "author")) ?: "",
      "Config", json_null(), "Architecture",
      json_string_value(json_object_get(cfg, "architecture")) ?: "", "Os",
      json_string_value(json_object_get(cfg, "os")) ?: "", "Size",
      (json_int_t)image_size(root, cfg), "GraphDriver", graph_driver(root, cfg), "RootFS", "Type",
      "layers", "Layers", json_object_get(rootfs, "diff_ids") ?: json_array(), "Metadata",
      "LastTagTime", "0001-01-01T00:00:00Z");
  if (*out == NULL)
    return err_set(err, EINVAL, "inspect %s: bad image config", ref);
  const char *v = json_string_value(json_object_get(cfg, "variant"));
  if (v)
    json_object_set_new(*out, "Variant", json_string(v));
  /* docker's shape: its container config keys, empty ones too, and the members it adds */
  json_object_set_new(*out, "Config", docker_config(json_is_object(c) ? c : NULL));
  json_object_set_new(*out, "Container", json_string(""));
  json_object_set_new(*out, "ContainerConfig", docker_config(NULL));
  json_object_set(*out, "VirtualSize", json_object_get(*out, "Size"));
  static const char *const order[] = {"Id",
                                      "RepoTags",
                                      "RepoDigests",
                                      "Parent",
                                      "Comment",
                                      "Created",
                                      "Container",
                                      "ContainerConfig",
                                      "DockerVersion",
                                      "Author",
                                      "Config",
                                      "Architecture",
                                      "?Variant",
                                      "Os",
                                      "Size",
                                      "VirtualSize",
                                      "GraphDriver",
                                      "RootFS",
                                      "Metadata",
                                      NULL};
  json_t *shaped = jsonv_shape(*out, order, NULL);
  json_decref(*out);
  *out = shaped;
  return 0;
}

int image_history(const char *root, const char *ref, json_t **out, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  json_t *entry = NULL;
  if (image_index_find(index, ref, &entry, NULL, err) < 0)
    return -1;
  autojson json_t *cfg = NULL;
  if (entry_config(root, entry, &cfg, err) < 0)
    return -1;
  autostrv char **chain = NULL;
  if (image_chain_ids(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), &chain, err) < 0)
    return -1;
  json_t *rows = json_array();
  size_t li = 0, i;
  json_t *h;
  json_array_foreach (json_object_get(cfg, "history"), i, h) {
    bool empty = json_is_true(json_object_get(h, "empty_layer"));
    uint64_t size = 0;
    if (!empty && chain[li])
      size = image_layer_size(root, chain[li++]);
    json_array_insert_new(rows, 0,
                          json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", "<missing>", "created",
                                    json_string_value(json_object_get(h, "created")) ?: "",
                                    "created_by",
                                    json_string_value(json_object_get(h, "created_by")) ?: "",
                                    "size", (json_int_t)size, "comment",
                                    json_string_value(json_object_get(h, "comment")) ?: ""));
  }
  if (json_array_size(rows) > 0)
    json_object_set_new(json_array_get(rows, 0), "id", json_string(image_entry_id(entry)));
  *out = rows;
  return 0;
}
