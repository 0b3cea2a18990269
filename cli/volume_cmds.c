#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/image_cli.h"
#include "cli/volume_cli.h"
#include "image/volume.h"
#include "util/human.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int vol_create(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"label", required_argument, NULL, 'l'},
                                       {"driver", required_argument, NULL, 'd'},
                                       {"opt", required_argument, NULL, 'o'},
                                       {"name", required_argument, NULL, 'n'},
                                       {NULL, 0, NULL, 0}};
  autojson json_t *labels = json_object();
  const char *name = NULL;
  autoerr struct td_err *err = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
    if (c == 'l') {
      char *eq = strchr(optarg, '=');
      autofree char *k = eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);
      json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
    } else if (c == 'd' && strcmp(optarg, "local") != 0) {
      err_set_exit(&err, 1, 0, "plugin \"%s\" not found", optarg);
      return cli_fail(steal_ptr(err));
    } else if (c == 'n') {
      name = optarg;
    } else if (c == '?') {
      return EXIT_ENGINE;
    }
  }
  if (optind < argc)
    name = argv[optind];
  autofree char *out = NULL;
  if (volume_create(root, name, labels, false, &out, &err) < 0)
    return cli_fail(steal_ptr(err));
  printf("%s\n", out);
  return 0;
}

static bool filter_match(json_t *v, char *const *filters, const char *root)
{
  for (char *const *f = filters; f && *f; f++) {
    if (strncmp(*f, "name=", 5) == 0 &&
        !strstr(json_string_value(json_object_get(v, "Name")), *f + 5))
      return false;
    if (strncmp(*f, "label=", 6) == 0) {
      /* label=KEY or label=KEY=VALUE (docker's) */
      const char *kv = *f + 6, *eq = strchr(kv, '=');
      autofree char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
      const char *have = json_string_value(json_object_get(json_object_get(v, "Labels"), k));
      if (have == NULL || (eq && strcmp(have, eq + 1) != 0))
        return false;
    }
    if (strncmp(*f, "driver=", 7) == 0 &&
        strcmp(json_string_value(json_object_get(v, "Driver")) ?: "local", *f + 7) != 0)
      return false;
    if (strncmp(*f, "dangling=", 9) == 0) {
      /* dangling: no container uses it */
      autofree char *users =
          xasprintf("%s/volumes/%s/users", root, json_string_value(json_object_get(v, "Name")));
      bool in_use = false;
      autoclosedir DIR *d = opendir(users);
      struct dirent *de;
      while (d && (de = readdir(d)) != NULL)
        in_use = in_use || de->d_name[0] != '.';
      bool want = strcmp(*f + 9, "true") == 0 || strcmp(*f + 9, "1") == 0;
      if (want == in_use)
        return false;
    }
  }
  return true;
}

static const char *volume_header(const char *field)
{
  static const char *const heads[][2] = {{"Name", "VOLUME NAME"}, {"Driver", "DRIVER"},
                                         {"Scope", "SCOPE"},      {"Mountpoint", "MOUNTPOINT"},
                                         {"Labels", "LABELS"},    {"Links", "LINKS"},
                                         {"Size", "SIZE"}};
  for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
    if (strcmp(heads[i][0], field) == 0)
      return heads[i][1];
  return NULL;
}

/* docker's volume ls row (a *formatter.volumeContext): every field a string. */
static json_t *volume_row(json_t *v)
{
  autofree char *lab = jsonv_labels_join(json_object_get(v, "Labels"));
  const char *mp = json_string_value(json_object_get(v, "Mountpoint"));
  const char *scope = json_string_value(json_object_get(v, "Scope"));
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Name",
                   json_string_value(json_object_get(v, "Name")), "Driver", "local", "Scope",
                   scope ? scope : "local", "Mountpoint", mp ? mp : "", "Labels", lab, "Links",
                   "N/A", "Size", "N/A");
}

