/* `manifest create|annotate|inspect|push|rm`, in tinydocker-image: a manifest list made
 * locally from manifests already in a registry, annotated, inspected and pushed as docker's
 * CLI does (image/registry/mlist.c, docs/registry.md); `inspect` of anything else asks the
 * registry. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/image_cli.h"
#include "cli/image_registry.h"
#include "image/registry/registry.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

enum { OPT_INSECURE = 1000, OPT_HELP, OPT_OS, OPT_ARCH, OPT_VARIANT, OPT_OS_VERSION, OPT_FEATURES };

static const char manifest_help[] =
    "\nUsage:  tinydocker manifest COMMAND\n\n"
    "The **tinydocker manifest** command has subcommands for managing image manifests and\n"
    "manifest lists. A manifest list allows you to use one name to refer to the same image\n"
    "built for multiple architectures.\n\n"
    "Commands:\n"
    "  annotate    Add additional information to a local image manifest\n"
    "  create      Create a local manifest list for annotating and pushing to a registry\n"
    "  inspect     Display an image manifest, or manifest list\n"
    "  push        Push a manifest list to a repository\n"
    "  rm          Delete one or more manifest lists from local storage\n\n"
    "Run 'tinydocker manifest COMMAND --help' for more information on a command.\n";

struct sub {
  const char *name, *usage, *what, *options;
  int min, max;     /* operands (max -1: any) */
  const char *verb; /* docker's closing line: "See" or "Run" */
};

static const struct sub subs[] = {
    {"create", "MANIFEST_LIST MANIFEST [MANIFEST...]",
     "Create a local manifest list for annotating and pushing to a registry",
     "  -a, --amend      Amend an existing manifest list\n"
     "      --insecure   Allow communication with an insecure registry\n",
     2, -1, "See"},
    {"annotate", "[OPTIONS] MANIFEST_LIST MANIFEST",
     "Add additional information to a local image manifest",
     "      --arch string           Set architecture\n"
     "      --os string             Set operating system\n"
     "      --os-features strings   Set operating system feature\n"
     "      --os-version string     Set operating system version\n"
     "      --variant string        Set architecture variant\n",
     2, 2, "Run"},
    {"inspect", "[OPTIONS] [MANIFEST_LIST] MANIFEST", "Display an image manifest, or manifest list",
     "      --insecure   Allow communication with an insecure registry\n"
     "  -v, --verbose    Output additional info including layers and platform\n",
     1, 2, "See"},
    {"push", "[OPTIONS] MANIFEST_LIST", "Push a manifest list to a repository",
     "      --insecure   Allow push to an insecure registry\n"
     "  -p, --purge      Remove the local manifest list after push\n",
     1, 1, "Run"},
    {"rm", "MANIFEST_LIST [MANIFEST_LIST...]",
     "Delete one or more manifest lists from local storage", NULL, 1, -1, "See"},
};

static const struct option opts[] = {{"insecure", no_argument, NULL, OPT_INSECURE},
                                     {"verbose", no_argument, NULL, 'v'},
                                     {"amend", no_argument, NULL, 'a'},
                                     {"purge", no_argument, NULL, 'p'},
                                     {"os", required_argument, NULL, OPT_OS},
                                     {"arch", required_argument, NULL, OPT_ARCH},
                                     {"variant", required_argument, NULL, OPT_VARIANT},
                                     {"os-version", required_argument, NULL, OPT_OS_VERSION},
                                     {"os-features", required_argument, NULL, OPT_FEATURES},
                                     {"help", no_argument, NULL, OPT_HELP},
                                     {NULL, 0, NULL, 0}};

struct margs {
  bool insecure, verbose, amend, purge;
  struct registry_platform plat;
  char **features;
};

static void sub_help(const struct sub *s, FILE *f)
{
  fprintf(f, "\nUsage:  tinydocker manifest %s %s\n\n%s\n", s->name, s->usage, s->what);
  if (s->options)
    fprintf(f, "\nOptions:\n%s", s->options);
}

static int usage_error(const struct sub *s)
{
  const char *least = s->max < 0 ? "at least " : "";
  fprintf(stderr,
          "tinydocker: 'tinydocker manifest %s' requires %s%d argument%s\n\nUsage:  tinydocker "
          "manifest %s %s\n\n%s 'tinydocker manifest %s --help' for more information\n",
          s->name, least, s->min, s->min == 1 ? "" : "s", s->name, s->usage, s->verb, s->name);
  return 1;
}

static int fail(struct td_err *e)
{
  err_mark(&e, ERR_BARE);
  int code = e->exit_code ? e->exit_code : 1;
  err_print("tinydocker", e);
  err_free(&e);
  return code;
}

/* Leading spaces as tabs, as docker's CLI indents a manifest. */
static void print_tabbed(const char *s)
{
  for (const char *line = s; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    size_t sp = strspn(line, " ");
    for (size_t i = 0; i < sp && i < n; i++)
      putchar('\t');
    fwrite(line + sp, 1, n - sp, stdout);
    putchar('\n');
    line = nl ? nl + 1 : line + n;
  }
}

