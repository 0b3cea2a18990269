/* Evaluating a pipeline of Go's text/template (text/template/exec.go: evalPipeline,
 * evalCommand, evalFunction, evalField, evalArg) over JSON data: function calls with their
 * typed arguments, fields and methods, variables, and docker's header row. */
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/gotmpl_opts.h"
#include "util/xalloc.h"

static int eval_arg(struct gt_state *s, json_t *dot, const struct gt_node *n, json_t **out);

static int not_a_function(struct gt_state *s, const struct gt_node *const *args, size_t nargs,
                          bool has_final)
{
  if (nargs > 1 || has_final) {
    struct gbuf b = {0};
    gt_node_string(&b, args[0]);
    gbuf_add(&b, "", 0);
    gt_xerr(s, "can't give argument to non-function %s", b.s);
    free(b.s);
    return -1;
  }
  return 0;
}

/* The arguments args[1..] and the final value, evaluated. */
static int eval_args(struct gt_state *s, json_t *dot, struct gt_node *const *args, size_t nargs,
                     json_t *final, bool has_final, json_t ***argv, size_t *argc)
{
  size_t n = (nargs ? nargs - 1 : 0) + has_final;
  json_t **v = xcalloc(n + 1, sizeof(*v));
  for (size_t i = 1; i < nargs; i++)
    if (eval_arg(s, dot, args[i], &v[i - 1]) < 0) {
      for (size_t k = 0; k < i; k++)
        json_decref(v[k]);
      free(v);
      return -1;
    }
  if (has_final)
    v[n - 1] = final ? json_incref(final) : NULL;
  *argv = v;
  *argc = n;
  return 0;
}

static void free_args(json_t **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    json_decref(v[i]);
  free(v);
}

/* Go's evalArg and validateType for the typed parameters (printf's format, docker's). */
static int check_args(struct gt_state *s, const char *name, struct gt_node *const *args,
                      size_t nargs, json_t **argv, size_t argc)
{
  for (size_t i = 0; i < argc; i++) {
    json_t *v = argv[i];
    char p = gt_bad_arg(name, i, s->header_mode, v);
    const char *type = p == 's' ? "string" : p == 'i' ? "int" : "[]string";
    if (p == 0)
      continue;
    const struct gt_node *n = i + 1 < nargs ? args[i + 1] : NULL;
    if (n)
      s->at = n;
    struct gbuf b = {0};
    if (n)
      gt_node_string(&b, n);
    gbuf_add(&b, "", 0);
    if (n && n->kind == GN_NIL)
      gt_xerr(s, "cannot assign nil to %s", type);
    else if (n && (n->kind == GN_NUMBER || n->kind == GN_STRING || n->kind == GN_BOOL))
      gt_xerr(s, p == 'a' ? "can't handle %s for arg of type %s" : "expected %2$s; found %1$s", b.s,
              p == 'i' ? "integer" : type);
    else if (v == NULL)
      gt_xerr(s, "invalid value; expected %s", type);
    else
      gt_xerr(s, "wrong type for value; expected %s; got %s", type, gt_type(v));
    free(b.s);
    return -1;
  }
  return 0;
}

static int eval_function(struct gt_state *s, json_t *dot, const struct gt_node *ident,
                         const struct gt_node *cmd, struct gt_node *const *args, size_t nargs,
                         json_t *final, bool has_final, json_t **out)
{
  s->at = ident;
  const char *name = ident->text;
  if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
    size_t n = (nargs ? nargs - 1 : 0) + has_final;
    if (n < 1)
      return gt_xerr(s, "wrong number of args for %s: want at least 1 got 0", name);
    json_t *v = NULL;
    for (size_t i = 1; i < nargs; i++) {
      json_decref(v);
      v = NULL;
      if (eval_arg(s, dot, args[i], &v) < 0)
        return -1;
      if (gt_truth(v) == (name[0] == 'o')) {
        *out = v;
        return 0;
      }
    }
    if (has_final) {
      json_decref(v);
      v = final ? json_incref(final) : NULL;
    }
    *out = v;
    return 0;
  }
  json_t **argv = NULL;
  size_t argc = 0;
  if (eval_args(s, dot, args, nargs, final, has_final, &argv, &argc) < 0)
    return -1;
  if (check_args(s, name, args, nargs, argv, argc) < 0) {
    free_args(argv, argc);
    return -1;
  }
  char *msg = NULL;
  int rc;
  if (!s->header_mode && strcmp(name, "json") == 0 && argc == 1 && argv[0] == s->root && s->o &&
      s->o->type) {
    /* {{json .}} of a docker formatter context (ps, images, network ls...): its MarshalJSON is
     * json.Marshal's, which escapes <, > and & (the json function itself does not) */
    struct gbuf b = {0};
    gt_json_html(&b, argv[0]);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
    rc = 0;
  } else {
    rc = gt_call(name, argv, argc, s->header_mode, out, &msg);
  }
  free_args(argv, argc);
  if (rc < 0) {
    s->at = strncmp(msg, "wrong number", 12) == 0 ? ident : cmd;
    gt_xerr(s, "%s", msg);
    free(msg);
    return -1;
  }
  return 0;
}

