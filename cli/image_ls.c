/* `images` / `image ls`: docker's columns, -q -a --digests --no-trunc, --filter
 * dangling=|reference=|label=|before=|since=, --format (with `table`). */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/image_cli.h"
#include "cli/image_fmt.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "util/human.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct ls_opts {
  bool quiet, all, digests, no_trunc;
  const char *format;
  const char *repo_arg;
  char **filters;
};

static int cmp_created(const void *a, const void *b)
{
  json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  const char *cx = json_string_value(json_object_get(x, "created"));
  const char *cy = json_string_value(json_object_get(y, "created"));
  return strcmp(cy ? cy : "", cx ? cx : "");
}

static const char *rs(json_t *r, const char *k)
{
  const char *s = json_string_value(json_object_get(r, k));
  return s ? s : "";
}

/* REPOSITORY[:TAG] argument and reference= filter (glob, as docker) */
static bool ref_match(json_t *r, const char *pattern)
{
  if (strcmp(rs(r, "repo"), "<none>") == 0)
    return false;
  autofree char *full = xasprintf("%s:%s", rs(r, "repo"), rs(r, "tag"));
  return fnmatch(pattern, rs(r, "repo"), 0) == 0 || fnmatch(pattern, full, 0) == 0;
}

static const char *created_of(json_t *rows, const char *ref)
{
  size_t i;
  json_t *r;
  json_array_foreach (rows, i, r) {
    autofree char *full = xasprintf("%s:%s", rs(r, "repo"), rs(r, "tag"));
    const char *id = image_digest_hex(rs(r, "id"));
    if (strcmp(full, ref) == 0 || strcmp(rs(r, "repo"), ref) == 0 ||
        strncmp(id, ref, strlen(ref)) == 0)
      return rs(r, "created");
  }
  return NULL;
}

static bool filter_ok(json_t *rows, json_t *r, const char *f)
{
  const char *eq = strchr(f, '=');
  if (eq == NULL)
    return true;
  autofree char *key = xstrndup(f, (size_t)(eq - f));
  const char *v = eq + 1;
  if (strcmp(key, "dangling") == 0)
    return json_is_true(json_object_get(r, "dangling")) ==
           (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
  if (strcmp(key, "reference") == 0)
    return ref_match(r, v);
  if (strcmp(key, "label") == 0) {
    const char *veq = strchr(v, '=');
    autofree char *lk = veq ? xstrndup(v, (size_t)(veq - v)) : xstrdup(v);
    json_t *lv = json_object_get(json_object_get(r, "labels"), lk);
    return lv && (!veq || strcmp(json_string_value(lv) ?: "", veq + 1) == 0);
  }
  if (strcmp(key, "before") == 0 || strcmp(key, "since") == 0) {
    const char *c = created_of(rows, v);
    if (c == NULL)
      return false;
    int cmp = strcmp(rs(r, "created"), c);
    return key[0] == 'b' ? cmp < 0 : cmp > 0;
  }
  return true;
}

static json_t *format_obj(json_t *r, bool no_trunc)
{
  autofree char *ago = fmt_ago(rs(r, "created"));
  double bytes = (double)json_integer_value(json_object_get(r, "size"));
  autofree char *size = human_size(bytes, 3);
  /* docker 20.10's imageContext: VirtualSize with 4 digits (units.HumanSize), CreatedAt the
   * summary's seconds as Go's time.Unix(...).String() */
  autofree char *vsize = human_size(bytes, 4);
  int64_t ns = time_parse_rfc3339(rs(r, "created"));
  autofree char *created_at = time_go_string(ns - ns % 1000000000LL, false);
  const char *id = rs(r, "id");
  autofree char *sid = no_trunc ? xstrdup(id) : xstrndup(image_digest_hex(id), 12);
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Repository", rs(r, "repo"), "Tag",
                   rs(r, "tag"), "ID", sid, "Digest",
                   json_is_string(json_object_get(r, "digest")) ? rs(r, "digest") : "<none>",
                   "CreatedSince", ago, "CreatedAt", created_at, "Size", size, "Containers", "N/A",
                   "VirtualSize", vsize);
}

