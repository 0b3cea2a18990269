/* The flags of `image prune` and `volume prune`, shared by tinydocker and tinydocker-image. */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cli/image_cli.h"
#include "util/err.h"
#include "util/strv.h"

int cli_prune_flags(int argc, char **argv, bool *all, char ***filters,
                    unsigned long long *reclaimed)
{
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"filter", required_argument, NULL, 'F'},
                                       {"reclaimed", required_argument, NULL, 'R'},
                                       {NULL, 0, NULL, 0}};
  int c;
  *all = false;
  optind = 0;
  while ((c = getopt_long(argc, argv, "af", opts, NULL)) != -1) {
    if (c == 'a')
      *all = true;
    else if (c == 'F' && filters)
      strv_push(filters, optarg);
    else if (c == 'R' && reclaimed)
      *reclaimed = strtoull(optarg, NULL, 10);
    else if (c != 'f' && c != 'F')
      return EXIT_ENGINE;
  }
  return 0;
}
