#include <stdio.h>

#include "util/err.h"

int main(void)
{
  fprintf(stderr, "tinydocker: image commands not implemented yet\n");
  return EXIT_ENGINE;
}
