/* argv -> registry requests for pull, push, login, logout. */
#include "cli/image_registry.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/registry/registry.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define DEFAULT_SERVER "docker.io"

static int fail(struct td_err *e)
{
  int code = err_exit_status(e); /* docker's 1 outside run */
  err_print("tinydocker", e);
  err_free(&e);
  return code;
}

static int usage_error(const char *cmd, const char *msg)
{
  fprintf(stderr, "tinydocker: %s: %s\nSee 'tinydocker %s --help'.\n", cmd, msg, cmd);
  return EXIT_ENGINE;
}

static void env_insecure(char ***insecure)
{
  const char *e = getenv("TINYDOCKER_INSECURE_REGISTRIES");
  if (e == NULL || *e == '\0')
    return;
  autostrv char **v = strv_split(e, ',');
  for (char **p = v; *p; p++)
    if (**p)
      strv_push(insecure, *p);
}

enum { OPT_PLATFORM = 1000, OPT_INSECURE, OPT_PASSWORD_STDIN, OPT_HELP, OPT_FOR_RUN };

static const char pull_help[] =
    "Usage:  tinydocker pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
    "Download an image from a registry\n\n"
    "Options:\n"
    "  -a, --all-tags                 Download all tagged images in the repository\n"
    "      --insecure-registry HOST   Allow plain http to HOST (loopback always is)\n"
    "      --platform string          Set platform if server is multi-platform capable\n"
    "  -q, --quiet                    Suppress verbose output\n";

static const char push_help[] =
    "Usage:  tinydocker push [OPTIONS] NAME[:TAG]\n\n"
    "Upload an image to a registry\n\n"
    "Options:\n"
    "  -a, --all-tags                 Push all tagged images in the repository\n"
    "      --insecure-registry HOST   Allow plain http to HOST (loopback always is)\n"
    "  -q, --quiet                    Suppress verbose output\n";

/* Whether ref names a tag or a digest itself (a port colon comes before the last slash). */
static bool ref_has_tag(const char *ref)
{
  const char *slash = strrchr(ref, '/');
  return strchr(slash ? slash : ref, ':') != NULL || strchr(ref, '@') != NULL;
}

/* -a: each tag of the repository (the registry's for pull, the store's for push), in turn. */
static int all_tags(const char *root, const char *repo, struct registry_opts *o, bool push,
                    struct td_err **err)
{
  autostrv char **tags = NULL;
  if (ref_has_tag(repo)) {
    err_set_exit(err, 1, 0, "tag can't be used with --all-tags/-a");
    return err_mark(err, ERR_BARE);
  }
  int rc =
      push ? registry_local_tags(root, repo, &tags, err) : registry_tags(root, repo, o, &tags, err);
  if (rc < 0 && push && !o->quiet) /* docker's: the header, then its error, bare */
    printf("The push refers to repository [%s]\n", repo);
  if (rc < 0)
    return push ? err_mark(err, ERR_BARE) : err_prefix(err, "pull %s", repo);
  bool quiet = o->quiet;
  o->no_ref_line = true;
  for (char **t = tags; *t && rc == 0; t++) {
    autofree char *ref = xasprintf("%s:%s", repo, *t);
    rc = push ? registry_push(root, ref, o, stdout, err) : registry_pull(root, ref, o, stdout, err);
  }
  if (rc == 0 && !push) {
    struct image_ref *r = NULL;
    if (image_ref_parse(repo, &r, err) < 0)
      return -1;
    autofree char *fam = image_ref_familiar_repo(r);
    if (!quiet)
      printf("Status: Downloaded newer image for %s\n", fam);
    printf("%s/%s\n", r->domain, r->path);
    image_ref_free(r);
  }
  return rc;
}

