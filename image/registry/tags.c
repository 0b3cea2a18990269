/* `pull --all-tags` and `push --all-tags`: the tags of a repository, in the registry
 * (GET /v2/<name>/tags/list, paged) or in the store. What a registry answers is checked: the
 * list must be for the repository asked for, and every tag must be a tag (docker's
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), so that no name from the registry ever reaches a
 * request path, a store name or a log with '/', '..' or '@' in it. */
#include "image/registry/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/registry/client.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define TAGS_PAGE 100
#define TAGS_MAX 10000

bool registry_tag_valid(const char *t)
{
  size_t n = strlen(t);
  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-')))
      return false;
  }
  return true;
}

/* One page of the list into *tags; *more when it was full. */
static int tags_page(struct reg_client *c, const char *last, char ***tags, size_t *total,
                     bool *more, struct td_err **err)
{
  autofree char *url = last ? xasprintf("/v2/%s/tags/list?n=%d&last=%s", c->repo, TAGS_PAGE, last)
                            : xasprintf("/v2/%s/tags/list?n=%d", c->repo, TAGS_PAGE);
  struct reg_req r = {.method = "GET", .url = url, .accept = "application/json"};
  struct reg_resp resp = {0};
  *more = false;
  if (reg_do(c, &r, &resp, err) < 0)
    return -1;
  if (resp.status != 200) {
    autofree char *why = reg_error_text(&resp);
    reg_resp_clear(&resp);
    return err_set(err, 0, "list the tags of %s: %s", c->repo, why ? why : "HTTP error");
  }
  json_error_t je;
  autojson json_t *doc = json_loadb(resp.body ? resp.body : "", resp.len, 0, &je);
  reg_resp_clear(&resp);
  const char *name = json_string_value(json_object_get(doc, "name"));
  json_t *list = json_object_get(doc, "tags");
  if (name == NULL || strcmp(name, c->repo) != 0)
    return err_set(err, 0, "the registry answered with the tags of %s, not of %s",
                   name ? name : "no repository", c->repo);
  if (!json_is_array(list))
    return err_set(err, 0, "the tag list of %s is not a list", c->repo);
  size_t i;
  json_t *v;
  json_array_foreach (list, i, v) {
    const char *t = json_string_value(v);
    if (t == NULL || !registry_tag_valid(t))
      return err_set(err, 0, "the registry listed an invalid tag for %s: \"%.140s\"", c->repo,
                     t ? t : "(not a string)");
    if (strv_find(*tags, t) >= 0)
      continue;
    if ((*total)++ >= TAGS_MAX)
      return 0;
    strv_push(tags, t);
  }
  *more = json_array_size(list) >= TAGS_PAGE;
  return 0;
}

int registry_tags(const char *root, const char *repo_ref, const struct registry_opts *o,
                  char ***tags, struct td_err **err)
{
  struct image_ref *r = NULL;
  if (image_ref_parse(repo_ref, &r, err) < 0)
    return -1;
  struct reg_client c;
  if (reg_client_init(&c, root, r->domain, r->path, "pull", o->insecure, err) < 0) {
    image_ref_free(r);
    return -1;
  }
  size_t total = 0;
  bool more = true;
  int rc = 0;
  while (rc == 0 && more && total < TAGS_MAX) {
    const char *last = *tags ? (*tags)[strv_len(*tags) - 1] : NULL;
    rc = tags_page(&c, last, tags, &total, &more, err);
  }
  if (rc == 0 && *tags == NULL)
    rc = err_set(err, 0, "no tags in repository %s", repo_ref);
  reg_client_clear(&c);
  image_ref_free(r);
  return rc;
}

int registry_local_tags(const char *root, const char *repo_ref, char ***tags, struct td_err **err)
{
  struct image_ref *r = NULL;
  if (image_ref_parse(repo_ref, &r, err) < 0)
    return -1;
  autofree char *prefix = xasprintf("%s/%s:", r->domain, r->path);
  image_ref_free(r);
  autojson json_t *index = NULL;
  if (image_index_read(root, &index, err) < 0)
    return -1;
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get(index, "manifests"), i, e) {
    const char *name = image_entry_name(e);
    if (name && strncmp(name, prefix, strlen(prefix)) == 0 &&
        registry_tag_valid(name + strlen(prefix)) && strv_find(*tags, name + strlen(prefix)) < 0)
      strv_push(tags, name + strlen(prefix));
  }
  if (*tags == NULL)
    return err_set_exit(err, 1, 0, "An image does not exist locally with the tag: %s", repo_ref);
  return 0;
}
