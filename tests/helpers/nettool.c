/* td-nettool: the network commands without the engine, for net/'s own integration tests
 * (`td-nettool network _attach ... CID /run/netns/X`). Root from $TINYDOCKER_ROOT. */
#include <stdlib.h>

#include "cli/tinydocker_network.h"
#include "util/err.h"

int main(int argc, char **argv)
{
  err_progname = "tinydocker";
  const char *root = getenv("TINYDOCKER_ROOT");
  if (!root)
    root = "/var/lib/tinydocker";
  if (argc < 2)
    return 2;
  struct td_err *err = NULL;
  int r = net_cli_network(root, NULL, argc - 1, argv + 1, &err);
  if (r < 0)
    err_die("tinydocker", err);
  return r;
}
