/* The public face of util/gotmpl (Go's text/template for --format): parsing as inspect and as
 * docker's formatter do, running, table headers, and Go's text/tabwriter for the tables. */
#include "util/gotmpl.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/gotmpl_int.h"
#include "util/xalloc.h"

#define PREFIX "template parsing error: "

bool gotmpl_is_table(const char *tmpl)
{
  return tmpl && strncmp(tmpl, "table", 5) == 0;
}

const char *gotmpl_body(const char *tmpl)
{
  return gotmpl_is_table(tmpl) ? tmpl + 5 : tmpl;
}

static int parse_src(char *src, struct gotmpl **out, struct td_err **err)
{
  struct gotmpl *t = xcalloc(1, sizeof(*t));
  t->src = src;
  if (gt_parse(t, err) < 0) {
    err_prefix(err, "template parsing error");
    if (*err) {
      (*err)->errnum = 0;
      (*err)->exit_code = 1;   /* docker's CLI exits 1 on a template's error */
      (*err)->kind = ERR_BARE; /* and prints it bare, as its own */
    }
    gotmpl_free(t);
    return -1;
  }
  *out = t;
  return 0;
}

int gotmpl_parse(const char *text, struct gotmpl **out, struct td_err **err)
{
  return parse_src(xstrdup(text), out, err);
}

int gotmpl_parse_format(const char *fmt, struct gotmpl **out, struct td_err **err)
{
  const char *s = gotmpl_body(fmt);
  size_t n = strlen(s);
  while (*s == ' ')
    s++, n--;
  while (n && s[n - 1] == ' ')
    n--;
  struct gbuf b = {0};
  gbuf_add(&b, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      gbuf_str(&b, s[i + 1] == 't' ? "\t" : "\n");
      i++;
    } else {
      gbuf_add(&b, s + i, 1);
    }
  }
  return parse_src(gbuf_take(&b), out, err);
}

int gotmpl_exec_opts(const struct gotmpl *t, json_t *data, const struct gotmpl_opts *o, char **out,
                     struct td_err **err)
{
  char *msg = NULL, *text = NULL;
  if (gt_exec(t, data, o, NULL, false, &text, &msg) < 0) {
    err_set_exit(err, 1, 0, PREFIX "%s", msg);
    err_mark(err, ERR_BARE);
    free(msg);
    free(text);
    return -1;
  }
  *out = text;
  return 0;
}

int gotmpl_exec(const struct gotmpl *t, json_t *data, char **out, struct td_err **err)
{
  return gotmpl_exec_opts(t, data, NULL, out, err);
}

char *gotmpl_exec_header(const struct gotmpl *t, const char *(*header)(const char *field))
{
  char *msg = NULL, *text = NULL;
  autojson json_t *map = json_object(); /* the header "map" the fields are read from */
  gt_exec(t, map, NULL, header, true, &text, &msg);
  free(msg);
  return text;
}

void gotmpl_free(struct gotmpl *t)
{
  if (t == NULL)
    return;
  gt_node_free(t->root);
  for (size_t i = 0; i < t->ndefs; i++) {
    free(t->names[i]);
    gt_node_free(t->defs[i]);
  }
  free(t->names);
  free(t->defs);
  free(t->src);
  free(t);
}

/* rc is the parse's result: the caller parses first, in its own statement (an argument list
 * has no order of evaluation, so t must not be read beside the call that sets it) */
static int render(struct gotmpl *t, int rc, json_t *data, char **out, struct td_err **err)
{
  if (rc == 0)
    rc = gotmpl_exec(t, data, out, err);
  gotmpl_free(t);
  return rc;
}

int gotmpl_render(const char *tmpl, json_t *data, char **out, struct td_err **err)
{
  struct gotmpl *t = NULL;
  int rc = gotmpl_parse(tmpl, &t, err);
  return render(t, rc, data, out, err);
}

int gotmpl_render_format(const char *fmt, json_t *data, char **out, struct td_err **err)
{
  struct gotmpl *t = NULL;
  int rc = gotmpl_parse_format(fmt, &t, err);
  return render(t, rc, data, out, err);
}

char *gotmpl_header(const char *tmpl, const char *(*header)(const char *field))
{
  struct gotmpl *t = NULL;
  autoerr struct td_err *e = NULL;
  if (gotmpl_parse_format(tmpl, &t, &e) < 0)
    return xstrdup("");
  char *s = gotmpl_exec_header(t, header);
  gotmpl_free(t);
  return s;
}

int gotmpl_label_method(void *ud, json_t *recv, const char *name, json_t **args, size_t nargs,
                        json_t **out, char **err)
{
  (void)recv;
  if (strcmp(name, "Label") != 0)
    return 0;
  if (nargs != 1) {
    *err = xasprintf("wrong number of args for Label: want 1 got %zu", nargs);
    return -1;
  }
  if (!json_is_string(args[0])) {
    *err = args[0] ? xasprintf("wrong type for value; expected string; got %s", gt_type(args[0]))
                   : xstrdup("invalid value; expected string");
    return -1;
  }
  json_t *v = json_object_get((json_t *)ud, json_string_value(args[0]));
  *out = json_string(json_is_string(v) ? json_string_value(v) : "");
  return 1;
}