static int parse_args(const struct sub *s, int argc, char **argv, struct margs *a, int *first)
{
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "vap", opts, NULL)) != -1) {
    switch (c) {
    case OPT_INSECURE:
      a->insecure = true;
      break;
    case 'v':
      a->verbose = true;
      break;
    case 'a':
      a->amend = true;
      break;
    case 'p':
      a->purge = true;
      break;
    case OPT_OS:
      a->plat.os = optarg;
      break;
    case OPT_ARCH:
      a->plat.arch = optarg;
      break;
    case OPT_VARIANT:
      a->plat.variant = optarg;
      break;
    case OPT_OS_VERSION:
      a->plat.os_version = optarg;
      break;
    case OPT_FEATURES: {
      autostrv char **v = strv_split(optarg, ',');
      for (char **p = v; p && *p; p++)
        strv_push(&a->features, *p);
      break;
    }
    case OPT_HELP:
      sub_help(s, stdout);
      return 0;
    default:
      fprintf(stderr, "unknown flag: %s\nSee 'tinydocker manifest %s --help'.\n", argv[optind - 1],
              s->name);
      return 1;
    }
  }
  int n = argc - optind;
  if (n < s->min || (s->max >= 0 && n > s->max))
    return usage_error(s);
  *first = optind;
  return -1;
}

static int do_inspect(const char *root, struct margs *a, const struct registry_opts *o, int n,
                      char **args)
{
  autoerr struct td_err *e = NULL;
  autofree char *text = NULL;
  bool tabbed = true;
  int rc =
      registry_list_show(root, args[0], n == 2 ? args[1] : NULL, a->verbose, &text, &tabbed, &e);
  if (rc < 0)
    return fail(steal_ptr(e));
  if (rc == 0) {
    if (tabbed)
      print_tabbed(text);
    else
      printf("%s\n", text);
    return 0;
  }
  autofree char *body = NULL, *mt = NULL;
  if (registry_manifest_raw(root, args[0], o, &body, &mt, &e) < 0)
    return fail(steal_ptr(e));
  json_error_t je;
  autojson json_t *doc = json_loads(body, JSON_PRESERVE_ORDER, &je);
  if (doc == NULL) {
    err_set_exit(&e, 1, 0, "manifest %s: not JSON: %s", args[0], je.text);
    return fail(steal_ptr(e));
  }
  autofree char *s = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  print_tabbed(s);
  return 0;
}

static int run_sub(const char *root, const struct sub *s, struct margs *a, int n, char **args)
{
  autostrv char **insecure = NULL;
  image_insecure_env(&insecure);
  for (int i = 0; a->insecure && i < n; i++) {
    autofree char *host = NULL, *text = NULL;
    image_split_term(args[i], &host, &text);
    strv_push(&insecure, host);
  }
  struct registry_opts o = {.insecure = insecure};
  autoerr struct td_err *e = NULL;
  if (strcmp(s->name, "inspect") == 0)
    return do_inspect(root, a, &o, n, args);
  if (strcmp(s->name, "create") == 0) {
    autostrv char **refs = NULL;
    for (int i = 1; i < n; i++)
      strv_push(&refs, args[i]);
    return registry_list_create(root, args[0], refs, a->amend, &o, &e) < 0 ? fail(steal_ptr(e)) : 0;
  }
  if (strcmp(s->name, "annotate") == 0) {
    a->plat.os_features = a->features;
    return registry_list_annotate(root, args[0], args[1], &a->plat, &e) < 0 ? fail(steal_ptr(e))
                                                                            : 0;
  }
  if (strcmp(s->name, "push") == 0) {
    autofree char *digest = NULL;
    if (registry_list_push(root, args[0], a->purge, &o, &digest, &e) < 0)
      return fail(steal_ptr(e));
    printf("%s\n", digest);
    return 0;
  }
  int rc = 0;
  for (int i = 0; i < n; i++) { /* rm: each list; the errors printed, the others still removed */
    if (registry_list_rm(root, args[i], &e) < 0) {
      rc = fail(steal_ptr(e));
    }
  }
  return rc;
}

int image_cmd_manifest(const char *root, int argc, char **argv)
{
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(manifest_help, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  const struct sub *s = NULL;
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
    if (strcmp(subs[i].name, argv[1]) == 0)
      s = &subs[i];
  if (s == NULL) {
    fprintf(stderr,
            "tinydocker: unknown command: tinydocker manifest %s\n\nUsage:  tinydocker manifest "
            "COMMAND\n\nRun 'tinydocker manifest --help' for more information\n",
            argv[1]);
    return 1;
  }
  struct margs a = {0};
  int first = 0;
  int rc = parse_args(s, argc - 1, argv + 1, &a, &first);
  if (rc < 0)
    rc = run_sub(root, s, &a, argc - 1 - first, argv + 1 + first);
  strv_free(a.features);
  return rc;
}
