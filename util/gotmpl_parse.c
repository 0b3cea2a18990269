/* Go's text/template parser (text/template/parse/parse.go) over the tokens of gotmpl_lex.c,
 * with its error messages ("template: :LINE: unexpected ... in ..."). */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/gotmpl_int.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct parser {
  struct gotmpl *t;
  struct gt_token *toks;
  size_t n, i, last;
  char **vars;
  size_t nvars;
  int range_depth;
  int depth; /* nested pipelines and controls: Go's maxStackDepth, lower for C's stack */
  char *err;
  jmp_buf fail;
  struct gt_node **live;    /* nodes made so far, freed on failure */
  struct gt_node **orphans; /* replaced or empty definitions, freed on success */
  size_t norphans;
  size_t nlive, cap_live;
};

static struct gt_node *node_new(struct parser *p, enum gt_kind kind, const struct gt_token *t)
{
  struct gt_node *n = xcalloc(1, sizeof(*n));
  n->kind = kind;
  n->pos = t->pos;
  n->line = t->line;
  if (p->nlive == p->cap_live) {
    p->cap_live = p->cap_live ? p->cap_live * 2 : 32;
    p->live = xrealloc(p->live, p->cap_live * sizeof(*p->live));
  }
  p->live[p->nlive++] = n;
  return n;
}

static void kid_add(struct gt_node ***v, size_t *n, struct gt_node *k)
{
  *v = xrealloc(*v, (*n + 1) * sizeof(**v));
  (*v)[(*n)++] = k;
}