static const char *image_header(const char *field)
{
  static const char *const heads[][2] = {{"Repository", "REPOSITORY"},
                                         {"Tag", "TAG"},
                                         {"ID", "IMAGE ID"},
                                         {"Digest", "DIGEST"},
                                         {"CreatedSince", "CREATED"},
                                         {"CreatedAt", "CREATED AT"},
                                         {"Size", "SIZE"},
                                         {"Containers", "CONTAINERS"},
                                         {"VirtualSize", "VIRTUAL SIZE"},
                                         {"SharedSize", "SHARED SIZE"},
                                         {"UniqueSize", "UNIQUE SIZE"}};
  for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
    if (strcmp(heads[i][0], field) == 0)
      return heads[i][1];
  return NULL;
}

/* --format, docker's formatter: "table X\tY" prints a header (docker's column names) and
 * aligns the columns as docker's tabwriter does. */
static int print_formatted(json_t **rows, size_t n, const struct ls_opts *o)
{
  autojson json_t *objs = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *obj = format_obj(rows[i], o->no_trunc);
    json_object_set_new(obj, "SharedSize", json_string("N/A"));
    json_object_set_new(obj, "UniqueSize", json_string("N/A"));
    json_array_append_new(objs, obj);
  }
  return cli_format_rows(o->format, objs, NULL, image_header, "*formatter.imageContext");
}

static void print_table(json_t **rows, size_t n, const struct ls_opts *o)
{
  struct fmt_table *t = fmt_table_new(o->digests ? 6 : 5);
  char *h5[] = {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"};
  char *h6[] = {"REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"};
  fmt_table_row(t, o->digests ? h6 : h5);
  for (size_t i = 0; i < n; i++) {
    autojson json_t *f = format_obj(rows[i], o->no_trunc);
    char *repo = (char *)rs(f, "Repository"), *tag = (char *)rs(f, "Tag");
    char *id = (char *)rs(f, "ID"), *ago = (char *)rs(f, "CreatedSince");
    char *size = (char *)rs(f, "Size"), *dg = (char *)rs(f, "Digest");
    char *c5[] = {repo, tag, id, ago, size};
    char *c6[] = {repo, tag, dg, id, ago, size};
    fmt_table_row(t, o->digests ? c6 : c5);
  }
  fmt_table_print(t, stdout);
}

static int parse_ls(int argc, char **argv, struct ls_opts *o)
{
  static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                       {"all", no_argument, NULL, 'a'},
                                       {"digests", no_argument, NULL, 'D'},
                                       {"no-trunc", no_argument, NULL, 'T'},
                                       {"filter", required_argument, NULL, 'f'},
                                       {"format", required_argument, NULL, 'F'},
                                       {NULL, 0, NULL, 0}};
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "qaf:", opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      o->quiet = true;
      break;
    case 'a':
      o->all = true;
      break;
    case 'D':
      o->digests = true;
      break;
    case 'T':
      o->no_trunc = true;
      break;
    case 'f':
      strv_push(&o->filters, optarg);
      break;
    case 'F':
      o->format = optarg;
      break;
    default:
      return -1;
    }
  }
  o->repo_arg = optind < argc ? argv[optind] : NULL;
  return 0;
}

int cmd_images(const char *root, int argc, char **argv)
{
  struct ls_opts o = {0};
  if (parse_ls(argc, argv, &o) < 0) {
    strv_free(o.filters);
    return EXIT_ENGINE;
  }
  autostrv char **filters = o.filters;
  autojson json_t *rows = NULL;
  autoerr struct td_err *err = NULL;
  if (image_list(root, o.all, &rows, &err) < 0)
    return cli_fail(steal_ptr(err));
  size_t n = json_array_size(rows), k = 0;
  autofree json_t **sel = xcalloc(n + 1, sizeof(json_t *));
  for (size_t i = 0; i < n; i++) {
    json_t *r = json_array_get(rows, i);
    bool ok = o.repo_arg == NULL || ref_match(r, o.repo_arg);
    for (char **f = filters; ok && f && *f; f++)
      ok = filter_ok(rows, r, *f);
    if (ok)
      sel[k++] = r;
  }
  qsort(sel, k, sizeof(json_t *), cmp_created);
  if (o.quiet) {
    for (size_t i = 0; i < k; i++) {
      const char *id = rs(sel[i], "id");
      if (o.no_trunc)
        printf("%s\n", id);
      else
        printf("%.12s\n", image_digest_hex(id));
    }
  } else if (o.format && strcmp(o.format, "table") != 0) { /* "table": the default table */
    return print_formatted(sel, k, &o);
  } else {
    print_table(sel, k, &o);
  }
  return 0;
}
