/* Turning a new layer (+ an optional parent image) into a stored image: config, manifest,
 * tags. Shared by import, commit and the default busybox image. */
#include "image/build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "image/changes.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "image/write.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

const char *image_host_arch(void)
{
  struct utsname u;
  if (uname(&u) < 0)
    return "amd64";
  if (strcmp(u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp(u.machine, "aarch64") == 0)
    return "arm64";
  if (strncmp(u.machine, "arm", 3) == 0)
    return "arm";
  if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
    return "386";
  static char m[65];
  snprintf(m, sizeof(m), "%s", u.machine);
  return m;
}

static json_t *config_skeleton(void)
{
  return json_pack("{s:s,s:s,s:{s:[s]},s:{s:s,s:[]},s:[]}", "architecture", image_host_arch(), "os",
                   "linux", "config", "Env",
                   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "rootfs",
                   "type", "layers", "diff_ids", "history");
}

/* docker's commit: the new image runs like the container did */
static void config_take_container(json_t *cc, json_t *ctr)
{
  static const char *const keys[] = {"Cmd",    "Entrypoint", "WorkingDir",   "User",    "Volumes",
                                     "Labels", "StopSignal", "ExposedPorts", "OnBuild", NULL};
  for (const char *const *k = keys; *k; k++) {
    json_t *v = json_object_get(ctr, *k);
    if (v && !json_is_null(v) && !(json_is_string(v) && *json_string_value(v) == '\0'))
      json_object_set(cc, *k, v);
  }
  json_t *env = json_object_get(ctr, "Env");
  if (json_is_array(env)) {
    json_t *keep = json_array();
    size_t i;
    json_t *e;
    json_array_foreach (env, i, e) {
      const char *s = json_string_value(e);
      if (s && strncmp(s, "HOSTNAME=", 9) != 0)
        json_array_append(keep, e);
    }
    json_object_set_new(cc, "Env", keep);
  }
}

static int config_build(const struct image_build *b, const char *created, json_t **out,
                        struct td_err **err)
{
  autojson json_t *cfg = b->base_config ? json_deep_copy(b->base_config) : config_skeleton();
  json_t *cc = json_object_get(cfg, "config");
  if (!json_is_object(cc)) {
    cc = json_object();
    json_object_set_new(cfg, "config", cc);
  }
  if (b->container_config)
    config_take_container(cc, b->container_config);
  for (char *const *c = b->changes; c && *c; c++)
    if (image_change_apply(cc, *c, err) < 0)
      return err_prefix(err, "change \"%s\"", *c);
  json_object_set_new(cfg, "created", json_string(created));
  json_object_del(cfg, "container");
  json_object_del(cfg, "container_config");
  if (b->author && *b->author)
    json_object_set_new(cfg, "author", json_string(b->author));
  json_t *rootfs = json_object_get(cfg, "rootfs");
  if (!json_is_object(rootfs)) {
    rootfs = json_pack("{s:s,s:[]}", "type", "layers", "diff_ids");
    json_object_set_new(cfg, "rootfs", rootfs);
  }
  if (b->layer)
    json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(b->layer->diff_id));
  json_t *hist = json_object_get(cfg, "history");
  if (!json_is_array(hist)) {
    hist = json_array();
    json_object_set_new(cfg, "history", hist);
  }
  json_t *h =
      json_pack("{s:s,s:s}", "created", created, "created_by", b->created_by ? b->created_by : "");
  if (b->comment && *b->comment)
    json_object_set_new(h, "comment", json_string(b->comment));
  if (b->author && *b->author)
    json_object_set_new(h, "author", json_string(b->author));
  if (!b->layer)
    json_object_set_new(h, "empty_layer", json_true());
  json_array_append_new(hist, h);
  *out = steal_ptr(cfg);
  return 0;
}

static json_t *layers_desc(const struct image_build *b)
{
  json_t *layers = json_array();
  size_t i;
  json_t *l;
  json_array_foreach (json_object_get(b->base_manifest, "layers"), i, l)
    json_array_append(layers, l);
  if (b->layer)
    json_array_append_new(layers,
                          json_pack("{s:s,s:s,s:I}", "mediaType", IMAGE_MT_OCI_LAYER, "digest",
                                    b->layer->diff_id, "size", (json_int_t)b->layer->tar_size));
  return layers;
}

int image_build_store(const char *root, const struct image_build *b, char **id_out,
                      struct td_err **err)
{
  autofree char *created = time_now_rfc3339(true);
  autojson json_t *cfg = NULL;
  if (config_build(b, created, &cfg, err) < 0)
    return -1;
  autofree char *cfg_s = json_dumps(cfg, JSON_COMPACT);
  autofree char *cfg_digest = NULL;
  if (image_blob_put(root, cfg_s, strlen(cfg_s), &cfg_digest, err) < 0)
    return -1;
  if (b->layer && b->layer_blob_tmp &&
      image_blob_adopt(root, b->layer_blob_tmp, b->layer->diff_id, err) < 0)
    return -1;
  autojson json_t *layers = layers_desc(b);
  autojson json_t *man = image_manifest_new(cfg_digest, strlen(cfg_s), layers);
  autofree char *man_s = json_dumps(man, JSON_COMPACT);
  autofree char *man_digest = NULL;
  if (image_blob_put(root, man_s, strlen(man_s), &man_digest, err) < 0)
    return -1;
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  image_index_add(index, man_digest, strlen(man_s), IMAGE_MT_OCI_MANIFEST, cfg_digest, b->names);
  if (image_index_write(root, index, err) < 0)
    return -1;
  *id_out = steal_ptr(cfg_digest);
  return 0;
}

int image_names_full(char *const *refs, char ***out, struct td_err **err)
{
  autostrv char **v = xcalloc(1, sizeof(char *));
  for (char *const *r = refs; r && *r; r++) {
    struct image_ref *pr = NULL;
    if (image_ref_parse(*r, &pr, err) < 0)
      return -1;
    bool digest_only = pr->tag == NULL;
    if (!digest_only)
      strv_push_owned(&v, image_ref_full(pr));
    image_ref_free(pr);
    if (digest_only)
      return err_set(err, EINVAL, "refusing to create a tag with a digest reference: %s", *r);
  }
  *out = steal_ptr(v);
  return 0;
}

int image_tmp_file(const char *root, char **path, struct td_err **err)
{
  if (image_store_init(root, err) < 0)
    return -1;
  autofree char *p = image_tmp_template(root, "tmp", "blob");
  int fd = mkostemp(p, O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "create %s", p);
  *path = steal_ptr(p);
  return fd;
}