/* A header's {{.Label "com.example.some-name"}}: "some name" (the last part, - and _ spaces). */
static int header_label(struct gt_state *s, json_t *dot, struct gt_node *const *args, size_t nargs,
                        json_t *final, bool has_final, json_t **out)
{
  json_t **argv = NULL;
  size_t argc = 0;
  if (eval_args(s, dot, args, nargs, final, has_final, &argv, &argc) < 0)
    return -1;
  if (argc != 1 || !json_is_string(argv[0])) {
    free_args(argv, argc);
    return argc != 1 ? gt_xerr(s, "wrong number of args for Label: want 1 got %zu", argc)
                     : gt_xerr(s, "wrong type for value; expected string");
  }
  *out = gt_header_label(json_string_value(argv[0]));
  free_args(argv, argc);
  return 0;
}

static int eval_field(struct gt_state *s, json_t *dot, const char *name, const struct gt_node *node,
                      struct gt_node *const *args, size_t nargs, json_t *final, bool has_final,
                      json_t *recv, json_t **out)
{
  *out = NULL;
  bool has_args = nargs > 1 || has_final;
  if (recv == NULL) {
    if (s->o && s->o->missing_zero)
      return 0;
    return gt_xerr(s, "nil data; no entry for key \"%s\"", name);
  }
  if (s->header_mode && recv == s->root) {
    if (strcmp(name, "Label") == 0) /* docker's SubHeaderContext.Label */
      return header_label(s, dot, args, nargs, final, has_final, out);
    if (has_args)
      return gt_xerr(s, "%s is not a method but has arguments", name);
    const char *h = s->header ? s->header(name) : NULL;
    if (h == NULL && s->header == NULL) {
      char *up = xstrdup(name);
      for (char *c = up; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
      *out = json_string(up);
      free(up);
      return 0;
    }
    *out = json_string(h ? h : "");
    return 0;
  }
  if (s->o && s->o->method) {
    json_t **argv = NULL;
    size_t argc = 0;
    if (eval_args(s, dot, args, nargs, final, has_final, &argv, &argc) < 0)
      return -1;
    char *msg = NULL;
    int r = s->o->method(s->o->ud, recv, name, argv, argc, out, &msg);
    free_args(argv, argc);
    s->at = node;
    if (r < 0) {
      gt_xerr(s, "%s", msg ? msg : "method failed");
      free(msg);
      return -1;
    }
    if (r > 0)
      return 0;
  }
  if (json_is_null(recv))
    return gt_xerr(s, "nil pointer evaluating interface {}.%s", name);
  if (!json_is_object(recv) ||
      (s->o && s->o->type && recv == s->root && json_object_get(recv, name) == NULL)) {
    const char *type = json_is_object(recv) ? s->o->type : gt_type(recv);
    return gt_xerr(s, "can't evaluate field %s in type %s", name, type);
  }
  if (has_args)
    return gt_xerr(s, "%s is not a method but has arguments", name);
  json_t *v = json_object_get(recv, name);
  if (v) {
    *out = json_incref(v);
    return 0;
  }
  if (s->o && s->o->missing_zero)
    return 0;
  if (recv != s->root && !(s->o && s->o->raw) && gt_string_map(recv))
    return 0; /* docker's typed map[string]string: no value (index gives "") */
  return gt_xerr(s, "map has no entry for key \"%s\"", name);
}

static int eval_chain(struct gt_state *s, json_t *dot, json_t *recv, const struct gt_node *node,
                      char *const *idents, size_t n, struct gt_node *const *args, size_t nargs,
                      json_t *final, bool has_final, json_t **out)
{
  json_t *cur = recv ? json_incref(recv) : NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *next = NULL;
    bool last = i + 1 == n;
    int r = eval_field(s, dot, idents[i], node, last ? args : NULL, last ? nargs : 0,
                       last ? final : NULL, last && has_final, cur, &next);
    json_decref(cur);
    if (r < 0)
      return -1;
    cur = next;
  }
  *out = cur;
  return 0;
}

