/* `manifest create`, `annotate`, `inspect` of a local list and `rm`: a list made locally from
 * manifests that are already in the registry (the list's own registry only), each with the
 * platform of its image config; docker's CLI does the same in ~/.docker/manifests. */
#include "image/registry/mlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "image/digest.h"
#include "image/registry/client.h"
#include "image/registry/manifest.h"
#include "image/registry/registry.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static char *list_path(const char *root, const char *full)
{
  autofree char *name = xstrdup(full);
  for (char *p = name; *p; p++)
    if (*p == ':')
      *p = '-';
    else if (*p == '/')
      *p = '_';
  return xasprintf("%s/manifests/%s.json", root, name);
}

int mlist_open(const char *root, const char *name, struct mlist *l, struct td_err **err)
{
  *l = (struct mlist){0};
  if (image_ref_parse(name, &l->ref, err) < 0)
    return -1;
  if (l->ref->tag == NULL)
    return err_set_exit(err, 1, 0, "manifest list %s: a list is named by a tag, not a digest",
                        name);
  l->full = image_ref_full(l->ref);
  l->path = list_path(root, l->full);
  if (access(l->path, F_OK) != 0) {
    l->entries = json_array();
    return 0;
  }
  autojson json_t *doc = NULL;
  if (file_read_json(AT_FDCWD, l->path, &doc, err) < 0)
    return -1;
  json_t *e = json_object_get(doc, "Manifests");
  if (!json_is_array(e))
    return err_set_exit(err, 1, 0, "manifest list %s: %s is not a list", l->full, l->path);
  l->entries = json_incref(e);
  l->stored = true;
  return 0;
}

int mlist_save(const char *root, struct mlist *l, struct td_err **err)
{
  autofree char *dir = xasprintf("%s/manifests", root);
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  autojson json_t *doc = json_pack("{s:s,s:O}", "Ref", l->full, "Manifests", l->entries);
  return file_write_json(AT_FDCWD, l->path, doc, 0600, err);
}

void mlist_clear(struct mlist *l)
{
  image_ref_free(l->ref);
  free(l->full);
  free(l->path);
  json_decref(l->entries);
  *l = (struct mlist){0};
}

json_t *mlist_find(const struct mlist *l, const char *full)
{
  size_t i;
  json_t *e;
  json_array_foreach (l->entries, i, e) {
    const char *r = json_string_value(json_object_get(e, "Ref"));
    if (r && strcmp(r, full) == 0)
      return e;
  }
  return NULL;
}

/* A platform in docker's key order: architecture, os, os.version, os.features, variant. */
static json_t *platform_ordered(json_t *p)
{
  json_t *o = json_object();
  static const char *const keys[] = {"architecture", "os", "os.version", "os.features", "variant"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    json_t *v = json_object_get(p, keys[i]);
    if (v && !(json_is_string(v) && !*json_string_value(v)) &&
        !(json_is_array(v) && json_array_size(v) == 0))
      json_object_set(o, keys[i], v);
  }
  return o;
}

