#include <stdio.h>
#include <string.h>

#include "util/err.h"

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("tinydocker version %s\n", TD_VERSION);
    return 0;
  }
  fprintf(stderr, "tinydocker: not implemented yet\n");
  return EXIT_ENGINE;
}