static int eval_command(struct gt_state *s, json_t *dot, const struct gt_node *cmd, json_t *final,
                        bool has_final, json_t **out)
{
  const struct gt_node *first = cmd->kids[0];
  struct gt_node *const *args = cmd->kids;
  size_t nargs = cmd->nkids;
  *out = NULL;
  switch ((int)(first->kind)) {
  case GN_FIELD:
    s->at = first;
    return eval_chain(s, dot, dot, first, first->idents, first->nidents, args, nargs, final,
                      has_final, out);
  case GN_CHAIN: {
    json_t *recv = NULL;
    s->at = first;
    if (eval_arg(s, dot, first->kids[0], &recv) < 0)
      return -1;
    s->at = first;
    int r = eval_chain(s, dot, recv, first, first->idents, first->nidents, args, nargs, final,
                       has_final, out);
    json_decref(recv);
    return r;
  }
  case GN_IDENT:
    return eval_function(s, dot, first, cmd, args, nargs, final, has_final, out);
  case GN_PIPE:
    if (not_a_function(s, (const struct gt_node *const *)args, nargs, has_final) < 0)
      return -1;
    return gt_eval_pipeline(s, dot, first, out);
  case GN_VAR: {
    s->at = first;
    struct gt_var *v = gt_var_find(s, first->idents[0]);
    if (v == NULL)
      return gt_xerr(s, "undefined variable: %s", first->idents[0]);
    if (first->nidents == 1) {
      if (not_a_function(s, (const struct gt_node *const *)args, nargs, has_final) < 0)
        return -1;
      *out = v->v ? json_incref(v->v) : NULL;
      return 0;
    }
    return eval_chain(s, dot, v->v, first, first->idents + 1, first->nidents - 1, args, nargs,
                      final, has_final, out);
  }
  default:
    break;
  }
  s->at = first;
  if (not_a_function(s, (const struct gt_node *const *)args, nargs, has_final) < 0)
    return -1;
  if (first->kind == GN_NIL)
    return gt_xerr(s, "nil is not a command");
  return eval_arg(s, dot, first, out);
}

static int eval_arg(struct gt_state *s, json_t *dot, const struct gt_node *n, json_t **out)
{
  s->at = n;
  *out = NULL;
  switch ((int)(n->kind)) {
  case GN_DOT:
    *out = dot ? json_incref(dot) : NULL;
    return 0;
  case GN_NIL:
    return 0;
  case GN_BOOL:
    *out = json_boolean(n->bval);
    return 0;
  case GN_STRING:
    *out = json_stringn_nocheck(n->text, n->text_len);
    return 0;
  case GN_NUMBER:
    if (n->text)
      return gt_xerr(s, "%s overflows int", n->src);
    *out = n->is_float ? json_real(n->fval) : json_integer(n->ival);
    return 0;
  case GN_PIPE:
    return gt_eval_pipeline(s, dot, n, out);
  case GN_IDENT:
    return eval_function(s, dot, n, n, (struct gt_node *const *)&n, 1, NULL, false, out);
  default: {
    struct gt_node cmd = {.kind = GN_CMD, .pos = n->pos, .kids = (struct gt_node **)&n, .nkids = 1};
    return eval_command(s, dot, &cmd, NULL, false, out);
  }
  }
}

static int eval_pipeline_in(struct gt_state *s, json_t *dot, const struct gt_node *pipe,
                            json_t **out);

int gt_eval_pipeline(struct gt_state *s, json_t *dot, const struct gt_node *pipe, json_t **out)
{
  *out = NULL;
  if (++s->depth > GT_MAX_DEPTH) {
    s->depth--;
    return gt_xerr(s, "exceeded maximum template depth (%d)", GT_MAX_DEPTH);
  }
  int rc = eval_pipeline_in(s, dot, pipe, out);
  s->depth--;
  return rc;
}

static int eval_pipeline_in(struct gt_state *s, json_t *dot, const struct gt_node *pipe,
                            json_t **out)
{
  json_t *v = NULL;
  s->at = pipe;
  for (size_t i = 0; i < pipe->nkids; i++) {
    json_t *next = NULL;
    int r = eval_command(s, dot, pipe->kids[i], v, i > 0, &next);
    json_decref(v);
    if (r < 0)
      return -1;
    v = next;
    if (v && json_is_null(v)) { /* an interface{} holding nil is no value */
      json_decref(v);
      v = NULL;
    }
  }
  for (size_t i = 0; i < pipe->ndecl; i++) {
    const char *name = pipe->decl[i]->idents[0];
    if (pipe->is_assign) {
      struct gt_var *var = gt_var_find(s, name);
      if (var == NULL) {
        json_decref(v);
        s->at = pipe->decl[i];
        return gt_xerr(s, "undefined variable: %s", name);
      }
      json_decref(var->v);
      var->v = v ? json_incref(v) : NULL;
    } else {
      gt_var_push(s, name, v);
    }
  }
  *out = v;
  return 0;
}
