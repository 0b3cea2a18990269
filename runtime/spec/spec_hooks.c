/* config.json "hooks": the six hook lists. */
#include <string.h>

#include "runtime/spec/spec_internal.h"
#include "util/xalloc.h"

static const char *const hook_keys[HOOK_KIND_COUNT] = {
    [HOOK_PRESTART] = "prestart",
    [HOOK_CREATE_RUNTIME] = "createRuntime",
    [HOOK_CREATE_CONTAINER] = "createContainer",
    [HOOK_START_CONTAINER] = "startContainer",
    [HOOK_POSTSTART] = "poststart",
    [HOOK_POSTSTOP] = "poststop",
};

const char *spec_hook_name(enum spec_hook_kind k)
{
  return (unsigned)k < HOOK_KIND_COUNT ? hook_keys[k] : NULL;
}

static int parse_hook(json_t *e, const struct sp *p, struct spec_hook *h, struct td_err **err)
{
  struct sp cp = SP_KEY(p, "path");
  int r;
  if (sj_want_obj(e, p, err) < 0 || (r = sj_str(e, p, "path", &h->path, err)) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &cp, "is required");
  if (h->path[0] != '/')
    return sp_err(err, &cp, "\"%s\" is not an absolute path", h->path);
  if (sj_strv(e, p, "args", &h->args, err) < 0 || sj_strv(e, p, "env", &h->env, err) < 0)
    return -1;
  int64_t t = 0;
  if ((r = sj_i64(e, p, "timeout", INT64_MIN, INT64_MAX, &t, err)) < 0)
    return -1;
  if (r > 0 && (t <= 0 || t > INT32_MAX))
    return sp_err(err, &(struct sp){.parent = p, .key = "timeout"},
                  "%lld is not a positive number of seconds", (long long)t);
  h->timeout = (int)t;
  return 0;
}

int spec_parse_hooks(json_t *j, const struct sp *p, struct spec *s, struct td_err **err)
{
  for (int k = 0; k < HOOK_KIND_COUNT; k++) {
    json_t *arr = NULL;
    int r = sj_arr(j, p, hook_keys[k], &arr, err);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    struct sp c = SP_KEY(p, hook_keys[k]);
    size_t n = json_array_size(arr);
    struct spec_hook_list *l = &s->hooks[k];
    l->v = xcalloc(n ? n : 1, sizeof(*l->v));
    for (size_t i = 0; i < n; i++) {
      struct sp ci = SP_IDX(&c, i);
      l->n = i + 1;
      if (parse_hook(json_array_get(arr, i), &ci, &l->v[i], err) < 0)
        return -1;
    }
  }
  return 0;
}
