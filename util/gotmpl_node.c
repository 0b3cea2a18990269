/* The parse tree's nodes of util/gotmpl: freeing them, and Go's Node.String() of one for the
 * executor's and the parser's messages ("executing "" at <.Nope>"). */
#include <stdlib.h>

#include "util/gotmpl_int.h"

/* Free one node's own memory (not its children: every node is in p->live or a tree). */
void gt_node_free_one(struct gt_node *n)
{
  free(n->text);
  free(n->src);
  for (size_t i = 0; i < n->nidents; i++)
    free(n->idents[i]);
  free(n->idents);
  free(n->kids);
  free(n->decl);
  free(n);
}

void gt_node_free(struct gt_node *n)
{
  if (n == NULL)
    return;
  for (size_t i = 0; i < n->nkids; i++)
    gt_node_free(n->kids[i]);
  for (size_t i = 0; i < n->ndecl; i++)
    gt_node_free(n->decl[i]);
  gt_node_free(n->pipe);
  gt_node_free(n->list);
  gt_node_free(n->else_list);
  gt_node_free_one(n);
}

void gt_node_string(struct gbuf *b, const struct gt_node *n)
{
  switch ((int)(n->kind)) {
  case GN_FIELD:
    for (size_t i = 0; i < n->nidents; i++)
      gbuf_fmt(b, ".%s", n->idents[i]);
    break;
  case GN_VAR:
    for (size_t i = 0; i < n->nidents; i++)
      gbuf_fmt(b, "%s%s", i ? "." : "", n->idents[i]);
    break;
  case GN_CHAIN:
    if (n->kids[0]->kind == GN_PIPE)
      gbuf_str(b, "(");
    gt_node_string(b, n->kids[0]);
    if (n->kids[0]->kind == GN_PIPE)
      gbuf_str(b, ")");
    for (size_t i = 0; i < n->nidents; i++)
      gbuf_fmt(b, ".%s", n->idents[i]);
    break;
  case GN_DOT:
    gbuf_str(b, ".");
    break;
  case GN_NIL:
    gbuf_str(b, "nil");
    break;
  case GN_BOOL:
    gbuf_str(b, n->bval ? "true" : "false");
    break;
  case GN_NUMBER:
  case GN_STRING:
    gbuf_str(b, n->src);
    break;
  case GN_IDENT:
    gbuf_str(b, n->text);
    break;
  case GN_CMD:
    for (size_t i = 0; i < n->nkids; i++) {
      if (i)
        gbuf_str(b, " ");
      if (n->kids[i]->kind == GN_PIPE)
        gbuf_str(b, "(");
      gt_node_string(b, n->kids[i]);
      if (n->kids[i]->kind == GN_PIPE)
        gbuf_str(b, ")");
    }
    break;
  case GN_PIPE:
    for (size_t i = 0; i < n->ndecl; i++) {
      if (i)
        gbuf_str(b, ", ");
      gt_node_string(b, n->decl[i]);
    }
    if (n->ndecl)
      gbuf_str(b, n->is_assign ? " = " : " := ");
    for (size_t i = 0; i < n->nkids; i++) {
      if (i)
        gbuf_str(b, " | ");
      gt_node_string(b, n->kids[i]);
    }
    break;
  case GN_TEMPLATE:
    gbuf_fmt(b, "{{template \"%s\"", n->text);
    if (n->pipe) {
      gbuf_str(b, " ");
      gt_node_string(b, n->pipe);
    }
    gbuf_str(b, "}}");
    break;
  default:
    gbuf_str(b, "{{...}}");
    break;
  }
}
