/* td-seccomp-json: print docker's default linux.seccomp object (as the engine renders it)
 * for tests that put it in a bundle's config.json. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime/security/security.h"

int main(void)
{
  json_t *p = security_docker_default_seccomp_json();
  char *s = json_dumps(p, JSON_COMPACT);
  if (!s)
    return 1;
  puts(s);
  free(s);
  json_decref(p);
  return 0;
}
