#include "cli/tinydocker_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static size_t n_defs(const struct cmd_info *ci)
{
  size_t n = 0;
  while (ci->opts && ci->opts[n].long_name)
    n++;
  return n;
}

static int find_long(const struct cmd_info *ci, const char *name, size_t len)
{
  for (size_t i = 0; ci->opts && ci->opts[i].long_name; i++) {
    const struct opt_def *d = &ci->opts[i];
    if ((strlen(d->long_name) == len && strncmp(d->long_name, name, len) == 0) ||
        (d->alias && strlen(d->alias) == len && strncmp(d->alias, name, len) == 0))
      return (int)i;
  }
  return -1;
}

static int find_short(const struct cmd_info *ci, char c)
{
  for (size_t i = 0; ci->opts && ci->opts[i].long_name; i++)
    if (ci->opts[i].short_name == c)
      return (int)i;
  return -1;
}

static int store(const struct cmd_info *ci, struct opt_result *r, int idx, const char *val,
                 const char *shown, struct td_err **err)
{
  const struct opt_def *d = &ci->opts[idx];
  struct opt_val *v = &r->v[idx];
  v->set = true;
  switch (d->kind) {
  case OPT_BOOL:
    if (val == NULL || strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
      v->b = true;
    else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
      v->b = false;
    else
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: "
                     "parsing \"%s\": invalid syntax",
                     val, shown, val);
    break;
  case OPT_STR:
    free(v->s);
    v->s = xstrdup(val);
    break;
  case OPT_LIST:
    strv_push(&v->list, val);
    break;
  }
  return 0;
}

static int parse_long(const struct cmd_info *ci, struct opt_result *r, int argc, char **argv,
                      int *i, struct td_err **err)
{
  const char *a = argv[*i] + 2;
  const char *eq = strchr(a, '=');
  size_t len = eq ? (size_t)(eq - a) : strlen(a);
  int idx = find_long(ci, a, len);
  if (idx < 0)
    return err_set(err, 0, "unknown flag: --%.*s\nSee 'tinydocker %s --help'.", (int)len, a,
                   ci->name);
  char shown[128];
  snprintf(shown, sizeof(shown), "--%s", ci->opts[idx].long_name);
  const char *val = eq ? eq + 1 : NULL;
  if (ci->opts[idx].kind != OPT_BOOL && val == NULL) {
    if (*i + 1 >= argc)
      return err_set(err, 0, "flag needs an argument: --%.*s\nSee 'tinydocker %s --help'.",
                     (int)len, a, ci->name);
    val = argv[++*i];
  }
  return store(ci, r, idx, val, shown, err);
}

static int parse_short(const struct cmd_info *ci, struct opt_result *r, int argc, char **argv,
                       int *i, struct td_err **err)
{
  const char *a = argv[*i] + 1;
  for (size_t k = 0; a[k]; k++) {
    int idx = find_short(ci, a[k]);
    if (idx < 0)
      return err_set(err, 0, "unknown shorthand flag: '%c' in -%s\nSee 'tinydocker %s --help'.",
                     a[k], a, ci->name);
    char shown[128];
    snprintf(shown, sizeof(shown), "-%c, --%s", a[k], ci->opts[idx].long_name);
    if (ci->opts[idx].kind == OPT_BOOL) {
      const char *val = NULL;
      if (a[k + 1] == '=') {
        val = a + k + 2;
        if (store(ci, r, idx, val, shown, err) < 0)
          return -1;
        return 0;
      }
      if (store(ci, r, idx, NULL, shown, err) < 0)
        return -1;
      continue;
    }
    const char *val = a + k + 1;
    if (*val == '=')
      val++;
    if (*val == '\0') {
      if (*i + 1 >= argc)
        return err_set(err, 0, "flag needs an argument: '%c' in -%s\nSee 'tinydocker %s --help'.",
                       a[k], a, ci->name);
      val = argv[++*i];
    }
    return store(ci, r, idx, val, shown, err);
  }
  return 0;
}

int opts_parse(const struct cmd_info *ci, int argc, char **argv, struct opt_result *r,
               struct td_err **err)
{
  memset(r, 0, sizeof(*r));
  r->v = xcalloc(n_defs(ci) + 1, sizeof(*r->v));
  r->args = xcalloc((size_t)argc + 1, sizeof(char *));
  bool opts_done = false;
  for (int i = 0; i < argc; i++) {
    char *a = argv[i];
    if (opts_done || a[0] != '-' || a[1] == '\0') {
      r->args[r->nargs++] = a;
      if (ci->stop_at_positional)
        opts_done = true;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      opts_done = true;
      continue;
    }
    if (strcmp(a, "--help") == 0) {
      r->help = true;
      opts_usage(ci);
      return 0;
    }
    int rc = a[1] == '-' ? parse_long(ci, r, argc, argv, &i, err)
                         : parse_short(ci, r, argc, argv, &i, err);
    if (rc < 0)
      return err_mark(err, ERR_FLAG); /* docker: a flag error exits 125 */
  }
  return 0;
}

void opts_free(const struct cmd_info *ci, struct opt_result *r)
{
  if (r->v) {
    for (size_t i = 0; i < n_defs(ci); i++) {
      free(r->v[i].s);
      strv_free(r->v[i].list);
    }
  }
  free(r->v);
  free(r->args);
  memset(r, 0, sizeof(*r));
}

static int cmp_long_name(const void *a, const void *b)
{
  return strcmp((*(const struct opt_def *const *)a)->long_name,
                (*(const struct opt_def *const *)b)->long_name);
}