const char *gotmpl_go_error(struct td_err *err)
{
  const char *t = err_text(err);
  return strncmp(t, PREFIX, strlen(PREFIX)) == 0 ? t + strlen(PREFIX) : t;
}

int gotmpl_inspect_begin(struct gotmpl_inspect *in, const char *fmt)
{
  autoerr struct td_err *e = NULL;
  *in = (struct gotmpl_inspect){0};
  if (gotmpl_parse(fmt, &in->t, &e) == 0)
    return 0;
  fprintf(stderr, "%s\n", err_text(e));
  return 64;
}

void gotmpl_inspect_one(struct gotmpl_inspect *in, json_t *obj)
{
  gotmpl_inspect_typed(in, obj, NULL);
}

void gotmpl_inspect_typed(struct gotmpl_inspect *in, json_t *typed, json_t *raw)
{
  autoerr struct td_err *e = NULL;
  autofree char *out = NULL;
  int rc = gotmpl_exec(in->t, typed, &out, &e);
  if (rc < 0 && raw) {
    struct gotmpl_opts o = {.raw = true};
    err_free(&e);
    free(out);
    out = NULL;
    rc = gotmpl_exec_opts(in->t, raw, &o, &out, &e);
  }
  if (rc < 0) {
    char *all = xasprintf("%s%s\n", in->errors ? in->errors : "", err_text(e));
    free(in->errors);
    in->errors = all;
    in->failed++;
    return;
  }
  printf("%s\n", out);
  in->printed++;
}

int gotmpl_inspect_end(struct gotmpl_inspect *in)
{
  if (in->failed && !in->printed)
    printf("\n");
  fflush(stdout);
  if (in->errors)
    fputs(in->errors, stderr);
  free(in->errors);
  in->errors = NULL;
  gotmpl_free(in->t);
  in->t = NULL;
  return in->failed ? 1 : 0;
}

char *gotmpl_value(json_t *v)
{
  struct gbuf b = {0};
  gt_print(&b, v, true);
  return gbuf_take(&b);
}

/* ---- text/tabwriter (flags 0, tabwidth 1, padding 3, padchar ' ') ---- */
struct tw {
  FILE *f;
  char ***cells;
  size_t *ncells, nlines, minwidth;
  size_t *widths, nw;
};

static size_t runes(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static void tw_lines(struct tw *w, size_t from, size_t to)
{
  for (size_t i = from; i < to; i++) {
    for (size_t j = 0; j < w->ncells[i]; j++) {
      fputs(w->cells[i][j], w->f);
      if (j < w->nw)
        for (size_t k = runes(w->cells[i][j]); k < w->widths[j]; k++)
          fputc(' ', w->f);
    }
    if (i + 1 < w->nlines)
      fputc('\n', w->f);
  }
}

static void tw_format(struct tw *w, size_t line0, size_t line1)
{
  size_t column = w->nw;
  for (size_t this = line0; this < line1; this ++) {
    if (column + 1 >= w->ncells[this])
      continue;
    tw_lines(w, line0, this);
    line0 = this;
    size_t width = w->minwidth;
    for (; this < line1 && column + 1 < w->ncells[this]; this ++)
      if (runes(w->cells[this][column]) + 3 > width)
        width = runes(w->cells[this][column]) + 3;
    w->widths = xrealloc(w->widths, (w->nw + 1) * sizeof(*w->widths));
    w->widths[w->nw++] = width;
    tw_format(w, line0, this);
    w->nw--;
    line0 = this;
  }
  tw_lines(w, line0, line1);
}

static char **split(const char *s, char sep, size_t *n)
{
  char **v = NULL;
  *n = 0;
  for (;;) {
    const char *e = strchr(s, sep);
    v = xrealloc(v, (*n + 2) * sizeof(*v));
    v[(*n)++] = e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
    v[*n] = NULL;
    if (e == NULL)
      return v;
    s = e + 1;
  }
}

void gotmpl_tabwrite(FILE *f, char *const *lines, size_t minwidth)
{
  struct gbuf all = {0};
  gbuf_add(&all, "", 0);
  for (char *const *l = lines; l && *l; l++) {
    gbuf_str(&all, *l);
    gbuf_str(&all, "\n");
  }
  struct tw w = {.f = f, .minwidth = minwidth};
  char **rows = split(all.s, '\n', &w.nlines);
  w.cells = xcalloc(w.nlines + 1, sizeof(*w.cells));
  w.ncells = xcalloc(w.nlines + 1, sizeof(*w.ncells));
  for (size_t i = 0; i < w.nlines; i++)
    w.cells[i] = split(rows[i], '\t', &w.ncells[i]);
  tw_format(&w, 0, w.nlines);
  for (size_t i = 0; i < w.nlines; i++) {
    for (size_t j = 0; j < w.ncells[i]; j++)
      free(w.cells[i][j]);
    free(w.cells[i]);
    free(rows[i]);
  }
  free(rows);
  free(w.cells);
  free(w.ncells);
  free(w.widths);
  free(all.s);
}
