/* Go's text/template executor (text/template/exec.go) over JSON data: the walk over the tree
 * (text, actions, if/with/range with break and continue, {{template}}) and the scopes of its
 * variables. Pipelines are evaluated in gotmpl_eval.c; the variables and Go's errors
 * ("template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"") are kept by
 * gotmpl_state.c. */
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"

static void pop(struct gt_state *s, size_t mark)
{
  while (s->nv > mark)
    json_decref(s->vars[--s->nv].v);
}

static void set_top(struct gt_state *s, size_t n, json_t *v)
{
  json_decref(s->vars[s->nv - n].v);
  s->vars[s->nv - n].v = v ? json_incref(v) : NULL;
}

static int walk(struct gt_state *s, json_t *dot, const struct gt_node *n);

static int walk_range(struct gt_state *s, json_t *dot, const struct gt_node *n)
{
  size_t outer = s->nv;
  json_t *val = NULL;
  s->at = n;
  if (gt_eval_pipeline(s, dot, n->pipe, &val) < 0)
    return -1;
  size_t mark = s->nv, len = 0, count = 0;
  int rc = 0;
  const char **keys = json_is_object(val) ? gt_sorted_keys(val, &len) : NULL;
  if (json_is_array(val))
    len = json_array_size(val);
  else if (val != NULL && keys == NULL) {
    struct gbuf b = {0};
    gt_print(&b, val, false);
    s->at = n->pipe;
    gt_xerr(s, "range can't iterate over %s", b.s);
    free(b.s);
    rc = -1;
  }
  for (size_t i = 0; i < len && rc == 0; i++, count++) {
    json_t *idx = keys ? json_string(keys[i]) : json_integer((json_int_t)i);
    json_t *elem =
        keys ? json_incref(json_object_get(val, keys[i])) : json_incref(json_array_get(val, i));
    if (n->pipe->ndecl > 0)
      set_top(s, 1, elem);
    if (n->pipe->ndecl > 1)
      set_top(s, 2, idx);
    rc = walk(s, elem, n->list);
    json_decref(idx);
    json_decref(elem);
    pop(s, mark);
    bool stop = s->brk == 1;
    s->brk = 0;
    if (stop)
      break;
  }
  free(keys);
  if (rc == 0 && count == 0 && n->else_list)
    rc = walk(s, dot, n->else_list);
  json_decref(val);
  pop(s, outer);
  return rc;
}

static int walk_in(struct gt_state *s, json_t *dot, const struct gt_node *n);

static int walk(struct gt_state *s, json_t *dot, const struct gt_node *n)
{
  if (++s->depth > GT_MAX_DEPTH) {
    s->depth--;
    return gt_xerr(s, "exceeded maximum template depth (%d)", GT_MAX_DEPTH);
  }
  int rc = walk_in(s, dot, n);
  s->depth--;
  return rc;
}

static int walk_in(struct gt_state *s, json_t *dot, const struct gt_node *n)
{
  json_t *v = NULL;
  size_t mark = s->nv;
  int rc = 0;
  switch ((int)(n->kind)) {
  case GN_LIST:
    for (size_t i = 0; i < n->nkids && rc == 0 && s->brk == 0; i++)
      rc = walk(s, dot, n->kids[i]);
    return rc;
  case GN_TEXT:
    gbuf_add(s->out, n->text, n->text_len);
    return 0;
  case GN_ACTION:
    if (gt_eval_pipeline(s, dot, n->pipe, &v) < 0)
      return -1;
    if (n->pipe->ndecl == 0)
      gt_print(s->out, v, true);
    json_decref(v);
    return 0;
  case GN_IF:
  case GN_WITH:
    s->at = n;
    if (gt_eval_pipeline(s, dot, n->pipe, &v) < 0)
      return -1;
    if (gt_truth(v))
      rc = walk(s, n->kind == GN_WITH ? v : dot, n->list);
    else if (n->else_list)
      rc = walk(s, dot, n->else_list);
    json_decref(v);
    pop(s, mark);
    return rc;
  case GN_RANGE:
    return walk_range(s, dot, n);
  case GN_BREAK:
  case GN_CONTINUE:
    s->brk = n->kind == GN_BREAK ? 1 : 2;
    return 0;
  case GN_TEMPLATE: {
    s->at = n;
    const struct gt_node *body = NULL;
    for (size_t i = s->t->ndefs; i-- > 0 && body == NULL;)
      if (strcmp(s->t->names[i], n->text) == 0)
        body = s->t->defs[i];
    if (body == NULL)
      return gt_xerr(s, "template \"%s\" not defined", n->text);
    if (n->pipe && gt_eval_pipeline(s, dot, n->pipe, &v) < 0)
      return -1;
    struct gt_state sub = *s;
    sub.vars = NULL;
    sub.nv = sub.cap = 0;
    sub.tname = n->text;
    gt_var_push(&sub, "$", v);
    rc = walk(&sub, v, body);
    pop(&sub, 0);
    free(sub.vars);
    s->err = sub.err;
    json_decref(v);
    return rc;
  }
  default:
    return gt_xerr(s, "unknown node");
  }
}

int gt_exec(const struct gotmpl *t, json_t *data, const struct gotmpl_opts *o,
            const char *(*header)(const char *), bool header_mode, char **out, char **err)
{
  struct gbuf b = {0};
  struct gt_state s = {.t = t,
                       .o = o,
                       .header = header,
                       .header_mode = header_mode,
                       .tname = "",
                       .out = &b,
                       .root = data};
  gbuf_add(&b, "", 0);
  gt_var_push(&s, "$", data);
  int rc = walk(&s, data, t->root);
  pop(&s, 0);
  free(s.vars);
  *out = gbuf_take(&b);
  *err = s.err;
  return rc;
}