static _Noreturn void perr(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static _Noreturn void perr(struct parser *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *m = xvasprintf(fmt, ap);
  va_end(ap);
  p->err = xasprintf("template: :%d: %s", p->toks[p->last].line, m);
  free(m);
  longjmp(p->fail, 1);
}

static struct gt_token *next(struct parser *p)
{
  p->last = p->i;
  struct gt_token *t = &p->toks[p->i];
  if (p->i + 1 < p->n)
    p->i++;
  return t;
}

static struct gt_token *next_ns(struct parser *p)
{
  struct gt_token *t;
  do
    t = next(p);
  while (t->kind == GT_SPACE);
  return t;
}

static struct gt_token *peek_tok(struct parser *p)
{
  return &p->toks[p->i];
}

static struct gt_token *peek_ns(struct parser *p)
{
  size_t j = p->i;
  while (p->toks[j].kind == GT_SPACE)
    j++;
  return &p->toks[j];
}

static bool is_kw(const struct gt_token *t, const char *kw)
{
  return t->kind == GT_KEYWORD && t->len == strlen(kw) && strncmp(t->s, kw, t->len) == 0;
}

/* Go's item.String(). */
static char *tok_desc(const struct gt_token *t)
{
  struct gbuf b = {0};
  if (t->kind == GT_EOF)
    gbuf_str(&b, "EOF");
  else if (t->kind == GT_ERROR)
    gbuf_add(&b, t->s, t->len);
  else if (t->kind == GT_KEYWORD || t->kind == GT_DOT || t->kind == GT_NIL)
    gbuf_fmt(&b, "<%.*s>", (int)t->len, t->s);
  else {
    json_t *s = json_stringn_nocheck(t->s, t->len > 10 ? 10 : t->len);
    autofree char *q = NULL;
    struct gbuf qb = {0};
    gt_sprintf(&qb, "%q", 2, &s, 1);
    q = gbuf_take(&qb);
    json_decref(s);
    gbuf_fmt(&b, "%s%s", q, t->len > 10 ? "..." : "");
  }
  return gbuf_take(&b);
}

static _Noreturn void unexpected(struct parser *p, const struct gt_token *t, const char *ctx)
{
  char d[256];
  char *s = tok_desc(t);
  snprintf(d, sizeof(d), "%s", s);
  free(s);
  if (t->kind == GT_ERROR)
    perr(p, "%s", d);
  perr(p, "unexpected %s in %s", d, ctx);
}

static struct gt_token *expect(struct parser *p, enum gt_tok kind, const char *ctx)
{
  struct gt_token *t = next_ns(p);
  if (t->kind != kind)
    unexpected(p, t, ctx);
  return t;
}

static char *tok_str(const struct gt_token *t)
{
  return xstrndup(t->s, t->len);
}

static struct gt_node *pipeline(struct parser *p, const char *ctx, enum gt_tok end);
static struct gt_node *item_list(struct parser *p, struct gt_node **stop);
static void add_def(struct parser *p, char *name, struct gt_node *body);

static void idents_add(struct gt_node *n, const char *s, size_t len)
{
  n->idents = xrealloc(n->idents, (n->nidents + 1) * sizeof(*n->idents));
  n->idents[n->nidents++] = xstrndup(s, len);
}

static struct gt_node *use_var(struct parser *p, const struct gt_token *t)
{
  struct gt_node *n = node_new(p, GN_VAR, t);
  idents_add(n, t->s, t->len);
  for (size_t i = 0; i < p->nvars; i++)
    if (strcmp(p->vars[i], n->idents[0]) == 0)
      return n;
  perr(p, "undefined variable \"%s\"", n->idents[0]);
}

static struct gt_node *term(struct parser *p)
{
  struct gt_token *t = next_ns(p);
  struct gt_node *n;
  switch ((int)(t->kind)) {
  case GT_IDENT:
    n = node_new(p, GN_IDENT, t);
    n->text = tok_str(t);
    if (!gt_has_func(n->text))
      perr(p, "function \"%s\" not defined", n->text);
    return n;
  case GT_DOT:
    return node_new(p, GN_DOT, t);
  case GT_NIL:
    return node_new(p, GN_NIL, t);
  case GT_VAR:
    return use_var(p, t);
  case GT_FIELD:
    n = node_new(p, GN_FIELD, t);
    idents_add(n, t->s + 1, t->len - 1);
    return n;
  case GT_BOOL:
    n = node_new(p, GN_BOOL, t);
    n->bval = t->s[0] == 't';
    return n;
  case GT_CHARC:
  case GT_NUMBER:
    n = node_new(p, GN_NUMBER, t);
    int bad = gt_number(n, t);
    if (bad)
      perr(p,
           bad == 1   ? "malformed character constant: %s"
           : bad == 3 ? "integer overflow: \"%s\""
                      : "illegal number syntax: \"%s\"",
           n->src);
    return n;
  case GT_LPAREN:
    return pipeline(p, "parenthesized pipeline", GT_RPAREN);
  case GT_STRING:
  case GT_RAW: {
    struct gbuf b = {0};
    if (!gt_unquote(t->s, t->len, &b)) {
      free(b.s);
      perr(p, "invalid syntax");
    }
    n = node_new(p, GN_STRING, t);
    n->text_len = b.n;
    n->text = gbuf_take(&b);
    n->src = tok_str(t);
    return n;
  }
  default:
    p->i = (size_t)(t - p->toks);
    return NULL;
  }
}

static struct gt_node *operand(struct parser *p)
{
  struct gt_node *n = term(p);
  if (n == NULL || peek_tok(p)->kind != GT_FIELD)
    return n;
  size_t pos = peek_tok(p)->pos;
  struct gt_node *chain = n;
  if (n->kind == GN_BOOL || n->kind == GN_STRING || n->kind == GN_NUMBER || n->kind == GN_NIL ||
      n->kind == GN_DOT) {
    struct gbuf b = {0};
    gt_node_string(&b, n);
    json_t *s = json_string(b.s ? b.s : "");
    free(b.s);
    struct gbuf q = {0};
    gt_sprintf(&q, "%q", 2, &s, 1);
    json_decref(s);
    char qs[128];
    snprintf(qs, sizeof(qs), "%s", q.s);
    free(q.s);
    perr(p, "unexpected . after term %s", qs);
  }
  if (n->kind != GN_FIELD && n->kind != GN_VAR) {
    chain = node_new(p, GN_CHAIN, peek_tok(p));
    kid_add(&chain->kids, &chain->nkids, n);
  }
  while (peek_tok(p)->kind == GT_FIELD) {
    struct gt_token *f = next(p);
    idents_add(chain, f->s + 1, f->len - 1);
  }
  chain->pos = pos;
  return chain;
}

static struct gt_node *command(struct parser *p)
{
  struct gt_node *cmd = node_new(p, GN_CMD, peek_ns(p));
  for (;;) {
    peek_ns(p);
    struct gt_node *o = operand(p);
    if (o)
      kid_add(&cmd->kids, &cmd->nkids, o);
    struct gt_token *t = next(p);
    if (t->kind == GT_SPACE)
      continue;
    if (t->kind == GT_RIGHT || t->kind == GT_RPAREN)
      p->i = (size_t)(t - p->toks);
    else if (t->kind != GT_PIPE)
      unexpected(p, t, "operand");
    break;
  }
  if (cmd->nkids == 0)
    perr(p, "empty command");
  return cmd;
}

static void push_var(struct parser *p, const struct gt_token *t)
{
  p->vars = xrealloc(p->vars, (p->nvars + 1) * sizeof(*p->vars));
  p->vars[p->nvars++] = tok_str(t);
}

static void pop_vars(struct parser *p, size_t to)
{
  while (p->nvars > to)
    free(p->vars[--p->nvars]);
}

#define MAX_DEPTH 1000

static struct gt_node *pipeline(struct parser *p, const char *ctx, enum gt_tok end)
{
  if (++p->depth > MAX_DEPTH)
    perr(p, "max expression depth exceeded");
  struct gt_node *pipe = node_new(p, GN_PIPE, peek_ns(p));
  for (;;) {
    struct gt_token *v = peek_ns(p);
    if (v->kind != GT_VAR)
      break;
    size_t save = p->i;
    next_ns(p);
    struct gt_token *after = peek_ns(p);
    if (after->kind == GT_ASSIGN || after->kind == GT_DECLARE) {
      pipe->is_assign = after->kind == GT_ASSIGN;
      next_ns(p);
    } else if (after->kind == GT_CHAR && after->s[0] == ',') {
      next_ns(p);
    } else {
      p->i = save;
      break;
    }
    struct gt_node *d = node_new(p, GN_VAR, v);
    idents_add(d, v->s, v->len);
    kid_add(&pipe->decl, &pipe->ndecl, d);
    push_var(p, v);
    if (after->kind != GT_CHAR)
      break;
    if (strcmp(ctx, "range") == 0 && pipe->ndecl < 2) {
      enum gt_tok k = peek_ns(p)->kind;
      if (k == GT_VAR || k == GT_RIGHT || k == GT_RPAREN)
        continue;
      perr(p, "range can only initialize variables");
    }
    perr(p, "too many declarations in %s", ctx);
  }
  for (;;) {
    struct gt_token *t = next_ns(p);
    if (t->kind == end) {
      if (pipe->nkids == 0)
        perr(p, "missing value for %s", ctx);
      for (size_t i = 1; i < pipe->nkids; i++) {
        enum gt_kind k = pipe->kids[i]->kids[0]->kind;
        if (k == GN_BOOL || k == GN_DOT || k == GN_NIL || k == GN_NUMBER || k == GN_STRING)
          perr(p, "non executable command in pipeline stage %zu", i + 1);
      }
      p->depth--;
      return pipe;
    }
    switch ((int)(t->kind)) {
    case GT_BOOL:
    case GT_CHARC:
    case GT_DOT:
    case GT_FIELD:
    case GT_IDENT:
    case GT_NUMBER:
    case GT_NIL:
    case GT_RAW:
    case GT_STRING:
    case GT_VAR:
    case GT_LPAREN:
      p->i = (size_t)(t - p->toks);
      kid_add(&pipe->kids, &pipe->nkids, command(p));
      break;
    default:
      unexpected(p, t, ctx);
    }
  }
}

static struct gt_node *control(struct parser *p, enum gt_kind kind, const char *ctx,
                               const struct gt_token *at)
{
  size_t mark = p->nvars;
  if (++p->depth > MAX_DEPTH)
    perr(p, "max expression depth exceeded");
  struct gt_node *n = node_new(p, kind, at);
  n->pipe = pipeline(p, ctx, GT_RIGHT);
  n->pos = n->pipe->pos;
  p->range_depth += kind == GN_RANGE;
  struct gt_node *stop = NULL;
  n->list = item_list(p, &stop);
  p->range_depth -= kind == GN_RANGE;
  if (stop->kind == GN_TEXT && strcmp(stop->text, "else") == 0) {
    struct gt_token *t = peek_tok(p);
    if (kind == GN_IF && is_kw(t, "if")) { /* Go 1.19: else if; no else with */
      bool w = false;
      next(p);
      n->else_list = node_new(p, GN_LIST, t);
      kid_add(&n->else_list->kids, &n->else_list->nkids,
              control(p, w ? GN_WITH : GN_IF, w ? "with" : "if", t));
    } else {
      n->else_list = item_list(p, &stop);
      if (!(stop->kind == GN_TEXT && strcmp(stop->text, "end") == 0))
        perr(p, "expected end; found {{else}}");
    }
  }
  pop_vars(p, mark);
  p->depth--;
  return n;
}

/* One text or action; {{end}} and {{else}} come back as GN_TEXT nodes named "end"/"else"
 * with a NULL list, for item_list to stop at. */
static struct gt_node *text_or_action(struct parser *p)
{
  struct gt_token *t = next_ns(p);
  if (t->kind == GT_TEXT) {
    struct gt_node *n = node_new(p, GN_TEXT, t);
    n->text = tok_str(t);
    n->text_len = t->len;
    return n;
  }
  if (t->kind != GT_LEFT)
    unexpected(p, t, "input");
  struct gt_token *k = next_ns(p);
  if (is_kw(k, "end") || is_kw(k, "else")) {
    struct gt_node *n = node_new(p, GN_TEXT, k);
    n->text = tok_str(k);
    n->src = xstrdup("stop");
    if (is_kw(k, "else") && is_kw(peek_ns(p), "if")) {
      p->i = (size_t)(peek_ns(p) - p->toks);
      return n;
    }
    expect(p, GT_RIGHT, n->text);
    return n;
  }
  if (is_kw(k, "if") || is_kw(k, "range") || is_kw(k, "with")) {
    enum gt_kind kind = k->s[0] == 'i' ? GN_IF : k->s[0] == 'r' ? GN_RANGE : GN_WITH;
    return control(p, kind, kind == GN_IF ? "if" : kind == GN_RANGE ? "range" : "with", k);
  }
  if (is_kw(k, "break") || is_kw(k, "continue")) {
    bool brk = k->s[0] == 'b';
    struct gt_token *r = next_ns(p);
    if (r->kind != GT_RIGHT)
      unexpected(p, r, brk ? "{{break}}" : "{{continue}}");
    if (p->range_depth == 0)
      perr(p, "{{%s}} outside {{range}}", brk ? "break" : "continue");
    return node_new(p, brk ? GN_BREAK : GN_CONTINUE, k);
  }
  if (is_kw(k, "template") || is_kw(k, "block")) {
    const char *ctx = k->s[0] == 't' ? "template clause" : "block clause";
    struct gt_token *name = next_ns(p);
    struct gbuf b = {0};
    if ((name->kind != GT_STRING && name->kind != GT_RAW) || !gt_unquote(name->s, name->len, &b)) {
      free(b.s);
      unexpected(p, name, ctx);
    }
    struct gt_node *n = node_new(p, GN_TEMPLATE, name);
    n->text = gbuf_take(&b);
    if (peek_ns(p)->kind != GT_RIGHT)
      n->pipe = pipeline(p, ctx, GT_RIGHT);
    else if (k->s[0] == 'b')
      perr(p, "missing value for %s", ctx);
    else
      next_ns(p);
    if (k->s[0] == 'b') { /* block: define it here and call it */
      struct gt_node *stop = NULL;
      struct gt_node *body = item_list(p, &stop);
      if (strcmp(stop->text, "end") != 0)
        perr(p, "unexpected {{%s}} in %s", stop->text, ctx);
      add_def(p, xstrdup(n->text), body);
    }
    return n;
  }
  if (k->kind == GT_KEYWORD)
    unexpected(p, k, "command");
  p->i = (size_t)(k - p->toks);
  struct gt_node *n = node_new(p, GN_ACTION, k);
  n->pipe = pipeline(p, "command", GT_RIGHT);
  return n;
}

static struct gt_node *item_list(struct parser *p, struct gt_node **stop)
{
  struct gt_node *list = node_new(p, GN_LIST, peek_ns(p));
  while (peek_ns(p)->kind != GT_EOF) {
    struct gt_node *n = text_or_action(p);
    if (n->src && n->kind == GN_TEXT) {
      *stop = n;
      return list;
    }
    kid_add(&list->kids, &list->nkids, n);
  }
  if (peek_ns(p)->kind == GT_EOF)
    next_ns(p);
  perr(p, "unexpected EOF");
}

static bool empty_tree(const struct gt_node *list)
{
  for (size_t i = 0; i < list->nkids; i++)
    if (list->kids[i]->kind != GN_TEXT ||
        strspn(list->kids[i]->text, " \t\r\n") != list->kids[i]->text_len)
      return false;
  return true;
}

/* Add a {{define}}d or {{block}} template; a second non-empty one of a name is an error. */
static void add_def(struct parser *p, char *name, struct gt_node *body)
{
  for (size_t i = 0; i < p->t->ndefs; i++)
    if (strcmp(p->t->names[i], name) == 0) {
      if (!empty_tree(p->t->defs[i]) && !empty_tree(body)) {
        char n[128];
        snprintf(n, sizeof(n), "%s", name);
        free(name);
        perr(p, "template: multiple definition of template \"%s\"", n);
      }
      struct gt_node *orphan = body;
      if (!empty_tree(body)) {
        orphan = p->t->defs[i];
        free(p->t->names[i]);
        p->t->names[i] = name;
        p->t->defs[i] = body;
      } else {
        free(name);
      }
      kid_add(&p->orphans, &p->norphans, orphan);
      return;
    }
  p->t->names = xrealloc(p->t->names, (p->t->ndefs + 1) * sizeof(char *));
  p->t->defs = xrealloc(p->t->defs, (p->t->ndefs + 1) * sizeof(*p->t->defs));
  p->t->names[p->t->ndefs] = name;
  p->t->defs[p->t->ndefs++] = body;
}

/* {{define "name"}} ... {{end}} at the top level. */
static void definition(struct parser *p)
{
  struct gt_token *name = next_ns(p);
  struct gbuf b = {0};
  if ((name->kind != GT_STRING && name->kind != GT_RAW) || !gt_unquote(name->s, name->len, &b)) {
    free(b.s);
    unexpected(p, name, "define clause");
  }
  /* the name is held by a scratch node (freed with the others on every path) */
  struct gt_node *held = node_new(p, GN_TEXT, name);
  held->text = gbuf_take(&b);
  held->src = xstrdup("scratch");
  expect(p, GT_RIGHT, "define clause");
  size_t mark = p->nvars;
  struct gt_node *stop = NULL;
  struct gt_node *body = item_list(p, &stop);
  pop_vars(p, mark);
  if (strcmp(stop->text, "end") != 0)
    perr(p, "unexpected {{%s}} in define clause", stop->text);
  add_def(p, xstrdup(held->text), body);
}

int gt_parse(struct gotmpl *t, struct td_err **err)
{
  struct parser p = {.t = t};
  p.toks = gt_lex(t->src, &p.n);
  p.vars = xcalloc(1, sizeof(char *));
  p.vars[0] = xstrdup("$");
  p.nvars = 1;
  volatile int rc = 0;
  if (setjmp(p.fail) == 0) {
    t->root = node_new(&p, GN_LIST, &p.toks[0]);
    while (peek_tok(&p)->kind != GT_EOF) {
      if (peek_tok(&p)->kind == GT_LEFT) {
        size_t save = p.i;
        next(&p);
        if (is_kw(peek_ns(&p), "define")) {
          next_ns(&p);
          definition(&p);
          continue;
        }
        p.i = save;
      }
      struct gt_node *n = text_or_action(&p);
      if (n->src && n->kind == GN_TEXT)
        perr(&p, "unexpected {{%s}}", n->text);
      kid_add(&t->root->kids, &t->root->nkids, n);
    }
  } else {
    /* every node made is in p.live: free them once, not through the trees */
    for (size_t i = 0; i < p.nlive; i++)
      gt_node_free_one(p.live[i]);
    for (size_t i = 0; i < t->ndefs; i++)
      free(t->names[i]);
    free(t->names);
    free(t->defs);
    t->names = NULL;
    t->defs = NULL;
    t->ndefs = 0;
    t->root = NULL;
    err_set(err, 0, "%s", p.err);
    free(p.err);
    rc = -1;
  }
  /* stop markers ("end"/"else" nodes) and scratch nodes are in no tree: free them */
  if (rc == 0)
    for (size_t i = 0; i < p.nlive; i++)
      if (p.live[i]->kind == GN_TEXT && p.live[i]->src)
        gt_node_free_one(p.live[i]);
  for (size_t i = 0; rc == 0 && i < p.norphans; i++)
    gt_node_free(p.orphans[i]);
  free(p.orphans);
  free(p.live);
  pop_vars(&p, 0);
  free(p.vars);
  gt_tokens_free(p.toks, p.n);
  return rc;
}
