/* `load`: docker-archive (manifest.json + config + layer tars, as docker/podman save write)
 * and oci-archive (oci-layout + index.json + blobs). Every blob is checked against its
 * digest and size, every layer against the config's diff_id; nothing is published (index.json)
 * until all of an archive's images are complete, and a failure removes what was unpacked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/build.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/ops.h"
#include "image/stage.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct loaded {
  char *manifest_digest;
  size_t manifest_size;
  char *manifest_mt;
  char *id;
  char **names;
};

/* The layer media type for a staged blob: uncompressed when its digest is the diff_id. */
static const char *layer_media_type(const char *path, bool same_as_diff)
{
  if (same_as_diff)
    return IMAGE_MT_OCI_LAYER;
  unsigned char m[4] = {0};
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, m, 4) != 4)
    return NULL;
  if (m[0] == 0x1f && m[1] == 0x8b)
    return IMAGE_MT_OCI_LAYER_GZ;
  if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return IMAGE_MT_OCI_LAYER_ZST;
  return NULL;
}

/* Unpack one staged layer (checked against diff_id) and file its blob; returns the desc. */
static json_t *load_layer(const char *root, json_t *member, const char *diff_id, char **parent,
                          struct td_err **err)
{
  const char *path = json_string_value(json_object_get(member, "path"));
  const char *digest = json_string_value(json_object_get(member, "digest"));
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", path), NULL;
  struct image_layer layer;
  if (image_layer_from_fd(root, fd, *parent, diff_id, -1, &layer, err) < 0)
    return NULL;
  free(*parent);
  *parent = xstrdup(layer.chain_id);
  image_layer_clear(&layer);
  const char *mt = layer_media_type(path, strcmp(digest, diff_id) == 0);
  if (mt == NULL)
    return err_set(err, EINVAL, "layer %s: unsupported compression", digest), NULL;
  autofree char *blob = image_blob_path(root, digest);
  if (link(path, blob) < 0 && errno != EEXIST)
    return err_set(err, errno, "store blob %s", digest), NULL;
  return json_pack("{s:s,s:s,s:O}", "mediaType", mt, "digest", digest, "size",
                   json_object_get(member, "size"));
}

/* Store config + layers (+ the archive's own manifest bytes for OCI) as one image. */
static int load_image(const char *root, const char *cfg, size_t cfg_len, json_t *members,
                      const char *manifest, size_t manifest_len, const char *manifest_mt,
                      struct loaded *out, struct td_err **err)
{
  json_error_t jerr;
  autojson json_t *config = json_loadb(cfg, cfg_len, 0, &jerr);
  if (!json_is_object(config))
    return err_set(err, EINVAL, "image config: %s", jerr.text);
  json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
  if (!json_is_array(diff_ids) || json_array_size(diff_ids) != json_array_size(members))
    return err_set(err, EINVAL, "image config lists %zu layers but the manifest has %zu",
                   json_array_size(diff_ids), json_array_size(members));
  autofree char *parent = NULL;
  autojson json_t *descs = json_array();
  size_t i;
  json_t *m;
  json_array_foreach (members, i, m) {
    const char *did = json_string_value(json_array_get(diff_ids, i));
    if (!image_digest_valid(did))
      return err_set(err, EINVAL, "image config: bad diff_id \"%s\"", did ? did : "");
    json_t *d = load_layer(root, m, did, &parent, err);
    if (d == NULL)
      return err_prefix(err, "layer %zu", i + 1);
    json_array_append_new(descs, d);
  }
  if (image_blob_put(root, cfg, cfg_len, &out->id, err) < 0)
    return -1;
  autofree char *gen = NULL;
  if (manifest == NULL) {
    autojson json_t *man = image_manifest_new(out->id, cfg_len, descs);
    gen = json_dumps(man, JSON_COMPACT);
    manifest = gen;
    manifest_len = strlen(gen);
    manifest_mt = IMAGE_MT_OCI_MANIFEST;
  }
  if (image_blob_put(root, manifest, manifest_len, &out->manifest_digest, err) < 0)
    return -1;
  out->manifest_size = manifest_len;
  out->manifest_mt = xstrdup(manifest_mt);
  return 0;
}

static int names_from(json_t *arr, char ***out, struct td_err **err)
{
  autostrv char **refs = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *t;
  json_array_foreach (arr, i, t) {
    if (json_is_string(t))
      strv_push(&refs, json_string_value(t));
  }
  return image_names_full(refs, out, err);
}

