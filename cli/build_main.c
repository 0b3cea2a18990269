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
  fprintf(f,
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
          "      --progress string         Set type of progress output (auto, plain, tty)\n"
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
      break;
    case O_PULL:
      fprintf(stderr, "tinydocker: note: --pull is not supported yet: the local images are used\n");
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
