/* tinydocker-build: `tinydocker build` with docker's flags, exec'd by tinydocker as
 * `tinydocker-build --root DIR [OPTIONS] PATH | -` (engine/build/build.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/build/build.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

static void usage(FILE *f)
{
  fprintf(
      f,
      "\nUsage:  tinydocker build [OPTIONS] PATH | -\n\n"
      "Build an image from a Dockerfile\n\n"
      "Options:\n"
      "      --build-arg list          Set build-time variables\n"
      "  -f, --file string             Name of the Dockerfile (Default is 'PATH/Dockerfile')\n"
      "      --iidfile string          Write the image ID to the file\n"
      "      --label list              Set metadata for an image\n"
      "      --network string          Set the networking mode for the RUN instructions "
      "during build (default, none, host) (default \"default\")\n"
      "      --no-cache                Do not use cache when building the image\n"
      "      --platform string         Set platform if server is multi-platform capable\n"
      "      --progress string         Set type of progress output (auto, plain, tty). Use plain "
      "to show container output (default \"auto\")\n"
      "      --pull                    Always attempt to pull a newer version of the image\n"
      "  -q, --quiet                   Suppress the build output and print image ID on "
      "success\n"
      "      --rm                      Remove intermediate containers after a successful "
      "build (default true)\n"
      "  -t, --tag list                Name and optionally a tag in the 'name:tag' format\n"
      "      --target string           Set the target build stage to build.\n");
}

static int bad(const char *msg)
{
  fprintf(stderr, "%s\nSee 'tinydocker build --help'.\n", msg);
  return EXIT_ENGINE;
}

/* `builder prune [-f] [-a]`: asks as docker does unless -f */
static int builder_cmd(const char *root, int argc, char **argv)
{
  if (argc < 1 || strcmp(argv[0], "prune") != 0) {
    fprintf(stderr, "\nUsage:  tinydocker builder prune [OPTIONS]\n\nRemove build cache\n\n"
                    "Options:\n  -a, --all     Remove all unused build cache, not just dangling "
                    "ones\n  -f, --force   Do not prompt for confirmation\n");
    return argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)
               ? 0
               : EXIT_ENGINE;
  }
  bool force = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
      force = true;
    else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
      continue;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      printf("\nUsage:  tinydocker builder prune [OPTIONS]\n\nRemove build cache\n\n"
             "Options:\n  -a, --all     Remove all unused build cache, not just dangling "
             "ones\n  -f, --force   Do not prompt for confirmation\n");
      return 0;
    } else
      return bad("unknown flag for builder prune");
  }
  if (!force) {
    printf("WARNING! This will remove all dangling build cache. Are you sure you want to "
           "continue? [y/N] ");
    fflush(stdout);
    char line[16] = "";
    if (fgets(line, sizeof(line), stdin) == NULL || (line[0] != 'y' && line[0] != 'Y'))
      return 0;
  }
  autoerr struct td_err *err = NULL;
  if (build_prune(root, stdout, &err) < 0)
    err_die("tinydocker", err);
  return 0;
}

int main(int argc, char **argv)
{
  err_progname = "tinydocker";
  umask(022);
  struct build_req r = {.root = getenv("TINYDOCKER_ROOT"), .network = "default"};
  autostrv char **tags = NULL, **bargs = NULL, **labels = NULL;
  enum {
    O_ROOT = 256,
    O_BUILD_ARG,
    O_IID,
    O_LABEL,
    O_NET,
    O_NOCACHE,
    O_PLAT,
    O_PROG,
    O_PULL,
    O_RM,
    O_TARGET,
    O_FORCE_RM
  };
  static const struct option opts[] = {
      {"root", required_argument, NULL, O_ROOT},
      {"build-arg", required_argument, NULL, O_BUILD_ARG},
      {"file", required_argument, NULL, 'f'},
      {"iidfile", required_argument, NULL, O_IID},
      {"label", required_argument, NULL, O_LABEL},
      {"network", required_argument, NULL, O_NET},
      {"no-cache", no_argument, NULL, O_NOCACHE},
      {"platform", required_argument, NULL, O_PLAT},
      {"progress", required_argument, NULL, O_PROG},
      {"pull", no_argument, NULL, O_PULL},
      {"quiet", no_argument, NULL, 'q'},
      {"rm", optional_argument, NULL, O_RM},
      {"force-rm", optional_argument, NULL, O_FORCE_RM},
      {"tag", required_argument, NULL, 't'},
      {"target", required_argument, NULL, O_TARGET},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  /* tinydocker-build --root DIR builder prune ... */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
      r.root = argv[++i];
      continue;
    }
    if (strcmp(argv[i], "builder") == 0)
      return builder_cmd(r.root && *r.root ? r.root : "/var/lib/tinydocker", argc - i - 1,
                         argv + i + 1);
    break;
  }
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+f:qt:h", opts, NULL)) != -1) {
    switch (c) {
    case O_ROOT:
      r.root = optarg;
      break;
    case O_BUILD_ARG:
      strv_push(&bargs, optarg);
      break;
    case 'f':
      r.file = optarg;
      break;
    case O_IID:
      r.iidfile = optarg;
      break;
    case O_LABEL:
      strv_push(&labels, optarg);
      break;
    case O_NET:
      if (strcmp(optarg, "none") && strcmp(optarg, "host") && strcmp(optarg, "default") &&
          strcmp(optarg, "bridge"))
        return bad("tinydocker build: --network: only none, host and default are supported");
      r.network = optarg;
      break;
    case O_NOCACHE:
      r.no_cache = true;
      break;
    case O_PLAT: {
      if (strcmp(optarg, "linux") != 0 && strncmp(optarg, "linux/", 6) != 0)
        return bad("tinydocker build: --platform: only this machine's platform can be built");
      break;
    }
    case O_PROG:
      if (strcmp(optarg, "auto") && strcmp(optarg, "plain") && strcmp(optarg, "tty"))
        return bad("tinydocker build: --progress: auto, plain or tty");
      r.progress = optarg;
      break;
    case O_PULL:
      r.pull = true;
      break;
    case O_RM:
    case O_FORCE_RM:
      break; /* intermediate containers never outlive their step */
    case 'q':
      r.quiet = true;
      break;
    case 't':
      strv_push(&tags, optarg);
      break;
    case O_TARGET:
      r.target = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default: {
      char msg[256];
      snprintf(msg, sizeof(msg), "unknown flag: %s", argv[optind - 1]);
      return bad(msg);
    }
    }
  }
  if (argc - optind != 1)
    return bad("\"tinydocker build\" requires exactly 1 argument.");
  r.context = argv[optind];
  if (r.root == NULL || *r.root == '\0')
    r.root = "/var/lib/tinydocker";
  r.tags = tags;
  r.build_args = bargs;
  r.labels = labels;
  autoerr struct td_err *err = NULL;
  autofree char *id = NULL;
  if (build_run(&r, &id, &err) < 0) {
    fflush(stdout);
    err_die("tinydocker", err);
  }
  if (r.quiet)
    printf("%s\n", id);
  return 0;
}