static int load_docker(const char *root, struct image_stage *s, struct loaded **res, size_t *nres,
                       struct td_err **err)
{
  autofree char *mbuf = NULL;
  size_t mlen = 0;
  if (image_stage_read_small(s, "manifest.json", &mbuf, &mlen, err) < 0)
    return -1;
  json_error_t jerr;
  autojson json_t *man = json_loadb(mbuf, mlen, 0, &jerr);
  if (!json_is_array(man) || json_array_size(man) == 0)
    return err_set(err, EINVAL, "manifest.json: not a non-empty array (%s)", jerr.text);
  *res = xcalloc(json_array_size(man), sizeof(struct loaded));
  size_t i;
  json_t *item;
  json_array_foreach (man, i, item) {
    const char *cfgname = json_string_value(json_object_get(item, "Config"));
    json_t *layers = json_object_get(item, "Layers");
    if (cfgname == NULL || !json_is_array(layers))
      return err_set(err, EINVAL, "manifest.json entry %zu lacks Config or Layers", i);
    autofree char *cfg = NULL;
    size_t clen = 0;
    if (image_stage_read_small(s, cfgname, &cfg, &clen, err) < 0)
      return -1;
    autojson json_t *members = json_array();
    size_t j;
    json_t *l;
    json_array_foreach (layers, j, l) {
      json_t *mem = json_is_string(l) ? image_stage_get(s, json_string_value(l)) : NULL;
      if (mem == NULL)
        return err_set(err, ENOENT, "manifest.json names layer %s, not in the archive",
                       json_is_string(l) ? json_string_value(l) : "?");
      json_array_append(members, mem);
    }
    struct loaded *r = &(*res)[(*nres)++];
    if (names_from(json_object_get(item, "RepoTags"), &r->names, err) < 0 ||
        load_image(root, cfg, clen, members, NULL, 0, NULL, r, err) < 0)
      return -1;
  }
  return 0;
}

/* An OCI blob named by a descriptor, checked against its digest and size. */
static json_t *oci_blob(struct image_stage *s, json_t *desc, struct td_err **err)
{
  const char *d = json_string_value(json_object_get(desc, "digest"));
  if (!image_digest_valid(d))
    return err_set(err, EINVAL, "descriptor with a bad digest \"%s\"", d ? d : ""), NULL;
  autofree char *name = xasprintf("blobs/sha256/%s", image_digest_hex(d));
  json_t *m = image_stage_get(s, name);
  if (m == NULL)
    return err_set(err, ENOENT, "blob %s is not in the archive", d), NULL;
  if (strcmp(json_string_value(json_object_get(m, "digest")), d) != 0)
    return err_set(err, EINVAL, "blob %s has digest %s", d,
                   json_string_value(json_object_get(m, "digest"))),
           NULL;
  json_t *sz = json_object_get(desc, "size");
  if (sz && json_integer_value(sz) != json_integer_value(json_object_get(m, "size")))
    return err_set(err, EINVAL, "blob %s has size %lld, the descriptor says %lld", d,
                   (long long)json_integer_value(json_object_get(m, "size")),
                   (long long)json_integer_value(sz)),
           NULL;
  return m;
}

static int oci_read_blob(struct image_stage *s, json_t *desc, char **buf, size_t *len,
                         struct td_err **err)
{
  json_t *m = oci_blob(s, desc, err);
  if (m == NULL)
    return -1;
  const char *d = json_string_value(json_object_get(desc, "digest"));
  autofree char *name = xasprintf("blobs/sha256/%s", image_digest_hex(d));
  return image_stage_read_small(s, name, buf, len, err);
}

static bool platform_matches(json_t *desc)
{
  json_t *p = json_object_get(desc, "platform");
  if (p == NULL)
    return true;
  const char *arch = json_string_value(json_object_get(p, "architecture"));
  const char *os = json_string_value(json_object_get(p, "os"));
  return (!arch || strcmp(arch, image_host_arch()) == 0) && (!os || strcmp(os, "linux") == 0);
}

/* Names for an OCI index entry: ref.name when it is a full reference (podman writes
 * "docker.io/library/x:tag"), containerd's image name annotation otherwise. */
static int oci_names(json_t *desc, char ***out, struct td_err **err)
{
  json_t *ann = json_object_get(desc, "annotations");
  const char *n = json_string_value(json_object_get(ann, "io.containerd.image.name"));
  const char *ref = json_string_value(json_object_get(ann, IMAGE_ANNOT_REF));
  if (n == NULL && ref && (strchr(ref, ':') || strchr(ref, '/')))
    n = ref;
  autojson json_t *arr = n ? json_pack("[s]", n) : json_array();
  return names_from(arr, out, err);
}

static int load_oci_manifest(const char *root, struct image_stage *s, json_t *desc,
                             struct loaded *r, struct td_err **err)
{
  autofree char *mbuf = NULL;
  size_t mlen = 0;
  if (oci_read_blob(s, desc, &mbuf, &mlen, err) < 0)
    return -1;
  json_error_t jerr;
  autojson json_t *man = json_loadb(mbuf, mlen, 0, &jerr);
  if (!json_is_object(man))
    return err_set(err, EINVAL, "manifest: %s", jerr.text);
  json_t *cdesc = json_object_get(man, "config");
  autofree char *cfg = NULL;
  size_t clen = 0;
  if (oci_read_blob(s, cdesc, &cfg, &clen, err) < 0)
    return err_prefix(err, "config");
  autojson json_t *members = json_array();
  size_t i;
  json_t *l;
  json_array_foreach (json_object_get(man, "layers"), i, l) {
    json_t *m = oci_blob(s, l, err);
    if (m == NULL)
      return err_prefix(err, "layer %zu", i + 1);
    json_array_append(members, m);
  }
  const char *mt = json_string_value(json_object_get(desc, "mediaType"));
  return load_image(root, cfg, clen, members, mbuf, mlen, mt ? mt : IMAGE_MT_OCI_MANIFEST, r, err);
}

