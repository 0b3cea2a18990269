/* The flags of `image prune` and `volume prune`, shared by tinydocker and tinydocker-image. */
#include <getopt.h>
#include <stdbool.h>

#include "cli/image_cli.h"
#include "util/err.h"

int cli_prune_flags(int argc, char **argv, bool *all)
{
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"filter", required_argument, NULL, 'F'},
                                       {NULL, 0, NULL, 0}};
  int c;
  *all = false;
  optind = 0;
  while ((c = getopt_long(argc, argv, "af", opts, NULL)) != -1) {
    if (c == 'a')
      *all = true;
    else if (c != 'f' && c != 'F')
      return EXIT_ENGINE;
  }
  return 0;
}