char *mlist_index_bytes(const struct mlist *l, const char **media_type)
{
  bool oci = json_array_size(l->entries) > 0;
  size_t i;
  json_t *e;
  json_array_foreach (l->entries, i, e) {
    const char *mt =
        json_string_value(json_object_get(json_object_get(e, "Descriptor"), "mediaType"));
    if (!mt || strcmp(mt, MT_OCI_MANIFEST) != 0)
      oci = false;
  }
  *media_type = oci ? MT_OCI_INDEX : MT_DOCKER_LIST;
  autojson json_t *list = json_array();
  json_array_foreach (l->entries, i, e) {
    json_t *d = json_object_get(e, "Descriptor");
    json_array_append_new(
        list, json_pack("{s:O,s:O,s:O,s:o}", "mediaType", json_object_get(d, "mediaType"), "size",
                        json_object_get(d, "size"), "digest", json_object_get(d, "digest"),
                        "platform", platform_ordered(json_object_get(d, "platform"))));
  }
  autojson json_t *doc =
      json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType", *media_type, "manifests", list);
  return json_dumps(doc, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
}

/* GET path from the registry, checked against digest when one is given. */
static int get_checked(struct reg_client *c, const char *url, const char *accept,
                       const char *digest, struct reg_resp *resp, struct td_err **err)
{
  struct reg_req q = {.method = "GET", .url = url, .accept = accept};
  if (reg_do(c, &q, resp, err) < 0)
    return -1;
  if (resp->status != 200)
    return 1;
  const char *want = digest ? digest : resp->docker_digest;
  if (want) {
    autofree char *got = image_hash_buf(resp->body ? resp->body : "", resp->len);
    if (strcmp(got, want) != 0)
      return err_set_exit(err, 1, 0, "%s: digest mismatch: %s, not %s", url, got, want);
  }
  return 0;
}

static char *b64(const char *s, size_t n)
{
  char *out = xmalloc(4 * ((n + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
  return out;
}

/* The platform of an image: its config's architecture, os, os.version, os.features, variant. */
static int image_platform(struct reg_client *c, const char *repo, json_t *manifest,
                          json_t **platform, struct td_err **err)
{
  const char *cd =
      json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
  if (!image_digest_valid(cd))
    return err_set_exit(err, 1, 0, "the manifest has no config descriptor");
  autofree char *url = xasprintf("/v2/%s/blobs/%s", repo, cd);
  struct reg_resp resp = {0};
  int rc = get_checked(c, url, NULL, cd, &resp, err);
  if (rc > 0)
    rc = err_set_exit(err, 1, 0, "config %s: HTTP %ld", cd, resp.status);
  autojson json_t *cfg = rc == 0 ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
  reg_resp_clear(&resp);
  if (rc < 0)
    return -1;
  if (!json_is_object(cfg))
    return err_set_exit(err, 1, 0, "config %s is not JSON", cd);
  *platform = json_object();
  static const char *const keys[] = {"architecture", "os", "os.version", "os.features", "variant"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (json_object_get(cfg, keys[i]))
      json_object_set(*platform, keys[i], json_object_get(cfg, keys[i]));
  return 0;
}

/* The manifest of r as c's registry serves it, with its image's platform, as an entry. */
static int fetch_manifest(struct reg_client *c, const struct image_ref *r, const char *full,
                          json_t **entry, struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/manifests/%s", r->path, r->digest ? r->digest : r->tag);
  struct reg_resp resp = {0};
  int rc = get_checked(c, url, reg_manifest_accept, r->digest, &resp, err);
  if (rc > 0)
    rc = err_set_exit(err, 1, 0, "no such manifest: %s", full);
  else if (rc == 0 && reg_media_is_index(resp.content_type))
    rc = err_set_exit(err, 1, 0, "%s is a manifest list", full);
  json_t *m = rc == 0 ? json_loadb(resp.body, resp.len, JSON_PRESERVE_ORDER, NULL) : NULL;
  const char *mt = json_string_value(json_object_get(m, "mediaType"));
  if (rc == 0 && (!json_is_object(m) || !mt))
    rc = err_set_exit(err, 1, 0, "%s: the manifest is not a schema 2 or OCI manifest", full);
  json_t *platform = NULL;
  if (rc == 0 && image_platform(c, r->path, m, &platform, err) < 0)
    rc = err_prefix(err, "%s", full);
  if (rc == 0) {
    autofree char *digest = image_hash_buf(resp.body, resp.len);
    autofree char *raw = b64(resp.body, resp.len);
    *entry =
        json_pack("{s:s,s:{s:s,s:s,s:I,s:o},s:s,s:O}", "Ref", full, "Descriptor", "mediaType", mt,
                  "digest", digest, "size", (json_int_t)resp.len, "platform", platform, "Raw", raw,
                  strcmp(mt, MT_OCI_MANIFEST) == 0 ? "OCIManifest" : "SchemaV2Manifest", m);
  }
  json_decref(m);
  reg_resp_clear(&resp);
  return rc < 0 ? -1 : 0;
}

/* One entry of the list: name's manifest, from the list's own registry only. */
static int fetch_entry(const char *root, const struct mlist *l, const char *name,
                       const struct registry_opts *o, json_t **entry, struct td_err **err)
{
  struct image_ref *r = NULL;
  if (image_ref_parse(name, &r, err) < 0)
    return -1;
  autofree char *full = image_ref_full(r);
  int rc;
  if (strcmp(r->domain, l->ref->domain) != 0) {
    rc = err_set_exit(err, 1, 0,
                      "cannot use source images from a different registry than the target "
                      "image: %s != %s",
                      r->domain, l->ref->domain);
  } else {
    struct reg_client c = {0};
    rc = reg_client_init(&c, root, r->domain, r->path, "pull", o->insecure, err);
    if (rc == 0)
      rc = fetch_manifest(&c, r, full, entry, err);
    reg_client_clear(&c);
  }
  image_ref_free(r);
  return rc;
}

int registry_list_create(const char *root, const char *list, char *const *refs, bool amend,
                         const struct registry_opts *o, struct td_err **err)
{
  struct mlist l;
  int rc = mlist_open(root, list, &l, err);
  if (rc == 0 && l.stored && !amend)
    rc =
        err_set_exit(err, 1, 0, "refusing to amend an existing manifest list with no --amend flag");
  for (size_t i = 0; rc == 0 && refs[i]; i++) {
    json_t *e = NULL;
    rc = fetch_entry(root, &l, refs[i], o, &e, err);
    if (rc < 0)
      break;
    const char *full = json_string_value(json_object_get(e, "Ref"));
    json_t *old = mlist_find(&l, full);
    size_t at;
    json_t *v;
    json_array_foreach (l.entries, at, v)
      if (v == old)
        break;
    if (old)
      json_array_set_new(l.entries, at, e);
    else
      json_array_append_new(l.entries, e);
  }
  if (rc == 0)
    rc = mlist_save(root, &l, err);
  if (rc == 0)
    printf("Created manifest list %s\n", l.full);
  mlist_clear(&l);
  return rc;
}

/* docker's CLI accepts these os/arch pairs in an annotation (Go's valid GOOS/GOARCH of its
 * time). */
static bool valid_os_arch(const char *os, const char *arch)
{
  static const char *const pairs[] = {
      "darwin/386",    "darwin/amd64",  "darwin/arm",    "darwin/arm64", "dragonfly/amd64",
      "freebsd/386",   "freebsd/amd64", "freebsd/arm",   "linux/386",    "linux/amd64",
      "linux/arm",     "linux/arm64",   "linux/ppc64le", "linux/mips64", "linux/mips64le",
      "linux/riscv64", "linux/s390x",   "netbsd/386",    "netbsd/amd64", "netbsd/arm",
      "openbsd/386",   "openbsd/amd64", "openbsd/arm",   "plan9/386",    "plan9/amd64",
      "solaris/amd64", "windows/386",   "windows/amd64"};
  autofree char *p = xasprintf("%s/%s", os, arch);
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
    if (strcmp(pairs[i], p) == 0)
      return true;
  return false;
}

int registry_list_annotate(const char *root, const char *list, const char *ref,
                           const struct registry_platform *p, struct td_err **err)
{
  struct mlist l;
  struct image_ref *r = NULL;
  int rc = mlist_open(root, list, &l, err);
  if (rc == 0)
    rc = image_ref_parse(ref, &r, err);
  autofree char *full = rc == 0 ? image_ref_full(r) : NULL;
  json_t *e = rc == 0 ? mlist_find(&l, full) : NULL;
  if (rc == 0 && e == NULL)
    rc = err_set_exit(err, 1, 0, "manifest for image %s does not exist in %s", full, l.full);
  json_t *plat = e ? json_object_get(json_object_get(e, "Descriptor"), "platform") : NULL;
  if (rc == 0 && !json_is_object(plat)) {
    plat = json_object();
    json_object_set_new(json_object_get(e, "Descriptor"), "platform", plat);
  }
  if (rc == 0) {
    if (p->os)
      json_object_set_new(plat, "os", json_string(p->os));
    if (p->arch)
      json_object_set_new(plat, "architecture", json_string(p->arch));
    if (p->variant)
      json_object_set_new(plat, "variant", json_string(p->variant));
    if (p->os_version)
      json_object_set_new(plat, "os.version", json_string(p->os_version));
    if (p->os_features)
      json_object_set_new(plat, "os.features", jsonv_from_strv(p->os_features));
    const char *os = json_string_value(json_object_get(plat, "os"));
    const char *arch = json_string_value(json_object_get(plat, "architecture"));
    if (!valid_os_arch(os ? os : "", arch ? arch : ""))
      /* docker's words name the flags' values, not the merged platform */
      rc = err_set_exit(err, 1, 0,
                        "manifest entry for image has unsupported os/arch combination: %s/%s",
                        p->os ? p->os : "", p->arch ? p->arch : "");
  }
  if (rc == 0)
    rc = mlist_save(root, &l, err);
  image_ref_free(r);
  mlist_clear(&l);
  return rc;
}

int registry_list_show(const char *root, const char *list, const char *ref, bool verbose,
                       char **text, bool *tabbed, struct td_err **err)
{
  struct mlist l;
  struct image_ref *r = NULL;
  *text = NULL;
  *tabbed = true;
  struct image_ref *named = NULL;
  if (image_ref_parse(list, &named, err) < 0)
    return -1;
  bool by_digest = named->tag == NULL;
  image_ref_free(named);
  if (by_digest && ref == NULL)
    return 1; /* a digest names no local list: the registry's manifest */
  int rc = mlist_open(root, list, &l, err);
  if (rc == 0 && ref) {
    rc = image_ref_parse(ref, &r, err);
    autofree char *full = rc == 0 ? image_ref_full(r) : NULL;
    json_t *e = rc == 0 && l.stored ? mlist_find(&l, full) : NULL;
    json_t *m = json_object_get(e, "OCIManifest");
    if (!m)
      m = json_object_get(e, "SchemaV2Manifest");
    if (rc == 0 && !e)
      rc = err_set_exit(err, 1, 0, "No such manifest: %s", full);
    else if (rc == 0)
      *text = json_dumps(verbose ? e : m, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  } else if (rc == 0 && !l.stored) {
    rc = 1;
  } else if (rc == 0) {
    const char *mt;
    *tabbed = verbose;
    *text = verbose ? json_dumps(l.entries, JSON_INDENT(1) | JSON_PRESERVE_ORDER)
                    : mlist_index_bytes(&l, &mt);
  }
  image_ref_free(r);
  mlist_clear(&l);
  return rc;
}

int registry_list_rm(const char *root, const char *list, struct td_err **err)
{
  struct mlist l;
  int rc = mlist_open(root, list, &l, err);
  if (rc == 0 && !l.stored)
    rc = err_set_exit(err, 1, 0, "No such manifest: %s", l.full);
  if (rc == 0 && unlink(l.path) < 0)
    rc = err_set_exit(err, 1, errno, "remove %s", l.path);
  mlist_clear(&l);
  return rc;
}
