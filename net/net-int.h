/* Internals shared by the files of net/ (not for other modules). */
#pragma once
#include <stddef.h>

struct net_hosts_peer {
  const char *ip;
  const char *name;
  char **aliases;
};

/* /etc/hosts with this container's line plus its peers on a user network. */
char *net_hosts_render_peers(const char *hostname, const char *ip, char **add_hosts,
                             const struct net_hosts_peer *peers, size_t n_peers);
