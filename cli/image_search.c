/* `search` (a registry's catalog), in tinydocker-image; the manifest commands are in
 * image_manifest.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/image_cli.h"
#include "cli/image_fmt.h"
#include "cli/image_registry.h"
#include "image/registry/registry.h"
#include "util/cleanup.h"
#include "util/gotmpl.h"
#include "util/strv.h"
#include "util/xalloc.h"

enum { OPT_FORMAT = 1000, OPT_LIMIT, OPT_NO_TRUNC, OPT_INSECURE, OPT_HELP };

static const char search_help[] =
    "\nUsage:  tinydocker search [OPTIONS] TERM\n\n"
    "Search a registry's catalog for images (TERM: [REGISTRY/]TEXT; a registry without a\n"
    "catalog, Docker Hub's among them, is an error)\n\nOptions:\n"
    "  -f, --filter filter   Filter output based on conditions provided\n"
    "      --format string   Pretty-print search using a Go template\n"
    "      --limit int       Max number of search results (default 25)\n"
    "      --no-trunc        Don't truncate output\n";

static int fail1(struct td_err *e)
{
  int code = e->exit_code ? e->exit_code : 1;
  err_print("tinydocker", e);
  err_free(&e);
  return code;
}

void image_insecure_env(char ***insecure)
{
  const char *e = getenv("TINYDOCKER_INSECURE_REGISTRIES");
  autostrv char **v = e && *e ? strv_split(e, ',') : NULL;
  for (char **p = v; p && *p; p++)
    if (**p)
      strv_push(insecure, *p);
}

/* "127.0.0.1:5000/busy" -> host "127.0.0.1:5000", text "busy"; "busy" -> docker.io. */
void image_split_term(const char *term, char **host, char **text)
{
  const char *slash = strchr(term, '/');
  if (slash &&
      (memchr(term, '.', (size_t)(slash - term)) || memchr(term, ':', (size_t)(slash - term)) ||
       strncmp(term, "localhost/", 10) == 0)) {
    *host = xstrndup(term, (size_t)(slash - term));
    *text = xstrdup(slash + 1);
  } else {
    *host = xstrdup("docker.io");
    *text = xstrdup(term);
  }
}

/* docker's filters on a search result; the catalog has no stars, official or automated ones. */
static int filter_ok(char **filters, bool *keep, struct td_err **err)
{
  *keep = true;
  for (char **f = filters; f && *f; f++) {
    const char *eq = strchr(*f, '=');
    if (eq == NULL)
      return err_set_exit(err, 1, 0, "bad format of filter (expected name=value)");
    size_t kl = (size_t)(eq - *f);
    const char *v = eq + 1;
    if (kl == 5 && strncmp(*f, "stars", 5) == 0) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*v == '\0' || *end)
        return err_set_exit(err, 1, 0, "Invalid filter 'stars=%s'", v);
      *keep = *keep && n <= 0;
    } else if ((kl == 11 && strncmp(*f, "is-official", 11) == 0) ||
               (kl == 12 && strncmp(*f, "is-automated", 12) == 0)) {
      if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        return err_set_exit(err, 1, 0, "Invalid filter '%.*s=%s'", (int)kl, *f, v);
      *keep = *keep && strcmp(v, "false") == 0;
    } else {
      return err_set_exit(err, 1, 0, "Invalid filter '%.*s'", (int)kl, *f);
    }
  }
  return 0;
}

int image_cmd_search(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"filter", required_argument, NULL, 'f'},
                                       {"format", required_argument, NULL, OPT_FORMAT},
                                       {"limit", required_argument, NULL, OPT_LIMIT},
                                       {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
                                       {"insecure-registry", required_argument, NULL, OPT_INSECURE},
                                       {"help", no_argument, NULL, OPT_HELP},
                                       {NULL, 0, NULL, 0}};
  autostrv char **filters = NULL, **insecure = NULL;
  const char *format = NULL;
  long limit = 25;
  int c;
  optind = 1;
  opterr = 0;
  autoerr struct td_err *e = NULL;
  while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
    if (c == 'f') {
      strv_push(&filters, optarg);
    } else if (c == OPT_FORMAT) {
      format = optarg;
    } else if (c == OPT_LIMIT) {
      char *end;
      limit = strtol(optarg, &end, 10);
      if (*optarg == '\0' || *end) {
        err_set_exit(&e, 1, 0, "invalid argument \"%s\" for \"--limit\" flag", optarg);
        return fail1(steal_ptr(e));
      }
    } else if (c == OPT_NO_TRUNC) {
      continue; /* the catalog has no descriptions to truncate */
    } else if (c == OPT_INSECURE) {
      strv_push(&insecure, optarg);
    } else if (c == OPT_HELP) {
      fputs(search_help, stdout);
      return 0;
    } else {
      fprintf(stderr, "tinydocker: search: unknown flag or missing value\nSee 'tinydocker search "
                      "--help'.\n");
      return 1;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "\"search\" requires exactly 1 argument.\nSee 'tinydocker search --help'.\n");
    return 1;
  }
  if (limit < 1 || limit > 100) {
    err_set_exit(&e, 1, 0, "Limit %ld is outside the range of [1, 100]", limit);
    return fail1(steal_ptr(e));
  }
  bool keep = true;
  if (filter_ok(filters, &keep, &e) < 0)
    return fail1(steal_ptr(e));
  struct gotmpl *t = NULL;
  if (format && gotmpl_parse_format(format, &t, &e) < 0)
    return fail1(steal_ptr(e));
  image_insecure_env(&insecure);
  struct registry_opts o = {.insecure = insecure};
  autofree char *host = NULL, *text = NULL;
  image_split_term(argv[optind], &host, &text);
  if (strcmp(host, "docker.io") == 0) {
    /* Docker Hub's search is its own API (index.docker.io/v1/search), not a catalog */
    err_set_exit(&e, 1, 0,
                 "search %s: Docker Hub has no catalog to search; name a registry that has one: "
                 "tinydocker search REGISTRY/TERM",
                 argv[optind]);
    gotmpl_free(t);
    return fail1(steal_ptr(e));
  }
  autostrv char **repos = NULL;
  if (registry_catalog(root, host, &o, &repos, &e) < 0) {
    gotmpl_free(t);
    return fail1(steal_ptr(e));
  }
  struct fmt_table *tab = t ? NULL : fmt_table_new(5);
  if (tab) {
    char *hdr[] = {"NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED"};
    fmt_table_row(tab, hdr);
  }
  long shown = 0;
  int rc = 0;
  for (char **r = repos; keep && r && *r && shown < limit; r++) {
    if (strstr(*r, text) == NULL)
      continue;
    shown++;
    autofree char *name =
        strcmp(host, "docker.io") == 0 ? xstrdup(*r) : xasprintf("%s/%s", host, *r);
    if (tab) {
      char *row[] = {name, "", "0", "", ""};
      fmt_table_row(tab, row);
      continue;
    }
    autojson json_t *j = json_pack("{s:s,s:s,s:i,s:b,s:b}", "Name", name, "Description", "",
                                   "StarCount", 0, "IsOfficial", 0, "IsAutomated", 0);
    autofree char *out = NULL;
    if (gotmpl_exec(t, j, &out, &e) < 0) {
      rc = fail1(steal_ptr(e));
      break;
    }
    printf("%s\n", out);
  }
  if (tab)
    fmt_table_print(tab, stdout);
  gotmpl_free(t);
  return rc;
}