static int load_oci_index(const char *root, struct image_stage *s, json_t *index, int depth,
                          struct loaded **res, size_t *nres, json_t *outer_desc,
                          struct td_err **err)
{
  size_t i;
  json_t *d;
  json_array_foreach (json_object_get(index, "manifests"), i, d) {
    const char *mt = json_string_value(json_object_get(d, "mediaType"));
    bool is_index =
        mt && (strcmp(mt, IMAGE_MT_OCI_INDEX) == 0 || strstr(mt, "manifest.list") != NULL);
    if (is_index) {
      autofree char *buf = NULL;
      size_t len = 0;
      if (depth > 2 || oci_read_blob(s, d, &buf, &len, err) < 0)
        return depth > 2 ? err_set(err, EINVAL, "nested indexes too deep") : -1;
      autojson json_t *sub = json_loadb(buf, len, 0, NULL);
      if (!json_is_object(sub))
        return err_set(err, EINVAL, "bad nested index");
      if (load_oci_index(root, s, sub, depth + 1, res, nres, outer_desc ? outer_desc : d, err) < 0)
        return -1;
      continue;
    }
    if (depth > 0 && !platform_matches(d))
      continue;
    *res = xrealloc(*res, (*nres + 1) * sizeof(struct loaded));
    struct loaded *r = &(*res)[(*nres)++];
    memset(r, 0, sizeof(*r));
    if (oci_names(outer_desc ? outer_desc : d, &r->names, err) < 0 ||
        load_oci_manifest(root, s, d, r, err) < 0)
      return -1;
    if (depth > 0)
      break; /* one platform of a multi-platform image */
  }
  return 0;
}

static int load_oci(const char *root, struct image_stage *s, struct loaded **res, size_t *nres,
                    struct td_err **err)
{
  autofree char *buf = NULL;
  size_t len = 0;
  if (image_stage_read_small(s, "index.json", &buf, &len, err) < 0)
    return -1;
  autojson json_t *index = json_loadb(buf, len, 0, NULL);
  if (!json_is_array(json_object_get(index, "manifests")))
    return err_set(err, EINVAL, "index.json has no manifests");
  return load_oci_index(root, s, index, 0, res, nres, NULL, err);
}

static void loaded_free(struct loaded *res, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(res[i].manifest_digest);
    free(res[i].manifest_mt);
    free(res[i].id);
    strv_free(res[i].names);
  }
  free(res);
}

/* Publish every loaded image in one index.json write. */
static int publish(const char *root, struct loaded *res, size_t n, FILE *out, struct td_err **err)
{
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    image_index_add(index, res[i].manifest_digest, res[i].manifest_size, res[i].manifest_mt,
                    res[i].id, res[i].names);
  if (image_index_write(root, index, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (strv_len(res[i].names) == 0) {
      fprintf(out, "Loaded image ID: %s\n", res[i].id);
      events_log(root, "image", "load", res[i].id, "name", res[i].id, NULL);
    }
    for (char **nm = res[i].names; nm && *nm; nm++) {
      autofree char *f = image_name_familiar(*nm);
      fprintf(out, "Loaded image: %s\n", f);
      events_log(root, "image", "load", res[i].id, "name", f, NULL);
    }
  }
  return 0;
}

int image_load(const char *root, int fd, FILE *out, struct td_err **err)
{
  int lock = image_store_lock_clean(root, err);
  if (lock < 0)
    return -1;
  struct image_stage s;
  struct loaded *res = NULL;
  size_t n = 0;
  int rc = image_stage_read(root, fd, &s, err);
  if (rc == 0) {
    if (image_stage_get(&s, "manifest.json"))
      rc = load_docker(root, &s, &res, &n, err);
    else if (image_stage_get(&s, "index.json"))
      rc = load_oci(root, &s, &res, &n, err);
    else
      rc = err_set(err, EINVAL,
                   "not an image archive: no manifest.json (docker-archive) or "
                   "index.json (oci-archive)");
  }
  if (rc == 0 && n == 0)
    rc = err_set(err, EINVAL, "the archive holds no image for linux/%s", image_host_arch());
  if (rc == 0)
    rc = publish(root, res, n, out, err);
  image_stage_free(&s);
  loaded_free(res, n);
  if (rc < 0) {
    autoerr struct td_err *gcerr = NULL;
    autojson json_t *index = NULL;
    if (image_index_read(root, &index, &gcerr) == 0)
      image_gc(root, index, NULL, NULL, &gcerr);
    if (strncmp((*err)->msg, "Error processing tar file", 25) != 0) /* dockerd's, as it is */
      err_prefix(err, "load");
  }
  lock_release(lock);
  return rc;
}
