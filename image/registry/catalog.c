/* search (a registry's catalog, GET /v2/_catalog, paged) and manifest inspect (a manifest or an
 * index as the registry serves it, its digest checked). */
#include "image/registry/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/registry/client.h"
#include "image/registry/manifest.h"
#include "image/digest.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define CATALOG_PAGE 100
#define CATALOG_MAX 10000

int registry_catalog(const char *root, const char *host, const struct registry_opts *o,
                     char ***repos, struct td_err **err)
{
  struct reg_client c;
  if (reg_client_init(&c, root, host, "", "pull", o->insecure, err) < 0)
    return -1;
  int rc = 0;
  autofree char *last = NULL;
  size_t total = 0;
  for (;;) {
    autofree char *url = last ? xasprintf("/v2/_catalog?n=%d&last=%s", CATALOG_PAGE, last)
                              : xasprintf("/v2/_catalog?n=%d", CATALOG_PAGE);
    struct reg_req r = {.method = "GET", .url = url, .accept = "application/json"};
    struct reg_resp resp = {0};
    if (reg_do(&c, &r, &resp, err) < 0) {
      (*err)->exit_code = 1; /* docker's CLI */
      rc = err_prefix(err, "search %s", c.host);
      reg_resp_clear(&resp);
      break;
    }
    if (resp.status != 200) {
      rc = err_set_exit(err, 1, 0,
                        "search %s: the registry has no catalog to search "
                        "(GET /v2/_catalog: HTTP %ld)",
                        c.host, resp.status);
      reg_resp_clear(&resp);
      break;
    }
    json_error_t je;
    autojson json_t *doc = json_loadb(resp.body ? resp.body : "", resp.len, 0, &je);
    reg_resp_clear(&resp);
    json_t *list = json_object_get(doc, "repositories");
    if (!json_is_array(list)) {
      rc = err_set(err, EPROTO, "search %s: the catalog is not a repository list", c.host);
      break;
    }
    size_t i;
    json_t *v;
    const char *prev = NULL;
    json_array_foreach (list, i, v) {
      if (json_is_string(v) && total++ < CATALOG_MAX) {
        strv_push(repos, json_string_value(v));
        prev = json_string_value(v);
      }
    }
    /* a full page means there may be more; the registry pages by the last name */
    if (json_array_size(list) < CATALOG_PAGE || prev == NULL || total >= CATALOG_MAX)
      break;
    free(last);
    last = xstrdup(prev);
  }
  reg_client_clear(&c);
  return rc;
}

int registry_manifest_raw(const char *root, const char *ref, const struct registry_opts *o,
                          char **body, char **media_type, struct td_err **err)
{
  struct image_ref *r = NULL;
  if (image_ref_parse(ref, &r, err) < 0)
    return -1;
  struct reg_client c;
  if (reg_client_init(&c, root, r->domain, r->path, "pull", o->insecure, err) < 0) {
    image_ref_free(r);
    return -1;
  }
  const char *reference = r->digest ? r->digest : r->tag;
  autofree char *url = xasprintf("/v2/%s/manifests/%s", r->path, reference);
  struct reg_req q = {.method = "GET", .url = url, .accept = reg_manifest_accept};
  struct reg_resp resp = {0};
  int rc = reg_do(&c, &q, &resp, err);
  if (rc == 0 && resp.status != 200) {
    autofree char *why = reg_error_text(&resp);
    rc = err_set_exit(err, 1, 0, "no such manifest: %s%s%s", ref, why ? ": " : "", why ? why : "");
  }
  if (rc == 0 && r->digest) {
    autofree char *got = image_hash_buf(resp.body, resp.len);
    if (strcmp(got, r->digest) != 0)
      rc = err_set(err, EPROTO, "manifest %s: digest mismatch (%s)", ref, got);
  }
  if (rc == 0) {
    *body = xstrndup(resp.body ? resp.body : "", resp.len);
    *media_type = xstrdup(resp.content_type ? resp.content_type : "");
  }
  reg_resp_clear(&resp);
  reg_client_clear(&c);
  image_ref_free(r);
  return rc;
}
