/* Manifests: fetch, verify, pick a platform. */
#include "image/registry/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/digest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

const char reg_manifest_accept[] = "application/vnd.docker.distribution.manifest.v2+json, "
                                   "application/vnd.oci.image.manifest.v1+json, "
                                   "application/vnd.docker.distribution.manifest.list.v2+json, "
                                   "application/vnd.oci.image.index.v1+json";

bool reg_media_is_index(const char *mt)
{
  return mt && (strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0 ||
                strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0);
}

const char *reg_host_platform(void)
{
  struct utsname u;
  if (uname(&u) == 0) {
    if (strcmp(u.machine, "aarch64") == 0)
      return "linux/arm64";
    if (strncmp(u.machine, "armv7", 5) == 0)
      return "linux/arm/v7";
    if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
      return "linux/386";
    if (strcmp(u.machine, "ppc64le") == 0)
      return "linux/ppc64le";
    if (strcmp(u.machine, "s390x") == 0)
      return "linux/s390x";
    if (strcmp(u.machine, "riscv64") == 0)
      return "linux/riscv64";
  }
  return "linux/amd64";
}

const char *reg_index_pick(json_t *index, const char *platform)
{
  autostrv char **want = strv_split(platform, '/');
  if (strv_len(want) < 2)
    return NULL;
  const char *want_variant = strv_len(want) > 2 ? want[2] : NULL;
  const char *fallback = NULL;
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get(index, "manifests"), i, m) {
    json_t *p = json_object_get(m, "platform");
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *arch = json_string_value(json_object_get(p, "architecture"));
    const char *variant = json_string_value(json_object_get(p, "variant"));
    const char *digest = json_string_value(json_object_get(m, "digest"));
    if (!os || !arch || !digest || strcmp(os, want[0]) != 0 || strcmp(arch, want[1]) != 0)
      continue;
    if (want_variant == NULL || (variant && strcmp(variant, want_variant) == 0))
      return digest;
    if (fallback == NULL && variant == NULL)
      fallback = digest;
  }
  return fallback;
}

void reg_manifest_clear(struct reg_manifest *m)
{
  free(m->bytes);
  free(m->digest);
  free(m->media_type);
  json_decref(m->json);
  memset(m, 0, sizeof(*m));
}

static int fetch_one(struct reg_client *c, const char *reference, struct reg_manifest *out,
                     struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/manifests/%s", c->repo, reference);
  struct reg_req r = {.method = "GET", .url = url, .accept = reg_manifest_accept};
  struct reg_resp resp = {0};
  if (reg_do(c, &r, &resp, err) < 0)
    return -1;
  if (resp.status != 200) {
    autofree char *why = reg_error_text(&resp);
    bool missing = resp.status == 404;
    reg_resp_clear(&resp);
    return err_set(err, 0, "manifest for %s:%s%s: %s", c->repo, reference,
                   missing ? " not found" : "", why);
  }
  if (resp.len > (4u << 20)) {
    reg_resp_clear(&resp);
    return err_set(err, EFBIG, "manifest %s is larger than 4 MiB", reference);
  }
  out->bytes = steal_ptr(resp.body);
  out->len = resp.len;
  out->digest = image_hash_buf(out->bytes, out->len);
  bool by_digest = strncmp(reference, "sha256:", 7) == 0;
  const char *expect = by_digest ? reference : resp.docker_digest;
  if (expect && strcmp(expect, out->digest) != 0) {
    reg_resp_clear(&resp);
    return err_set(err, 0, "manifest %s: digest mismatch: got %s, want %s", reference, out->digest,
                   expect);
  }
  json_error_t jerr;
  out->json = json_loadb(out->bytes, out->len, 0, &jerr);
  if (!json_is_object(out->json)) {
    reg_resp_clear(&resp);
    return err_set(err, 0, "manifest %s: malformed JSON: %s", reference, jerr.text);
  }
  const char *mt = json_string_value(json_object_get(out->json, "mediaType"));
  if (mt == NULL && resp.content_type) {
    size_t n = strcspn(resp.content_type, ";");
    out->media_type = xstrndup(resp.content_type, n);
  } else {
    out->media_type = xstrdup(mt ? mt : IMAGE_MT_OCI_MANIFEST);
  }
  reg_resp_clear(&resp);
  return 0;
}

int reg_manifest_fetch(struct reg_client *c, const char *reference, const char *platform,
                       struct reg_manifest *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  if (fetch_one(c, reference, out, err) < 0) {
    reg_manifest_clear(out);
    return -1;
  }
  if (!reg_media_is_index(out->media_type))
    return 0;
  const char *want = platform ? platform : reg_host_platform();
  const char *d = reg_index_pick(out->json, want);
  if (d == NULL) {
    reg_manifest_clear(out);
    return err_set(err, ENOENT, "no matching manifest for %s in the manifest list entries", want);
  }
  autofree char *digest = xstrdup(d);
  reg_manifest_clear(out);
  if (fetch_one(c, digest, out, err) < 0 || reg_media_is_index(out->media_type)) {
    if (out->json && reg_media_is_index(out->media_type))
      err_set(err, EINVAL, "manifest %s: an index inside an index", digest);
    reg_manifest_clear(out);
    return -1;
  }
  return 0;
}
