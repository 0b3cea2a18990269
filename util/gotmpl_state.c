/* The state of one run of a template that the walk (gotmpl_exec.c) and the evaluation of
 * pipelines (gotmpl_eval.c) share: the variables in scope and the first error, as Go's
 * ("template: :1:2: executing "" at <.Nope>: ..."). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/xalloc.h"

void gt_location(const char *src, size_t pos, size_t *line, size_t *col)
{
  *line = 1;
  *col = pos;
  for (size_t i = 0; i < pos && src[i]; i++)
    if (src[i] == '\n') {
      (*line)++;
      *col = pos - i - 1;
    }
}

int gt_xerr(struct gt_state *s, const char *fmt, ...)
{
  if (s->err)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *m = xvasprintf(fmt, ap);
  va_end(ap);
  struct gbuf b = {0};
  if (s->at == NULL) {
    gbuf_fmt(&b, "template: %s: %s", s->tname, m);
  } else {
    size_t line = 1, col = 0;
    gt_location(s->t->src, s->at->pos, &line, &col);
    struct gbuf ctx = {0};
    gt_node_string(&ctx, s->at);
    gbuf_add(&ctx, "", 0);
    gbuf_fmt(&b, "template: :%zu:%zu: executing \"%s\" at <%s>: %s", line, col, s->tname, ctx.s, m);
    free(ctx.s);
  }
  free(m);
  s->err = gbuf_take(&b);
  return -1;
}

void gt_var_push(struct gt_state *s, const char *name, json_t *v)
{
  if (s->nv == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 8;
    s->vars = xrealloc(s->vars, s->cap * sizeof(*s->vars));
  }
  s->vars[s->nv++] = (struct gt_var){name, v ? json_incref(v) : NULL};
}

struct gt_var *gt_var_find(struct gt_state *s, const char *name)
{
  for (size_t i = s->nv; i-- > 0;)
    if (strcmp(s->vars[i].name, name) == 0)
      return &s->vars[i];
  return NULL;
}