static int vol_ls(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                       {"filter", required_argument, NULL, 'f'},
                                       {"format", required_argument, NULL, 'F'},
                                       {NULL, 0, NULL, 0}};
  bool quiet = false;
  autostrv char **filters = NULL;
  const char *format = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "qf:", opts, NULL)) != -1) {
    if (c == 'q')
      quiet = true;
    else if (c == 'f')
      strv_push(&filters, optarg);
    else if (c == 'F')
      format = optarg;
    else
      return EXIT_ENGINE;
  }
  autojson json_t *vols = NULL;
  autoerr struct td_err *err = NULL;
  if (volume_list(root, &vols, &err) < 0)
    return cli_fail(steal_ptr(err));
  size_t i;
  json_t *v;
  if (format && *format && strcmp(format, "table") != 0) {
    autojson json_t *rows = json_array(), *labels = json_array();
    json_array_foreach (vols, i, v)
      if (filter_match(v, filters, root)) {
        json_array_append_new(rows, volume_row(v));
        json_t *l = json_object_get(v, "Labels");
        json_array_append_new(labels, l ? json_incref(l) : json_null());
      }
    return cli_format_rows(format, rows, labels, volume_header, "*formatter.volumeContext");
  }
  if (!quiet)
    printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
  json_array_foreach (vols, i, v) {
    if (!filter_match(v, filters, root))
      continue;
    const char *n = json_string_value(json_object_get(v, "Name"));
    if (quiet)
      printf("%s\n", n);
    else
      printf("%-10s%s\n", "local", n);
  }
  return 0;
}

static int vol_inspect(const char *root, int argc, char **argv)
{
  return cli_inspect_each(root, "volume inspect", CLI_DOCKER_OTHER, argc, argv, volume_inspect);
}

static int vol_rm(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
    if (c == 'f')
      force = true;
    else
      return EXIT_ENGINE;
  }
  if (optind >= argc) {
    fprintf(stderr, "%s: \"volume rm\" requires at least 1 argument.\n", err_progname);
    return EXIT_ENGINE;
  }
  int rc = 0;
  for (int i = optind; i < argc; i++) {
    autoerr struct td_err *err = NULL;
    if (volume_remove(root, argv[i], force, &err) < 0)
      rc = cli_fail(steal_ptr(err));
    else
      printf("%s\n", argv[i]);
  }
  return rc;
}

static int vol_prune(const char *root, int argc, char **argv)
{
  bool all = false;
  if (cli_prune_flags(argc, argv, &all, NULL, NULL) != 0)
    return EXIT_ENGINE;
  autojson json_t *removed = json_array();
  unsigned long long freed = 0;
  autoerr struct td_err *err = NULL;
  if (volume_prune(root, all, removed, &freed, &err) < 0)
    return cli_fail(steal_ptr(err));
  if (json_array_size(removed) > 0) {
    printf("Deleted Volumes:\n");
    size_t i;
    json_t *n;
    json_array_foreach (removed, i, n)
      printf("%s\n", json_string_value(n));
    printf("\n");
  }
  autofree char *total = human_size((double)freed, 4);
  printf("Total reclaimed space: %s\n", total);
  return 0;
}

int volume_cli(const char *root, int argc, char **argv)
{
  static const struct {
    const char *name;
    int (*fn)(const char *, int, char **);
  } subs[] = {{"create", vol_create},   {"ls", vol_ls}, {"list", vol_ls},
              {"inspect", vol_inspect}, {"rm", vol_rm}, {"remove", vol_rm},
              {"prune", vol_prune}};
  if (argc < 1) {
    fprintf(stderr, "Usage: tinydocker volume COMMAND (create, ls, inspect, rm, prune)\n");
    return EXIT_ENGINE;
  }
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
    if (strcmp(subs[i].name, argv[0]) == 0)
      return subs[i].fn(root, argc, argv);
  fprintf(stderr, "%s: unknown volume command: %s\n", err_progname, argv[0]);
  return EXIT_ENGINE;
}
