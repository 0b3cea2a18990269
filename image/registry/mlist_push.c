/* `manifest push`: every entry's manifest into the list's repository (an entry from another
 * repository of the same registry: its blobs mounted across, then its manifest put by
 * digest), then the list under its tag; `--purge` forgets the local list afterwards. */
#include "image/registry/mlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "image/digest.h"
#include "image/registry/blob.h"
#include "image/registry/client.h"
#include "image/registry/registry.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static int expect(struct reg_resp *resp, long a, long b, const char *what, struct td_err **err)
{
  if (resp->status == a || resp->status == b)
    return 0;
  autofree char *why = reg_error_text(resp);
  return err_set_exit(err, 1, 0, "%s: %s", what, why ? why : "unexpected answer");
}

/* Mount a blob of repository from into c's repository (the registry copies nothing). */
static int mount_blob(struct reg_client *c, const char *from, json_t *desc, struct td_err **err)
{
  const char *d = json_string_value(json_object_get(desc, "digest"));
  if (!image_digest_valid(d))
    return err_set_exit(err, 1, 0, "a descriptor without a valid digest");
  bool have = false;
  if (reg_blob_exists(c, d, &have, err) < 0)
    return -1;
  if (have)
    return 0;
  autofree char *url = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", c->repo, d, from);
  struct reg_req q = {.method = "POST", .url = url};
  struct reg_resp resp = {0};
  int rc = reg_do(c, &q, &resp, err);
  if (rc == 0 && resp.status == 202)
    rc = err_set_exit(err, 1, 0, "blob %s: the registry would not mount it from %s", d, from);
  if (rc == 0) {
    autofree char *what = xasprintf("mount blob %s from %s", d, from);
    rc = expect(&resp, 201, 201, what, err);
  }
  reg_resp_clear(&resp);
  return rc;
}

static int put_manifest(struct reg_client *c, const char *reference, const char *mt,
                        const void *body, size_t len, struct td_err **err)
{
  autofree char *url = xasprintf("/v2/%s/manifests/%s", c->repo, reference);
  struct reg_req q = {
      .method = "PUT", .url = url, .content_type = mt, .body = body, .body_len = len};
  struct reg_resp resp = {0};
  int rc = reg_do(c, &q, &resp, err);
  if (rc == 0) {
    autofree char *what = xasprintf("put manifest %s", reference);
    rc = expect(&resp, 200, 201, what, err);
  }
  reg_resp_clear(&resp);
  return rc;
}

/* An entry from another repository: its blobs mounted, its manifest put by digest. */
static int copy_entry(struct reg_client *c, json_t *e, struct td_err **err)
{
  struct image_ref *r = NULL;
  const char *ref = json_string_value(json_object_get(e, "Ref"));
  if (image_ref_parse(ref ? ref : "", &r, err) < 0)
    return -1;
  int rc = 0;
  if (strcmp(r->path, c->repo) != 0) {
    json_t *m = json_object_get(e, "OCIManifest");
    if (!m)
      m = json_object_get(e, "SchemaV2Manifest");
    rc = mount_blob(c, r->path, json_object_get(m, "config"), err);
    size_t i;
    json_t *l;
    json_array_foreach (json_object_get(m, "layers"), i, l)
      if (rc == 0)
        rc = mount_blob(c, r->path, l, err);
    json_t *d = json_object_get(e, "Descriptor");
    const char *raw = json_string_value(json_object_get(e, "Raw"));
    size_t n = raw ? strlen(raw) : 0;
    autofree unsigned char *bytes = xmalloc(3 * (n / 4) + 4);
    int len = raw ? EVP_DecodeBlock(bytes, (const unsigned char *)raw, (int)n) : -1;
    /* EVP_DecodeBlock counts the padding's zero bytes: the descriptor's size is the truth */
    json_int_t size = json_integer_value(json_object_get(d, "size"));
    const char *digest = json_string_value(json_object_get(d, "digest"));
    autofree char *got = len >= size ? image_hash_buf(bytes, (size_t)size) : NULL;
    if (rc == 0 && (!got || !digest || strcmp(got, digest) != 0))
      rc = err_set_exit(err, 1, 0, "%s: the stored manifest does not match its digest", ref);
    if (rc == 0)
      rc = put_manifest(c, digest, json_string_value(json_object_get(d, "mediaType")), bytes,
                        (size_t)size, err);
  }
  image_ref_free(r);
  return rc;
}

int registry_list_push(const char *root, const char *list, bool purge,
                       const struct registry_opts *o, char **digest, struct td_err **err)
{
  struct mlist l;
  struct reg_client c = {0};
  int rc = mlist_open(root, list, &l, err);
  if (rc == 0 && !l.stored)
    rc = err_set_exit(err, 1, 0, "No such manifest: %s", l.full);
  if (rc == 0)
    rc = reg_client_init(&c, root, l.ref->domain, l.ref->path, "pull,push", o->insecure, err);
  size_t i;
  json_t *e;
  json_array_foreach (l.entries, i, e)
    if (rc == 0)
      rc = copy_entry(&c, e, err);
  if (rc == 0) {
    const char *mt;
    autofree char *bytes = mlist_index_bytes(&l, &mt);
    rc = put_manifest(&c, l.ref->tag, mt, bytes, strlen(bytes), err);
    if (rc == 0)
      *digest = image_hash_buf(bytes, strlen(bytes));
  }
  if (rc == 0 && purge && unlink(l.path) < 0)
    rc = err_set_exit(err, 1, errno, "remove %s", l.path);
  if (rc < 0 && l.full)
    err_prefix(err, "push %s", l.full);
  reg_client_clear(&c);
  mlist_clear(&l);
  return rc;
}
