/* `tinydocker build`'s plan: the meta ARGs before the first FROM, the stages and their names,
 * the target and the stages it needs (those its FROM, COPY --from and RUN --mount=from= read),
 * the step numbers; a git source of ADD refused before anything runs. */
#include <ctype.h>
#include <string.h>

#include "engine/build/internal.h"
#include "engine/build/steps.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *meta_lookup(void *arg, const char *name)
{
  return json_string_value(json_object_get(arg, name));
}

int build_from_ref(struct builder *b, struct df_instr *in, char **out, struct td_err **err)
{
  return df_expand(in->args[0], b->df.escape, meta_lookup, b->meta, out, err);
}

/* the stages stage si reads: FROM <stage>, COPY --from=<stage>, RUN --mount=...,from=<stage>;
 * deps has room for n_stages entries; returns how many (each once) */
size_t build_stage_deps(struct builder *b, size_t si, size_t *deps)
{
  struct stage *sg = &b->stages[si];
  size_t n = 0;
#define ADD_DEP(o)                                                                                 \
  do {                                                                                             \
    bool seen_ = false;                                                                            \
    for (size_t k_ = 0; k_ < n; k_++)                                                              \
      seen_ |= deps[k_] == (size_t)(o);                                                            \
    if (!seen_)                                                                                    \
      deps[n++] = (size_t)(o);                                                                     \
  } while (0)
  autofree char *ref = NULL;
  autoerr struct td_err *e = NULL;
  if (build_from_ref(b, &b->df.v[sg->first], &ref, &e) == 0) {
    int o = step_find_stage(b, ref, si);
    if (o >= 0 && b->stages[o].name && strcasecmp(b->stages[o].name, ref) == 0)
      ADD_DEP(o);
  }
  for (size_t i = sg->first + 1; i < sg->end; i++) {
    struct df_instr *in = &b->df.v[i];
    if (in->kind == DF_COPY) {
      const char *f = df_flag(in, "from");
      int o = f ? step_find_stage(b, f, si) : -1;
      if (o >= 0)
        ADD_DEP(o);
    }
    if (in->kind == DF_RUN)
      for (char **fl = in->flags; fl && *fl; fl++) {
        autofree char *from = run_mount_from(*fl);
        int o = from ? step_find_stage(b, from, si) : -1;
        if (o >= 0)
          ADD_DEP(o);
      }
  }
#undef ADD_DEP
  return n;
}

static void mark_needed(struct builder *b, size_t si)
{
  struct stage *sg = &b->stages[si];
  if (sg->needed)
    return;
  sg->needed = true;
  autofree size_t *deps = xcalloc(b->n_stages + 1, sizeof(size_t));
  size_t n = build_stage_deps(b, si, deps);
  for (size_t k = 0; k < n; k++)
    mark_needed(b, deps[k]);
}

int build_plan(struct builder *b, struct td_err **err)
{
  /* meta args: the ARGs before the first FROM */
  size_t i = 0;
  for (; i < b->df.n && b->df.v[i].kind == DF_ARG; i++) {
    struct df_instr *in = &b->df.v[i];
    for (size_t k = 0; k < in->n_kvs; k++) {
      const char *key = in->kvs[k].key;
      json_t *given = json_object_get(b->build_args, key);
      autofree char *def = NULL;
      if (in->kvs[k].value &&
          df_expand(in->kvs[k].value, b->df.escape, meta_lookup, b->meta, &def, err) < 0)
        return -1;
      if (given)
        json_object_set(b->meta, key, given);
      else if (def)
        json_object_set_new(b->meta, key, json_string(def));
      else
        json_object_set_new(b->meta, key, json_null());
      json_object_set_new(b->consumed, key, json_true());
    }
  }
  for (; i < b->df.n; i++) {
    if (b->df.v[i].kind == DF_FROM) {
      b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
      struct stage *sg = &b->stages[b->n_stages++];
      memset(sg, 0, sizeof(*sg));
      sg->first = i;
      if (strv_len(b->df.v[i].args) == 3) {
        sg->name = xstrdup(b->df.v[i].args[2]);
        for (char *c = sg->name; *c; c++)
          *c = (char)tolower((unsigned char)*c);
        for (size_t k = 0; k + 1 < b->n_stages; k++)
          if (b->stages[k].name && strcmp(b->stages[k].name, sg->name) == 0)
            return err_set_exit(err, 1, 0, "dockerfile parse error line %u: duplicate name %s",
                                b->df.v[i].line, sg->name);
      }
    }
    b->stages[b->n_stages - 1].end = i + 1;
  }
  size_t target = b->n_stages - 1;
  if (b->req->target && *b->req->target) {
    int t = -1;
    for (size_t k = 0; k < b->n_stages; k++)
      if (b->stages[k].name && strcasecmp(b->stages[k].name, b->req->target) == 0)
        t = (int)k;
    if (t < 0)
      return err_set_exit(err, 1, 0, "failed to reach build target %s in Dockerfile",
                          b->req->target);
    target = (size_t)t;
  }
  mark_needed(b, target);
  /* refused before anything runs: ADD of a git repository */
  for (size_t k = 0; k < b->n_stages; k++)
    for (size_t j = b->stages[k].first; b->stages[k].needed && j < b->stages[k].end; j++) {
      struct df_instr *in = &b->df.v[j];
      for (size_t a = 0; in->kind == DF_ADD && a + 1 < strv_len(in->args); a++)
        if (url_is_git(in->args[a]))
          return err_set_exit(err, 1, 0,
                              "Dockerfile line %u: ADD %s: a git repository is not supported as "
                              "a source (the builder does not run git)",
                              in->line, in->args[a]);
    }
  b->n_steps = strv_len(b->req->labels) ? 1 : 0;
  for (size_t k = 0; k < b->n_stages; k++)
    if (b->stages[k].needed) {
      b->stages[k].step0 = b->n_steps - (strv_len(b->req->labels) ? 1 : 0);
      b->n_steps += (int)(b->stages[k].end - b->stages[k].first);
    }
  return (int)target;
}
