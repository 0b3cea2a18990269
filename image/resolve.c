/* image_resolve: a reference -> index entry -> manifest -> config and ordered layer dirs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static char **json_strv(json_t *a)
{
  if (!json_is_array(a))
    return NULL;
  char **v = xcalloc(json_array_size(a) + 1, sizeof(char *));
  size_t i, n = 0;
  json_t *s;
  json_array_foreach (a, i, s) {
    if (json_is_string(s))
      v[n++] = xstrdup(json_string_value(s));
  }
  return v;
}

static char **json_keys(json_t *o)
{
  if (!json_is_object(o))
    return NULL;
  char **v = xcalloc(json_object_size(o) + 1, sizeof(char *));
  const char *k;
  json_t *val;
  size_t n = 0;
  json_object_foreach (o, k, val) {
    (void)val;
    v[n++] = xstrdup(k);
  }
  return v;
}

static char *json_str_dup(json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));
  return s ? xstrdup(s) : NULL;
}

static void config_fill(struct image_config *c, json_t *config)
{
  json_t *cc = json_object_get(config, "config");
  c->env = json_strv(json_object_get(cc, "Env"));
  c->cmd = json_strv(json_object_get(cc, "Cmd"));
  c->entrypoint = json_strv(json_object_get(cc, "Entrypoint"));
  c->working_dir = json_str_dup(cc, "WorkingDir");
  c->user = json_str_dup(cc, "User");
  c->stop_signal = json_str_dup(cc, "StopSignal");
  c->exposed_ports = json_keys(json_object_get(cc, "ExposedPorts"));
  c->volumes = json_keys(json_object_get(cc, "Volumes"));
  json_t *l = json_object_get(cc, "Labels");
  c->labels = json_is_object(l) ? json_incref(l) : json_object();
}

void image_info_free(struct image_info *img)
{
  if (img == NULL)
    return;
  free(img->id);
  free(img->name);
  free(img->manifest_digest);
  json_decref(img->config);
  strv_free(img->cfg.env);
  strv_free(img->cfg.cmd);
  strv_free(img->cfg.entrypoint);
  free(img->cfg.working_dir);
  free(img->cfg.user);
  free(img->cfg.stop_signal);
  strv_free(img->cfg.exposed_ports);
  strv_free(img->cfg.volumes);
  json_decref(img->cfg.labels);
  strv_free(img->layer_dirs);
  strv_free(img->chain_ids);
  free(img);
}

/* Layer dirs from the config's diff_ids; each must be unpacked in the store. */
static int resolve_layers(const char *root, struct image_info *img, struct td_err **err)
{
  json_t *diff_ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
  if (image_chain_ids(diff_ids, &img->chain_ids, err) < 0)
    return -1;
  img->n_layers = strv_len(img->chain_ids);
  img->layer_dirs = xcalloc(img->n_layers + 1, sizeof(char *));
  for (size_t i = 0; i < img->n_layers; i++) {
    autofree char *ld = image_layer_dir(root, img->chain_ids[i]);
    img->layer_dirs[i] = xasprintf("%s/diff", ld);
    struct stat st;
    if (stat(img->layer_dirs[i], &st) < 0)
      return err_set(err, errno, "layer %s of image %s is missing", img->chain_ids[i], img->id);
  }
  return 0;
}

int image_resolve(const char *root, const char *ref, struct image_info **out, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  json_t *entry = NULL;
  char *name = NULL;
  if (image_index_find(index, ref, &entry, &name, err) < 0)
    return -1;
  struct image_info *img = xcalloc(1, sizeof(*img));
  img->name = name;
  img->manifest_digest = json_str_dup(entry, "digest");
  autojson json_t *manifest = NULL;
  if (image_blob_read_json(root, img->manifest_digest, &manifest, err) < 0)
    goto fail;
  const char *cfg_digest =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  if (!image_digest_valid(cfg_digest)) {
    err_set(err, EINVAL, "manifest %s has no valid config digest", img->manifest_digest);
    goto fail;
  }
  img->id = xstrdup(cfg_digest);
  if (image_blob_read_json(root, cfg_digest, &img->config, err) < 0)
    goto fail;
  config_fill(&img->cfg, img->config);
  if (resolve_layers(root, img, err) < 0)
    goto fail;
  *out = img;
  return 0;
fail:
  image_info_free(img);
  return err_prefix(err, "resolve image %s", ref);
}

int image_present(const char *root, const char *ref, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  json_t *entry = NULL;
  autoerr struct td_err *e = NULL;
  if (image_index_find(index, ref, &entry, NULL, &e) == 0)
    return 1;
  if (image_err_is_not_found(e))
    return 0;
  *err = steal_ptr(e);
  return -1;
}
