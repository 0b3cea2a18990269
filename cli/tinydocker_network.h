/* `tinydocker network ...` and `tinydocker port`: argv -> net/ calls. */
#pragma once
#include <sys/types.h>

#include "util/err.h"

/* What the network commands need from the engine about a container. */
struct net_cli_ctr {
  char *id;   /* full id */
  char *name; /* without the leading '/' */
  char *hostname;
  char *hosts_path;   /* the container's /etc/hosts on the host, or NULL */
  pid_t pid;          /* running init, 0 if not running */
  char *network_mode; /* HostConfig.NetworkMode, or NULL */
};

struct net_attach_req;

struct net_cli_hooks {
  /* Resolve a container name or id prefix; fill *c (strings malloc'ed). */
  int (*lookup)(void *ud, const char *name_or_id, struct net_cli_ctr *c, struct td_err **err);
  /* `network connect` / `disconnect` through the engine (its rules and record) */
  int (*connect)(void *ud, const char *container, struct net_attach_req *req, struct td_err **err);
  int (*disconnect)(void *ud, const char *network, const char *container, struct td_err **err);
  void *ud;
};

/* argv[0] is "network". Returns the exit status, or -1 with *err set. hooks may be NULL
 * (then connect/disconnect answer with an error). */
int net_cli_network(const char *root, const struct net_cli_hooks *hooks, int argc, char **argv,
                    struct td_err **err);
/* argv[0] is "port": `port CONTAINER [PRIVATE_PORT[/PROTO]]`. */
int net_cli_port(const char *root, const struct net_cli_hooks *hooks, int argc, char **argv,
                 struct td_err **err);
/* Free the strings of a lookup result. */
void net_cli_ctr_clear(struct net_cli_ctr *c);