/* pflag's wrapN: s cut at its last blank before byte i (all of s when it fits in i + slop). */
static size_t wrap_n(size_t i, size_t slop, const char *s, const char **rest)
{
  size_t n = strlen(s);
  *rest = s + n;
  if (i + slop > n)
    return n;
  size_t w = 0, nl = 0;
  for (size_t k = 0; k < i; k++) {
    if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
      w = k;
    if (s[k] == '\n')
      nl = k;
  }
  if (w == 0)
    return n;
  if (nl > 0 && nl < w)
    w = nl;
  *rest = s + w + 1;
  return w;
}

/* pflag's wrap: the description from column i, wrapped to width w (its first line's indent is
 * the caller's), as docker's FlagUsagesWrapped prints it. */
static void print_wrapped(size_t i, size_t w, const char *s)
{
  if (w < i + 24) { /* too narrow: pflag puts the text on lines of its own from column 16 */
    i = 16;
    printf("\n%*s", (int)i, "");
    if (w < i + 24) {
      fputs(s, stdout);
      return;
    }
  }
  size_t slop = 5, width = w - i - slop;
  const char *rest = NULL;
  size_t n = wrap_n(width, slop, s, &rest);
  printf("%.*s", (int)n, s);
  while (*rest) {
    const char *t = rest;
    n = wrap_n(width, slop, t, &rest);
    printf("\n%*s%.*s", (int)i, "", (int)n, t);
  }
}

/* docker's wrappedFlagUsages: the terminal's width on stdin less one, 79 without one */
static size_t help_width(void)
{
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return (size_t)ws.ws_col - 1;
  return 79;
}

void opts_usage(const struct cmd_info *ci)
{
  printf("\nUsage:  tinydocker %s %s\n\n%s\n", ci->name, ci->usage ? ci->usage : "", ci->desc);
  if (n_defs(ci) == 0)
    return;
  printf("\nOptions:\n");
  /* by long name, as cobra lists them (a table may group its flags otherwise) */
  size_t n_opts = 0;
  while (ci->opts[n_opts].long_name)
    n_opts++;
  const struct opt_def **sorted = xcalloc(n_opts + 1, sizeof(*sorted));
  char **left = xcalloc(n_opts + 1, sizeof(*left));
  size_t maxlen = 0;
  for (size_t i = 0; i < n_opts; i++)
    sorted[i] = &ci->opts[i];
  qsort(sorted, n_opts, sizeof(*sorted), cmp_long_name);
  for (size_t i = 0; i < n_opts; i++) {
    const struct opt_def *d = sorted[i];
    const char *var = d->kind == OPT_BOOL ? NULL : d->metavar ? d->metavar : "string";
    if (d->short_name)
      left[i] =
          xasprintf("  -%c, --%s%s%s", d->short_name, d->long_name, var ? " " : "", var ? var : "");
    else
      left[i] = xasprintf("      --%s%s%s", d->long_name, var ? " " : "", var ? var : "");
    if (strlen(left[i]) > maxlen)
      maxlen = strlen(left[i]);
  }
  /* pflag: the descriptions in one column, 3 after the longest flag, wrapped to the width */
  size_t width = help_width();
  for (size_t i = 0; i < n_opts; i++) {
    const struct opt_def *d = sorted[i];
    autofree char *usage = d->alias ? xasprintf("%s (also --%s)", d->help ? d->help : "", d->alias)
                                    : xstrdup(d->help ? d->help : "");
    printf("%-*s   ", (int)maxlen, left[i]);
    print_wrapped(maxlen + 3, width, usage);
    printf("\n");
    free(left[i]);
  }
  free(left);
  free(sorted);
}

static int idx_of(const struct cmd_info *ci, const char *name)
{
  int i = find_long(ci, name, strlen(name));
  if (i < 0) {
    fprintf(stderr, "tinydocker: internal error: no option %s in %s\n", name, ci->name);
    abort();
  }
  return i;
}

bool opt_bool(const struct cmd_info *ci, const struct opt_result *r, const char *name)
{
  return r->v[idx_of(ci, name)].b;
}

const char *opt_str(const struct cmd_info *ci, const struct opt_result *r, const char *name)
{
  return r->v[idx_of(ci, name)].s;
}

char **opt_list(const struct cmd_info *ci, const struct opt_result *r, const char *name)
{
  return r->v[idx_of(ci, name)].list;
}

bool opt_isset(const struct cmd_info *ci, const struct opt_result *r, const char *name)
{
  return r->v[idx_of(ci, name)].set;
}

/* Parse; on --help returns 1 (caller returns 0). min_args checked with docker's message (-1:
 * the command accepts no arguments). */
int opts_parse_min(const struct cmd_info *ci, int argc, char **argv, struct opt_result *r,
                   int min_args, struct td_err **err)
{
  if (opts_parse(ci, argc, argv, r, err) < 0)
    return -1;
  if (r->help)
    return 1;
  /* as cobra: the usage error, then the command's usage */
  if (min_args < 0 && r->nargs > 0)
    return err_set(err, 0,
                   "\"tinydocker %s\" accepts no arguments.\nSee 'tinydocker %s --help'.\n\n"
                   "Usage:  tinydocker %s %s\n\n%s",
                   ci->name, ci->name, ci->name, ci->usage, ci->desc);
  if (r->nargs < min_args)
    return err_set(err, 0,
                   "\"tinydocker %s\" requires at least %d argument%s.\nSee 'tinydocker %s "
                   "--help'.\n\nUsage:  tinydocker %s %s\n\n%s",
                   ci->name, min_args, min_args == 1 ? "" : "s", ci->name, ci->name, ci->usage,
                   ci->desc);
  return 0;
}
