/* --help of the commands whose parsers live in other modules' CLIs (image, network, volume,
 * port), in docker's words, so that every command of `tinydocker --help` answers --help (and
 * the man pages, generated from --help, cover them). */
#include <stdio.h>
#include <string.h>

#include "cli/tinydocker_cmds.h"

static const struct {
  const char *name;
  const char *text;
} helps[] = {
    {"image", "Usage:  tinydocker image COMMAND\n\nManage images\n\nCommands:\n"
              "  history     Show the history of an image\n"
              "  import      Import the contents from a tarball to create a filesystem image\n"
              "  inspect     Display detailed information on one or more images\n"
              "  load        Load an image from a tar archive or STDIN\n"
              "  ls          List images\n"
              "  prune       Remove unused images\n"
              "  pull        Download an image from a registry\n"
              "  push        Upload an image to a registry\n"
              "  rm          Remove one or more images\n"
              "  save        Save one or more images to a tar archive\n"
              "  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n\n"
              "Run 'tinydocker image COMMAND --help' for more information on a command.\n"},
    {"network", "Usage:  tinydocker network COMMAND\n\nManage networks\n\nCommands:\n"
                "  connect     Connect a container to a network\n"
                "  create      Create a network\n"
                "  disconnect  Disconnect a container from a network\n"
                "  inspect     Display detailed information on one or more networks\n"
                "  ls          List networks\n"
                "  prune       Remove all unused networks\n"
                "  rm          Remove one or more networks\n"
                "  cleanup     Remove every network, endpoint and nft rule of this root\n\n"
                "Run 'tinydocker network COMMAND --help' for more information on a command.\n"},
    {"network create", "Usage:  tinydocker network create [OPTIONS] NETWORK\n\n"
                       "Create a network\n\nOptions:\n"
                       "      --attachable           Accepted (every network is attachable)\n"
                       "      --aux-address map      Auxiliary IPv4 addresses used by Network "
                       "driver (default map[])\n"
                       "  -d, --driver string        Driver to manage the Network (bridge)\n"
                       "      --gateway strings      IPv4 Gateway for the master subnet\n"
                       "      --internal             Restrict external access to the network\n"
                       "      --ip-range strings     Allocate container ip from a sub-range\n"
                       "      --ipam-driver string   IP Address Management Driver (default "
                       "\"default\")\n"
                       "      --ipv6                 Refused: IPv6 networks are not supported\n"
                       "      --label list           Set metadata on a network\n"
                       "  -o, --opt map              Set driver specific options\n"
                       "      --subnet strings       Subnet in CIDR format that represents a "
                       "network segment\n"},
    {"network ls", "Usage:  tinydocker network ls [OPTIONS]\n\nList networks\n\nOptions:\n"
                   "      --filter filter   Provide filter values (name=)\n"
                   "  -f, --format string   Format output using a template\n"
                   "      --no-trunc        Do not truncate the output\n"
                   "  -q, --quiet           Only display network IDs\n"},
    {"network inspect", "Usage:  tinydocker network inspect [OPTIONS] NETWORK [NETWORK...]\n\n"
                        "Display detailed information on one or more networks\n\nOptions:\n"
                        "  -f, --format string   Format output using a template\n"},
    {"network rm", "Usage:  tinydocker network rm NETWORK [NETWORK...]\n\n"
                   "Remove one or more networks\n"},
    {"network prune", "Usage:  tinydocker network prune [OPTIONS]\n\n"
                      "Remove all unused networks\n\nOptions:\n"
                      "  -f, --force   Do not prompt for confirmation\n"},
    {"network connect", "Usage:  tinydocker network connect [OPTIONS] NETWORK CONTAINER\n\n"
                        "Connect a container to a network\n\nOptions:\n"
                        "      --alias strings   Add network-scoped alias for the container\n"
                        "      --ip string       IPv4 address (e.g., 172.30.100.104)\n"},
    {"network disconnect", "Usage:  tinydocker network disconnect [OPTIONS] NETWORK CONTAINER\n\n"
                           "Disconnect a container from a network\n\nOptions:\n"
                           "  -f, --force   Force the container to disconnect from a network\n"},
    {"network cleanup", "Usage:  tinydocker network cleanup [--orphans]\n\n"
                        "Remove every network, endpoint and nft rule of this root\n\nOptions:\n"
                        "      --orphans   Only those of state roots that no longer exist\n"},
    {"port", "Usage:  tinydocker port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
             "List port mappings or a specific mapping for the container\n"},
    {"volume", "Usage:  tinydocker volume COMMAND\n\nManage volumes\n\nCommands:\n"
               "  create      Create a volume\n"
               "  inspect     Display detailed information on one or more volumes\n"
               "  ls          List volumes\n"
               "  prune       Remove unused local volumes\n"
               "  rm          Remove one or more volumes\n\n"
               "Run 'tinydocker volume COMMAND --help' for more information on a command.\n"},
    {"volume create", "Usage:  tinydocker volume create [OPTIONS] [VOLUME]\n\n"
                      "Create a volume\n\nOptions:\n"
                      "  -d, --driver string   Specify volume driver name (local)\n"
                      "      --label list      Set metadata for a volume\n"
                      "      --name string     Specify volume name\n"
                      "  -o, --opt map         Set driver specific options\n"},
    {"volume ls", "Usage:  tinydocker volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n"
                  "  -f, --filter filter   Provide filter values (name=, dangling=)\n"
                  "      --format string   Format output using a template\n"
                  "  -q, --quiet           Only display volume names\n"},
    {"volume inspect", "Usage:  tinydocker volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
                       "Display detailed information on one or more volumes\n\nOptions:\n"
                       "  -f, --format string   Format output using a template\n"},
    {"volume rm", "Usage:  tinydocker volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
                  "Remove one or more volumes. You cannot remove a volume that is in use by a "
                  "container.\n\nOptions:\n"
                  "  -f, --force   Do not fail when a volume does not exist\n"},
    {"volume prune", "Usage:  tinydocker volume prune [OPTIONS]\n\n"
                     "Remove unused local volumes (anonymous ones only, unless --all)\n\n"
                     "Options:\n"
                     "  -a, --all     Remove all unused volumes, not just anonymous ones\n"
                     "  -f, --force   Do not prompt for confirmation\n"},
};

static const char *canonical(const char *sub)
{
  if (strcmp(sub, "list") == 0)
    return "ls";
  if (strcmp(sub, "remove") == 0)
    return "rm";
  return sub;
}

bool td_group_help(const char *group, int argc, char **argv)
{
  bool asked = argc == 0 && strcmp(group, "port") != 0;
  for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
    asked = asked || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
  if (!asked)
    return false;
  char name[64];
  if (strcmp(group, "port") != 0 && argc > 0 && argv[0][0] != '-')
    snprintf(name, sizeof(name), "%s %s", group, canonical(argv[0]));
  else
    snprintf(name, sizeof(name), "%s", group);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
      if (strcmp(helps[i].name, name) == 0) {
        printf("\n%s", helps[i].text);
        return true;
      }
    }
    snprintf(name, sizeof(name), "%s", group); /* an unknown subcommand: the group's help */
  }
  return false;
}
