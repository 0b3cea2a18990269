/* images, tag, rmi, history, image inspect, image prune. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
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

static int usage_err(const char *cmd, const char *usage)
{
  fprintf(stderr, "%s: \"%s\" requires %s.\nSee 'tinydocker %s --help'.\n", err_progname, cmd,
          usage, cmd);
  return EXIT_ENGINE;
}

static const char *short_hex(const char *id, bool no_trunc)
{
  static char buf[80];
  if (no_trunc)
    snprintf(buf, sizeof(buf), "%s", id);
  else
    snprintf(buf, sizeof(buf), "%.12s", image_digest_hex(id));
  return buf;
}

int cmd_tag(const char *root, int argc, char **argv)
{
  if (argc != 3)
    return usage_err("tag", "exactly 2 arguments");
  autoerr struct td_err *err = NULL;
  if (image_tag(root, argv[1], argv[2], &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}

int cmd_rmi(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {
      {"force", no_argument, NULL, 'f'}, {"no-prune", no_argument, NULL, 'P'}, {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
    if (c == 'f')
      force = true;
    else if (c != 'P')
      return EXIT_ENGINE;
  }
  if (optind >= argc)
    return usage_err("rmi", "at least 1 argument");
  int rc = 0;
  for (int i = optind; i < argc; i++) {
    autoerr struct td_err *err = NULL;
    if (image_remove(root, argv[i], force, stdout, &err) < 0)
      rc = cli_fail(steal_ptr(err));
  }
  return rc;
}

static char *trunc_created_by(const char *s, bool no_trunc)
{
  if (no_trunc || strlen(s) <= 45)
    return xstrdup(s);
  return xasprintf("%.44s…", s);
}

static const char *history_header(const char *field)
{
  static const char *const heads[][2] = {{"ID", "IMAGE"},
                                         {"CreatedSince", "CREATED"},
                                         {"CreatedAt", "CREATED AT"},
                                         {"CreatedBy", "CREATED BY"},
                                         {"Size", "SIZE"},
                                         {"Comment", "COMMENT"}};
  for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
    if (strcmp(heads[i][0], field) == 0)
      return heads[i][1];
  return NULL;
}

/* A history row's IMAGE: the id (short unless no_trunc), or docker's "<missing>". */
static char *history_id(json_t *row, bool no_trunc)
{
  const char *id = json_string_value(json_object_get(row, "id"));
  return strcmp(id, "<missing>") == 0 ? xstrdup(id) : xstrdup(short_hex(id, no_trunc));
}

/* docker's history CreatedAt: the time in seconds, RFC 3339 (UTC here) */
static char *created_at(const char *created)
{
  int64_t ns = created ? time_parse_rfc3339(created) : 0;
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return xstrdup(buf);
}

/* history --format: docker's historyContext fields */
static int history_formatted(json_t *rows, const char *format, bool human, bool no_trunc)
{
  autojson json_t *objs = json_array();
  size_t i;
  json_t *r;
  json_array_foreach (rows, i, r) {
    autofree char *idc = history_id(r, no_trunc);
    const char *created = json_string_value(json_object_get(r, "created"));
    autofree char *at = created_at(created);
    autofree char *ago = human ? fmt_ago(created) : xstrdup(at);
    json_int_t sz = json_integer_value(json_object_get(r, "size"));
    autofree char *size = human ? human_size((double)sz, 3) : xasprintf("%lld", (long long)sz);
    autofree char *by =
        trunc_created_by(json_string_value(json_object_get(r, "created_by")), no_trunc);
    const char *comment = json_string_value(json_object_get(r, "comment"));
    json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ID", idc, "CreatedSince",
                                          ago, "CreatedAt", at, "CreatedBy", by, "Size", size,
                                          "Comment", comment ? comment : ""));
  }
  return cli_format_rows(format, objs, NULL, history_header, "*formatter.historyContext");
}

/* Go's strconv.ParseBool false values */
static bool cli_bool_false(const char *v)
{
  return strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "f") == 0 ||
         strcmp(v, "F") == 0 || strcmp(v, "FALSE") == 0 || strcmp(v, "False") == 0;
}

int cmd_history(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                       {"human", required_argument, NULL, 'H'},
                                       {"no-trunc", no_argument, NULL, 'T'},
                                       {"format", required_argument, NULL, 'F'},
                                       {NULL, 0, NULL, 0}};
  bool quiet = false, no_trunc = false, human = true;
  const char *format = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "qH:", opts, NULL)) != -1) {
    if (c == 'q')
      quiet = true;
    else if (c == 'F')
      format = optarg;
    else if (c == 'T')
      no_trunc = true;
    else if (c == 'H')
      human = !cli_bool_false(optarg[0] == '=' ? optarg + 1 : optarg);
    else
      return EXIT_ENGINE;
  }
  if (optind + 1 != argc)
    return usage_err("history", "exactly 1 argument");
  autojson json_t *rows = NULL;
  autoerr struct td_err *err = NULL;
  if (image_history(root, argv[optind], &rows, &err) < 0)
    return cli_fail(steal_ptr(err));
  if (format && !quiet)
    return history_formatted(rows, format, human, no_trunc);
  struct fmt_table *t = quiet ? NULL : fmt_table_new(5);
  if (t) {
    char *h[] = {"IMAGE", human ? "CREATED" : "CREATED AT", "CREATED BY", "SIZE", "COMMENT"};
    fmt_table_row(t, h);
  }
  size_t i;
  json_t *r;
  json_array_foreach (rows, i, r) {
    autofree char *idc = history_id(r, no_trunc);
    if (quiet) {
      printf("%s\n", idc);
      continue;
    }
    const char *created = json_string_value(json_object_get(r, "created"));
    autofree char *at = created_at(created);
    autofree char *ago = human ? fmt_ago(created) : xstrdup(at);
    json_int_t sz = json_integer_value(json_object_get(r, "size"));
    autofree char *size = human ? human_size((double)sz, 3) : xasprintf("%lld", (long long)sz);
    autofree char *by =
        trunc_created_by(json_string_value(json_object_get(r, "created_by")), no_trunc);
    char *cols[] = {idc, ago, by, size, (char *)json_string_value(json_object_get(r, "comment"))};
    fmt_table_row(t, cols);
  }
  if (t)
    fmt_table_print(t, stdout);
  return 0;
}

int cmd_inspect(const char *root, int argc, char **argv)
{
  return cli_inspect_each(root, "image inspect", CLI_DOCKER_IMAGE, argc, argv, image_inspect);
}

int cmd_prune(const char *root, int argc, char **argv)
{
  bool all = false;
  autostrv char **filters = NULL;
  unsigned long long reclaimed = 0;
  if (cli_prune_flags(argc, argv, &all, &filters, &reclaimed) != 0)
    return EXIT_ENGINE;
  autoerr struct td_err *err = NULL;
  if (image_prune(root, all, filters, reclaimed, stdout, &err) < 0)
    return cli_fail(steal_ptr(err));
  return 0;
}
