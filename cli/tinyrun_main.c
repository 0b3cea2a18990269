#include <stdio.h>
#include <string.h>

#include "util/err.h"

int main(int argc, char **argv)
{
  err_progname = "tinyrun";
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("tinyrun version %s\nspec: 1.2.0\n", TD_VERSION);
    return 0;
  }
  fprintf(stderr, "tinyrun: not implemented yet\n");
  return 1;
}