static int pull_or_push(const char *root, int argc, char **argv, bool push)
{
  static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                       {"platform", required_argument, NULL, OPT_PLATFORM},
                                       {"insecure-registry", required_argument, NULL, OPT_INSECURE},
                                       {"all-tags", no_argument, NULL, 'a'},
                                       {"for-run", no_argument, NULL, OPT_FOR_RUN},
                                       {"help", no_argument, NULL, OPT_HELP},
                                       {NULL, 0, NULL, 0}};
  const char *cmd = push ? "push" : "pull";
  autostrv char **insecure = NULL;
  struct registry_opts o = {0};
  bool all = false;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+qa", opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      o.quiet = true;
      break;
    case OPT_PLATFORM:
      if (push)
        return usage_error(cmd, "unknown flag: --platform");
      o.platform = optarg;
      break;
    case OPT_INSECURE:
      strv_push(&insecure, optarg);
      break;
    case 'a':
      all = true;
      break;
    case OPT_FOR_RUN: /* internal: run/create's pull of a missing image (no final ref line) */
      o.no_ref_line = true;
      setvbuf(stdout, NULL, _IOLBF, 0); /* it is run's stderr: lines in order with errors */
      break;
    case OPT_HELP:
      fputs(push ? push_help : pull_help, stdout);
      return 0;
    default:
      return usage_error(cmd, "unknown flag or missing value");
    }
  }
  if (argc - optind != 1)
    return usage_error(cmd, "requires exactly 1 argument");
  env_insecure(&insecure);
  o.insecure = insecure;
  struct td_err *e = NULL;
  struct image_ref *ref = NULL;
  if (!all && image_ref_parse(argv[optind], &ref, &e) < 0) {
    err_mark(&e, ERR_BARE); /* docker's CLI prints a reference error as it is */
    return fail(e);
  }
  image_ref_free(ref);
  int rc = all    ? all_tags(root, argv[optind], &o, push, &e)
           : push ? registry_push(root, argv[optind], &o, stdout, &e)
                  : registry_pull(root, argv[optind], &o, stdout, &e);
  return rc < 0 ? fail(e) : 0;
}

int image_cmd_pull(const char *root, int argc, char **argv)
{
  return pull_or_push(root, argc, argv, false);
}

int image_cmd_push(const char *root, int argc, char **argv)
{
  return pull_or_push(root, argc, argv, true);
}

static char *read_password_stdin(void)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    return NULL;
  }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

int image_cmd_login(const char *root, int argc, char **argv)
{
  static const struct option opts[] = {{"username", required_argument, NULL, 'u'},
                                       {"password", required_argument, NULL, 'p'},
                                       {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
                                       {"insecure-registry", required_argument, NULL, OPT_INSECURE},
                                       {"help", no_argument, NULL, OPT_HELP},
                                       {NULL, 0, NULL, 0}};
  const char *user = NULL, *pass = NULL;
  bool pass_stdin = false;
  autostrv char **insecure = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+u:p:", opts, NULL)) != -1) {
    switch (c) {
    case 'u':
      user = optarg;
      break;
    case 'p':
      pass = optarg;
      break;
    case OPT_PASSWORD_STDIN:
      pass_stdin = true;
      break;
    case OPT_INSECURE:
      strv_push(&insecure, optarg);
      break;
    case OPT_HELP:
      fputs("Usage:  tinydocker login [OPTIONS] [SERVER]\n\nLog in to a registry\n\n"
            "Options:\n  -p, --password string   Password\n"
            "      --password-stdin    Take the password from stdin\n"
            "  -u, --username string   Username\n",
            stdout);
      return 0;
    default:
      return usage_error("login", "unknown flag or missing value");
    }
  }
  if (argc - optind > 1)
    return usage_error("login", "requires at most 1 argument");
  if (pass && pass_stdin)
    return usage_error("login", "--password and --password-stdin are mutually exclusive");
  autofree char *stdin_pass = pass_stdin ? read_password_stdin() : NULL;
  if (pass_stdin)
    pass = stdin_pass;
  if (user == NULL || pass == NULL)
    return usage_error("login", "non-interactive login needs --username and a password");
  env_insecure(&insecure);
  struct registry_opts o = {.insecure = insecure};
  const char *server = optind < argc ? argv[optind] : DEFAULT_SERVER;
  struct td_err *e = NULL;
  if (registry_login(root, server, user, pass, &o, &e) < 0)
    return fail(e);
  printf("Login Succeeded\n");
  return 0;
}

int image_cmd_logout(const char *root, int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--help") == 0) {
    fputs("Usage:  tinydocker logout [SERVER]\n\nLog out from a registry\n", stdout);
    return 0;
  }
  if (argc > 2)
    return usage_error("logout", "requires at most 1 argument");
  const char *server = argc > 1 ? argv[1] : DEFAULT_SERVER;
  struct td_err *e = NULL;
  /* docker 20.10 says it removes them whether or not there were any */
  printf("Removing login credentials for %s\n", server);
  if (registry_logout(root, server, &e) < 0 && e->errnum != ENOENT)
    return fail(e);
  err_free(&e);
  return 0;
}
